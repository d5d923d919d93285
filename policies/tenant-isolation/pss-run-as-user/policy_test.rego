# Rego unit tests of pss-run-as-user, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.pss_run_as_user_test

import rego.v1

deployment(podspec, level, version) := {
	"object": {
		"apiVersion": "apps/v1",
		"kind": "StatefulSet",
		"metadata": {"name": "db"},
		"spec": {"template": {"spec": podspec}},
	},
	"podSecurity": {"level": level, "version": version},
}

ctr(name, sc) := {"name": name, "image": "postgres:16.4", "securityContext": sc}

test_container_uid_zero_points_at_the_field if {
	spec := {"containers": [ctr("db", {"runAsUser": 999}), ctr("fix", {"runAsUser": 0})]}
	vs := data.plumbline.rules.pss_run_as_user.violation with input as deployment(spec, "restricted", "latest")
	count(vs) == 1
	some v in vs
	v.path == "/spec/template/spec/containers/1/securityContext/runAsUser"
	v.details.container == "fix"
	contains(v.msg, "runAsUser=0 (root)")
}

test_pod_uid_zero if {
	spec := {"securityContext": {"runAsUser": 0}, "containers": [ctr("db", {})]}
	vs := data.plumbline.rules.pss_run_as_user.violation with input as deployment(spec, "restricted", "latest")
	{v.path | some v in vs} == {"/spec/template/spec/securityContext/runAsUser"}
	some v in vs
	v.details.level == "pod"
}

test_non_zero_unset_and_baseline_pass if {
	count(data.plumbline.rules.pss_run_as_user.violation) == 0 with input as deployment({"securityContext": {"runAsUser": 1000}, "containers": [ctr("db", {})]}, "restricted", "latest")
	count(data.plumbline.rules.pss_run_as_user.violation) == 0 with input as deployment({"containers": [ctr("db", {"runAsUser": 0})]}, "baseline", "latest")
}

test_versions if {
	spec := {"hostUsers": false, "containers": [ctr("db", {"runAsUser": 0})]}

	# user namespaces exempt from 1.35
	count(data.plumbline.rules.pss_run_as_user.violation) == 0 with input as deployment(spec, "restricted", "latest")
	count(data.plumbline.rules.pss_run_as_user.violation) == 1 with input as deployment(spec, "restricted", "v1.34")

	# the check exists from 1.23
	count(data.plumbline.rules.pss_run_as_user.violation) == 0 with input as deployment(spec, "restricted", "v1.22")
}

test_windows_pods_are_not_exempt if {
	spec := {"os": {"name": "windows"}, "containers": [ctr("db", {"runAsUser": 0})]}
	count(data.plumbline.rules.pss_run_as_user.violation) == 1 with input as deployment(spec, "restricted", "latest")
}

test_exempt_image if {
	spec := {"containers": [ctr("db", {"runAsUser": 0})]}
	count(data.plumbline.rules.pss_run_as_user.violation) == 0 with input as deployment(spec, "restricted", "latest")
		with data.plumbline.params.podSecurity.exemptImages as {"pss-run-as-user": ["postgres:*"]}
}

test_pod_uid_zero_is_reported_unless_every_container_is_exempt if {
	spec := {"securityContext": {"runAsUser": 0}, "containers": [ctr("db", {}), {"name": "odoo", "image": "odoo:17.0"}]}
	vs := data.plumbline.rules.pss_run_as_user.violation with input as deployment(spec, "restricted", "latest")
		with data.plumbline.params.podSecurity.exemptImages as {"pss-run-as-user": ["postgres:*"]}
	{v.path | some v in vs} == {"/spec/template/spec/securityContext/runAsUser"}
	count(data.plumbline.rules.pss_run_as_user.violation) == 0 with input as deployment(spec, "restricted", "latest")
		with data.plumbline.params.podSecurity.exemptImages as {"pss-run-as-user": ["postgres:*", "odoo:*"]}
}
