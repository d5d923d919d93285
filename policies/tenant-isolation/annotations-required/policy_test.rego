# Rego unit tests of annotations-required, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.annotations_required_test

import rego.v1

obj(kind, metadata) := {"object": {
	"apiVersion": "apps/v1",
	"kind": kind,
	"metadata": object.union({"name": "odoo"}, metadata),
}}

required := [{"key": "owner.example.com/contact"}, {"key": "runbook", "allowedRegex": "^https://", "kinds": ["Deployment"]}]

test_off_while_the_list_is_empty if {
	count(data.plumbline.rules.annotations_required.violation) == 0 with input as obj("Deployment", {})
}

test_missing_annotations_point_at_metadata_when_there_are_none if {
	vs := data.plumbline.rules.annotations_required.violation with input as obj("Deployment", {})
		with data.plumbline.params.annotations.required as required
	count(vs) == 1
	some v in vs
	v.path == "/metadata"
	v.details.missing == ["owner.example.com/contact", "runbook"]
}

test_value_must_match_the_regex if {
	vs := data.plumbline.rules.annotations_required.violation with input as obj("Deployment", {"annotations": {"owner.example.com/contact": "", "runbook": "http://wiki/odoo"}})
		with data.plumbline.params.annotations.required as required
	count(vs) == 1
	some v in vs
	v.path == "/metadata/annotations/runbook"
	v.details.value == "http://wiki/odoo"
	contains(v.msg, "does not match allowedRegex ^https://")
}

test_compliant_and_other_kinds_pass if {
	count(data.plumbline.rules.annotations_required.violation) == 0 with input as obj("Deployment", {"annotations": {"owner.example.com/contact": "erp@example.com", "runbook": "https://wiki/odoo"}})
		with data.plumbline.params.annotations.required as required
	count(data.plumbline.rules.annotations_required.violation) == 0 with input as obj("Service", {"annotations": {"owner.example.com/contact": "x"}})
		with data.plumbline.params.annotations.required as required
}

# Regression test: the rule once diverged between regorus and OPA here. `annotations_path := "" if
# not is_object(input.object.metadata)` reads an absent key inside `not`
# (tests/opa/repro/not-call-absent-ref.rego); OPA evaluates the ref first, so the rule is
# undefined and the violation disappears there.
test_object_without_metadata_points_at_the_object if {
	vs := data.plumbline.rules.annotations_required.violation with input as {"object": {"apiVersion": "v1", "kind": "ConfigMap", "data": {}}}
		with data.plumbline.params.annotations.required as [{"key": "owner.example.com/contact"}]
	some v in vs
	v.path == ""
	v.details.missing == ["owner.example.com/contact"]
}
