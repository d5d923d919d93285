package plumbline.rules.image_tag_unversioned

import rego.v1

import data.plumbline.lib.images

# Opt-in (params.images.requireVersionedTags, default false): a tag must carry a minor or patch
# version (`16.4`, `7.2.5-alpine`, `v1.29.3`), a date (`17.0-20241105`, `RELEASE.2024-10-13T13-34-11Z`)
# or a commit id (`sha-1a2b3c4d`); a major-only or named tag (`17`, `16-alpine`, `stable`, `lts`)
# floats to every new release of that line. Digests pass whatever their tag. Images without a tag
# and the params.images.disallowedTags are image-tag-latest's, so they are not reported twice.

enabled if object.get(object.get(data.plumbline.params, "images", {}), "requireVersionedTags", false) == true

# major.minor somewhere in the tag.
versioned(tag) if regex.match(`[0-9]+\.[0-9]+`, tag)

# A date: YYYYMMDD or YYYY-MM-DD, not inside a longer number.
versioned(tag) if regex.match(`(^|[^0-9])(19|20)[0-9]{2}-?(0[1-9]|1[0-2])-?(0[1-9]|[12][0-9]|3[01])([^0-9]|$)`, tag)

# A commit id: 7 to 40 hex digits with both a letter and a digit, delimited.
versioned(tag) if {
	some token in regex.find_n(`[0-9a-f]{7,40}`, lower(tag), -1)
	regex.match(`[a-f]`, token)
	regex.match(`[0-9]`, token)
	regex.match(concat("", [`(^|[^0-9a-f])`, token, `([^0-9a-f]|$)`]), lower(tag))
}

violation contains v if {
	enabled
	some img, fact in input.images
	ref := fact.reference
	ref != null
	ref.digest == null
	is_string(ref.tag)
	not ref.tag in object.get(object.get(data.plumbline.params, "images", {}), "disallowedTags", [])
	not versioned(ref.tag)
	not images.exempt(img)
	some c in data.plumbline.lib.k8s.containers
	c.container.image == img
	v := {
		"msg": sprintf("%s uses image %q, whose tag %q names no minor version or date", [c.desc, img, ref.tag]),
		"path": concat("", [c.path, "/image"]),
		"details": {"image": img, "container": c.name, "tag": ref.tag},
	}
}
