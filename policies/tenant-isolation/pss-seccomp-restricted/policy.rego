package plumbline.rules.pss_seccomp_restricted

import rego.v1

import data.plumbline.lib.k8s
import data.plumbline.lib.pss

# Pod Security Standards, restricted: "Seccomp" (PSA check seccompProfile_restricted, policy
# version 1.25+). seccompProfile.type must be RuntimeDefault or Localhost, set in the pod's
# securityContext or in that of every container, init container and ephemeral container. Any other
# explicit value (Unconfined, or a profile without a type) fails wherever it is set: a pod-level
# Unconfined fails even when every container sets RuntimeDefault, and a container-level Unconfined
# overrides a valid pod default. Windows pods (spec.os.name: windows) are exempt.

allowed_types := {"RuntimeDefault", "Localhost"}

pod_label := "pod" if input.object.kind == "Pod"

pod_label := "pod template" if input.object.kind != "Pod"

pod_security_context := sc if {
	sc := data.plumbline.lib.k8s.pod_spec.spec.securityContext
	is_object(sc)
}

# The pod's seccompProfile when set (not null).
pod_profile := p if {
	p := object.get(pod_security_context, "seccompProfile", null)
	p != null
}

security_context(c) := sc if {
	sc := c.container.securityContext
	is_object(sc)
}

container_profile(c) := p if {
	p := object.get(security_context(c), "seccompProfile", null)
	p != null
}

profile_type(p) := object.get(p, "type", null) if is_object(p)

profile_type(p) := null if not is_object(p)

valid(p) if profile_type(p) in allowed_types

applies if {
	data.plumbline.lib.pss.restricted
	not data.plumbline.lib.pss.windows_pod
}

# Pod-level profile with a forbidden type. Reported unless every container is exempt.
violation contains v if {
	applies
	p := pod_profile
	not valid(p)
	not all_containers_exempt
	base := concat("", [data.plumbline.lib.k8s.pod_spec.path, "/securityContext/seccompProfile"])
	v := {
		"msg": sprintf("%s %s; restricted allows only RuntimeDefault or Localhost", [pod_label, describe_bad(p)]),
		"path": type_path(base, p),
		"details": {"seccompProfileType": profile_type(p), "level": "pod"},
	}
}

# Container-level profile with a forbidden type (overrides the pod's).
violation contains v if {
	applies
	some c in data.plumbline.lib.k8s.containers
	p := container_profile(c)
	not valid(p)
	not pss.exempt("pss-seccomp-restricted", c)
	base := concat("", [c.path, "/securityContext/seccompProfile"])
	v := {
		"msg": sprintf("%s %s; restricted allows only RuntimeDefault or Localhost", [c.desc, describe_bad(p)]),
		"path": type_path(base, p),
		"details": {"image": c.image, "container": c.name, "seccompProfileType": profile_type(p)},
	}
}

# No profile on the container and none on the pod. (A forbidden pod-level profile is reported
# once, above, for the containers that inherit it.)
violation contains v if {
	applies
	not pod_profile
	some c in data.plumbline.lib.k8s.containers
	not container_profile(c)
	not pss.exempt("pss-seccomp-restricted", c)
	v := {
		"msg": sprintf("%s does not set securityContext.seccompProfile and neither does the %s; restricted requires seccompProfile.type RuntimeDefault or Localhost at pod level or on every container", [c.desc, pod_label]),
		"path": missing_path(c),
		"details": {"image": c.image, "container": c.name, "seccompProfileType": null},
	}
}

describe_bad(p) := sprintf("sets securityContext.seccompProfile.type=%q", [t]) if {
	t := profile_type(p)
	t != null
}

describe_bad(p) := "sets securityContext.seccompProfile without a type" if profile_type(p) == null

type_path(base, p) := concat("", [base, "/type"]) if profile_type(p) != null

type_path(base, p) := base if profile_type(p) == null

missing_path(c) := concat("", [c.path, "/securityContext"]) if security_context(c)

missing_path(c) := c.path if not security_context(c)

all_containers_exempt if {
	count(data.plumbline.lib.k8s.containers) > 0
	every c in data.plumbline.lib.k8s.containers {
		pss.exempt("pss-seccomp-restricted", c)
	}
}
