# Rego unit tests of labels-required, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.labels_required_test

import rego.v1

obj(kind, labels) := {"object": {
	"apiVersion": "v1",
	"kind": kind,
	"metadata": {"name": "acme-prod", "labels": labels},
	"spec": {"template": {"metadata": {"labels": {"owner": "x", "cost-center": "42"}}}},
}}

required := [{"key": "owner"}, {"key": "cost-center", "allowedRegex": "^[0-9]+$", "kinds": ["Namespace"]}]

test_off_while_the_list_is_empty if {
	count(data.plumbline.rules.labels_required.violation) == 0 with input as obj("Namespace", {})
}

test_missing_keys_are_reported_once_at_the_labels if {
	vs := data.plumbline.rules.labels_required.violation with input as obj("Namespace", {"team": "erp"})
		with data.plumbline.params.labels.required as required
	count(vs) == 1
	some v in vs
	v.path == "/metadata/labels"
	v.details.missing == ["cost-center", "owner"]
	contains(v.msg, "Namespace \"acme-prod\" lacks the required label(s) cost-center, owner")
}

test_kinds_limit_an_entry_and_pod_templates_do_not_count if {
	# cost-center is asked of Namespaces only; the template's owner label does not count
	vs := data.plumbline.rules.labels_required.violation with input as obj("Deployment", {})
		with data.plumbline.params.labels.required as required
	some v in vs
	v.details.missing == ["owner"]
}

test_empty_value_counts_as_present_and_regex_is_unanchored_as_written if {
	count(data.plumbline.rules.labels_required.violation) == 0 with input as obj("Namespace", {"owner": "", "cost-center": "0042"})
		with data.plumbline.params.labels.required as required
	vs := data.plumbline.rules.labels_required.violation with input as obj("Namespace", {"owner": "a", "cost-center": "42a"})
		with data.plumbline.params.labels.required as required
	count(vs) == 1
	some v in vs
	v.path == "/metadata/labels/cost-center"
	v.details == {"label": "cost-center", "value": "42a", "allowedRegex": "^[0-9]+$"}
}

test_invalid_regex_matches_nothing if {
	vs := data.plumbline.rules.labels_required.violation with input as obj("Pod", {"app.kubernetes.io/name": "odoo"})
		with data.plumbline.params.labels.required as [{"key": "app.kubernetes.io/name", "allowedRegex": "(odoo"}]
	some v in vs
	v.path == "/metadata/labels/app.kubernetes.io~1name"
	contains(v.msg, "not a valid RE2 expression")
}

# Regression test: the rule once diverged between regorus and OPA here. `labels_path := "" if not
# is_object(input.object.metadata)` reads an absent key inside `not`
# (tests/opa/repro/not-call-absent-ref.rego); OPA evaluates the ref first, so the rule is
# undefined and the violation disappears there.
test_object_without_metadata_points_at_the_object if {
	vs := data.plumbline.rules.labels_required.violation with input as {"object": {"apiVersion": "v1", "kind": "ConfigMap", "data": {}}}
		with data.plumbline.params.labels.required as [{"key": "owner"}]
	some v in vs
	v.path == ""
	v.details.missing == ["owner"]
}
