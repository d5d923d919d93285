# Rego unit tests of odoo-module-allowlist, run by `plumbline test`.
package plumbline.rules.odoo_module_allowlist_test

import rego.v1

odoo_pod(args) := {
	"object": {
		"apiVersion": "v1",
		"kind": "Pod",
		"metadata": {"name": "odoo"},
		"spec": {"containers": [{"name": "odoo", "image": "odoo:17.0", "args": args}]},
	},
	"images": {"odoo:17.0": {"name": "docker.io/library/odoo"}},
}

test_unlisted_module_after_init_is_a_violation if {
	vs := data.plumbline.rules.odoo_module_allowlist.violation with input as odoo_pod(["--init", "sale_management,website_crm_sync"])
		with data.plumbline.params.custom.odoo.allowedModules as ["sale_management"]
	count(vs) == 1
	some v in vs
	v.details.module == "website_crm_sync"
	v.path == "/spec/containers/0/args/1"
}

test_equals_form_is_read if {
	vs := data.plumbline.rules.odoo_module_allowlist.violation with input as odoo_pod(["--update=stock,hr"])
		with data.plumbline.params.custom.odoo.allowedModules as ["stock"]
	[v.details.module | some v in vs] == ["hr"]
}

test_allowed_modules_pass if {
	vs := data.plumbline.rules.odoo_module_allowlist.violation with input as odoo_pod(["-i", "sale_management, stock"])
		with data.plumbline.params.custom.odoo.allowedModules as ["sale_management", "stock"]
	count(vs) == 0
}

test_other_images_are_not_judged if {
	pod := object.union(odoo_pod(["--init", "anything"]), {"images": {"odoo:17.0": {"name": "docker.io/library/nginx"}}})
	vs := data.plumbline.rules.odoo_module_allowlist.violation with input as pod
		with data.plumbline.params.custom.odoo.allowedModules as []
	count(vs) == 0
}
