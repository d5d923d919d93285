# Rego unit tests of pod-qos-class-required, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.pod_qos_class_required_test

import rego.v1

ctr(name, resources) := {"name": name, "image": "postgres:16.4", "resources": resources}

pod(containers, init) := {
	"object": {
		"apiVersion": "v1",
		"kind": "Pod",
		"metadata": {"name": "postgres", "namespace": "erp-prod"},
		"spec": {"containers": containers, "initContainers": init},
	},
	"environment": {"name": "production", "tier": "dedicated", "source": "pattern"},
}

guaranteed := {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": "1000m", "memory": "1024Mi"}}

test_equal_requests_and_limits_are_guaranteed if {
	vs := data.plumbline.rules.pod_qos_class_required.violation with input as pod([ctr("db", guaranteed)], [])
		with data.plumbline.params.resources.requiredQosClass as "Guaranteed"
	count(vs) == 0
}

# The API server copies a limit into a missing request: limits alone are Guaranteed.
test_limits_alone_are_guaranteed if {
	vs := data.plumbline.rules.pod_qos_class_required.violation with input as pod([ctr("db", {"limits": {"cpu": "2", "memory": "4Gi"}})], [])
		with data.plumbline.params.resources.requiredQosClass as "Guaranteed"
	count(vs) == 0
}

# Init containers count: one without a cpu limit makes the pod Burstable.
test_an_init_container_without_cpu_limit_is_a_violation if {
	vs := data.plumbline.rules.pod_qos_class_required.violation with input as pod([ctr("db", guaranteed)], [ctr("init", {"limits": {"memory": "64Mi"}})])
		with data.plumbline.params.resources.requiredQosClass as "Guaranteed"
	count(vs) == 1
	some v in vs
	v.path == "/spec/initContainers/0/resources"
	v.details.qosClass == "Burstable"
	v.details.problems == ["sets no cpu limit above 0"]
}

test_a_request_below_its_limit_is_a_violation if {
	vs := data.plumbline.rules.pod_qos_class_required.violation with input as pod([ctr("db", {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}})], [])
		with data.plumbline.params.resources.requiredQosClass as "Guaranteed"
	some v in vs
	v.details.problems == ["cpu request 500m differs from its limit 1"]
}

test_best_effort_is_a_violation_for_burstable if {
	vs := data.plumbline.rules.pod_qos_class_required.violation with input as pod([ctr("db", {"requests": {"ephemeral-storage": "1Gi"}})], [])
		with data.plumbline.params.resources.requiredQosClass as "Burstable"
	count(vs) == 1
	some v in vs
	v.path == "/spec/containers"
}

test_zero_quantities_count_as_unset if {
	vs := data.plumbline.rules.pod_qos_class_required.violation with input as pod([ctr("db", {"requests": {"cpu": "0", "memory": 0}})], [])
		with data.plumbline.params.resources.requiredQosClass as "Burstable"
	count(vs) == 1
}

test_a_memory_request_is_burstable_enough if {
	vs := data.plumbline.rules.pod_qos_class_required.violation with input as pod([ctr("db", {"requests": {"memory": "1Gi"}})], [])
		with data.plumbline.params.resources.requiredQosClass as "Burstable"
	count(vs) == 0
}

test_per_environment_classes if {
	p := pod([ctr("db", {"requests": {"memory": "1Gi"}})], [])
	count(data.plumbline.rules.pod_qos_class_required.violation) == 1 with input as p
		with data.plumbline.params.resources.requiredQosClass as {"production": "Guaranteed"}
	count(data.plumbline.rules.pod_qos_class_required.violation) == 0 with input as p
		with data.plumbline.params.resources.requiredQosClass as {"staging": "Guaranteed"}
}

test_off_by_default if {
	count(data.plumbline.rules.pod_qos_class_required.violation) == 0 with input as pod([ctr("db", {})], [])
}
