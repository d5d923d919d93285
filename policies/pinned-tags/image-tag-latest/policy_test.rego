# Rego unit tests of image-tag-latest, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.image_tag_latest_test

import rego.v1

pod(image, ref) := {
	"object": {
		"apiVersion": "v1",
		"kind": "Pod",
		"metadata": {"name": "web"},
		"spec": {"containers": [{"name": "web", "image": image}]},
	},
	"images": {image: {"reference": ref, "name": "docker.io/library/odoo", "error": null}},
}

test_latest_tag_is_a_violation_at_the_image_field if {
	vs := data.plumbline.rules.image_tag_latest.violation with input as pod("odoo:latest", {"registry": "docker.io", "repository": "library/odoo", "tag": "latest", "digest": null})
	count(vs) == 1
	some v in vs
	v.path == "/spec/containers/0/image"
	v.details.tag == "latest"
}

test_missing_tag_means_latest if {
	vs := data.plumbline.rules.image_tag_latest.violation with input as pod("odoo", {"registry": "docker.io", "repository": "library/odoo", "tag": null, "digest": null})
	some v in vs
	contains(v.msg, "without a tag")
}

test_digest_pins_even_latest if {
	img := "odoo:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	ref := {"registry": "docker.io", "repository": "library/odoo", "tag": "latest", "digest": "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}
	count(data.plumbline.rules.image_tag_latest.violation) == 0 with input as pod(img, ref)
}

test_disallowed_tags_come_from_params if {
	ref := {"registry": "docker.io", "repository": "library/odoo", "tag": "stable", "digest": null}
	count(data.plumbline.rules.image_tag_latest.violation) == 0 with input as pod("odoo:stable", ref)
	count(data.plumbline.rules.image_tag_latest.violation) == 1 with input as pod("odoo:stable", ref)
		with data.plumbline.params.images.disallowedTags as ["latest", "stable"]
}
