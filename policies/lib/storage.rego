# Encryption at rest of a StorageClass's volumes, as far as its provisioner and parameters show
# (storage-class-unencrypted judges StorageClasses, pvc-storage-class-unencrypted the claims that
# use one). problems(sc) is the set of {parameter, msg} of what the class lacks; msg continues
# `StorageClass "<name>" (<provisioner>) `.
package plumbline.lib.storage

import rego.v1

params := object.get(data.plumbline.params, "encryption", {})

cmk := object.get(params, "customerManagedKeys", false) == true

aws := {"ebs.csi.aws.com", "kubernetes.io/aws-ebs"}

azure := {"disk.csi.azure.com", "kubernetes.io/azure-disk"}

go_true := {"1", "t", "true"}

provisioner(sc) := p if {
	p := sc.provisioner
	is_string(p)
	not p in object.get(params, "encryptedProvisioners", [])
}

parameters(sc) := p if {
	p := sc.parameters
	is_object(p)
} else := {}

text(x) := sprintf("%v", [x])

non_empty(x) if {
	is_string(x)
	trim_space(x) != ""
}

problems(sc) := ((({p | p := aws_unencrypted(sc)} | {p | p := aws_no_cmk(sc)}) | ({p | p := gce_no_cmk(sc)} | {p | p := gce_in_tree(sc)})) | ({p | p := azure_no_cmk(sc)} | {p | p := configured(sc)}))

aws_unencrypted(sc) := {"parameter": "encrypted", "msg": msg} if {
	provisioner(sc) in aws
	value := object.get(parameters(sc), "encrypted", "")
	not lower(text(value)) in go_true
	msg := sprintf("%s, so its EBS volumes are stored unencrypted unless EBS encryption by default is on in the account; set parameters.encrypted: \"true\"", [aws_state(value)])
}

aws_state(value) := "does not set parameters.encrypted" if {
	value == ""
} else := sprintf("sets parameters.encrypted to %q", [text(value)])

aws_no_cmk(sc) := {"parameter": "kmsKeyId", "msg": msg} if {
	cmk
	provisioner(sc) in aws
	lower(text(object.get(parameters(sc), "encrypted", ""))) in go_true
	not non_empty(object.get(parameters(sc), "kmsKeyId", ""))
	msg := "encrypts with the AWS managed key aws/ebs; params.encryption.customerManagedKeys requires a customer managed key: set parameters.kmsKeyId to its ARN"
}

gce_no_cmk(sc) := {"parameter": "disk-encryption-kms-key", "msg": msg} if {
	cmk
	provisioner(sc) == "pd.csi.storage.gke.io"
	not non_empty(object.get(parameters(sc), "disk-encryption-kms-key", ""))
	msg := "does not set parameters.disk-encryption-kms-key, so its disks are encrypted with Google-managed keys; params.encryption.customerManagedKeys requires a Cloud KMS key (CMEK)"
}

gce_in_tree(sc) := {"parameter": "", "msg": msg} if {
	cmk
	provisioner(sc) == "kubernetes.io/gce-pd"
	msg := "uses the in-tree provisioner, which cannot use a customer-managed key; params.encryption.customerManagedKeys requires pd.csi.storage.gke.io with parameters.disk-encryption-kms-key"
}

azure_no_cmk(sc) := {"parameter": "diskEncryptionSetID", "msg": msg} if {
	cmk
	provisioner(sc) in azure
	not azure_des(sc)
	msg := "does not set parameters.diskEncryptionSetID, so its disks are encrypted with platform-managed keys; params.encryption.customerManagedKeys requires a disk encryption set with a customer-managed key"
}

# Azure Disk parameter names are case-insensitive.
azure_des(sc) if {
	some k, value in parameters(sc)
	lower(k) == "diskencryptionsetid"
	non_empty(value)
}

configured(sc) := {"parameter": key, "msg": msg} if {
	p := provisioner(sc)
	spec := object.get(object.get(params, "provisioners", {}), p, null)
	is_object(spec)
	key := spec.parameter
	not configured_ok(sc, spec, key)
	msg := sprintf("%s; params.encryption.provisioners says %s encrypts only with parameters.%s%s", [configured_state(sc, key), p, key, values_note(spec)])
}

configured_ok(sc, spec, key) if {
	value := text(parameters(sc)[key])
	value != ""
	count(object.get(spec, "values", [])) == 0
}

configured_ok(sc, spec, key) if {
	value := text(parameters(sc)[key])
	value in object.get(spec, "values", [])
}

configured_state(sc, key) := sprintf("sets parameters.%s to %q", [key, text(parameters(sc)[key])]) if {
	key in object.keys(parameters(sc))
} else := sprintf("does not set parameters.%s", [key])

values_note(spec) := sprintf(" set to one of %v", [spec.values]) if {
	count(object.get(spec, "values", [])) > 0
} else := ""
