package plumbline.rules.service_account_token_automount

import rego.v1


# A pod gets a Kubernetes API token mounted unless automountServiceAccountToken is false on the
# pod spec, or unset there and false on its ServiceAccount (the pod spec wins). Plumbline does not
# see the ServiceAccount when it judges a pod, so an unset field is reported with a message that
# says so. ServiceAccounts are reported when they leave the field unset or true.

# Pod specs.
violation contains v if {
	ps := data.plumbline.lib.k8s.pod_spec
	value := object.get(ps.spec, "automountServiceAccountToken", null)
	value != false
	sa := service_account(ps.spec)
	v := {
		"msg": pod_message(value, sa),
		"path": pod_path(ps, value),
		"details": {"serviceAccountName": sa, "automountServiceAccountToken": value},
	}
}

# ServiceAccounts.
violation contains v if {
	input.object.kind == "ServiceAccount"
	value := object.get(input.object, "automountServiceAccountToken", null)
	value != false
	v := {
		"msg": sa_message(value),
		"path": sa_path(value),
		"details": {"serviceAccountName": sa_name, "automountServiceAccountToken": value},
	}
}

service_account(spec) := sa if {
	sa := spec.serviceAccountName
	is_string(sa)
	sa != ""
} else := sa if {
	sa := spec.serviceAccount
	is_string(sa)
	sa != ""
} else := "default"

subject := "pod" if {
	input.object.kind == "Pod"
} else := sprintf("%s pod template", [input.object.kind])

# Short messages; why and how to fix are in rule.yaml (plumbline explain).
pod_message(value, sa) := sprintf("%s mounts an API token of ServiceAccount %q (automountServiceAccountToken: true)", [subject, sa]) if value == true

pod_message(value, sa) := sprintf("%s mounts an API token of ServiceAccount %q (automountServiceAccountToken unset)", [subject, sa]) if value == null

pod_message(value, _) := sprintf("%s sets automountServiceAccountToken to %s, not false", [subject, json.marshal(value)]) if {
	value != true
	value != null
}

pod_path(ps, value) := ps.path if {
	value == null
} else := concat("/", [ps.path, "automountServiceAccountToken"])

sa_message(value) := sprintf("ServiceAccount %q gives its pods an API token (automountServiceAccountToken: true)", [sa_name]) if value == true

sa_message(value) := sprintf("ServiceAccount %q gives its pods an API token (automountServiceAccountToken unset)", [sa_name]) if value == null

sa_message(value) := sprintf("ServiceAccount %q sets automountServiceAccountToken to %s, not false", [sa_name, json.marshal(value)]) if {
	value != true
	value != null
}

sa_name := n if {
	n := input.object.metadata.name
	is_string(n)
} else := ""

sa_path(value) := "" if {
	value == null
} else := "/automountServiceAccountToken"
