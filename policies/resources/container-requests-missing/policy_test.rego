# Rego unit tests of container-requests-missing, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.container_requests_missing_test

import rego.v1

pod(resources) := {"object": {
	"apiVersion": "v1",
	"kind": "Pod",
	"metadata": {"name": "opa"},
	"spec": {"containers": [object.union({"name": "opa", "image": "openpolicyagent/opa:0.9.2"}, resources)]},
}}

# Gatekeeper K8sRequiredResources `requests: [cpu, memory]` is the default.
test_only_a_cpu_request_misses_memory if {
	vs := data.plumbline.rules.container_requests_missing.violation with input as pod({"resources": {"requests": {"cpu": "100m"}, "limits": {"memory": "2Gi"}}})
	count(vs) == 1
	some v in vs
	v.details.missing == ["memory"]
	v.path == "/spec/containers/0/resources/requests"
	contains(v.msg, "copied as the request")
}

test_empty_resources_miss_both if {
	vs := data.plumbline.rules.container_requests_missing.violation with input as pod({"resources": {}})
	some v in vs
	v.details.missing == ["cpu", "memory"]
	v.path == "/spec/containers/0/resources"
}

# Gatekeeper's no-enforcements sample: nothing required.
test_an_empty_list_requires_nothing if {
	vs := data.plumbline.rules.container_requests_missing.violation with input as pod({"resources": {}})
		with data.plumbline.params.resources.requireRequests as []
	count(vs) == 0
}

test_an_explicit_zero_counts_as_set if {
	vs := data.plumbline.rules.container_requests_missing.violation with input as pod({"resources": {"requests": {"cpu": 0, "memory": "0"}}})
	count(vs) == 0
}
