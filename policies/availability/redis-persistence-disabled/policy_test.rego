# Rego unit tests of redis-persistence-disabled, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.redis_persistence_disabled_test

import rego.v1

queue_labels := {"plumbline.dev/redis-role": "queue"}

ot_redis(labels, spec) := {"object": {
	"apiVersion": "redis.redis.opstreelabs.in/v1beta2",
	"kind": "RedisReplication",
	"metadata": {"name": "erp-queue", "namespace": "acme-prod", "labels": labels},
	"spec": spec,
}}

failover(labels, redis) := {"object": {
	"apiVersion": "databases.spotahome.com/v1",
	"kind": "RedisFailover",
	"metadata": {"name": "erp-queue", "namespace": "acme-prod", "labels": labels},
	"spec": {"sentinel": {"replicas": 3}, "redis": redis},
}}

pvc := {"persistentVolumeClaim": {"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"]}}}

test_queue_without_volume_claim_template_is_a_violation_at_spec if {
	vs := data.plumbline.rules.redis_persistence_disabled.violation with input as ot_redis(queue_labels, {"clusterSize": 3})
	count(vs) == 1
	some v in vs
	v.path == "/spec"
	contains(v.msg, "no spec.storage.volumeClaimTemplate")
	v.details.labels == ["plumbline.dev/redis-role: queue"]
}

test_storage_without_template_points_at_storage if {
	vs := data.plumbline.rules.redis_persistence_disabled.violation with input as ot_redis(queue_labels, {"storage": {"volumeMount": {}}})
	count(vs) == 1
	some v in vs
	v.path == "/spec/storage"
}

test_queue_with_volume_claim_template_passes if {
	spec := {"storage": {"volumeClaimTemplate": {"spec": {"accessModes": ["ReadWriteOnce"]}}}}
	count(data.plumbline.rules.redis_persistence_disabled.violation) == 0 with input as ot_redis(queue_labels, spec)
}

test_unlabelled_or_cache_redis_is_not_judged if {
	count(data.plumbline.rules.redis_persistence_disabled.violation) == 0 with input as ot_redis({}, {})
	count(data.plumbline.rules.redis_persistence_disabled.violation) == 0 with input as ot_redis({"plumbline.dev/redis-role": "cache"}, {})
	count(data.plumbline.rules.redis_persistence_disabled.violation) == 0 with input as failover({"plumbline.dev/redis-role": "cache"}, {"replicas": 3})
}

test_failover_without_pvc_points_at_redis if {
	vs := data.plumbline.rules.redis_persistence_disabled.violation with input as failover(queue_labels, {"replicas": 3})
	count(vs) == 1
	some v in vs
	v.path == "/spec/redis"
	contains(v.msg, "no redis.storage.persistentVolumeClaim")
}

test_failover_rdb_off_without_aof_is_a_violation_at_the_entry if {
	vs := data.plumbline.rules.redis_persistence_disabled.violation with input as failover(queue_labels, {"storage": pvc, "customConfig": ["maxmemory 1gb", "save \"\""]})
	count(vs) == 1
	some v in vs
	v.path == "/spec/redis/customConfig/1"
	contains(v.msg, "turns RDB snapshots off")
}

test_failover_rdb_off_with_aof_passes if {
	count(data.plumbline.rules.redis_persistence_disabled.violation) == 0 with input as failover(queue_labels, {"storage": pvc, "customConfig": ["save ''", "appendonly  YES"]})
	count(data.plumbline.rules.redis_persistence_disabled.violation) == 0 with input as failover(queue_labels, {"storage": pvc, "customConfig": ["save 900 1"]})
}

test_queue_labels_come_from_params if {
	labels := {"app.kubernetes.io/component": "broker"}
	count(data.plumbline.rules.redis_persistence_disabled.violation) == 0 with input as ot_redis(labels, {})
	vs := data.plumbline.rules.redis_persistence_disabled.violation with input as ot_redis(labels, {})
		with data.plumbline.params.dataLayer.redisQueueLabels as {"app.kubernetes.io/component": ["broker", "queue"]}
	count(vs) == 1
	some v in vs
	v.details.labels == ["app.kubernetes.io/component: broker"]
}
