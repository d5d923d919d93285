package plumbline.rules.tenant_label_missing

import rego.v1

import data.plumbline.lib.k8s

# Every Namespace, and every namespaced workload, must name its tenant with the label
# params.tenancy.tenantLabel (non-empty after trimming spaces), except platform namespaces
# (params.tenancy.systemNamespaces) and the objects in them.
# A workload inherits the label from its Namespace when that Namespace is in the input set
# (input.namespace.known). A workload without metadata.namespace lands in whatever namespace
# kubectl targets, so only its own labels count.

tenancy := object.get(data.plumbline.params, "tenancy", {})

label_key := object.get(tenancy, "tenantLabel", "plumbline.dev/tenant")

system_namespaces := object.get(tenancy, "systemNamespaces", ["kube-system", "kube-public", "kube-node-lease", "default"])

metadata := m if {
	m := input.object.metadata
	is_object(m)
} else := {}

own_labels := l if {
	l := metadata.labels
	is_object(l)
} else := {}

name := object.get(metadata, "name", "")

has_tenant(labels) if {
	value := labels[label_key]
	is_string(value)
	trim_space(value) != ""
}

# Namespaces.
violation contains v if {
	input.object.kind == "Namespace"
	not name in system_namespaces
	not has_tenant(own_labels)
	v := {
		"msg": sprintf("Namespace %q %s; every tenant Namespace must name its tenant with that label (platform namespaces exempt: %s)", [name, label_problem, concat(", ", system_namespaces)]),
		"path": label_path,
		"details": {"label": label_key, "namespace": name},
	}
}

# Namespaced workloads.
violation contains v if {
	input.object.kind != "Namespace"
	ns := data.plumbline.lib.k8s.namespace
	not system_namespace(ns)
	not inherited(ns)
	not has_tenant(own_labels)
	v := {
		"msg": sprintf("%s %q %s %s", [input.object.kind, name, label_problem, namespace_problem(ns)]),
		"path": label_path,
		"details": {"label": label_key, "namespace": ns},
	}
}

system_namespace(ns) if {
	ns != ""
	ns in system_namespaces
}

inherited(ns) if {
	ns != ""
	input.namespace.known == true
	input.namespace.name == ns
	labels := input.namespace.labels
	is_object(labels)
	has_tenant(labels)
}

label_problem := sprintf("has no label %s", [label_key]) if {
	not label_key in object.keys(own_labels)
} else := sprintf("sets label %s to an empty or non-string value", [label_key])

namespace_problem(ns) := sprintf("and has no metadata.namespace, so it lands in whatever namespace kubectl targets and only its own labels count; set metadata.namespace or label the object with %s", [label_key]) if {
	ns == ""
} else := sprintf("and its Namespace %q has none either; label the Namespace (its objects inherit the label) or the object itself", [ns]) if {
	input.namespace.known == true
} else := sprintf("and its Namespace %q is not in the input set, so it cannot inherit one; lint it together with its labelled Namespace, or label the object itself", [ns])

# The label when set (empty), else the labels map, else metadata, else the object.
label_path := concat("/", ["/metadata/labels", k8s.escape(label_key)]) if {
	label_key in object.keys(own_labels)
} else := "/metadata/labels" if {
	is_object(metadata.labels)
} else := "/metadata" if {
	is_object(input.object.metadata)
} else := ""
