package plumbline.rules.service_account_token_automount

import rego.v1

import data.plumbline.lib.k8s

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

pod_message(value, sa) := sprintf("%s sets automountServiceAccountToken=true, so every container gets an API token of ServiceAccount %q; set it to false unless the pod calls the Kubernetes API", [subject, sa]) if {
	value == true
} else := sprintf("%s does not set automountServiceAccountToken, so its containers get an API token of ServiceAccount %q unless that ServiceAccount sets automountServiceAccountToken: false (not visible here); set it to false on the pod unless the pod calls the Kubernetes API", [subject, sa]) if {
	value == null
} else := sprintf("%s sets automountServiceAccountToken to %v, which is not the boolean false; set it to false unless the pod calls the Kubernetes API", [subject, json.marshal(value)])

pod_path(ps, value) := ps.path if {
	value == null
} else := concat("/", [ps.path, "automountServiceAccountToken"])

sa_message(value) := sprintf("ServiceAccount %q sets automountServiceAccountToken=true, so every pod using it gets its API token unless the pod opts out; set it to false and let the pods that need the API opt in", [sa_name]) if {
	value == true
} else := sprintf("ServiceAccount %q does not set automountServiceAccountToken, so every pod using it gets its API token unless the pod opts out; set it to false and let the pods that need the API opt in", [sa_name]) if {
	value == null
} else := sprintf("ServiceAccount %q sets automountServiceAccountToken to %v, which is not the boolean false; set it to false and let the pods that need the API opt in", [sa_name, json.marshal(value)])

sa_name := n if {
	n := input.object.metadata.name
	is_string(n)
} else := ""

sa_path(value) := "" if {
	value == null
} else := "/automountServiceAccountToken"
