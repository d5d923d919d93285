package plumbline.rules.pss_seccomp_baseline

import rego.v1

import data.plumbline.lib.k8s
import data.plumbline.lib.pss

# Pod Security Standards, baseline: "Seccomp" (PSA check seccompProfile_baseline, latest revision
# policy 1.19+). securityContext.seccompProfile, at pod level and on every container, init
# container and ephemeral container, must be unset or have type RuntimeDefault or Localhost;
# Unconfined (or a profile without a type) is forbidden. Unset is allowed here (restricted requires
# an explicit profile: pss-seccomp-restricted).
# The alpha annotations seccomp.security.alpha.kubernetes.io/pod and
# container.seccomp.security.alpha.kubernetes.io/* are only checked by PSA for policy versions
# below 1.19, and the kubelet has ignored them since Kubernetes 1.27, so they are not checked here.

allowed_types := {"RuntimeDefault", "Localhost"}

# Pod level.
violation contains v if {
	not data.plumbline.lib.pss.restricted # at restricted, the restricted control replaces this one (as Pod Security Admission does)
	data.plumbline.lib.pss.baseline
	ps := data.plumbline.lib.k8s.pod_spec
	profile := ps.spec.securityContext.seccompProfile
	profile != null
	not profile.type in allowed_types
	bad := bad_profile(profile)
	v := {
		"msg": sprintf("%s sets securityContext.seccompProfile.type to %s; baseline allows only RuntimeDefault or Localhost (or leaving it unset)", [subject, bad.shown]),
		"path": concat("", [ps.path, "/securityContext/seccompProfile", bad.suffix]),
		"details": {"seccompProfileType": bad.value},
	}
}

# Containers.
violation contains v if {
	not data.plumbline.lib.pss.restricted # at restricted, the restricted control replaces this one (as Pod Security Admission does)
	data.plumbline.lib.pss.baseline
	some c in data.plumbline.lib.k8s.containers
	profile := c.sc.seccompProfile
	profile != null
	not profile.type in allowed_types
	not pss.exempt("pss-seccomp-baseline", c)
	bad := bad_profile(profile)
	v := {
		"msg": sprintf("%s sets securityContext.seccompProfile.type to %s; baseline allows only RuntimeDefault or Localhost (or leaving it unset)", [c.desc, bad.shown]),
		"path": concat("", [c.path, "/securityContext/seccompProfile", bad.suffix]),
		"details": {"image": c.image, "container": c.name, "seccompProfileType": bad.value},
	}
}

# A profile is forbidden when `profile.type` is not an allowed type: that covers a type outside
# allowed_types, a null or missing type, and a profile that is not an object (`.type` undefined).
# How a forbidden profile is reported:
bad_profile(profile) := {"shown": sprintf("%q", [t]), "value": t, "suffix": "/type"} if {
	t := profile.type
	t != null
} else := {"shown": "nothing (seccompProfile without a type)", "value": null, "suffix": ""}

subject := "pod" if input.object.kind == "Pod"

subject := sprintf("%s pod template", [input.object.kind]) if input.object.kind != "Pod"
