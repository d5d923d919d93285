# Rego unit tests of psp-allowed-users, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.psp_allowed_users_test

import rego.v1

pod(pod_sc, ctr_sc) := {
	"object": {
		"apiVersion": "v1",
		"kind": "Pod",
		"metadata": {"name": "web"},
		"spec": {
			"securityContext": pod_sc,
			"containers": [{"name": "web", "image": "odoo:17.0", "securityContext": ctr_sc}],
		},
	},
	"podSecurity": {"level": "privileged", "version": "latest"},
}

range_1000 := {"rule": "MustRunAs", "ranges": [{"min": 1000, "max": 2000}]}

test_off_until_configured if {
	count(data.plumbline.rules.psp_allowed_users.violation) == 0 with input as pod({"runAsUser": 0, "fsGroup": 0}, {"runAsUser": 0})
}

test_container_uid_outside_the_range if {
	vs := data.plumbline.rules.psp_allowed_users.violation with input as pod({"runAsUser": 1500}, {"runAsUser": 500})
		with data.plumbline.params.podSecurity.runAsUser as range_1000
	count(vs) == 1
	some v in vs
	v.path == "/spec/containers/0/securityContext/runAsUser"
	v.details.value == 500
	contains(v.msg, "params.podSecurity.runAsUser is MustRunAs 1000-2000")
}

test_pod_value_is_inherited_and_must_run_as_needs_a_value if {
	# the container inherits the pod's runAsUser (at every level: privileged here)
	count(data.plumbline.rules.psp_allowed_users.violation) == 0 with input as pod({"runAsUser": 1500}, {})
		with data.plumbline.params.podSecurity.runAsUser as range_1000
	vs := data.plumbline.rules.psp_allowed_users.violation with input as pod({}, {"runAsGroup": 1500})
		with data.plumbline.params.podSecurity.runAsUser as range_1000
	count(vs) == 1
	some v in vs
	v.path == "/spec/containers/0/securityContext"
	contains(v.msg, "does not set securityContext.runAsUser")

	# MayRunAs: unset is fine
	count(data.plumbline.rules.psp_allowed_users.violation) == 0 with input as pod({}, {})
		with data.plumbline.params.podSecurity.runAsUser as {"rule": "MayRunAs", "ranges": [{"min": 1000, "max": 2000}]}
}

test_must_run_as_non_root if {
	p := {"rule": "MustRunAsNonRoot"}
	vs := data.plumbline.rules.psp_allowed_users.violation with input as pod({}, {"runAsUser": 0})
		with data.plumbline.params.podSecurity.runAsUser as p
	{v.path | some v in vs} == {"/spec/containers/0/securityContext/runAsUser"}
	count(data.plumbline.rules.psp_allowed_users.violation) == 0 with input as pod({}, {"runAsNonRoot": true})
		with data.plumbline.params.podSecurity.runAsUser as p
}

# Regression test: the rule once diverged between regorus and OPA here. the third
# container_problem definition reads `not effective("runAsNonRoot", c).value == true`; OPA
# evaluates the call before the negation and, when neither the container nor the pod sets
# runAsNonRoot, effective() is undefined, so the body is undefined and nothing is reported.
test_must_run_as_non_root_with_nothing_set if {
	vs := data.plumbline.rules.psp_allowed_users.violation with input as pod({}, {})
		with data.plumbline.params.podSecurity.runAsUser as {"rule": "MustRunAsNonRoot"}
	some v in vs
	v.path == "/spec/containers/0/securityContext"
	contains(v.msg, "sets neither runAsUser nor runAsNonRoot: true")
}

test_fs_group_and_supplemental_groups_are_pod_level if {
	vs := data.plumbline.rules.psp_allowed_users.violation with input as pod({"supplementalGroups": [1500, 5]}, {})
		with data.plumbline.params.podSecurity.fsGroup as range_1000
		with data.plumbline.params.podSecurity.supplementalGroups as {"rule": "MayRunAs", "ranges": [{"min": 1000, "max": 2000}]}
	{v.path | some v in vs} == {"/spec/securityContext", "/spec/securityContext/supplementalGroups/1"}
	count(data.plumbline.rules.psp_allowed_users.violation) == 0 with input as pod({"fsGroup": 2000, "supplementalGroups": [1000]}, {})
		with data.plumbline.params.podSecurity.fsGroup as range_1000
		with data.plumbline.params.podSecurity.supplementalGroups as range_1000
}

test_exempt_image_skips_container_checks if {
	count(data.plumbline.rules.psp_allowed_users.violation) == 0 with input as pod({}, {"runAsUser": 5})
		with data.plumbline.params.podSecurity.runAsUser as range_1000
		with data.plumbline.params.podSecurity.exemptImages as {"psp-allowed-users": ["odoo:*"]}
}
