package plumbline.rules.redis_persistence_disabled

import rego.v1

# A Redis labelled as a queue (params.dataLayer.redisQueueLabels, default
# plumbline.dev/redis-role: queue) whose operator resource keeps no data across a pod's
# replacement: queued jobs (mails, invoices to post, webhooks) vanish with the pod.
# - OT-CONTAINER-KIT redis-operator (redis.redis.opstreelabs.in Redis, RedisReplication,
#   RedisCluster): no spec.storage.volumeClaimTemplate, so Redis writes its RDB/AOF files into the
#   container's filesystem;
# - spotahome redis-operator (databases.spotahome.com RedisFailover): no
#   spec.redis.storage.persistentVolumeClaim (the operator then mounts an emptyDir), or
#   spec.redis.customConfig turning RDB snapshots off (save "") without appendonly yes.

params := object.get(data.plumbline.params, "dataLayer", {})

queue_labels := l if {
	l := object.get(params, "redisQueueLabels", {"plumbline.dev/redis-role": ["queue"]})
	is_object(l)
} else := {}

metadata := m if {
	m := input.object.metadata
	is_object(m)
} else := {}

labels := l if {
	l := metadata.labels
	is_object(l)
} else := {}

name := object.get(metadata, "name", "")

group := regex.replace(object.get(input.object, "apiVersion", ""), "/[^/]*$", "")

queue_label contains sprintf("%s: %s", [k, labels[k]]) if {
	some k, values in queue_labels
	is_array(values)
	labels[k] in values
}

queue if count(queue_label) > 0

label_text := concat(", ", sort(queue_label))

spec := s if {
	s := input.object.spec
	is_object(s)
} else := {}

storage := s if {
	s := spec.storage
	is_object(s)
} else := {}

violation contains v if {
	queue
	input.object.kind in {"Redis", "RedisReplication", "RedisCluster"}
	group == "redis.redis.opstreelabs.in"
	not is_object(object.get(storage, "volumeClaimTemplate", null))
	v := {
		"msg": sprintf("%s %q is labelled a queue (%s) but has no spec.storage.volumeClaimTemplate: Redis writes its snapshots into the container's filesystem and the queued jobs are lost whenever the pod is replaced; add a volumeClaimTemplate", [input.object.kind, name, label_text]),
		"path": ot_path,
		"details": {"labels": sort(queue_label)},
	}
}

ot_path := "/spec/storage" if is_object(spec.storage)

ot_path := "/spec" if {
	is_object(input.object.spec)
	not is_object(object.get(spec, "storage", null))
}

ot_path := "" if not is_object(object.get(input.object, "spec", null))

failover if {
	input.object.kind == "RedisFailover"
	group == "databases.spotahome.com"
}

redis := r if {
	r := spec.redis
	is_object(r)
} else := {}

violation contains v if {
	queue
	failover
	not is_object(object.get(object.get(redis, "storage", {}), "persistentVolumeClaim", null))
	v := {
		"msg": sprintf("RedisFailover %q is labelled a queue (%s) but has no redis.storage.persistentVolumeClaim: the operator gives Redis an emptyDir and the queued jobs are lost when a pod is deleted or rescheduled; add a persistentVolumeClaim", [name, label_text]),
		"path": failover_path,
		"details": {"labels": sort(queue_label)},
	}
}

failover_path := "/spec/redis/storage" if is_object(redis.storage)

failover_path := "/spec/redis" if {
	is_object(spec.redis)
	not is_object(object.get(redis, "storage", null))
}

failover_path := "/spec" if {
	is_object(input.object.spec)
	not is_object(object.get(spec, "redis", null))
}

failover_path := "" if not is_object(object.get(input.object, "spec", null))

# customConfig entries, normalised: lowercase, single spaces, quotes removed.
config_entry contains [i, e] if {
	some i, c in redis.customConfig
	is_string(c)
	e := trim_space(replace(replace(regex.replace(lower(c), "\\s+", " "), "\"", ""), "'", ""))
}

rdb_off_at contains i if {
	some [i, e] in config_entry
	e == "save"
}

aof_on if {
	some [_, e] in config_entry
	e == "appendonly yes"
}

violation contains v if {
	queue
	failover
	some i in rdb_off_at
	not aof_on
	v := {
		"msg": sprintf("RedisFailover %q is labelled a queue (%s) but its customConfig turns RDB snapshots off (save \"\") and does not set appendonly yes: Redis persists nothing and a restart empties the queue; set appendonly yes or drop the save entry", [name, label_text]),
		"path": sprintf("/spec/redis/customConfig/%d", [i]),
		"details": {"labels": sort(queue_label)},
	}
}
