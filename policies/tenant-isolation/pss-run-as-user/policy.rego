package plumbline.rules.pss_run_as_user

import rego.v1

import data.plumbline.lib.pss

# Pod Security Standards, restricted: "Running as Non-root user" (PSA check runAsUser, policy
# version 1.35, the latest). runAsUser must not be 0 in the pod's securityContext nor in any
# container's, init container's or ephemeral container's; unset is allowed. Pods that run in a user
# namespace (spec.hostUsers: false) are exempt: UID 0 there maps to an unprivileged host UID.
# Upstream has no Windows exemption for this check, so neither does this rule.

pod_label := "pod" if input.object.kind == "Pod"

pod_label := "pod template" if input.object.kind != "Pod"

# The user-namespace exemption exists from policy version 1.35 (runAsUser1_35).
user_namespace_pod if {
	data.plumbline.lib.k8s.pod_spec.spec.hostUsers == false
	data.plumbline.lib.pss.minor >= 35
}

# runAsUser: 0 at pod level. Reported unless every container of the pod is exempt from this
# control (params.podSecurity.exemptImages).
violation contains v if {
	data.plumbline.lib.pss.restricted
	data.plumbline.lib.pss.minor >= 23 # the check exists from policy version 1.23
	not user_namespace_pod
	data.plumbline.lib.k8s.pod_spec.spec.securityContext.runAsUser == 0
	not all_containers_exempt
	v := {
		"msg": sprintf("%s sets securityContext.runAsUser=0 (root); restricted forbids UID 0, set a non-zero UID or leave it unset", [pod_label]),
		"path": concat("", [data.plumbline.lib.k8s.pod_spec.path, "/securityContext/runAsUser"]),
		"details": {"runAsUser": 0, "level": "pod"},
	}
}

# runAsUser: 0 on a container, init container or ephemeral container.
violation contains v if {
	data.plumbline.lib.pss.restricted
	data.plumbline.lib.pss.minor >= 23
	not user_namespace_pod
	some c in data.plumbline.lib.k8s.containers
	c.sc.runAsUser == 0 # c.sc: the securityContext, or {} when it is not an object
	not pss.exempt("pss-run-as-user", c)
	v := {
		"msg": sprintf("%s sets securityContext.runAsUser=0 (root); restricted forbids UID 0, set a non-zero UID or leave it unset", [c.desc]),
		"path": concat("", [c.path, "/securityContext/runAsUser"]),
		"details": {"image": c.image, "container": c.name, "runAsUser": 0},
	}
}

all_containers_exempt if {
	count(data.plumbline.lib.k8s.containers) > 0
	every c in data.plumbline.lib.k8s.containers {
		pss.exempt("pss-run-as-user", c)
	}
}
