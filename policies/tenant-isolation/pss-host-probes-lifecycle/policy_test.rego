# Rego unit tests of pss-host-probes-lifecycle, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.pss_host_probes_lifecycle_test

import rego.v1

pod(ctr, level, version) := {
	"object": {
		"apiVersion": "v1",
		"kind": "Pod",
		"metadata": {"name": "web"},
		"spec": {"containers": [object.union({"name": "web", "image": "odoo:17.0"}, ctr)]},
	},
	"podSecurity": {"level": level, "version": version},
}

probe_host := {"livenessProbe": {"httpGet": {"path": "/", "port": 8069, "host": "169.254.169.254"}}}

test_probe_host_points_at_the_host_field if {
	vs := data.plumbline.rules.pss_host_probes_lifecycle.violation with input as pod(probe_host, "baseline", "latest")
	count(vs) == 1
	some v in vs
	v.path == "/spec/containers/0/livenessProbe/httpGet/host"
	v.details.host == "169.254.169.254"
	v.details.handler == "livenessProbe"
}

test_lifecycle_hook_tcp_socket_host if {
	ctr := {"lifecycle": {"preStop": {"tcpSocket": {"port": 5432, "host": "db.other-tenant"}}}}
	vs := data.plumbline.rules.pss_host_probes_lifecycle.violation with input as pod(ctr, "restricted", "v1.34")
	count(vs) == 1
	some v in vs
	v.path == "/spec/containers/0/lifecycle/preStop/tcpSocket/host"
	v.details.handler == "lifecycle.preStop"
}

test_check_starts_at_policy_version_1_34 if {
	count(data.plumbline.rules.pss_host_probes_lifecycle.violation) == 0 with input as pod(probe_host, "baseline", "v1.33")
	count(data.plumbline.rules.pss_host_probes_lifecycle.violation) == 1 with input as pod(probe_host, "baseline", "v1.34")
}

test_empty_host_and_privileged_level_pass if {
	ctr := {"readinessProbe": {"httpGet": {"port": 8069, "host": ""}}, "startupProbe": {"tcpSocket": {"port": 8069}}}
	count(data.plumbline.rules.pss_host_probes_lifecycle.violation) == 0 with input as pod(ctr, "restricted", "latest")
	count(data.plumbline.rules.pss_host_probes_lifecycle.violation) == 0 with input as pod(probe_host, "privileged", "latest")
}
