# Rego unit tests of pss-proc-mount, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.pss_proc_mount_test

import rego.v1

pod(pm, host_users, level, version) := {
	"object": {
		"apiVersion": "v1",
		"kind": "Pod",
		"metadata": {"name": "web"},
		"spec": object.union(host_users, {"containers": [{"name": "web", "image": "odoo:17.0", "securityContext": {"procMount": pm}}]}),
	},
	"podSecurity": {"level": level, "version": version},
}

test_unmasked_points_at_the_field if {
	vs := data.plumbline.rules.pss_proc_mount.violation with input as pod("Unmasked", {}, "baseline", "latest")
	count(vs) == 1
	some v in vs
	v.path == "/spec/containers/0/securityContext/procMount"
	v.details.procMount == "Unmasked"
	contains(v.msg, "unless the pod sets hostUsers: false")
}

test_default_passes if {
	count(data.plumbline.rules.pss_proc_mount.violation) == 0 with input as pod("Default", {}, "restricted", "latest")
	count(data.plumbline.rules.pss_proc_mount.violation) == 0 with input as pod("Unmasked", {}, "privileged", "latest")
}

test_user_namespace_relaxes_baseline_only_from_v1_35 if {
	userns := {"hostUsers": false}
	count(data.plumbline.rules.pss_proc_mount.violation) == 0 with input as pod("Unmasked", userns, "baseline", "latest")
	count(data.plumbline.rules.pss_proc_mount.violation) == 0 with input as pod("Unmasked", userns, "baseline", "v1.35")
	count(data.plumbline.rules.pss_proc_mount.violation) == 1 with input as pod("Unmasked", userns, "baseline", "v1.34")
}

test_restricted_forbids_unmasked_even_in_a_user_namespace if {
	vs := data.plumbline.rules.pss_proc_mount.violation with input as pod("Unmasked", {"hostUsers": false}, "restricted", "latest")
	count(vs) == 1
	some v in vs
	contains(v.msg, "even for pods with hostUsers: false")
}

test_allowed_proc_mount_param if {
	count(data.plumbline.rules.pss_proc_mount.violation) == 0 with input as pod("Unmasked", {}, "restricted", "latest")
		with data.plumbline.params.podSecurity.allowedProcMount as "Unmasked"
	vs := data.plumbline.rules.pss_proc_mount.violation with input as pod("Unmasked", {"hostUsers": false}, "baseline", "latest")
		with data.plumbline.params.podSecurity.allowedProcMount as "Default"
	count(vs) == 1
	some v in vs
	contains(v.msg, "params.podSecurity.allowedProcMount")
}
