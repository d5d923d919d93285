# Rego unit tests of tenant-namespace-mismatch, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.tenant_namespace_mismatch_test

import rego.v1

deployment(labels, template_labels, tenant) := {
	"object": {
		"apiVersion": "apps/v1",
		"kind": "Deployment",
		"metadata": {"name": "odoo", "namespace": "acme-prod", "labels": labels},
		"spec": {"template": {
			"metadata": {"labels": template_labels},
			"spec": {"containers": [{"name": "odoo", "image": "odoo:17.0"}]},
		}},
	},
	"namespace": {"name": "acme-prod", "labels": {"plumbline.dev/tenant": tenant}, "annotations": {}, "known": true},
	"tenant": tenant,
}

test_other_tenants_label_points_at_the_label if {
	vs := data.plumbline.rules.tenant_namespace_mismatch.violation with input as deployment({"plumbline.dev/tenant": " globex "}, {}, "acme")
	count(vs) == 1
	some v in vs
	v.path == "/metadata/labels/plumbline.dev~1tenant"
	v.details == {"label": "plumbline.dev/tenant", "objectTenant": "globex", "namespaceTenant": "acme", "namespace": "acme-prod"}
}

test_pod_template_label_is_checked if {
	vs := data.plumbline.rules.tenant_namespace_mismatch.violation with input as deployment({"plumbline.dev/tenant": "acme"}, {"plumbline.dev/tenant": "globex"}, "acme")
	count(vs) == 1
	some v in vs
	v.path == "/spec/template/metadata/labels/plumbline.dev~1tenant"
	v.details.podTemplate == true
}

test_matching_unlabelled_and_tenantless_pass if {
	count(data.plumbline.rules.tenant_namespace_mismatch.violation) == 0 with input as deployment({"plumbline.dev/tenant": "acme"}, {"plumbline.dev/tenant": "acme"}, "acme")
	count(data.plumbline.rules.tenant_namespace_mismatch.violation) == 0 with input as deployment({"plumbline.dev/tenant": ""}, {}, "acme")
	count(data.plumbline.rules.tenant_namespace_mismatch.violation) == 0 with input as deployment({"plumbline.dev/tenant": "globex"}, {}, "")
}

test_namespaces_are_never_reported if {
	obj := {
		"object": {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "acme-prod", "labels": {"plumbline.dev/tenant": "globex"}}},
		"tenant": "acme",
	}
	count(data.plumbline.rules.tenant_namespace_mismatch.violation) == 0 with input as obj
}

test_tenant_label_comes_from_params if {
	inp := deployment({"example.com/customer": "globex", "plumbline.dev/tenant": "acme"}, {}, "acme")
	count(data.plumbline.rules.tenant_namespace_mismatch.violation) == 0 with input as inp
	vs := data.plumbline.rules.tenant_namespace_mismatch.violation with input as inp
		with data.plumbline.params.tenancy.tenantLabel as "example.com/customer"
	some v in vs
	v.path == "/metadata/labels/example.com~1customer"
}
