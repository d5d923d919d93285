# Rego unit tests of container-limit-ratio, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.container_limit_ratio_test

import rego.v1

pod(resources) := {"object": {
	"apiVersion": "v1",
	"kind": "Pod",
	"metadata": {"name": "opa"},
	"spec": {"containers": [{"name": "opa", "image": "openpolicyagent/opa:0.9.2", "resources": resources}]},
}}

# Gatekeeper K8sContainerRatios `ratio: "1"`, `cpuRatio: "10"` (its container-must-meet-memory-
# and-cpu-ratio sample): cpu 4/1 and memory 2Gi/2Gi pass.
test_separate_cpu_and_memory_ratios_pass_the_upstream_sample if {
	vs := data.plumbline.rules.container_limit_ratio.violation with input as pod({"limits": {"cpu": "4", "memory": "2Gi"}, "requests": {"cpu": "1", "memory": "2Gi"}})
		with data.plumbline.params.resources.maxLimitRequestRatio as {"cpu": "10", "memory": "1"}
	count(vs) == 0
}

test_memory_above_its_ratio_is_a_violation if {
	vs := data.plumbline.rules.container_limit_ratio.violation with input as pod({"limits": {"cpu": "800m", "memory": "2Gi"}, "requests": {"cpu": "100m", "memory": "100Mi"}})
		with data.plumbline.params.resources.maxLimitRequestRatio as {"cpu": 10, "memory": 1}
	count(vs) == 1
	some v in vs
	v.details.resource == "memory"
	v.path == "/spec/containers/0/resources/limits/memory"
}

test_a_zero_request_under_a_limit_is_unbounded if {
	vs := data.plumbline.rules.container_limit_ratio.violation with input as pod({"limits": {"cpu": "500m"}, "requests": {"cpu": "0"}})
		with data.plumbline.params.resources.maxLimitRequestRatio as {"cpu": 4}
	some v in vs
	v.details.ratio == "unbounded"
}

test_no_ratio_configured_checks_nothing if {
	count(data.plumbline.rules.container_limit_ratio.violation) == 0 with input as pod({"limits": {"cpu": "8"}, "requests": {"cpu": "1m"}})
}
