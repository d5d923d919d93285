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

allowed_types := {"RuntimeDefault", "Localhost"}

annotation_prefix := "container.apparmor.security.beta.kubernetes.io/"

# Pod-level field.
violation contains v if {
	data.plumbline.lib.pss.baseline
	ps := data.plumbline.lib.k8s.pod_spec
	profile := ps.spec.securityContext.appArmorProfile
	profile != null
	not profile.type in allowed_types
	bad := bad_profile(profile)
	v := {
		"msg": sprintf("%s sets securityContext.appArmorProfile.type to %s; baseline allows only RuntimeDefault or Localhost (or leaving it unset)", [subject, bad.shown]),
		"path": concat("", [ps.path, "/securityContext/appArmorProfile", bad.suffix]),
		"details": {"appArmorProfileType": bad.value},
	}
}

# Container-level field.
violation contains v if {
	data.plumbline.lib.pss.baseline
	some c in data.plumbline.lib.k8s.containers
	profile := c.sc.appArmorProfile
	profile != null
	not profile.type in allowed_types
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
