package plumbline.rules.image_registry_untrusted

import rego.v1

import data.plumbline.lib.images

image_params := object.get(data.plumbline.params, "images", {})

allowed := [p | some p in object.get(image_params, "allowedRegistries", []); is_string(p)]

denied := [p | some p in object.get(image_params, "deniedRegistries", []); is_string(p)]

# Denied registries are reported whatever allowedRegistries says.
# Each distinct image (input.images: every string image of the object, parsed) is judged once;
# only then are the containers that use it looked up. Without a deny-list nothing is done.
violation contains v if {
	count(denied) > 0
	some img, fact in input.images
	ref := fact.reference
	ref != null
	hits := [p | some p in denied; matches(img, ref, p)]
	count(hits) > 0
	not images.exempt(img)
	some c in data.plumbline.lib.k8s.containers
	c.container.image == img
	v := {
		"msg": sprintf(
			"%s uses image %q from denied registry %q",
			[c.desc, img, hits[0]],
		),
		"path": concat("", [c.path, "/image"]),
		"details": {"image": img, "container": c.name, "registry": ref.registry, "repository": ref.repository, "denied": hits[0]},
	}
}

# With an allow-list, an image must match one of its entries.
violation contains v if {
	count(allowed) > 0
	some img, fact in input.images
	ref := fact.reference
	ref != null
	not allowed_image(img, ref)
	not denied_image(img, ref)
	not images.exempt(img)
	some c in data.plumbline.lib.k8s.containers
	c.container.image == img
	v := {
		"msg": sprintf(
			"%s uses image %q from %s, not an allowed registry",
			[c.desc, img, ref.registry],
		),
		"path": concat("", [c.path, "/image"]),
		"details": {"image": img, "container": c.name, "registry": ref.registry, "repository": ref.repository},
	}
}

denied_image(img, ref) if {
	some p in denied
	matches(img, ref, p)
}

allowed_image(img, ref) if {
	some p in allowed
	matches(img, ref, p)
}

name(ref) := concat("/", [ref.registry, ref.repository])

matches(img, _, pattern) if images.matches_registry(img, pattern)

# A registry glob is about where the image lives, so also try it on registry/repository alone:
# lib globs treat "." as a delimiter, so a trailing "*" would not match a tag such as "17.0".
matches(_, ref, pattern) if {
	some wildcard in ["*", "?"]
	contains(pattern, wildcard)
	glob.match(pattern, [], name(ref))
}
