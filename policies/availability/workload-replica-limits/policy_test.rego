# Rego unit tests of workload-replica-limits, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.workload_replica_limits_test

import rego.v1

workload(kind, spec) := {"object": {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": "odoo"}, "spec": spec}}

limits := {"ranges": [{"min": 3, "max": 50}]}

violations(kind, spec) := vs if {
	vs := data.plumbline.rules.workload_replica_limits.violation with input as workload(kind, spec)
		with data.plumbline.params.availability.replicaLimits as limits
}

test_off_while_ranges_is_empty if {
	count(data.plumbline.rules.workload_replica_limits.violation) == 0 with input as workload("Deployment", {"replicas": 1000})
	count(data.plumbline.rules.workload_replica_limits.violation) == 0 with input as workload("Deployment", {"replicas": 1000})
		with data.plumbline.params.availability.replicaLimits as {"ranges": []}
}

test_replicas_below_the_range_is_a_violation_at_replicas if {
	vs := violations("Deployment", {"replicas": 2})
	count(vs) == 1
	some v in vs
	v.path == "/spec/replicas"
	v.msg == `Deployment "odoo" has replicas: 2, outside the allowed ranges 3-50`
	v.details.replicas == 2
}

test_bounds_are_inclusive if {
	count(violations("Deployment", {"replicas": 3})) == 0
	count(violations("Deployment", {"replicas": 50})) == 0
	count(violations("Deployment", {"replicas": 51})) == 1
}

test_unset_replicas_is_in_no_range if {
	vs := violations("Deployment", {"template": {}})
	count(vs) == 1
	some v in vs
	v.path == "/spec"
	contains(v.msg, "has no spec.replicas")
	v.details.replicas == null
}

test_kinds_come_from_params if {
	count(violations("StatefulSet", {"replicas": 1})) == 0
	vs := data.plumbline.rules.workload_replica_limits.violation with input as workload("StatefulSet", {"replicas": 1})
		with data.plumbline.params.availability.replicaLimits as {"ranges": [{"min": 3, "max": 50}, {"min": 100, "max": 100}], "kinds": ["StatefulSet"]}
	some v in vs
	contains(v.msg, "outside the allowed ranges 3-50, 100-100")
}
