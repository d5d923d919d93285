# Rego unit tests of redis-tls-disabled, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.redis_tls_disabled_test

import rego.v1

redis(api, kind, spec) := {"object": {"apiVersion": api, "kind": kind, "metadata": {"name": "erp-redis"}, "spec": spec}}

tls := {"ca": "ca.crt", "cert": "tls.crt", "key": "tls.key", "secret": {"secretName": "erp-redis-tls"}}

test_ot_redis_without_tls_is_a_violation_at_spec if {
	vs := data.plumbline.rules.redis_tls_disabled.violation with input as redis("redis.redis.opstreelabs.in/v1beta2", "RedisReplication", {"clusterSize": 3})
	count(vs) == 1
	some v in vs
	v.path == "/spec"
	contains(v.msg, `RedisReplication "erp-redis" has no spec.TLS`)
	v.details.kind == "RedisReplication"
}

test_every_ot_kind_and_version_is_judged if {
	count(data.plumbline.rules.redis_tls_disabled.violation) == 1 with input as redis("redis.redis.opstreelabs.in/v1beta1", "Redis", {})
	count(data.plumbline.rules.redis_tls_disabled.violation) == 1 with input as redis("redis.redis.opstreelabs.in/v1beta2", "RedisCluster", {"TLS": null})
	count(data.plumbline.rules.redis_tls_disabled.violation) == 1 with input as redis("redis.redis.opstreelabs.in/v1beta2", "RedisSentinel", {"tls": tls})
}

test_tls_set_passes if {
	count(data.plumbline.rules.redis_tls_disabled.violation) == 0 with input as redis("redis.redis.opstreelabs.in/v1beta2", "RedisReplication", {"clusterSize": 3, "TLS": tls})
}

test_other_operators_are_not_judged if {
	count(data.plumbline.rules.redis_tls_disabled.violation) == 0 with input as redis("databases.spotahome.com/v1", "RedisFailover", {})
	count(data.plumbline.rules.redis_tls_disabled.violation) == 0 with input as redis("example.com/v1", "Redis", {})
	count(data.plumbline.rules.redis_tls_disabled.violation) == 0 with input as redis("xredis.redis.opstreelabs.in/v1", "Redis", {})
}
