# Image helpers. References are parsed by the engine (input.images[ref].reference:
# registry, repository, tag, digest), following the distribution/reference grammar.
package plumbline.lib.images

import rego.v1

params := data.plumbline.params.images

# The parsed reference of an image, undefined when it does not parse.
reference(img) := ref if {
	ref := input.images[img].reference
	ref != null
}

# Normalised forms an image glob may be written against.
forms(img) := {img, full} if {
	ref := reference(img)
	full := concat("", [ref.registry, "/", ref.repository, tag_suffix(ref), digest_suffix(ref)])
}

forms(img) := {img} if not reference(img)

tag_suffix(ref) := concat("", [":", ref.tag]) if ref.tag != null

tag_suffix(ref) := "" if ref.tag == null

digest_suffix(ref) := concat("", ["@", ref.digest]) if ref.digest != null

digest_suffix(ref) := "" if ref.digest == null

exempt(img) if {
	some pattern in params.exemptImages
	some f in forms(img)
	glob.match(pattern, null, f)
}

# Whether an image matches a registry pattern: a glob when it has `*` or `?`, else a prefix of
# registry/repository (with or without a trailing slash).
matches_registry(img, pattern) if {
	not contains(pattern, "*")
	not contains(pattern, "?")
	ref := reference(img)
	name := concat("/", [ref.registry, ref.repository])
	p := trim_suffix(pattern, "/")
	some candidate in {name, img}
	prefix_match(candidate, p)
}

matches_registry(img, pattern) if {
	some wildcard in ["*", "?"]
	contains(pattern, wildcard)
	some f in forms(img)
	glob.match(pattern, null, f)
}

prefix_match(name, p) if name == p

prefix_match(name, p) if startswith(name, concat("", [p, "/"]))

prefix_match(name, p) if startswith(name, concat("", [p, ":"]))
