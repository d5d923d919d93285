# Rego unit tests of pss-capabilities-restricted, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.pss_capabilities_restricted_test

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

ctr(sc) := {"name": "web", "image": "odoo:17.0", "securityContext": sc}

plain := {"containers": [{"name": "web", "image": "odoo:17.0"}]}

test_container_without_security_context_points_at_the_container if {
	vs := data.plumbline.rules.pss_capabilities_restricted.violation with input as pod(plain, "restricted", "latest")
	count(vs) == 1
	some v in vs
	v.path == "/spec/containers/0"
	contains(v.msg, "has no securityContext")
}

test_drop_without_all_and_extra_add if {
	spec := {"containers": [ctr({"capabilities": {"drop": ["NET_RAW", "all"], "add": ["NET_BIND_SERVICE", "SYS_TIME"]}})]}
	vs := data.plumbline.rules.pss_capabilities_restricted.violation with input as pod(spec, "restricted", "latest")
	paths := {v.path | some v in vs}
	paths == {"/spec/containers/0/securityContext/capabilities/drop", "/spec/containers/0/securityContext/capabilities/add/1"}
}

test_ephemeral_container_is_checked if {
	spec := {
		"containers": [ctr({"capabilities": {"drop": ["ALL"]}})],
		"ephemeralContainers": [{"name": "debug", "image": "busybox:1.36", "securityContext": {"capabilities": {"drop": []}}}],
	}
	vs := data.plumbline.rules.pss_capabilities_restricted.violation with input as pod(spec, "restricted", "latest")
	count(vs) == 1
	some v in vs
	v.path == "/spec/ephemeralContainers/0/securityContext/capabilities/drop"
	v.details.drop == []
}

test_drop_all_and_net_bind_service_pass if {
	spec := {"containers": [ctr({"capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}})]}
	count(data.plumbline.rules.pss_capabilities_restricted.violation) == 0 with input as pod(spec, "restricted", "latest")
}

test_levels_and_versions if {
	count(data.plumbline.rules.pss_capabilities_restricted.violation) == 0 with input as pod(plain, "baseline", "latest")
	count(data.plumbline.rules.pss_capabilities_restricted.violation) == 0 with input as pod(plain, "restricted", "v1.21")
	count(data.plumbline.rules.pss_capabilities_restricted.violation) == 1 with input as pod(plain, "restricted", "v1.22")
}

test_windows_pods_exempt_from_v1_25 if {
	win := object.union(plain, {"os": {"name": "windows"}})
	count(data.plumbline.rules.pss_capabilities_restricted.violation) == 0 with input as pod(win, "restricted", "latest")
	count(data.plumbline.rules.pss_capabilities_restricted.violation) == 0 with input as pod(win, "restricted", "v1.25")
	count(data.plumbline.rules.pss_capabilities_restricted.violation) == 1 with input as pod(win, "restricted", "v1.24")
}

test_required_drop_param_replaces_all if {
	spec := {"containers": [ctr({"capabilities": {"drop": ["cap_net_raw"]}})]}
	count(data.plumbline.rules.pss_capabilities_restricted.violation) == 1 with input as pod(spec, "restricted", "latest")
	count(data.plumbline.rules.pss_capabilities_restricted.violation) == 0 with input as pod(spec, "restricted", "latest")
		with data.plumbline.params.podSecurity.requiredDropCapabilities as ["NET_RAW"]
	vs := data.plumbline.rules.pss_capabilities_restricted.violation with input as pod(spec, "restricted", "latest")
		with data.plumbline.params.podSecurity.requiredDropCapabilities as ["NET_RAW", "MKNOD"]
	some v in vs
	v.details.missing == ["MKNOD"]
}

test_allowed_capabilities_param_replaces_net_bind_service if {
	spec := {"containers": [ctr({"capabilities": {"drop": ["ALL"], "add": ["SYS_TIME", "NET_BIND_SERVICE"]}})]}
	vs := data.plumbline.rules.pss_capabilities_restricted.violation with input as pod(spec, "restricted", "latest")
		with data.plumbline.params.podSecurity.allowedCapabilities as ["sys_time"]
	count(vs) == 1
	some v in vs
	v.path == "/spec/containers/0/securityContext/capabilities/add/1"
	v.details.capability == "NET_BIND_SERVICE"
}

test_each_drop_problem_has_its_own_path if {
	# the later branches of drop_problem's else chain
	spec := {"containers": [
		ctr({"runAsNonRoot": true}),
		{"name": "b", "image": "odoo:17.0", "securityContext": {"capabilities": {"add": ["NET_BIND_SERVICE"]}}},
		{"name": "c", "image": "odoo:17.0", "securityContext": {"capabilities": {"drop": {"ALL": true}}}},
	]}
	vs := data.plumbline.rules.pss_capabilities_restricted.violation with input as pod(spec, "restricted", "latest")
	{v.path | some v in vs} == {
		"/spec/containers/0/securityContext",
		"/spec/containers/1/securityContext/capabilities",
		"/spec/containers/2/securityContext/capabilities/drop",
	}
	some v in vs
	v.path == "/spec/containers/2/securityContext/capabilities/drop"
	contains(v.msg, "which is not a list")
}
