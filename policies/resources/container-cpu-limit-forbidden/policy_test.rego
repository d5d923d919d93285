# Rego unit tests of container-cpu-limit-forbidden, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.container_cpu_limit_forbidden_test

import rego.v1

pod(field, resources) := {"object": {
	"apiVersion": "v1",
	"kind": "Pod",
	"metadata": {"name": "web"},
	"spec": {field: [{"name": "web", "image": "busybox:1.35", "resources": resources}]},
}}

test_a_cpu_limit_is_a_violation_when_forbidden if {
	vs := data.plumbline.rules.container_cpu_limit_forbidden.violation with input as pod("containers", {"limits": {"cpu": "10m"}})
		with data.plumbline.params.resources.forbidCpuLimits as true
	count(vs) == 1
	some v in vs
	v.path == "/spec/containers/0/resources/limits/cpu"
}

test_an_init_container_cpu_limit_is_a_violation if {
	vs := data.plumbline.rules.container_cpu_limit_forbidden.violation with input as pod("initContainers", {"limits": {"cpu": 0, "memory": "64Mi"}})
		with data.plumbline.params.resources.forbidCpuLimits as true
	count(vs) == 1
}

test_requests_and_memory_limits_pass if {
	vs := data.plumbline.rules.container_cpu_limit_forbidden.violation with input as pod("containers", {"requests": {"cpu": "10m"}, "limits": {"memory": "64Mi", "cpu": null}})
		with data.plumbline.params.resources.forbidCpuLimits as true
	count(vs) == 0
}

test_off_by_default if {
	count(data.plumbline.rules.container_cpu_limit_forbidden.violation) == 0 with input as pod("containers", {"limits": {"cpu": "10m"}})
}
