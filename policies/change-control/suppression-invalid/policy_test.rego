# Rego unit tests of suppression-invalid, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.suppression_invalid_test

import rego.v1

pod(suppressions) := {
	"object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "odoo", "annotations": {}}, "spec": {}},
	"suppressions": suppressions,
}

test_suppression_with_a_problem_is_an_error_at_its_annotation if {
	vs := data.plumbline.rules.suppression_invalid.violation with input as pod({"image-tag-latest": {"reason": "", "problem": "gives no reason"}})
	count(vs) == 1
	some v in vs
	v.path == "/metadata/annotations/ignore.plumbline.dev~1image-tag-latest"
	v.msg == `suppression "ignore.plumbline.dev/image-tag-latest" gives no reason; not honoured`
	v.severity == "error"
	v.details.suppressedRule == "image-tag-latest"
}

test_honoured_suppressions_pass if {
	count(data.plumbline.rules.suppression_invalid.violation) == 0 with input as pod({"image-tag-latest": {"reason": "vendor image; OPS-123", "expires": "2027-01-31"}})
	count(data.plumbline.rules.suppression_invalid.violation) == 0 with input as pod({"image-tag-latest": {"reason": "vendor image", "problem": null}})
	count(data.plumbline.rules.suppression_invalid.violation) == 0 with input as pod({})
}

test_carried_suppression_is_a_warning if {
	vs := data.plumbline.rules.suppression_invalid.violation with input as pod({
		"image-tag-latest": {"reason": "vendor", "problem": "was set by a requester who may not suppress", "carried": true},
		"image-tag-lates": {"reason": "typo", "problem": "names no known rule"},
	})
	count(vs) == 2
	sevs := {v.details.suppressedRule: v.severity | some v in vs}
	sevs == {"image-tag-latest": "warning", "image-tag-lates": "error"}
}
