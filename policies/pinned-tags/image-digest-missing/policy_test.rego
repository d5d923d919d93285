# Rego unit tests of image-digest-missing, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.image_digest_missing_test

import rego.v1

digest := "sha256:9b2a6c1f0e3d4c5b6a7f8e9d0c1b2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b"

pod(image, ref) := {
	"object": {
		"apiVersion": "v1",
		"kind": "Pod",
		"metadata": {"name": "odoo"},
		"spec": {"containers": [{"name": "odoo", "image": image}]},
	},
	"images": {image: {"reference": ref, "name": "registry.example.com/erp/odoo", "error": null, "digest": null, "signature": null}},
}

ref(tag, dgst) := {"registry": "registry.example.com", "repository": "erp/odoo", "tag": tag, "digest": dgst}

violations(image, r) := vs if {
	vs := data.plumbline.rules.image_digest_missing.violation with input as pod(image, r)
		with data.plumbline.params.images.requireDigest as true
}

test_off_by_default if {
	count(data.plumbline.rules.image_digest_missing.violation) == 0 with input as pod("registry.example.com/erp/odoo:17.0", ref("17.0", null))
}

test_tag_without_digest_is_a_violation_at_the_image if {
	vs := violations("registry.example.com/erp/odoo:17.0", ref("17.0", null))
	count(vs) == 1
	some v in vs
	v.path == "/spec/containers/0/image"
	v.msg == `container "odoo" uses image "registry.example.com/erp/odoo:17.0" without a digest`
	v.details.tag == "17.0"
}

test_no_tag_nor_digest if {
	some v in violations("registry.example.com/erp/odoo", ref(null, null))
	contains(v.msg, "without a tag or digest")
	v.details.tag == null
}

test_digest_with_or_without_tag_passes if {
	count(violations(concat("@", ["registry.example.com/erp/odoo:17.0", digest]), ref("17.0", digest))) == 0
	count(violations(concat("@", ["registry.example.com/erp/odoo", digest]), ref(null, digest))) == 0
}

test_invalid_and_exempt_images_are_skipped if {
	count(violations("registry.example.com/erp/Odoo:17.0", null)) == 0
	count(data.plumbline.rules.image_digest_missing.violation) == 0 with input as pod("registry.example.com/erp/odoo:17.0", ref("17.0", null))
		with data.plumbline.params.images.requireDigest as true
		with data.plumbline.params.images.exemptImages as ["registry.example.com/erp/*"]
}

test_ephemeral_containers_are_checked if {
	inp := {
		"object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "odoo"}, "spec": {
			"containers": [{"name": "odoo", "image": concat("@", ["odoo", digest])}],
			"ephemeralContainers": [{"name": "debug", "image": "busybox:1.36"}],
		}},
		"images": {
			concat("@", ["odoo", digest]): {"reference": {"registry": "docker.io", "repository": "library/odoo", "tag": null, "digest": digest}, "error": null},
			"busybox:1.36": {"reference": {"registry": "docker.io", "repository": "library/busybox", "tag": "1.36", "digest": null}, "error": null},
		},
	}
	vs := data.plumbline.rules.image_digest_missing.violation with input as inp
		with data.plumbline.params.images.requireDigest as true
	[v.path | some v in vs] == ["/spec/ephemeralContainers/0/image"]
}
