# Rego unit tests of storage-class-unencrypted, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.storage_class_unencrypted_test

import rego.v1

class(provisioner, parameters) := {"object": {
	"apiVersion": "storage.k8s.io/v1",
	"kind": "StorageClass",
	"metadata": {"name": "disks"},
	"provisioner": provisioner,
	"parameters": parameters,
}}

findings(provisioner, parameters) := fs if {
	vs := data.plumbline.rules.storage_class_unencrypted.violation with input as class(provisioner, parameters)
	fs := sort([[v.path, v.details.parameter] | some v in vs])
	count(fs) == count(vs)
}

test_ebs_without_encrypted_is_a_violation_at_parameters if {
	vs := data.plumbline.rules.storage_class_unencrypted.violation with input as class("ebs.csi.aws.com", {"type": "gp3"})
	count(vs) == 1
	some v in vs
	v.path == "/parameters"
	startswith(v.msg, `StorageClass "disks" (ebs.csi.aws.com) does not set parameters.encrypted`)
	v.details == {"provisioner": "ebs.csi.aws.com", "parameter": "encrypted"}
}

test_ebs_encrypted_false_points_at_the_parameter if {
	vs := data.plumbline.rules.storage_class_unencrypted.violation with input as class("kubernetes.io/aws-ebs", {"encrypted": "false"})
	count(vs) == 1
	some v in vs
	v.path == "/parameters/encrypted"
	contains(v.msg, `sets parameters.encrypted to "false"`)
}

test_ebs_without_parameters_points_at_the_provisioner if {
	vs := data.plumbline.rules.storage_class_unencrypted.violation with input as {"object": {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "gp2"}, "provisioner": "ebs.csi.aws.com"}}
	[v.path | some v in vs] == ["/provisioner"]
}

test_go_booleans_and_other_provisioners_pass if {
	findings("ebs.csi.aws.com", {"encrypted": "true"}) == []
	findings("ebs.csi.aws.com", {"encrypted": "1"}) == []
	findings("ebs.csi.aws.com", {"encrypted": "TRUE"}) == []
	findings("pd.csi.storage.gke.io", {"type": "pd-ssd"}) == []
	findings("rancher.io/local-path", {}) == []
}

test_customer_managed_keys_from_params if {
	vs := data.plumbline.rules.storage_class_unencrypted.violation with input as class("ebs.csi.aws.com", {"encrypted": "true"})
		with data.plumbline.params.encryption.customerManagedKeys as true
	count(vs) == 1
	[v.details.parameter | some v in vs] == ["kmsKeyId"]
	ws := data.plumbline.rules.storage_class_unencrypted.violation with input as class("pd.csi.storage.gke.io", {"type": "pd-ssd"})
		with data.plumbline.params.encryption.customerManagedKeys as true
	count(ws) == 1
	[w.details.parameter | some w in ws] == ["disk-encryption-kms-key"]
	count(data.plumbline.rules.storage_class_unencrypted.violation) == 0 with input as class("disk.csi.azure.com", {"DiskEncryptionSetID": "/subscriptions/x/des"})
		with data.plumbline.params.encryption.customerManagedKeys as true
}

test_encrypted_provisioners_from_params if {
	count(data.plumbline.rules.storage_class_unencrypted.violation) == 0 with input as class("ebs.csi.aws.com", {"type": "gp3"})
		with data.plumbline.params.encryption.encryptedProvisioners as ["ebs.csi.aws.com"]
}

test_configured_provisioner_from_params if {
	longhorn := {"driver.longhorn.io": {"parameter": "encrypted", "values": ["true"]}}
	vs := data.plumbline.rules.storage_class_unencrypted.violation with input as class("driver.longhorn.io", {"encrypted": "false"})
		with data.plumbline.params.encryption.provisioners as longhorn
	count(vs) == 1
	some v in vs
	v.path == "/parameters/encrypted"
	contains(v.msg, "params.encryption.provisioners says driver.longhorn.io encrypts only with parameters.encrypted set to one of")
	count(data.plumbline.rules.storage_class_unencrypted.violation) == 0 with input as class("driver.longhorn.io", {"encrypted": "true"})
		with data.plumbline.params.encryption.provisioners as longhorn
	count(data.plumbline.rules.storage_class_unencrypted.violation) == 0 with input as class("driver.longhorn.io", {"encrypted": "false"})
}
