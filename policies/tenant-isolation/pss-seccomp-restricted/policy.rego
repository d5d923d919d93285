package plumbline.rules.pss_seccomp_restricted

import rego.v1

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

# The pod's seccompProfile when set (not null); undefined when the pod's securityContext is not
# an object.
pod_profile := p if {
	p := data.plumbline.lib.k8s.pod_spec.spec.securityContext.seccompProfile
	p != null
}

allowed_profile(p) if p.type in allowed_types

# Policy versions: the check exists from 1.19 (below, pss-seccomp-baseline's annotation check
# applies at restricted); the Windows exemption from 1.25.
applies if {
	object.get(data.plumbline.params, ["podSecurity", "allowedSeccompProfiles"], null) == null
	data.plumbline.lib.pss.restricted
	data.plumbline.lib.pss.minor >= 19
	not windows_exempt
}

windows_exempt if {
	data.plumbline.lib.pss.windows_pod
	data.plumbline.lib.pss.minor >= 25
}

# A profile is valid when it is an object whose type is one of allowed_types: `p.type` is
# undefined for a profile that is not an object, or has no type. It is tested in a function, not
# as `not p.type in allowed_types`: OPA evaluates an absent `p.type` before the negation (the
# body is then undefined), regorus does not (tests/opa/repro/not-in-absent-ref.rego). The
# per-container lookups are inlined (c.sc is the container's securityContext, or {} when it has none): they run for every
# container of every workload.

# Pod-level profile with a forbidden type. Reported unless every container is exempt.
violation contains v if {
	applies
	p := pod_profile
	not allowed_profile(p)
	not all_containers_exempt
	bad := bad_profile(p)
	v := {
		"msg": sprintf("%s %s; restricted allows only RuntimeDefault or Localhost", [pod_label, bad.what]),
		"path": concat("", [data.plumbline.lib.k8s.pod_spec.path, "/securityContext/seccompProfile", bad.suffix]),
		"details": {"seccompProfileType": bad.type, "level": "pod"},
	}
}

# Container-level profile with a forbidden type (overrides the pod's).
violation contains v if {
	applies
	some c in data.plumbline.lib.k8s.containers
	p := c.sc.seccompProfile
	p != null
	not allowed_profile(p)
	not pss.exempt("pss-seccomp-restricted", c)
	bad := bad_profile(p)
	v := {
		"msg": sprintf("%s %s; restricted allows only RuntimeDefault or Localhost", [c.desc, bad.what]),
		"path": concat("", [c.path, "/securityContext/seccompProfile", bad.suffix]),
		"details": {"image": c.image, "container": c.name, "seccompProfileType": bad.type},
	}
}

# No profile on the container and none on the pod. (A forbidden pod-level profile is reported
# once, above, for the containers that inherit it.)
violation contains v if {
	applies
	not pod_profile
	some c in data.plumbline.lib.k8s.containers
	object.get(c.sc, "seccompProfile", null) == null
	not pss.exempt("pss-seccomp-restricted", c)
	v := {
		"msg": sprintf("%s does not set securityContext.seccompProfile and neither does the %s; restricted requires seccompProfile.type RuntimeDefault or Localhost at pod level or on every container", [c.desc, pod_label]),
		"path": c.sc_path,
		"details": {"image": c.image, "container": c.name, "seccompProfileType": null},
	}
}

# How a forbidden profile is described: its type (null when it has none, or is not an object)
# and the suffix of the pointer to report.
bad_profile(p) := {"what": sprintf("sets securityContext.seccompProfile.type=%q", [t]), "suffix": "/type", "type": t} if {
	t := p.type
	t != null
} else := {"what": "sets securityContext.seccompProfile without a type", "suffix": "", "type": null}

all_containers_exempt if {
	count(data.plumbline.lib.k8s.containers) > 0
	every c in data.plumbline.lib.k8s.containers {
		pss.exempt("pss-seccomp-restricted", c)
	}
}

# params.podSecurity.allowedSeccompProfiles (Gatekeeper K8sPSPSeccomp) replaces the restricted
# rule at the restricted level, whatever the policy version (lib/pss.rego,
# seccomp_allowlist_violations); Windows pods stay exempt from 1.25, as they cannot set a profile.
violation contains v if {
	is_array(object.get(data.plumbline.params, ["podSecurity", "allowedSeccompProfiles"], null))
	data.plumbline.lib.pss.restricted
	not windows_exempt
	some v in pss.seccomp_allowlist_violations("pss-seccomp-restricted")
}
