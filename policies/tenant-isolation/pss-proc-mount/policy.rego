package plumbline.rules.pss_proc_mount

import rego.v1

import data.plumbline.lib.k8s
import data.plumbline.lib.pss

# Pod Security Standards, "/proc Mount Type". Two PSA checks together (latest revisions, policy
# 1.35+):
# - baseline `procMount`: securityContext.procMount must be unset or "Default" on every container,
#   init container and ephemeral container, unless the pod runs in a user namespace
#   (spec.hostUsers: false), where any value is allowed;
# - restricted `procMount_restricted` (overrides the baseline check): unset or "Default" even in a
#   user namespace.

violation contains v if {
	data.plumbline.lib.pss.baseline
	not relaxed
	some c in data.plumbline.lib.k8s.containers
	pm := c.sc.procMount
	pm != null
	pm != "Default"
	not pss.exempt("pss-proc-mount", c)
	v := {
		"msg": sprintf("%s sets securityContext.procMount=%v; %s", [c.desc, pm, rule_text]),
		"path": concat("", [c.path, "/securityContext/procMount"]),
		"details": {"image": c.image, "container": c.name, "procMount": pm},
	}
}

# Baseline lets pods in a user namespace unmask /proc; restricted does not.
relaxed if {
	not data.plumbline.lib.pss.restricted
	data.plumbline.lib.k8s.pod_spec.spec.hostUsers == false
}

rule_text := "restricted requires it unset or Default, even for pods with hostUsers: false" if data.plumbline.lib.pss.restricted

rule_text := "baseline requires it unset or Default unless the pod sets hostUsers: false (user namespace)" if not data.plumbline.lib.pss.restricted
