# Rego unit tests of pss-privileged, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.pss_privileged_test

import rego.v1

cronjob(containers, level) := {
	"object": {
		"apiVersion": "batch/v1",
		"kind": "CronJob",
		"metadata": {"name": "backup"},
		"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": containers}}}}},
	},
	"podSecurity": {"level": level, "version": "latest"},
}

ctr(name, sc) := {"name": name, "image": "odoo:17.0", "securityContext": sc}

test_privileged_container_points_at_the_field if {
	vs := data.plumbline.rules.pss_privileged.violation with input as cronjob([ctr("ok", {}), ctr("root", {"privileged": true})], "baseline")
	count(vs) == 1
	some v in vs
	v.path == "/spec/jobTemplate/spec/template/spec/containers/1/securityContext/privileged"
	v.details.container == "root"
	contains(v.msg, "container \"root\" sets securityContext.privileged=true")
}

test_false_unset_and_privileged_level_pass if {
	count(data.plumbline.rules.pss_privileged.violation) == 0 with input as cronjob([ctr("a", {"privileged": false}), {"name": "b", "image": "odoo:17.0"}], "restricted")
	count(data.plumbline.rules.pss_privileged.violation) == 0 with input as cronjob([ctr("root", {"privileged": true})], "privileged")
}

test_exempt_image_from_params if {
	cs := [ctr("root", {"privileged": true})]
	count(data.plumbline.rules.pss_privileged.violation) == 1 with input as cronjob(cs, "baseline")
		with data.plumbline.params.podSecurity.exemptImages as {"pss-privileged": ["redis:*"]}
	count(data.plumbline.rules.pss_privileged.violation) == 0 with input as cronjob(cs, "baseline")
		with data.plumbline.params.podSecurity.exemptImages as {"pss-privileged": ["odoo:*"]}
}
