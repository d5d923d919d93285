# Rego unit tests of workload-single-replica, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.workload_single_replica_test

import rego.v1

deployment(spec, env) := {
	"object": {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "odoo"}, "spec": spec},
	"environment": {"name": env, "tier": "dedicated", "source": "pattern"},
}

test_one_replica_in_production_points_at_replicas if {
	vs := data.plumbline.rules.workload_single_replica.violation with input as deployment({"replicas": 1}, "production")
	count(vs) == 1
	some v in vs
	v.path == "/spec/replicas"
	v.details.replicas == 1
}

test_unset_replicas_is_one if {
	vs := data.plumbline.rules.workload_single_replica.violation with input as deployment({"template": {}}, "production")
	some v in vs
	v.path == "/spec"
	v.details.replicas == null
}

test_stopped_and_staging_workloads_pass if {
	count(data.plumbline.rules.workload_single_replica.violation) == 0 with input as deployment({"replicas": 0}, "production")
	count(data.plumbline.rules.workload_single_replica.violation) == 0 with input as deployment({"replicas": 1}, "staging")
}

test_minimum_comes_from_params if {
	vs := data.plumbline.rules.workload_single_replica.violation with input as deployment({"replicas": 2}, "production")
		with data.plumbline.params.availability.minReplicas as 3
	count(vs) == 1
}
