package plumbline.rules.pss_run_as_non_root

import rego.v1

import data.plumbline.lib.pss

# Pod Security Standards, restricted: "Running as Non-root" (PSA check runAsNonRoot, policy
# version 1.35, the latest). runAsNonRoot must be true in the pod's securityContext or in the
# securityContext of every container, init container and ephemeral container; an explicit false
# anywhere fails, even when the pod or every container also sets true elsewhere. runAsUser does not
# count: a non-zero runAsUser without runAsNonRoot: true still fails. Pods that run in a user
# namespace (spec.hostUsers: false) are exempt. Upstream has no Windows exemption for this check.

pod_label := "pod" if input.object.kind == "Pod"

pod_label := "pod template" if input.object.kind != "Pod"

# The user-namespace exemption exists from policy version 1.35 (runAsNonRoot1_35).
user_namespace_pod if {
	data.plumbline.lib.k8s.pod_spec.spec.hostUsers == false
	data.plumbline.lib.pss.minor >= 35
}

# The pod's runAsNonRoot; null when unset, or when the pod has no securityContext object
# (object.get with a path yields the default when a step is not an object).
default pod_value := null

pod_value := object.get(data.plumbline.lib.k8s.pod_spec.spec, ["securityContext", "runAsNonRoot"], null)

applies if {
	data.plumbline.lib.pss.restricted
	not user_namespace_pod
}

# The per-container lookups below are inlined (c.sc is the container's securityContext, or {}
# when it has none): they run for every container of every workload.

# runAsNonRoot: false at pod level: reported even when containers set true (as upstream), unless
# every container of the pod is exempt from this control.
violation contains v if {
	val := pod_value
	val != null
	val != true
	applies
	not all_containers_exempt
	v := {
		"msg": sprintf("%s sets securityContext.runAsNonRoot=%v; restricted requires runAsNonRoot=true", [pod_label, val]),
		"path": concat("", [data.plumbline.lib.k8s.pod_spec.path, "/securityContext/runAsNonRoot"]),
		"details": {"runAsNonRoot": val, "level": "pod"},
	}
}

# runAsNonRoot: false on a container overrides a pod-level true.
violation contains v if {
	applies
	some c in data.plumbline.lib.k8s.containers
	val := c.sc.runAsNonRoot
	val != null
	val != true
	not pss.exempt("pss-run-as-non-root", c)
	v := {
		"msg": sprintf("%s sets securityContext.runAsNonRoot=%v; restricted requires runAsNonRoot=true", [c.desc, val]),
		"path": concat("", [c.path, "/securityContext/runAsNonRoot"]),
		"details": {"image": c.image, "container": c.name, "runAsNonRoot": val},
	}
}

# Neither the container nor the pod sets it. (When the pod sets false, the pod finding covers the
# containers that inherit it.)
violation contains v if {
	pod_value == null
	applies
	some c in data.plumbline.lib.k8s.containers
	object.get(c.sc, "runAsNonRoot", null) == null
	not pss.exempt("pss-run-as-non-root", c)
	v := {
		"msg": sprintf("%s does not set securityContext.runAsNonRoot=true and neither does the %s%s; restricted requires runAsNonRoot=true at pod level or on every container", [c.desc, pod_label, uid_hint(c)]),
		"path": c.sc_path,
		"details": {"image": c.image, "container": c.name, "runAsNonRoot": null},
	}
}

# A non-zero runAsUser is not accepted in place of runAsNonRoot: say so when that is what was set
# (the container's runAsUser when not null, else the pod's).
uid_hint(c) := "" if {
	object.get(c.sc, "runAsUser", null) == 0
} else := sprintf(" (runAsUser=%v alone does not satisfy the control)", [uid]) if {
	uid := object.get(c.sc, "runAsUser", null)
	uid != null
} else := pod_uid_hint

pod_uid_hint := sprintf(" (runAsUser=%v alone does not satisfy the control)", [uid]) if {
	uid := object.get(data.plumbline.lib.k8s.pod_spec.spec, ["securityContext", "runAsUser"], null)
	uid != null
	uid != 0
} else := ""

all_containers_exempt if {
	count(data.plumbline.lib.k8s.containers) > 0
	every c in data.plumbline.lib.k8s.containers {
		pss.exempt("pss-run-as-non-root", c)
	}
}
