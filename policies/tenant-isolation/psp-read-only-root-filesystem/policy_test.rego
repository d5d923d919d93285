# Rego unit tests of psp-read-only-root-filesystem, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.psp_read_only_root_filesystem_test

import rego.v1

pod(containers) := {
	"object": {
		"apiVersion": "v1",
		"kind": "Pod",
		"metadata": {"name": "web"},
		"spec": {"containers": containers},
	},
	"podSecurity": {"level": "privileged", "version": "latest"},
}

ctr(name, sc) := {"name": name, "image": "odoo:17.0", "securityContext": sc}

test_off_by_default if {
	count(data.plumbline.rules.psp_read_only_root_filesystem.violation) == 0 with input as pod([ctr("web", {})])
}

test_unset_and_false_are_reported if {
	vs := data.plumbline.rules.psp_read_only_root_filesystem.violation with input as pod([ctr("a", {"runAsNonRoot": true}), ctr("b", {"readOnlyRootFilesystem": false}), {"name": "c", "image": "odoo:17.0"}])
		with data.plumbline.params.podSecurity.readOnlyRootFilesystem as true
	{v.path | some v in vs} == {"/spec/containers/0/securityContext", "/spec/containers/1/securityContext/readOnlyRootFilesystem", "/spec/containers/2"}
	some v in vs
	v.details.container == "b"
	v.details.readOnlyRootFilesystem == false
	contains(v.msg, "sets securityContext.readOnlyRootFilesystem=false")
}

test_read_only_and_exempt_pass if {
	count(data.plumbline.rules.psp_read_only_root_filesystem.violation) == 0 with input as pod([ctr("web", {"readOnlyRootFilesystem": true})])
		with data.plumbline.params.podSecurity.readOnlyRootFilesystem as true
	count(data.plumbline.rules.psp_read_only_root_filesystem.violation) == 0 with input as pod([ctr("web", {})])
		with data.plumbline.params.podSecurity.readOnlyRootFilesystem as true
		with data.plumbline.params.podSecurity.exemptImages as {"psp-read-only-root-filesystem": ["odoo:*"]}
}
