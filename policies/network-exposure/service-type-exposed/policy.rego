package plumbline.rules.service_type_exposed

import rego.v1

params := object.get(data.plumbline.params, "network", {})

allowed := object.get(params, "allowedServiceTypes", ["ClusterIP", "ExternalName"])

spec := object.get(input.object, "spec", {})

# The API server defaults an unset or empty type to ClusterIP.
service_type := t if {
	t := object.get(spec, "type", "")
	is_string(t)
	t != ""
}

service_type := "ClusterIP" if {
	t := object.get(spec, "type", "")
	t in {"", null}
}

# The field to point at: spec.type when written, else the spec that defaults it.
type_path := "/spec/type" if object.get(spec, "type", null) != null

type_path := "/spec" if object.get(spec, "type", null) == null

why := {
	"NodePort": "it opens the port on every node's address, outside any Ingress, TLS or allow-list",
	"LoadBalancer": "it provisions a cloud load balancer (and node ports) that reaches the pods directly from outside the cluster",
	"ClusterIP": "the configured policy does not allow it",
	"ExternalName": "it aliases an external DNS name inside the cluster",
}

violation contains v if {
	input.object.kind == "Service"
	t := service_type
	not t in allowed
	v := {
		"msg": sprintf("Service type %q is not allowed (allowed: %s)", [t, concat(", ", allowed)]),
		"path": type_path,
		"details": {"type": t, "allowed": allowed, "why": object.get(why, t, "it is not a known Service type")},
	}
}
