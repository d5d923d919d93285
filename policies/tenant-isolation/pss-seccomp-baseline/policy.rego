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
	data.plumbline.lib.pss.baseline
	not data.plumbline.lib.pss.restricted # at restricted, the restricted control replaces this one (as Pod Security Admission does)
	ps := data.plumbline.lib.k8s.pod_spec
	profile := ps.spec.securityContext.seccompProfile
	profile != null
	bad := bad_profile(profile)
	v := {
		"msg": sprintf("%s sets securityContext.seccompProfile.type to %s; baseline allows only RuntimeDefault or Localhost (or leaving it unset)", [subject, bad.shown]),
		"path": concat("", [ps.path, "/securityContext/seccompProfile", bad.suffix]),
		"details": {"seccompProfileType": bad.value},
	}
}

# Containers.
violation contains v if {
	data.plumbline.lib.pss.baseline
	not data.plumbline.lib.pss.restricted # at restricted, the restricted control replaces this one (as Pod Security Admission does)
	some c in data.plumbline.lib.k8s.containers
	not pss.exempt("pss-seccomp-baseline", c)
	profile := c.container.securityContext.seccompProfile
	profile != null
	bad := bad_profile(profile)
	v := {
		"msg": sprintf("%s sets securityContext.seccompProfile.type to %s; baseline allows only RuntimeDefault or Localhost (or leaving it unset)", [c.desc, bad.shown]),
		"path": concat("", [c.path, "/securityContext/seccompProfile", bad.suffix]),
		"details": {"image": c.image, "container": c.name, "seccompProfileType": bad.value},
	}
}

bad_profile(profile) := {"shown": "nothing (seccompProfile without a type)", "value": null, "suffix": ""} if {
	not is_object(profile)
}

bad_profile(profile) := {"shown": "nothing (seccompProfile without a type)", "value": null, "suffix": ""} if {
	is_object(profile)
	object.get(profile, "type", null) == null
}

bad_profile(profile) := {"shown": sprintf("%q", [t]), "value": t, "suffix": "/type"} if {
	is_object(profile)
	t := object.get(profile, "type", null)
	t != null
	not t in allowed_types
}

subject := "pod" if input.object.kind == "Pod"

subject := sprintf("%s pod template", [input.object.kind]) if input.object.kind != "Pod"
