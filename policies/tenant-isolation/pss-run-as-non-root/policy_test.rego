# Rego unit tests of pss-run-as-non-root, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.pss_run_as_non_root_test

import rego.v1

pod(spec, level, version) := {
	"object": {
		"apiVersion": "v1",
		"kind": "Pod",
		"metadata": {"name": "web"},
		"spec": spec,
	},
	"podSecurity": {"level": level, "version": version},
}

ctr(name, sc) := {"name": name, "image": "odoo:17.0", "securityContext": sc}

test_unset_everywhere_points_at_the_container if {
	vs := data.plumbline.rules.pss_run_as_non_root.violation with input as pod({"containers": [{"name": "web", "image": "odoo:17.0"}]}, "restricted", "latest")
	count(vs) == 1
	some v in vs
	v.path == "/spec/containers/0"
	v.details.runAsNonRoot == null
}

test_non_zero_run_as_user_does_not_count if {
	vs := data.plumbline.rules.pss_run_as_non_root.violation with input as pod({"containers": [ctr("web", {"runAsUser": 1000})]}, "restricted", "latest")
	count(vs) == 1
	some v in vs
	v.path == "/spec/containers/0/securityContext"
	contains(v.msg, "runAsUser=1000 alone does not satisfy the control")
}

test_pod_level_true_covers_every_container if {
	spec := {"securityContext": {"runAsNonRoot": true}, "initContainers": [ctr("init", {})], "containers": [ctr("web", {})]}
	count(data.plumbline.rules.pss_run_as_non_root.violation) == 0 with input as pod(spec, "restricted", "latest")
	count(data.plumbline.rules.pss_run_as_non_root.violation) == 0 with input as pod({"containers": [ctr("web", {})]}, "baseline", "latest")
}

test_explicit_false_fails_wherever_it_is_set if {
	# container false overrides pod true
	vs := data.plumbline.rules.pss_run_as_non_root.violation with input as pod({"securityContext": {"runAsNonRoot": true}, "containers": [ctr("web", {"runAsNonRoot": false})]}, "restricted", "latest")
	{v.path | some v in vs} == {"/spec/containers/0/securityContext/runAsNonRoot"}

	# pod false fails even when every container sets true
	ws := data.plumbline.rules.pss_run_as_non_root.violation with input as pod({"securityContext": {"runAsNonRoot": false}, "containers": [ctr("web", {"runAsNonRoot": true})]}, "restricted", "latest")
	{w.path | some w in ws} == {"/spec/securityContext/runAsNonRoot"}
}

test_user_namespace_pods_exempt_from_v1_35 if {
	spec := {"hostUsers": false, "containers": [ctr("web", {})]}
	count(data.plumbline.rules.pss_run_as_non_root.violation) == 0 with input as pod(spec, "restricted", "latest")
	count(data.plumbline.rules.pss_run_as_non_root.violation) == 1 with input as pod(spec, "restricted", "v1.34")
}

test_windows_pods_are_not_exempt if {
	spec := {"os": {"name": "windows"}, "containers": [ctr("web", {})]}
	count(data.plumbline.rules.pss_run_as_non_root.violation) == 1 with input as pod(spec, "restricted", "latest")
}

test_exempt_images_also_cover_the_pod_level_false if {
	spec := {"securityContext": {"runAsNonRoot": false}, "containers": [ctr("web", {})]}
	count(data.plumbline.rules.pss_run_as_non_root.violation) == 0 with input as pod(spec, "restricted", "latest")
		with data.plumbline.params.podSecurity.exemptImages as {"pss-run-as-non-root": ["odoo:*"]}
}

test_pod_level_false_is_reported_unless_every_container_is_exempt if {
	spec := {"securityContext": {"runAsNonRoot": false}, "containers": [ctr("web", {"runAsNonRoot": true}), {"name": "db", "image": "postgres:16.4", "securityContext": {"runAsNonRoot": true}}]}
	vs := data.plumbline.rules.pss_run_as_non_root.violation with input as pod(spec, "restricted", "latest")
		with data.plumbline.params.podSecurity.exemptImages as {"pss-run-as-non-root": ["odoo:*"]}
	{v.path | some v in vs} == {"/spec/securityContext/runAsNonRoot"}
}

test_pod_run_as_user_hint if {
	# uid_hint's last branch: the container sets neither, the pod sets a non-zero runAsUser
	spec := {"securityContext": {"runAsUser": 1000}, "containers": [ctr("web", {"runAsUser": 0})]}
	vs := data.plumbline.rules.pss_run_as_non_root.violation with input as pod(spec, "restricted", "latest")
	some v in vs
	v.path == "/spec/containers/0/securityContext"
	not contains(v.msg, "alone does not satisfy")
	ws := data.plumbline.rules.pss_run_as_non_root.violation with input as pod({"securityContext": {"runAsUser": 1000}, "containers": [ctr("web", {})]}, "restricted", "latest")
	some w in ws
	contains(w.msg, "(runAsUser=1000 alone does not satisfy the control)")
}
