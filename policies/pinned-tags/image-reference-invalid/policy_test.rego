# Rego unit tests of image-reference-invalid, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.image_reference_invalid_test

import rego.v1

pod(containers, images) := {
	"object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "odoo"}, "spec": {"containers": containers}},
	"images": images,
}

invalid(error) := {"reference": null, "name": null, "error": error, "digest": null, "signature": null}

valid := {"reference": {"registry": "docker.io", "repository": "library/odoo", "tag": "17.0", "digest": null}, "name": "docker.io/library/odoo", "error": null, "digest": null, "signature": null}

test_unparseable_image_is_a_violation_with_the_parser_reason if {
	vs := data.plumbline.rules.image_reference_invalid.violation with input as pod(
		[{"name": "ok", "image": "odoo:17.0"}, {"name": "odoo", "image": "Odoo:17"}],
		{"odoo:17.0": valid, "Odoo:17": invalid("repository name must be lowercase")},
	)
	count(vs) == 1
	some v in vs
	v.path == "/spec/containers/1/image"
	v.msg == `container "odoo" has invalid image reference "Odoo:17": repository name must be lowercase`
	v.details.reason == "repository name must be lowercase"
}

test_missing_parser_reason_reads_unparseable if {
	some v in data.plumbline.rules.image_reference_invalid.violation with input as pod([{"name": "odoo", "image": "odoo::17"}], {"odoo::17": invalid(null)})
	v.details.reason == "unparseable"
}

test_valid_image_passes if {
	count(data.plumbline.rules.image_reference_invalid.violation) == 0 with input as pod([{"name": "odoo", "image": "odoo:17.0"}], {"odoo:17.0": valid})
}

test_non_string_image if {
	vs := data.plumbline.rules.image_reference_invalid.violation with input as pod([{"name": "odoo", "image": 17}], {})
	count(vs) == 1
	some v in vs
	v.path == "/spec/containers/0/image"
	v.msg == `container "odoo" sets image to a number, not a string`
}

test_missing_image_on_regular_and_init_containers_only if {
	inp := {
		"object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "odoo"}, "spec": {
			"initContainers": [{"name": "migrate", "image": null}],
			"containers": [{"name": "odoo"}],
			"ephemeralContainers": [{"name": "debug"}],
		}},
		"images": {},
	}
	vs := data.plumbline.rules.image_reference_invalid.violation with input as inp
	count(vs) == 2
	sort([[v.path, v.details.reason] | some v in vs]) == [
		["/spec/containers/0", "missing"],
		["/spec/initContainers/0/image", "missing"],
	]
}
