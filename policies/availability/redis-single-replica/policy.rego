package plumbline.rules.redis_single_replica

import rego.v1

# A production (params.availability.environments) Redis run by an operator as a single pod, or
# with fewer than params.availability.minReplicas (default 2) replicas: without a replica and a
# failover mechanism, sessions, caches and job queues are gone while the pod is.
# - OT-CONTAINER-KIT redis-operator (redis.redis.opstreelabs.in): Redis (standalone, always one
#   pod); RedisReplication spec.clusterSize;
# - spotahome redis-operator (databases.spotahome.com RedisFailover): spec.redis.replicas, where
#   unset or 0 means the operator's default of 3.

environment := object.get(object.get(input, "environment", {}), "name", "")

params := object.get(data.plumbline.params, "availability", {})

governed if environment in object.get(params, "environments", ["production"])

min_replicas := m if {
	m := object.get(params, "minReplicas", 2)
	is_number(m)
} else := 2

group := regex.replace(object.get(input.object, "apiVersion", ""), "/[^/]*$", "")

name := object.get(object.get(input.object, "metadata", {}), "name", "")

spec := s if {
	s := input.object.spec
	is_object(s)
} else := {}

spec_path := "/spec" if is_object(input.object.spec)

spec_path := "" if not is_object(object.get(input.object, "spec", null))

violation contains v if {
	governed
	min_replicas > 1
	input.object.kind == "Redis"
	group == "redis.redis.opstreelabs.in"
	v := {
		"msg": sprintf("Redis %q is a standalone Redis (one pod) in %s: it is down whenever its pod is; use a RedisReplication with clusterSize >= %v and a RedisSentinel for failover", [name, environment, min_replicas]),
		"path": spec_path,
		"details": {"replicas": 1, "environment": environment},
	}
}

violation contains v if {
	governed
	input.object.kind == "RedisReplication"
	group == "redis.redis.opstreelabs.in"
	n := spec.clusterSize
	is_number(n)
	n > 0
	n < min_replicas
	v := {
		"msg": sprintf("RedisReplication %q has clusterSize: %v in %s: no replica to promote; set clusterSize to at least %v", [name, n, environment, min_replicas]),
		"path": "/spec/clusterSize",
		"details": {"replicas": n, "environment": environment},
	}
}

violation contains v if {
	governed
	input.object.kind == "RedisFailover"
	group == "databases.spotahome.com"
	n := spec.redis.replicas
	is_number(n)
	n > 0
	n < min_replicas
	v := {
		"msg": sprintf("RedisFailover %q has redis.replicas: %v in %s: Sentinel has no replica to promote; set redis.replicas to at least %v", [name, n, environment, min_replicas]),
		"path": "/spec/redis/replicas",
		"details": {"replicas": n, "environment": environment},
	}
}
