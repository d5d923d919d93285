# Rego unit tests of service-account-token-automount, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.service_account_token_automount_test

import rego.v1

deployment(podspec) := {"object": {
	"apiVersion": "apps/v1",
	"kind": "Deployment",
	"metadata": {"name": "odoo"},
	"spec": {"template": {"spec": object.union({"containers": [{"name": "odoo", "image": "odoo:17.0"}]}, podspec)}},
}}

service_account(fields) := {"object": object.union({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "odoo"}}, fields)}

test_unset_points_at_the_pod_spec if {
	vs := data.plumbline.rules.service_account_token_automount.violation with input as deployment({"serviceAccountName": "odoo"})
	count(vs) == 1
	some v in vs
	v.path == "/spec/template/spec"
	v.details == {"serviceAccountName": "odoo", "automountServiceAccountToken": null}
	contains(v.msg, "(automountServiceAccountToken unset)")
}

test_true_points_at_the_field_and_default_account if {
	vs := data.plumbline.rules.service_account_token_automount.violation with input as deployment({"automountServiceAccountToken": true})
	some v in vs
	v.path == "/spec/template/spec/automountServiceAccountToken"
	v.details.serviceAccountName == "default"
}

test_false_passes if {
	count(data.plumbline.rules.service_account_token_automount.violation) == 0 with input as deployment({"automountServiceAccountToken": false})
	count(data.plumbline.rules.service_account_token_automount.violation) == 0 with input as service_account({"automountServiceAccountToken": false})
}

test_service_accounts if {
	vs := data.plumbline.rules.service_account_token_automount.violation with input as service_account({})
	some v in vs
	v.path == ""
	contains(v.msg, "ServiceAccount \"odoo\" gives its pods an API token (automountServiceAccountToken unset)")
	ws := data.plumbline.rules.service_account_token_automount.violation with input as service_account({"automountServiceAccountToken": "false"})
	some w in ws
	w.path == "/automountServiceAccountToken"
	contains(w.msg, "not false")
}
