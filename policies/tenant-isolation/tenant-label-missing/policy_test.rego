# Rego unit tests of tenant-label-missing, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.tenant_label_missing_test

import rego.v1

namespace(name, labels) := {
	"object": {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}},
	"namespace": {"name": name, "labels": labels, "annotations": {}, "known": true},
}

deployment(ns, labels, ns_info) := {
	"object": {
		"apiVersion": "apps/v1",
		"kind": "Deployment",
		"metadata": {"name": "odoo", "namespace": ns, "labels": labels},
		"spec": {"template": {"spec": {"containers": [{"name": "odoo", "image": "odoo:17.0"}]}}},
	},
	"namespace": ns_info,
}

unknown_ns := {"name": "acme-prod", "labels": {}, "annotations": {}, "known": false}

test_namespace_without_label_points_at_labels if {
	vs := data.plumbline.rules.tenant_label_missing.violation with input as namespace("acme-prod", {"team": "erp"})
	count(vs) == 1
	some v in vs
	v.path == "/metadata/labels"
	v.details == {"label": "plumbline.dev/tenant", "namespace": "acme-prod"}
}

test_blank_label_points_at_the_label if {
	vs := data.plumbline.rules.tenant_label_missing.violation with input as namespace("acme-prod", {"plumbline.dev/tenant": "  "})
	some v in vs
	v.path == "/metadata/labels/plumbline.dev~1tenant"
	contains(v.msg, "sets label plumbline.dev/tenant to an empty or non-string value")
}

test_labelled_and_system_namespaces_pass if {
	count(data.plumbline.rules.tenant_label_missing.violation) == 0 with input as namespace("acme-prod", {"plumbline.dev/tenant": "acme"})
	count(data.plumbline.rules.tenant_label_missing.violation) == 0 with input as namespace("kube-system", {})
	count(data.plumbline.rules.tenant_label_missing.violation) == 0 with input as deployment("kube-system", {}, unknown_ns)
}

test_workload_inherits_from_a_known_namespace_only if {
	known := {"name": "acme-prod", "labels": {"plumbline.dev/tenant": "acme"}, "annotations": {}, "known": true}
	count(data.plumbline.rules.tenant_label_missing.violation) == 0 with input as deployment("acme-prod", {}, known)
	vs := data.plumbline.rules.tenant_label_missing.violation with input as deployment("acme-prod", {}, unknown_ns)
	some v in vs
	v.path == "/metadata/labels"
	contains(v.msg, "is not in the input set")
	count(data.plumbline.rules.tenant_label_missing.violation) == 0 with input as deployment("acme-prod", {"plumbline.dev/tenant": "acme"}, unknown_ns)
}

test_workload_without_namespace_uses_its_own_labels if {
	# the unnamed namespace cannot supply the label, even a known one carrying it
	known := {"name": "", "labels": {"plumbline.dev/tenant": "acme"}, "annotations": {}, "known": true}
	vs := data.plumbline.rules.tenant_label_missing.violation with input as deployment("", {}, known)
	some v in vs
	v.details.namespace == ""
	contains(v.msg, "has no metadata.namespace")
}

test_params_label_and_system_namespaces if {
	count(data.plumbline.rules.tenant_label_missing.violation) == 1 with input as namespace("acme-prod", {"plumbline.dev/tenant": "acme"})
		with data.plumbline.params.tenancy.tenantLabel as "example.com/customer"
	count(data.plumbline.rules.tenant_label_missing.violation) == 0 with input as namespace("platform", {})
		with data.plumbline.params.tenancy.systemNamespaces as ["platform"]
}

test_path_falls_back_to_metadata_and_the_object if {
	# label_path's later else branches
	vs := data.plumbline.rules.tenant_label_missing.violation with input as {"object": {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "acme-prod"}}}
	{v.path | some v in vs} == {"/metadata"}
	ws := data.plumbline.rules.tenant_label_missing.violation with input as {"object": {"apiVersion": "v1", "kind": "Pod", "spec": {}}, "namespace": unknown_ns}
	{w.path | some w in ws} == {""}
}
