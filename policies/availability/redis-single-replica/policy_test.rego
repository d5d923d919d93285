# Rego unit tests of redis-single-replica, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.redis_single_replica_test

import rego.v1

redis(kind, api, spec, env) := {
	"object": {"apiVersion": api, "kind": kind, "metadata": {"name": "erp-redis", "namespace": "acme-prod"}, "spec": spec},
	"environment": {"name": env, "tier": "dedicated", "source": "pattern"},
}

ot := "redis.redis.opstreelabs.in/v1beta2"

spotahome := "databases.spotahome.com/v1"

test_replication_of_one_is_a_violation_at_cluster_size if {
	vs := data.plumbline.rules.redis_single_replica.violation with input as redis("RedisReplication", ot, {"clusterSize": 1}, "production")
	count(vs) == 1
	some v in vs
	v.path == "/spec/clusterSize"
	v.details.replicas == 1
	contains(v.msg, "set clusterSize to at least 2")
}

test_standalone_redis_is_a_violation_at_spec if {
	vs := data.plumbline.rules.redis_single_replica.violation with input as redis("Redis", ot, {"kubernetesConfig": {}}, "production")
	count(vs) == 1
	some v in vs
	v.path == "/spec"
	contains(v.msg, "standalone Redis")
}

test_failover_of_one_is_a_violation_at_redis_replicas if {
	vs := data.plumbline.rules.redis_single_replica.violation with input as redis("RedisFailover", spotahome, {"redis": {"replicas": 1}}, "production")
	count(vs) == 1
	some v in vs
	v.path == "/spec/redis/replicas"
}

test_minimum_replicas_unset_failover_and_staging_pass if {
	count(data.plumbline.rules.redis_single_replica.violation) == 0 with input as redis("RedisReplication", ot, {"clusterSize": 2}, "production")

	# 0 or unset is the spotahome operator's default of 3.
	count(data.plumbline.rules.redis_single_replica.violation) == 0 with input as redis("RedisFailover", spotahome, {"redis": {"replicas": 0}}, "production")
	count(data.plumbline.rules.redis_single_replica.violation) == 0 with input as redis("RedisFailover", spotahome, {"redis": {}}, "production")
	count(data.plumbline.rules.redis_single_replica.violation) == 0 with input as redis("RedisReplication", ot, {"clusterSize": 1}, "staging")
	count(data.plumbline.rules.redis_single_replica.violation) == 0 with input as redis("Redis", ot, {}, "staging")
}

test_other_operators_and_cluster_are_not_judged if {
	count(data.plumbline.rules.redis_single_replica.violation) == 0 with input as redis("RedisReplication", "example.com/v1", {"clusterSize": 1}, "production")
	count(data.plumbline.rules.redis_single_replica.violation) == 0 with input as redis("RedisCluster", ot, {"clusterSize": 1}, "production")
}

test_minimum_and_environments_come_from_params if {
	vs := data.plumbline.rules.redis_single_replica.violation with input as redis("RedisReplication", ot, {"clusterSize": 2}, "production")
		with data.plumbline.params.availability.minReplicas as 3
	count(vs) == 1
	vs2 := data.plumbline.rules.redis_single_replica.violation with input as redis("RedisReplication", ot, {"clusterSize": 1}, "staging")
		with data.plumbline.params.availability.environments as ["production", "staging"]
	some v in vs2
	v.details.environment == "staging"
}
