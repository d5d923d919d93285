package plumbline.rules.storage_class_unencrypted

import rego.v1

import data.plumbline.lib.storage

# A StorageClass of a provisioner whose encryption at rest is a class parameter, without it
# (policies/lib/storage.rego decides, for this rule and pvc-storage-class-unencrypted):
# - AWS EBS (ebs.csi.aws.com, in-tree kubernetes.io/aws-ebs): `encrypted` must be true (both
#   parse it as a Go boolean); with params.encryption.customerManagedKeys, `kmsKeyId` too;
# - GCE PD (pd.csi.storage.gke.io) and Azure Disk (disk.csi.azure.com, kubernetes.io/azure-disk)
#   volumes are always encrypted with the provider's keys; with customerManagedKeys, the class
#   must name the key: `disk-encryption-kms-key` (GCE), `diskEncryptionSetID` (Azure, parameter
#   names case-insensitive); in-tree kubernetes.io/gce-pd has no such parameter;
# - any provisioner configured under params.encryption.provisioners: its `parameter`, with one
#   of its `values` when those are listed.
# Provisioners listed in params.encryption.encryptedProvisioners, and all others, are not judged.

name := object.get(object.get(input.object, "metadata", {}), "name", "")

violation contains v if {
	input.object.kind == "StorageClass"
	some p in storage.problems(input.object)
	provisioner := input.object.provisioner
	v := {
		"msg": sprintf("StorageClass %q (%s) %s", [name, provisioner, p.msg]),
		"path": param_path(p.parameter),
		"details": {"provisioner": provisioner, "parameter": p.parameter},
	}
}

# Path of a parameter, or of the parameters map (or the provisioner) when it is absent.
param_path(key) := concat("/", ["/parameters", key]) if key in object.keys(storage.parameters(input.object))

param_path(key) := "/parameters" if {
	not key in object.keys(storage.parameters(input.object))
	key != ""
	is_object(object.get(input.object, "parameters", null))
}

param_path(key) := "/provisioner" if {
	not key in object.keys(storage.parameters(input.object))
	not has_parameters_for(key)
}

has_parameters_for(key) if {
	key != ""
	is_object(object.get(input.object, "parameters", null))
}
