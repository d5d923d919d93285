package plumbline.rules.pss_proc_mount

import rego.v1

import data.plumbline.lib.pss

# Pod Security Standards, "/proc Mount Type". Two PSA checks together (latest revisions, policy
# 1.35+):
# - baseline `procMount`: securityContext.procMount must be unset or "Default" on every container,
#   init container and ephemeral container, unless the pod runs in a user namespace
#   (spec.hostUsers: false), where any value is allowed;
# - restricted `procMount_restricted` (overrides the baseline check): unset or "Default" even in a
#   user namespace.
# Policy versions below 1.35 have neither the user-namespace relaxation nor the restricted check:
# unset or Default everywhere.
# Parameter (Gatekeeper K8sPSPProcMount procMount): params.podSecurity.allowedProcMount "Unmasked"
# allows any procMount; "Default" allows only Default, also in a user namespace.

configured := object.get(data.plumbline.params, ["podSecurity", "allowedProcMount"], null)

violation contains v if {
	some c in data.plumbline.lib.k8s.containers
	pm := c.sc.procMount
	pm != null
	pm != "Default"
	data.plumbline.lib.pss.baseline
	object.get(data.plumbline.params, ["podSecurity", "allowedProcMount"], null) != "Unmasked"
	not relaxed
	not pss.exempt("pss-proc-mount", c)
	v := {
		"msg": sprintf("%s sets securityContext.procMount=%v; %s", [c.desc, pm, rule_text]),
		"path": concat("", [c.path, "/securityContext/procMount"]),
		"details": {"image": c.image, "container": c.name, "procMount": pm},
	}
}

# Baseline lets pods in a user namespace unmask /proc; restricted does not.
relaxed if {
	configured == null
	not data.plumbline.lib.pss.restricted
	data.plumbline.lib.pss.minor >= 35
	data.plumbline.lib.k8s.pod_spec.spec.hostUsers == false
}

rule_text := "params.podSecurity.allowedProcMount requires it unset or Default" if {
	configured == "Default"
} else := "restricted requires it unset or Default, even for pods with hostUsers: false" if {
	data.plumbline.lib.pss.restricted
	data.plumbline.lib.pss.minor >= 35
}

rule_text := "baseline requires it unset or Default unless the pod sets hostUsers: false (user namespace)" if {
	configured == null
	not data.plumbline.lib.pss.restricted
	data.plumbline.lib.pss.minor >= 35
}

rule_text := sprintf("policy version %s requires it unset or Default", [data.plumbline.lib.pss.version]) if {
	configured == null
	data.plumbline.lib.pss.minor < 35
}
