package plumbline.rules.image_registry_untrusted

import rego.v1

import data.plumbline.lib.images
import data.plumbline.lib.k8s

image_params := object.get(data.plumbline.params, "images", {})

allowed := [p | some p in object.get(image_params, "allowedRegistries", []); is_string(p)]

denied := [p | some p in object.get(image_params, "deniedRegistries", []); is_string(p)]

# Denied registries are reported whatever allowedRegistries says.
violation contains v if {
	some c in data.plumbline.lib.k8s.containers
	img := c.container.image
	is_string(img)
	not images.exempt(img)
	ref := images.reference(img)
	hits := [p | some p in denied; matches(img, ref, p)]
	count(hits) > 0
	v := {
		"msg": sprintf(
			"%s uses image %q from %s, which matches the denied registry %q (params.images.deniedRegistries); pull it from an approved registry instead",
			[c.desc, img, name(ref), hits[0]],
		),
		"path": concat("", [c.path, "/image"]),
		"details": {"image": img, "container": c.name, "registry": ref.registry, "repository": ref.repository, "denied": hits[0]},
	}
}

# With an allow-list, an image must match one of its entries.
violation contains v if {
	count(allowed) > 0
	some c in data.plumbline.lib.k8s.containers
	img := c.container.image
	is_string(img)
	not images.exempt(img)
	ref := images.reference(img)
	not denied_image(img, ref)
	not allowed_image(img, ref)
	v := {
		"msg": sprintf(
			"%s uses image %q from %s, which matches none of the allowed registries %v (params.images.allowedRegistries)",
			[c.desc, img, name(ref), allowed],
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
