package plumbline.rules.pvc_storage_class_unencrypted

import rego.v1

import data.plumbline.lib.storage

# A claim for a volume in a production namespace whose StorageClass is in the inventory and does
# not encrypt as required (policies/lib/storage.rego, as storage-class-unencrypted judges the
# class). Claims: PersistentVolumeClaims, StatefulSet volumeClaimTemplates, and the volumes of the
# data-layer custom resources (CloudNativePG storage and walStorage, Zalando volume, Crunchy
# dataVolumeClaimSpec and walVolumeClaimSpec per instance set, OT-CONTAINER-KIT redis-operator
# storage.volumeClaimTemplate, spotahome redis.storage.persistentVolumeClaim, Odoo operator
# odooFilestore). A claim without a class gets the default class (annotated
# storageclass.kubernetes.io/is-default-class: "true"); an empty class binds a pre-provisioned
# volume and is not judged.

group := regex.replace(object.get(input.object, "apiVersion", ""), "/[^/]*$", "")

kind := input.object.kind

spec := object.get(input.object, "spec", {})

# {path of the object holding the class field, field name, the object}
claims contains [p, "storageClassName", s] if {
	kind == "PersistentVolumeClaim"
	s := spec
	p := "/spec"
}

# A template without a spec claims from the default class; the finding points at the template.
claims contains [template_path(i, t), "storageClassName", s] if {
	kind == "StatefulSet"
	some i, t in spec.volumeClaimTemplates
	s := object.get(t, "spec", {})
}

template_path(i, t) := sprintf("/spec/volumeClaimTemplates/%d/spec", [i]) if {
	is_object(object.get(t, "spec", null))
} else := sprintf("/spec/volumeClaimTemplates/%d", [i])

claims contains [concat("/", ["/spec", f]), "storageClass", s] if {
	kind == "Cluster"
	group == "postgresql.cnpg.io"
	some f in ["storage", "walStorage"]
	s := spec[f]
	is_object(s)
}

claims contains ["/spec/volume", "storageClass", s] if {
	kind == "postgresql"
	group == "acid.zalan.do"
	s := spec.volume
	is_object(s)
}

claims contains [sprintf("/spec/instances/%d/%s", [i, f]), "storageClassName", s] if {
	kind == "PostgresCluster"
	group == "postgres-operator.crunchydata.com"
	some i, set in spec.instances
	some f in ["dataVolumeClaimSpec", "walVolumeClaimSpec"]
	s := set[f]
	is_object(s)
}

claims contains ["/spec/storage/volumeClaimTemplate/spec", "storageClassName", s] if {
	kind in {"Redis", "RedisCluster", "RedisReplication", "RedisSentinel"}
	group == "redis.redis.opstreelabs.in"
	s := spec.storage.volumeClaimTemplate.spec
	is_object(s)
}

claims contains ["/spec/redis/storage/persistentVolumeClaim/spec", "storageClassName", s] if {
	kind == "RedisFailover"
	group == "databases.spotahome.com"
	s := spec.redis.storage.persistentVolumeClaim.spec
	is_object(s)
}

claims contains ["/spec/odooFilestore", "storageClassName", s] if {
	kind == "OdooDeployment"
	group == "odoo.abugharbia.com"
	s := spec.odooFilestore
	is_object(s)
}

classes := object.get(input.inventory, "storageClasses", {})

# The class a claim gets: its own, or the default when it names none.
class_of(s, field) := c if {
	c := s[field]
	is_string(c)
	c != ""
}

default_classes := sort([c | some c, sc in classes; sc["default"] == true])

class_of(s, field) := default_classes[0] if {
	not field in object.keys(s)
	count(default_classes) > 0
}

violation contains v if {
	input.environment.name == "production"
	input.inventory.known == true
	some [p, field, s] in claims
	c := class_of(s, field)
	sc := classes[c]
	problems := storage.problems(sc)
	count(problems) > 0
	first := [x | some x in problems][0]
	v := {
		"msg": sprintf("%s %q claims a volume of StorageClass %q%s in production, and that class %s", [kind, object.get(object.get(input.object, "metadata", {}), "name", ""), c, default_note(s, field), first.msg]),
		"path": field_path(p, s, field),
		"details": {"storageClass": c, "provisioner": object.get(sc, "provisioner", ""), "parameter": first.parameter},
	}
}

default_note(s, field) := " (the default class)" if not field in object.keys(s)

default_note(s, field) := "" if field in object.keys(s)

field_path(p, s, field) := concat("/", [p, field]) if field in object.keys(s)

field_path(p, s, field) := p if not field in object.keys(s)
