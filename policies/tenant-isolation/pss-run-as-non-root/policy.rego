package plumbline.rules.pss_run_as_non_root

import rego.v1

import data.plumbline.lib.k8s
import data.plumbline.lib.pss

# Pod Security Standards, restricted: "Running as Non-root" (PSA check runAsNonRoot, policy
# version 1.35, the latest). runAsNonRoot must be true in the pod's securityContext or in the
# securityContext of every container, init container and ephemeral container; an explicit false
# anywhere fails, even when the pod or every container also sets true elsewhere. runAsUser does not
# count: a non-zero runAsUser without runAsNonRoot: true still fails. Pods that run in a user
# namespace (spec.hostUsers: false) are exempt. Upstream has no Windows exemption for this check.

pod_label := "pod" if input.object.kind == "Pod"

pod_label := "pod template" if input.object.kind != "Pod"

user_namespace_pod if data.plumbline.lib.k8s.pod_spec.spec.hostUsers == false

pod_security_context := sc if {
	sc := data.plumbline.lib.k8s.pod_spec.spec.securityContext
	is_object(sc)
}

default pod_value := null

pod_value := object.get(pod_security_context, "runAsNonRoot", null)

security_context(c) := sc if {
	sc := c.container.securityContext
	is_object(sc)
}

container_value(c) := object.get(security_context(c), "runAsNonRoot", null)

container_value(c) := null if not security_context(c)

applies if {
	data.plumbline.lib.pss.restricted
	not user_namespace_pod
}

# runAsNonRoot: false at pod level: reported even when containers set true (as upstream), unless
# every container of the pod is exempt from this control.
violation contains v if {
	applies
	pod_value != null
	pod_value != true
	not all_containers_exempt
	v := {
		"msg": sprintf("%s sets securityContext.runAsNonRoot=%v; restricted requires runAsNonRoot=true", [pod_label, pod_value]),
		"path": concat("", [data.plumbline.lib.k8s.pod_spec.path, "/securityContext/runAsNonRoot"]),
		"details": {"runAsNonRoot": pod_value, "level": "pod"},
	}
}

# runAsNonRoot: false on a container overrides a pod-level true.
violation contains v if {
	applies
	some c in data.plumbline.lib.k8s.containers
	val := container_value(c)
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
	applies
	pod_value == null
	some c in data.plumbline.lib.k8s.containers
	container_value(c) == null
	not pss.exempt("pss-run-as-non-root", c)
	v := {
		"msg": sprintf("%s does not set securityContext.runAsNonRoot=true and neither does the %s%s; restricted requires runAsNonRoot=true at pod level or on every container", [c.desc, pod_label, uid_hint(c)]),
		"path": missing_path(c),
		"details": {"image": c.image, "container": c.name, "runAsNonRoot": null},
	}
}

missing_path(c) := concat("", [c.path, "/securityContext"]) if security_context(c)

missing_path(c) := c.path if not security_context(c)

# A non-zero runAsUser is not accepted in place of runAsNonRoot: say so when that is what was set.
container_uid(c) := uid if {
	uid := object.get(security_context(c), "runAsUser", null)
	uid != null
}

effective_uid(c) := container_uid(c)

effective_uid(c) := uid if {
	not container_uid(c)
	uid := object.get(pod_security_context, "runAsUser", null)
	uid != null
}

uid_hint(c) := sprintf(" (runAsUser=%v alone does not satisfy the control)", [uid]) if {
	uid := effective_uid(c)
	uid != 0
}

uid_hint(c) := "" if not effective_uid(c)

uid_hint(c) := "" if effective_uid(c) == 0

all_containers_exempt if {
	count(data.plumbline.lib.k8s.containers) > 0
	every c in data.plumbline.lib.k8s.containers {
		pss.exempt("pss-run-as-non-root", c)
	}
}
