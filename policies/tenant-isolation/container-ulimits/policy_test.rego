# Rego unit tests of container-ulimits, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.container_ulimits_test

import rego.v1

pod(sc, level) := {
	"object": {
		"apiVersion": "v1",
		"kind": "Pod",
		"metadata": {"name": "web"},
		"spec": {
			"containers": [{"name": "web", "image": "odoo:17.0"}],
			"initContainers": [{"name": "init", "image": "odoo:17.0", "securityContext": sc}],
		},
	},
	"podSecurity": {"level": level, "version": "latest"},
}

ulimits := {"ulimits": [{"name": "nproc", "soft": 1024, "hard": 2048}, {"name": "nofile", "soft": 65536, "hard": 65536}]}

test_off_by_default if {
	count(data.plumbline.rules.container_ulimits.violation) == 0 with input as pod(ulimits, "baseline")
}

test_ulimits_point_at_the_field if {
	vs := data.plumbline.rules.container_ulimits.violation with input as pod(ulimits, "baseline")
		with data.plumbline.params.podSecurity.forbidUlimits as true
	count(vs) == 1
	some v in vs
	v.path == "/spec/initContainers/0/securityContext/ulimits"
	v.details.container == "init"
	contains(v.msg, "(nofile, nproc)")
}

test_empty_list_counts_as_set_null_does_not if {
	vs := data.plumbline.rules.container_ulimits.violation with input as pod({"ulimits": []}, "restricted")
		with data.plumbline.params.podSecurity.forbidUlimits as true
	some v in vs
	contains(v.msg, "no named limits")
	count(data.plumbline.rules.container_ulimits.violation) == 0 with input as pod({"ulimits": null}, "restricted")
		with data.plumbline.params.podSecurity.forbidUlimits as true
}

test_privileged_level_and_exempt_image_pass if {
	count(data.plumbline.rules.container_ulimits.violation) == 0 with input as pod(ulimits, "privileged")
		with data.plumbline.params.podSecurity.forbidUlimits as true
	count(data.plumbline.rules.container_ulimits.violation) == 0 with input as pod(ulimits, "baseline")
		with data.plumbline.params.podSecurity.forbidUlimits as true
		with data.plumbline.params.podSecurity.exemptImages as {"container-ulimits": ["odoo:17.0"]}
}
