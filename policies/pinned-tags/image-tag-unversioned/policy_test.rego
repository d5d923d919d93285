# Rego unit tests of image-tag-unversioned, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.image_tag_unversioned_test

import rego.v1

# A Pod running docker.io/library/postgres with `tag` (null: none) and `digest`.
pod(tag, digest) := {
	"object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "db"}, "spec": {"containers": [{"name": "postgres", "image": image(tag, digest)}]}},
	"images": {image(tag, digest): {
		"reference": {"registry": "docker.io", "repository": "library/postgres", "tag": tag, "digest": digest},
		"name": "docker.io/library/postgres",
		"error": null,
		"digest": null,
		"signature": null,
	}},
}

image(tag, digest) := concat("", ["postgres", suffix(":", tag), suffix("@", digest)])

suffix(_, null) := ""

suffix(sep, s) := concat("", [sep, s]) if s != null

# The tags of `tags` that are reported with the rule on.
reported(tags) := [t |
	some t in tags
	count(data.plumbline.rules.image_tag_unversioned.violation) > 0 with input as pod(t, null)
		with data.plumbline.params.images.requireVersionedTags as true
]

test_off_by_default if {
	count(data.plumbline.rules.image_tag_unversioned.violation) == 0 with input as pod("16", null)
}

test_major_only_tag_is_a_violation_at_the_image if {
	vs := data.plumbline.rules.image_tag_unversioned.violation with input as pod("16", null)
		with data.plumbline.params.images.requireVersionedTags as true
	count(vs) == 1
	some v in vs
	v.path == "/spec/containers/0/image"
	v.msg == `container "postgres" uses image "postgres:16", whose tag "16" names no minor version or date`
	v.details.tag == "16"
}

test_floating_tags_are_reported if {
	tags := ["16", "16-alpine", "stable", "lts", "20241305", "a1b2c3", "abcdefab", "1234567"]
	reported(tags) == tags
}

test_versions_dates_and_commits_pass if {
	reported([
		"16.4", "7.2.5-alpine", "v1.29.3", "17.0-20241105", "20241105",
		"RELEASE.2024-10-13T13-34-11Z", "sha-1a2b3c4d", "1a2b3c4d5e6f",
	]) == []
}

test_digest_no_tag_and_disallowed_tags_are_left_to_others if {
	d := "sha256:9b2a6c1f0e3d4c5b6a7f8e9d0c1b2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b"
	count(data.plumbline.rules.image_tag_unversioned.violation) == 0 with input as pod("16", d)
		with data.plumbline.params.images.requireVersionedTags as true
	reported(["latest"]) == []
	count(data.plumbline.rules.image_tag_unversioned.violation) == 0 with input as pod(null, null)
		with data.plumbline.params.images.requireVersionedTags as true
	count(data.plumbline.rules.image_tag_unversioned.violation) == 1 with input as pod("latest", null)
		with data.plumbline.params.images.requireVersionedTags as true
		with data.plumbline.params.images.disallowedTags as []
}

test_exempt_images_from_params if {
	count(data.plumbline.rules.image_tag_unversioned.violation) == 0 with input as pod("16", null)
		with data.plumbline.params.images.requireVersionedTags as true
		with data.plumbline.params.images.exemptImages as ["docker.io/library/postgres:*"]
}
