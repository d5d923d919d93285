# Rego unit tests of container-limits-excessive, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.container_limits_excessive_test

import rego.v1

pod(resources) := {"object": {
	"apiVersion": "v1",
	"kind": "Pod",
	"metadata": {"name": "odoo"},
	"spec": {"containers": [{"name": "odoo", "image": "odoo:17.0", "resources": resources}]},
}}

test_limit_above_the_maximum_is_a_violation if {
	vs := data.plumbline.rules.container_limits_excessive.violation with input as pod({"limits": {"cpu": "3", "memory": "1Gi"}})
		with data.plumbline.params.resources.maxLimits as {"cpu": "2", "memory": "1Gi"}
	count(vs) == 1
	some v in vs
	v.path == "/spec/containers/0/resources/limits/cpu"
	v.details.max == "2"
}

test_a_value_equal_to_the_maximum_passes if {
	vs := data.plumbline.rules.container_limits_excessive.violation with input as pod({"requests": {"cpu": "2000m", "memory": "1024Mi"}})
		with data.plumbline.params.resources.maxRequests as {"cpu": 2, "memory": "1Gi"}
	count(vs) == 0
}

# Gatekeeper K8sContainerLimits `cpu: "-1"`: the resource is ignored, even an invalid quantity.
test_minus_one_ignores_the_resource if {
	vs := data.plumbline.rules.container_limits_excessive.violation with input as pod({"limits": {"cpu": "64", "memory": "2Gi"}, "requests": {"cpu": "212asdf"}})
		with data.plumbline.params.resources.maxLimits as {"cpu": "-1", "memory": "1Gi"}
		with data.plumbline.params.resources.maxRequests as {"cpu": -1}
	count(vs) == 1
	some v in vs
	v.details.resource == "memory"
}

test_only_minus_one_maxima_check_nothing if {
	count(data.plumbline.rules.container_limits_excessive.maxima) == 0 with input as pod({"limits": {"cpu": "64"}})
		with data.plumbline.params.resources.maxLimits as {"cpu": "-1", "memory": -1}
}

test_an_invalid_quantity_is_reported if {
	vs := data.plumbline.rules.container_limits_excessive.violation with input as pod({"limits": {"memory": "8 GB"}})
		with data.plumbline.params.resources.maxLimits as {"memory": "8Gi"}
	some v in vs
	contains(v.msg, "not a quantity")
}
