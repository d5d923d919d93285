package plumbline.rules.pss_apparmor

import rego.v1

import data.plumbline.lib.k8s
import data.plumbline.lib.pss

# Pod Security Standards, baseline: "AppArmor" (PSA check appArmorProfile, policy 1.0+; the field
# check was added in place in Kubernetes 1.30, the annotation check is still live).
# - securityContext.appArmorProfile.type (pod, containers, init and ephemeral containers):
#   RuntimeDefault or Localhost; an appArmorProfile object with any other type (Unconfined, or no
#   type) is forbidden. An unset or null appArmorProfile is allowed.
# - pod annotations container.apparmor.security.beta.kubernetes.io/<container>: empty,
#   "runtime/default" or "localhost/<profile>"; anything else ("unconfined") is forbidden.
# Parameter (Gatekeeper K8sPSPAppArmor allowedProfiles): params.podSecurity.allowedAppArmorProfiles
# replaces these rules: every container's effective profile (its securityContext.appArmorProfile,
# else its annotation, else the pod's appArmorProfile, else runtime/default) must be listed, in
# annotation form (runtime/default, unconfined, localhost/<name>; RuntimeDefault and Unconfined
# are read as the first two), "localhost/*" allowing any localhost profile and "*" any profile.

allowed_types := {"RuntimeDefault", "Localhost"}

configured := object.get(data.plumbline.params, ["podSecurity", "allowedAppArmorProfiles"], null)

configured_forms := {f |
	some e in configured
	f := object.get({"RuntimeDefault": "runtime/default", "Unconfined": "unconfined"}, e, e)
}

violation contains v if {
	is_array(object.get(data.plumbline.params, ["podSecurity", "allowedAppArmorProfiles"], null))
	not "*" in configured_forms
	data.plumbline.lib.pss.baseline
	some c in data.plumbline.lib.k8s.containers
	e := effective(c)
	not configured_allows(e.profile)
	not pss.exempt("pss-apparmor", c)
	v := {
		"msg": sprintf("%s runs with AppArmor profile %s (%s); params.podSecurity.allowedAppArmorProfiles allows only %s", [c.desc, e.profile, e.where, concat(", ", sort([f | some f in configured_forms]))]),
		"path": e.path,
		"details": {"image": c.image, "container": c.name, "profile": e.profile},
	}
}

configured_allows(p) if p in configured_forms

configured_allows(p) if {
	"localhost/*" in configured_forms
	startswith(p, "localhost/")
}

# The effective profile: the first candidate (arrays, not an else chain).
effective(c) := array.concat(
	array.concat(container_field(c), container_annotation(c)),
	array.concat(pod_field, [{"profile": "runtime/default", "where": "no profile set: the runtime default", "path": c.sc_path}]),
)[0]

container_field(c) := [x |
	f := c.sc.appArmorProfile
	f != null
	x := {"profile": field_form(f), "where": "container securityContext", "path": concat("", [c.path, "/securityContext/appArmorProfile"])}
]

container_annotation(c) := [x |
	key := concat("", [annotation_prefix, c.name])
	v := object.get(object.get(data.plumbline.lib.k8s.pod_metadata, "annotations", {}), key, null)
	is_string(v)
	x := {"profile": v, "where": concat("", ["annotation ", key]), "path": concat("/", [data.plumbline.lib.k8s.pod_metadata_path, "annotations", k8s.escape(key)])}
]

pod_field := [x |
	f := data.plumbline.lib.k8s.pod_spec.spec.securityContext.appArmorProfile
	f != null
	x := {"profile": field_form(f), "where": "pod securityContext", "path": concat("", [data.plumbline.lib.k8s.pod_spec.path, "/securityContext/appArmorProfile"])}
]

field_form(f) := "runtime/default" if f.type == "RuntimeDefault"

field_form(f) := "unconfined" if f.type == "Unconfined"

field_form(f) := concat("", ["localhost/", object.get(f, "localhostProfile", "")]) if f.type == "Localhost"

field_form(f) := sprintf("of type %v", [object.get(object.get({true: f}, is_object(f), {}), "type", null)]) if {
	not object.get(object.get({true: f}, is_object(f), {}), "type", null) in {"RuntimeDefault", "Unconfined", "Localhost"}
}

annotation_prefix := "container.apparmor.security.beta.kubernetes.io/"

# Pod-level field.
violation contains v if {
	ps := data.plumbline.lib.k8s.pod_spec
	profile := ps.spec.securityContext.appArmorProfile
	profile != null
	object.get(data.plumbline.params, ["podSecurity", "allowedAppArmorProfiles"], null) == null
	data.plumbline.lib.pss.baseline
	not allowed_profile(profile)
	bad := bad_profile(profile)
	v := {
		"msg": sprintf("%s sets securityContext.appArmorProfile.type to %s; baseline allows only RuntimeDefault or Localhost (or leaving it unset)", [subject, bad.shown]),
		"path": concat("", [ps.path, "/securityContext/appArmorProfile", bad.suffix]),
		"details": {"appArmorProfileType": bad.value},
	}
}

# Container-level field.
violation contains v if {
	some c in data.plumbline.lib.k8s.containers
	profile := c.sc.appArmorProfile
	profile != null
	object.get(data.plumbline.params, ["podSecurity", "allowedAppArmorProfiles"], null) == null
	data.plumbline.lib.pss.baseline
	not allowed_profile(profile)
	not pss.exempt("pss-apparmor", c)
	bad := bad_profile(profile)
	v := {
		"msg": sprintf("%s sets securityContext.appArmorProfile.type to %s; baseline allows only RuntimeDefault or Localhost (or leaving it unset)", [c.desc, bad.shown]),
		"path": concat("", [c.path, "/securityContext/appArmorProfile", bad.suffix]),
		"details": {"image": c.image, "container": c.name, "appArmorProfileType": bad.value},
	}
}

# Deprecated beta annotations on the pod (the pod template's metadata for controllers).
violation contains v if {
	object.get(data.plumbline.params, ["podSecurity", "allowedAppArmorProfiles"], null) == null
	data.plumbline.lib.pss.baseline
	annotations := object.get(data.plumbline.lib.k8s.pod_metadata, "annotations", {})
	is_object(annotations)
	some key, value in annotations
	startswith(key, annotation_prefix)
	is_string(value)
	not allowed_annotation(value)
	name := substring(key, count(annotation_prefix), -1)
	not annotation_exempt(name)
	v := {
		"msg": sprintf("%s annotation %s=%q sets the AppArmor profile of container %q to a forbidden value; baseline allows only runtime/default or localhost/<profile> (better: securityContext.appArmorProfile)", [subject, key, value, name]),
		"path": concat("/", [data.plumbline.lib.k8s.pod_metadata_path, "annotations", k8s.escape(key)]),
		"details": object.union({"annotation": key, "value": value, "container": name}, image_of(name)),
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
} else := {"shown": "nothing (appArmorProfile without a type)", "value": null, "suffix": ""}

allowed_annotation(value) if value == ""

allowed_annotation(value) if value == "runtime/default"

allowed_annotation(value) if {
	is_string(value)
	startswith(value, "localhost/")
}

annotation_exempt(name) if {
	some c in data.plumbline.lib.k8s.containers
	c.name == name
	pss.exempt("pss-apparmor", c)
}

image_of(name) := {"image": img} if {
	imgs := {i | some c in data.plumbline.lib.k8s.containers; c.name == name; i := c.image}
	count(imgs) == 1
	some img in imgs
}

image_of(name) := {} if {
	imgs := {i | some c in data.plumbline.lib.k8s.containers; c.name == name; i := c.image}
	count(imgs) != 1
}

subject := "pod" if input.object.kind == "Pod"

subject := sprintf("%s pod template", [input.object.kind]) if input.object.kind != "Pod"
