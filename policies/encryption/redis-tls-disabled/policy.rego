package plumbline.rules.redis_tls_disabled

import rego.v1

# OT-CONTAINER-KIT redis-operator resources (redis.redis.opstreelabs.in Redis, RedisCluster,
# RedisReplication, RedisSentinel) without spec.TLS: the operator then starts Redis without TLS
# and every client and replica connection is plaintext.

kinds := {"Redis", "RedisCluster", "RedisReplication", "RedisSentinel"}

violation contains v if {
	input.object.kind in kinds
	regex.match(`^redis\.redis\.opstreelabs\.in/`, object.get(input.object, "apiVersion", ""))
	not is_object(object.get(object.get(input.object, "spec", {}), "TLS", null))
	v := {
		"msg": sprintf("%s %q has no spec.TLS, so Redis serves clients and replicas without TLS (sessions, queue jobs and the AUTH password in plaintext); set spec.TLS with the Secret of a certificate for the Redis service", [input.object.kind, object.get(object.get(input.object, "metadata", {}), "name", "")]),
		"path": "/spec",
		"details": {"kind": input.object.kind},
	}
}
