# Rego unit tests of image-signature-unverified, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.image_signature_unverified_test

import rego.v1

img := "registry.example.com/erp/odoo:17.0"

digest := "sha256:9b2a6c1f0e3d4c5b6a7f8e9d0c1b2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b"

# A Deployment running `img` in an init container and a container, with the verifier's `signature`.
deployment(signature) := {
	"object": {
		"apiVersion": "apps/v1",
		"kind": "Deployment",
		"metadata": {"name": "odoo"},
		"spec": {"template": {"spec": {
			"initContainers": [{"name": "migrate", "image": img}],
			"containers": [{"name": "odoo", "image": img}, {"name": "proxy", "image": "registry.example.com/erp/proxy:1.2"}],
		}}},
	},
	"images": {
		img: {
			"reference": {"registry": "registry.example.com", "repository": "erp/odoo", "tag": "17.0", "digest": null},
			"name": "registry.example.com/erp/odoo",
			"error": null,
			"digest": digest,
			"signature": signature,
		},
		"registry.example.com/erp/proxy:1.2": {
			"reference": {"registry": "registry.example.com", "repository": "erp/proxy", "tag": "1.2", "digest": null},
			"name": "registry.example.com/erp/proxy",
			"error": null,
			"digest": digest,
			"signature": {"required": true, "state": "verified", "by": "platform", "error": null},
		},
	},
}

unverified := {"required": true, "state": "unverified", "by": null, "error": "no signature by a key trusted for this image"}

test_unverified_image_is_a_violation_at_each_use if {
	vs := data.plumbline.rules.image_signature_unverified.violation with input as deployment(unverified)
	sort([v.path | some v in vs]) == ["/spec/template/spec/containers/0/image", "/spec/template/spec/initContainers/0/image"]
	some v in vs
	v.path == "/spec/template/spec/containers/0/image"
	v.msg == `container "odoo" uses image "registry.example.com/erp/odoo:17.0" without a trusted signature: no signature by a key trusted for this image`
	v.details.digest == digest
	not v.severity
}

test_unverifiable_image_is_a_warning if {
	vs := data.plumbline.rules.image_signature_unverified.violation with input as deployment({"required": true, "state": "unverifiable", "by": null, "error": null})
	count(vs) == 2
	some v in vs
	v.severity == "warning"
	contains(v.msg, "whose signature could not be checked: no reason given")
}

test_verified_skipped_not_required_and_off_pass if {
	count(data.plumbline.rules.image_signature_unverified.violation) == 0 with input as deployment({"required": true, "state": "verified", "by": "platform", "error": null})
	count(data.plumbline.rules.image_signature_unverified.violation) == 0 with input as deployment({"required": true, "state": "skipped", "by": null, "error": null})
	count(data.plumbline.rules.image_signature_unverified.violation) == 0 with input as deployment(object.union(unverified, {"required": false}))
	count(data.plumbline.rules.image_signature_unverified.violation) == 0 with input as deployment(null)
}

test_exempt_images_from_params if {
	count(data.plumbline.rules.image_signature_unverified.violation) == 0 with input as deployment(unverified)
		with data.plumbline.params.images.exemptImages as ["registry.example.com/erp/odoo:*"]
	count(data.plumbline.rules.image_signature_unverified.violation) == 2 with input as deployment(unverified)
		with data.plumbline.params.images.exemptImages as ["registry.example.com/erp/proxy:*"]
}
