# Rego unit tests of workload-probes-missing, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.workload_probes_missing_test

import rego.v1

probe := {"httpGet": {"path": "/web/health", "port": 8069}}

workload(kind, pod_spec) := {"object": {
	"apiVersion": "apps/v1",
	"kind": kind,
	"metadata": {"name": "odoo"},
	"spec": {"template": {"spec": pod_spec}},
}}

# The (path, probe, problem) of each finding.
findings(kind, pod_spec) := fs if {
	vs := data.plumbline.rules.workload_probes_missing.violation with input as workload(kind, pod_spec)
	fs := sort([[v.path, v.details.probe, v.details.problem] | some v in vs])
	count(fs) == count(vs)
}

test_missing_liveness_is_a_violation_at_the_container if {
	vs := data.plumbline.rules.workload_probes_missing.violation with input as workload("Deployment", {"containers": [{"name": "odoo", "image": "odoo:17.0", "readinessProbe": probe}]})
	count(vs) == 1
	some v in vs
	v.path == "/spec/template/spec/containers/0"
	v.msg == `container "odoo" has no livenessProbe`
	v.details.problem == "missing"
}

test_probe_without_handler_points_at_the_probe if {
	vs := data.plumbline.rules.workload_probes_missing.violation with input as workload("StatefulSet", {"containers": [{"name": "db", "readinessProbe": probe, "livenessProbe": {"periodSeconds": 30}}]})
	count(vs) == 1
	some v in vs
	v.path == "/spec/template/spec/containers/0/livenessProbe"
	contains(v.msg, "sets livenessProbe without a handler")
	v.details.problem == "no-handler"
}

test_both_probes_with_any_handler_pass if {
	findings("Deployment", {"containers": [
		{"name": "odoo", "readinessProbe": probe, "livenessProbe": {"tcpSocket": {"port": 8069}}},
		{"name": "redis", "readinessProbe": {"exec": {"command": ["redis-cli", "ping"]}}, "livenessProbe": {"grpc": {"port": 6379}}},
	]}) == []
}

test_startup_probe_does_not_replace_either if {
	findings("Deployment", {"containers": [{"name": "odoo", "startupProbe": probe}]}) == [
		["/spec/template/spec/containers/0", "livenessProbe", "missing"],
		["/spec/template/spec/containers/0", "readinessProbe", "missing"],
	]
}

test_native_sidecar_is_judged_plain_init_container_is_not if {
	vs := data.plumbline.rules.workload_probes_missing.violation with input as workload("Deployment", {
		"initContainers": [{"name": "migrate"}, {"name": "proxy", "restartPolicy": "Always", "livenessProbe": probe}],
		"containers": [{"name": "odoo", "readinessProbe": probe, "livenessProbe": probe}],
	})
	count(vs) == 1
	some v in vs
	v.path == "/spec/template/spec/initContainers/1"
	v.msg == `init container "proxy" (native sidecar) has no readinessProbe`
}

test_jobs_are_not_judged if {
	findings("Job", {"containers": [{"name": "backup"}]}) == []
	count(findings("ReplicaSet", {"containers": [{"name": "backup"}]})) == 2
}
