package plumbline.rules.tenant_namespace_mismatch

import rego.v1

import data.plumbline.lib.k8s

# An object that names a tenant (params.tenancy.tenantLabel) other than the tenant of the
# namespace it lives in (input.tenant, resolved from the Namespace's labels or the namespace-name
# patterns). Pod templates are checked too: their label ends up on every Pod the controller creates.
# Silent when either side is empty (platform namespaces, unresolvable namespaces, unlabelled objects).

label_key := object.get(object.get(data.plumbline.params, "tenancy", {}), "tenantLabel", "plumbline.dev/tenant")

namespace_tenant := t if {
	t := object.get(input, "tenant", "")
	is_string(t)
	t != ""
}

namespace_name := data.plumbline.lib.k8s.namespace if data.plumbline.lib.k8s.namespace != ""

namespace_name := object.get(object.get(input, "namespace", {}), "name", "") if data.plumbline.lib.k8s.namespace == ""

name := object.get(object.get(input.object, "metadata", {}), "name", "")

# Both rules first test inline that the namespace has a tenant (most objects are in namespaces
# without one, and this rule runs on every object), then look the object's own label up.
violation contains v if {
	input.tenant != ""
	value := data.plumbline.lib.k8s.labels[label_key]
	is_string(value)
	own := trim_space(value)
	own != ""
	input.object.kind != "Namespace" # its own label is what resolves input.tenant
	tenant := namespace_tenant
	own != tenant
	v := {
		"msg": sprintf("%s %q is labelled %s=%q but its namespace %q belongs to tenant %q; an object carries the tenant of its namespace (quotas, network policies, billing and Plumbline's tenant rules all go by it): set the label to %q or move the object to a namespace of tenant %q", [input.object.kind, name, label_key, own, namespace_name, tenant, tenant, own]),
		"path": concat("/", ["/metadata/labels", k8s.escape(label_key)]),
		"details": {"label": label_key, "objectTenant": own, "namespaceTenant": tenant, "namespace": namespace_name},
	}
}

violation contains v if {
	input.tenant != ""
	input.object.kind in data.plumbline.lib.k8s.pod_template_kinds
	value := data.plumbline.lib.k8s.pod_metadata.labels[label_key]
	is_string(value)
	own := trim_space(value)
	own != ""
	tenant := namespace_tenant
	own != tenant
	v := {
		"msg": sprintf("the pod template of %s %q is labelled %s=%q but its namespace %q belongs to tenant %q; every Pod it creates would claim the wrong tenant (network policies and cost reports that select by this label would treat them as %q's): set the label to %q", [input.object.kind, name, label_key, own, namespace_name, tenant, own, tenant]),
		"path": concat("/", [data.plumbline.lib.k8s.pod_metadata_path, "labels", k8s.escape(label_key)]),
		"details": {"label": label_key, "objectTenant": own, "namespaceTenant": tenant, "namespace": namespace_name, "podTemplate": true},
	}
}
