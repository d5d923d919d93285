package plumbline.rules.pss_seccomp_baseline

import rego.v1

import data.plumbline.lib.k8s
import data.plumbline.lib.pss

# Pod Security Standards, baseline: "Seccomp" (PSA check seccompProfile_baseline, latest revision
# policy 1.19+). securityContext.seccompProfile, at pod level and on every container, init
# container and ephemeral container, must be unset or have type RuntimeDefault or Localhost;
# Unconfined (or a profile without a type) is forbidden. Unset is allowed here (restricted requires
# an explicit profile: pss-seccomp-restricted).
# Policy versions below 1.19 check the alpha annotations instead (seccompProfileBaseline_1_0):
# seccomp.security.alpha.kubernetes.io/pod and container.seccomp.security.alpha.kubernetes.io/<name>
# must be runtime/default, docker/default or localhost/<profile>; the fields are not looked at
# there. (The kubelet has ignored the annotations since Kubernetes 1.27.) At the restricted level,
# PSA's seccompProfile_restricted (1.19+) replaces this check; below 1.19 this one applies there.

allowed_types := {"RuntimeDefault", "Localhost"}

applies if {
	object.get(data.plumbline.params, ["podSecurity", "allowedSeccompProfiles"], null) == null
	not replaced # at restricted, the restricted control replaces this one (as Pod Security Admission does)
	data.plumbline.lib.pss.baseline
}

replaced if {
	data.plumbline.lib.pss.restricted
	data.plumbline.lib.pss.minor >= 19
}

fields_checked if {
	applies
	data.plumbline.lib.pss.minor >= 19
}

annotations_checked if {
	applies
	data.plumbline.lib.pss.minor < 19
}

pod_annotation := "seccomp.security.alpha.kubernetes.io/pod"

container_annotation_prefix := "container.seccomp.security.alpha.kubernetes.io/"

# Policy versions below 1.19: the pod annotation.
violation contains v if {
	annotations := object.get(data.plumbline.lib.k8s.pod_metadata, "annotations", {})
	value := object.get(annotations, pod_annotation, null)
	value != null
	annotations_checked
	not allowed_annotation(value)
	v := annotation_violation(pod_annotation, value, {})
}

# Policy versions below 1.19: each container's annotation.
violation contains v if {
	annotations := object.get(data.plumbline.lib.k8s.pod_metadata, "annotations", {})
	count(annotations) > 0
	some c in data.plumbline.lib.k8s.containers
	key := concat("", [container_annotation_prefix, c.name])
	value := object.get(annotations, key, null)
	value != null
	annotations_checked
	not allowed_annotation(value)
	not pss.exempt("pss-seccomp-baseline", c)
	v := annotation_violation(key, value, {"image": c.image, "container": c.name})
}

allowed_annotation(value) if value in {"runtime/default", "docker/default"}

allowed_annotation(value) if {
	is_string(value)
	startswith(value, "localhost/")
}

annotation_violation(key, value, extra) := {
	"msg": sprintf("%s annotation %s=%v sets a forbidden seccomp profile; baseline at policy version %s allows only runtime/default, docker/default or localhost/<profile>", [subject, key, show(value), data.plumbline.lib.pss.version]),
	"path": concat("/", [data.plumbline.lib.k8s.pod_metadata_path, "annotations", k8s.escape(key)]),
	"details": object.union({"annotation": key, "value": value}, extra),
}

show(x) := sprintf("%q", [x]) if is_string(x)

show(x) := sprintf("%v", [x]) if not is_string(x)

# Pod level.
violation contains v if {
	ps := data.plumbline.lib.k8s.pod_spec
	profile := ps.spec.securityContext.seccompProfile
	profile != null
	fields_checked
	not allowed_profile(profile)
	bad := bad_profile(profile)
	v := {
		"msg": sprintf("%s sets securityContext.seccompProfile.type to %s; baseline allows only RuntimeDefault or Localhost (or leaving it unset)", [subject, bad.shown]),
		"path": concat("", [ps.path, "/securityContext/seccompProfile", bad.suffix]),
		"details": {"seccompProfileType": bad.value},
	}
}

# Containers.
violation contains v if {
	some c in data.plumbline.lib.k8s.containers
	profile := c.sc.seccompProfile
	profile != null
	fields_checked
	not allowed_profile(profile)
	not pss.exempt("pss-seccomp-baseline", c)
	bad := bad_profile(profile)
	v := {
		"msg": sprintf("%s sets securityContext.seccompProfile.type to %s; baseline allows only RuntimeDefault or Localhost (or leaving it unset)", [c.desc, bad.shown]),
		"path": concat("", [c.path, "/securityContext/seccompProfile", bad.suffix]),
		"details": {"image": c.image, "container": c.name, "seccompProfileType": bad.value},
	}
}

# The type is tested inside a function: `not profile.type in allowed_types` is undefined in OPA
# when the profile has no type (OPA evaluates the reference before the negation), so a profile
# without a type would pass there while Pod Security Admission forbids it.
allowed_profile(profile) if profile.type in allowed_types

# A profile is forbidden when `profile.type` is not an allowed type: that covers a type outside
# allowed_types, a null or missing type, and a profile that is not an object (`.type` undefined).
# How a forbidden profile is reported:
bad_profile(profile) := {"shown": sprintf("%q", [t]), "value": t, "suffix": "/type"} if {
	t := profile.type
	t != null
} else := {"shown": "nothing (seccompProfile without a type)", "value": null, "suffix": ""}

subject := "pod" if input.object.kind == "Pod"

subject := sprintf("%s pod template", [input.object.kind]) if input.object.kind != "Pod"

# params.podSecurity.allowedSeccompProfiles (Gatekeeper K8sPSPSeccomp) replaces the baseline rule
# at the baseline level (lib/pss.rego, seccomp_allowlist_violations).
violation contains v if {
	is_array(object.get(data.plumbline.params, ["podSecurity", "allowedSeccompProfiles"], null))
	data.plumbline.lib.pss.baseline
	not data.plumbline.lib.pss.restricted
	some v in pss.seccomp_allowlist_violations("pss-seccomp-baseline")
}
