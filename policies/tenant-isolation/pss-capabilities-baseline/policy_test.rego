# Rego unit tests of pss-capabilities-baseline, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.pss_capabilities_baseline_test

import rego.v1

pod(caps, level, version) := {
	"object": {
		"apiVersion": "v1",
		"kind": "Pod",
		"metadata": {"name": "web"},
		"spec": {"containers": [{"name": "web", "image": "odoo:17.0", "securityContext": {"capabilities": caps}}]},
	},
	"podSecurity": {"level": level, "version": version},
}

test_non_default_capability_points_at_the_add_entry if {
	vs := data.plumbline.rules.pss_capabilities_baseline.violation with input as pod({"add": ["CHOWN", "NET_ADMIN"]}, "baseline", "latest")
	count(vs) == 1
	some v in vs
	v.path == "/spec/containers/0/securityContext/capabilities/add/1"
	v.details.capability == "NET_ADMIN"
	contains(v.msg, "baseline allows adding only")
}

test_names_are_compared_exactly if {
	# CAP_ prefix, lower case and ALL are not in the default set (as upstream).
	vs := data.plumbline.rules.pss_capabilities_baseline.violation with input as pod({"add": ["CAP_CHOWN", "chown", "ALL"]}, "baseline", "latest")
	count(vs) == 3
}

test_default_set_passes if {
	caps := {"add": ["AUDIT_WRITE", "CHOWN", "NET_BIND_SERVICE", "SYS_CHROOT", "SETFCAP"], "drop": []}
	count(data.plumbline.rules.pss_capabilities_baseline.violation) == 0 with input as pod(caps, "baseline", "latest")
}

test_restricted_replaces_the_check_from_v1_22 if {
	caps := {"add": ["SYS_ADMIN"]}
	count(data.plumbline.rules.pss_capabilities_baseline.violation) == 0 with input as pod(caps, "restricted", "latest")
	count(data.plumbline.rules.pss_capabilities_baseline.violation) == 0 with input as pod(caps, "restricted", "v1.22")
	count(data.plumbline.rules.pss_capabilities_baseline.violation) == 1 with input as pod(caps, "restricted", "v1.21")
	count(data.plumbline.rules.pss_capabilities_baseline.violation) == 0 with input as pod(caps, "privileged", "latest")
}

test_allowed_capabilities_param_is_case_insensitive if {
	caps := {"add": ["NET_ADMIN", "SYS_ADMIN"]}
	vs := data.plumbline.rules.pss_capabilities_baseline.violation with input as pod(caps, "baseline", "latest")
		with data.plumbline.params.podSecurity.allowedCapabilities as ["cap_net_admin"]
	count(vs) == 1
	some v in vs
	v.path == "/spec/containers/0/securityContext/capabilities/add/1"
	contains(v.msg, "params.podSecurity.allowedCapabilities")
}

test_required_drop_capabilities_param if {
	vs := data.plumbline.rules.pss_capabilities_baseline.violation with input as pod({"drop": ["NET_RAW"]}, "baseline", "latest")
		with data.plumbline.params.podSecurity.requiredDropCapabilities as ["NET_RAW", "SYS_ADMIN"]
	count(vs) == 1
	some v in vs
	v.path == "/spec/containers/0/securityContext/capabilities/drop"
	v.details.missing == ["SYS_ADMIN"]
	count(data.plumbline.rules.pss_capabilities_baseline.violation) == 0 with input as pod({"drop": ["all"]}, "baseline", "latest")
		with data.plumbline.params.podSecurity.requiredDropCapabilities as ["NET_RAW", "SYS_ADMIN"]
}
