# Rego unit tests of pss-host-namespaces, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.pss_host_namespaces_test

import rego.v1

deployment(podspec, level) := {
	"object": {
		"apiVersion": "apps/v1",
		"kind": "Deployment",
		"metadata": {"name": "web"},
		"spec": {"template": {"spec": object.union({"containers": [{"name": "web", "image": "odoo:17.0"}]}, podspec)}},
	},
	"podSecurity": {"level": level, "version": "latest"},
}

test_host_pid_points_at_the_field if {
	vs := data.plumbline.rules.pss_host_namespaces.violation with input as deployment({"hostPID": true}, "baseline")
	count(vs) == 1
	some v in vs
	v.path == "/spec/template/spec/hostPID"
	v.details.field == "hostPID"
	contains(v.msg, "Deployment pod template sets spec.template.spec.hostPID=true")
}

test_each_host_namespace_is_reported if {
	vs := data.plumbline.rules.pss_host_namespaces.violation with input as deployment({"hostPID": true, "hostIPC": true, "hostNetwork": true}, "restricted")
	{v.path | some v in vs} == {"/spec/template/spec/hostPID", "/spec/template/spec/hostIPC", "/spec/template/spec/hostNetwork"}
}

test_false_and_privileged_level_pass if {
	count(data.plumbline.rules.pss_host_namespaces.violation) == 0 with input as deployment({"hostPID": false, "hostIPC": false, "hostNetwork": false}, "restricted")
	count(data.plumbline.rules.pss_host_namespaces.violation) == 0 with input as deployment({"hostPID": true}, "privileged")
}

test_allow_host_network_param_allows_only_host_network if {
	vs := data.plumbline.rules.pss_host_namespaces.violation with input as deployment({"hostNetwork": true, "hostIPC": true}, "baseline")
		with data.plumbline.params.podSecurity.allowHostNetwork as true
	count(vs) == 1
	some v in vs
	v.path == "/spec/template/spec/hostIPC"
}
