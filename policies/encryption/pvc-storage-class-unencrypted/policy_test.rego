# Rego unit tests of pvc-storage-class-unencrypted, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.pvc_storage_class_unencrypted_test

import rego.v1

classes := {
	"gp2": {"provisioner": "ebs.csi.aws.com", "parameters": {"type": "gp2"}, "default": true},
	"gp3-encrypted": {"provisioner": "ebs.csi.aws.com", "parameters": {"type": "gp3", "encrypted": "true"}, "default": false},
}

with_env(obj, env) := {
	"object": obj,
	"environment": {"name": env, "tier": "dedicated", "source": "pattern"},
	"inventory": {"known": true, "namespaces": {}, "hosts": {}, "podDisruptionBudgets": {}, "middlewares": {}, "storageClasses": classes},
}

pvc(spec) := {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "odoo-filestore", "namespace": "acme-prod"}, "spec": spec}

violations(obj) := vs if {
	vs := data.plumbline.rules.pvc_storage_class_unencrypted.violation with input as with_env(obj, "production")
}

test_claim_of_an_unencrypted_class_is_a_violation_at_the_class if {
	vs := violations(pvc({"storageClassName": "gp2"}))
	count(vs) == 1
	some v in vs
	v.path == "/spec/storageClassName"
	contains(v.msg, `PersistentVolumeClaim "odoo-filestore" claims a volume of StorageClass "gp2" in production, and that class does not set parameters.encrypted`)
	v.details == {"storageClass": "gp2", "provisioner": "ebs.csi.aws.com", "parameter": "encrypted"}
}

test_claim_without_class_gets_the_default if {
	vs := violations(pvc({"accessModes": ["ReadWriteOnce"]}))
	count(vs) == 1
	some v in vs
	v.path == "/spec"
	contains(v.msg, `StorageClass "gp2" (the default class)`)
}

test_encrypted_empty_unknown_class_and_other_environments_pass if {
	count(violations(pvc({"storageClassName": "gp3-encrypted"}))) == 0
	count(violations(pvc({"storageClassName": ""}))) == 0
	count(violations(pvc({"storageClassName": "ceph-rbd"}))) == 0
	count(data.plumbline.rules.pvc_storage_class_unencrypted.violation) == 0 with input as with_env(pvc({"storageClassName": "gp2"}), "staging")
	count(data.plumbline.rules.pvc_storage_class_unencrypted.violation) == 0 with input as object.union(with_env(pvc({"storageClassName": "gp2"}), "production"), {"inventory": {"known": false}})
}

test_statefulset_and_cnpg_claims if {
	sts := {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "redis"}, "spec": {"volumeClaimTemplates": [
		{"metadata": {"name": "a"}, "spec": {"storageClassName": "gp3-encrypted"}},
		{"metadata": {"name": "b"}, "spec": {"storageClassName": "gp2"}},
	]}}
	[v.path | some v in violations(sts)] == ["/spec/volumeClaimTemplates/1/spec/storageClassName"]
	cluster := {"apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster", "metadata": {"name": "erp-db"}, "spec": {
		"storage": {"size": "50Gi", "storageClass": "gp3-encrypted"},
		"walStorage": {"size": "5Gi"},
	}}
	[w.path | some w in violations(cluster)] == ["/spec/walStorage"]
}

test_encryption_params_are_read if {
	count(data.plumbline.rules.pvc_storage_class_unencrypted.violation) == 0 with input as with_env(pvc({"storageClassName": "gp2"}), "production")
		with data.plumbline.params.encryption.encryptedProvisioners as ["ebs.csi.aws.com"]
	vs := data.plumbline.rules.pvc_storage_class_unencrypted.violation with input as with_env(pvc({"storageClassName": "gp3-encrypted"}), "production")
		with data.plumbline.params.encryption.customerManagedKeys as true
	count(vs) == 1
	[v.details.parameter | some v in vs] == ["kmsKeyId"]
}

test_statefulset_template_without_spec_points_at_the_template if {
	sts := {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "pg", "namespace": "acme-prod"}, "spec": {"volumeClaimTemplates": [
		{"metadata": {"name": "data"}},
		{"metadata": {"name": "wal"}, "spec": {"storageClassName": "gp2"}},
	]}}
	paths := {v.path | some v in violations(sts)}
	paths == {"/spec/volumeClaimTemplates/0", "/spec/volumeClaimTemplates/1/spec/storageClassName"}
}
