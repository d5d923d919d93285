package plumbline.rules.storage_class_unencrypted

import rego.v1

# A StorageClass of a provisioner whose encryption at rest is a class parameter, without it:
# - AWS EBS (ebs.csi.aws.com, in-tree kubernetes.io/aws-ebs): `encrypted` must be true (both
#   parse it as a Go boolean); with params.encryption.customerManagedKeys, `kmsKeyId` too;
# - GCE PD (pd.csi.storage.gke.io) and Azure Disk (disk.csi.azure.com, kubernetes.io/azure-disk)
#   volumes are always encrypted with the provider's keys; with customerManagedKeys, the class
#   must name the key: `disk-encryption-kms-key` (GCE), `diskEncryptionSetID` (Azure, parameter
#   names case-insensitive); in-tree kubernetes.io/gce-pd has no such parameter;
# - any provisioner configured under params.encryption.provisioners: its `parameter`, with one
#   of its `values` when those are listed.
# Provisioners listed in params.encryption.encryptedProvisioners, and all others, are not judged.

params := object.get(data.plumbline.params, "encryption", {})

cmk := object.get(params, "customerManagedKeys", false) == true

provisioner := p if {
	input.object.kind == "StorageClass"
	p := input.object.provisioner
	is_string(p)
	not p in object.get(params, "encryptedProvisioners", [])
}

parameters := p if {
	p := input.object.parameters
	is_object(p)
} else := {}

aws := {"ebs.csi.aws.com", "kubernetes.io/aws-ebs"}

azure := {"disk.csi.azure.com", "kubernetes.io/azure-disk"}

go_true := {"1", "t", "true"}

# Path of a parameter, or of the parameters map (or the provisioner) when it is absent.
param_path(key) := concat("/", ["/parameters", key]) if key in object.keys(parameters)

param_path(key) := "/parameters" if {
	not key in object.keys(parameters)
	is_object(object.get(input.object, "parameters", null))
}

param_path(key) := "/provisioner" if {
	not key in object.keys(parameters)
	not is_object(object.get(input.object, "parameters", null))
}

name := object.get(object.get(input.object, "metadata", {}), "name", "")

violation contains v if {
	provisioner in aws
	value := object.get(parameters, "encrypted", "")
	not lower(sprintf("%v", [value])) in go_true
	v := {
		"msg": sprintf("StorageClass %q (%s) %s, so its EBS volumes are stored unencrypted unless EBS encryption by default is on in the account; set parameters.encrypted: \"true\"", [name, provisioner, aws_state(value)]),
		"path": param_path("encrypted"),
		"details": {"provisioner": provisioner, "parameter": "encrypted"},
	}
}

aws_state(value) := "does not set parameters.encrypted" if {
	value == ""
} else := sprintf("sets parameters.encrypted to %q", [sprintf("%v", [value])])

violation contains v if {
	cmk
	provisioner in aws
	lower(sprintf("%v", [object.get(parameters, "encrypted", "")])) in go_true
	not non_empty(object.get(parameters, "kmsKeyId", ""))
	v := {
		"msg": sprintf("StorageClass %q (%s) encrypts with the AWS managed key aws/ebs; params.encryption.customerManagedKeys requires a customer managed key: set parameters.kmsKeyId to its ARN", [name, provisioner]),
		"path": param_path("kmsKeyId"),
		"details": {"provisioner": provisioner, "parameter": "kmsKeyId"},
	}
}

violation contains v if {
	cmk
	provisioner == "pd.csi.storage.gke.io"
	not non_empty(object.get(parameters, "disk-encryption-kms-key", ""))
	v := {
		"msg": sprintf("StorageClass %q (%s) does not set parameters.disk-encryption-kms-key, so its disks are encrypted with Google-managed keys; params.encryption.customerManagedKeys requires a Cloud KMS key (CMEK)", [name, provisioner]),
		"path": param_path("disk-encryption-kms-key"),
		"details": {"provisioner": provisioner, "parameter": "disk-encryption-kms-key"},
	}
}

violation contains v if {
	cmk
	provisioner == "kubernetes.io/gce-pd"
	v := {
		"msg": sprintf("StorageClass %q uses the in-tree provisioner kubernetes.io/gce-pd, which cannot use a customer-managed key; params.encryption.customerManagedKeys requires pd.csi.storage.gke.io with parameters.disk-encryption-kms-key", [name]),
		"path": "/provisioner",
		"details": {"provisioner": provisioner, "parameter": "disk-encryption-kms-key"},
	}
}

violation contains v if {
	cmk
	provisioner in azure
	not azure_des
	v := {
		"msg": sprintf("StorageClass %q (%s) does not set parameters.diskEncryptionSetID, so its disks are encrypted with platform-managed keys; params.encryption.customerManagedKeys requires a disk encryption set with a customer-managed key", [name, provisioner]),
		"path": param_path("diskEncryptionSetID"),
		"details": {"provisioner": provisioner, "parameter": "diskEncryptionSetID"},
	}
}

# Azure Disk parameter names are case-insensitive.
azure_des if {
	some k, value in parameters
	lower(k) == "diskencryptionsetid"
	non_empty(value)
}

violation contains v if {
	spec := object.get(object.get(params, "provisioners", {}), provisioner, null)
	is_object(spec)
	key := spec.parameter
	not configured_ok(spec, key)
	v := {
		"msg": sprintf("StorageClass %q (%s) %s; params.encryption.provisioners says %s encrypts only with parameters.%s%s", [name, provisioner, configured_state(key), provisioner, key, values_note(spec)]),
		"path": param_path(key),
		"details": {"provisioner": provisioner, "parameter": key},
	}
}

configured_ok(spec, key) if {
	value := sprintf("%v", [parameters[key]])
	value != ""
	count(object.get(spec, "values", [])) == 0
}

configured_ok(spec, key) if {
	value := sprintf("%v", [parameters[key]])
	value in object.get(spec, "values", [])
}

configured_state(key) := sprintf("sets parameters.%s to %q", [key, sprintf("%v", [parameters[key]])]) if {
	key in object.keys(parameters)
} else := sprintf("does not set parameters.%s", [key])

values_note(spec) := sprintf(" set to one of %v", [spec.values]) if {
	count(object.get(spec, "values", [])) > 0
} else := ""

non_empty(x) if {
	is_string(x)
	trim_space(x) != ""
}
