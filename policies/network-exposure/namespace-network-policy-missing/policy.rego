package plumbline.rules.namespace_network_policy_missing

import rego.v1

# A tenant Namespace must have a default-deny ingress NetworkPolicy: podSelector {} (all pods),
# policyTypes including Ingress (or unset without an egress section), no ingress rules. The
# inventory computes that per NetworkPolicy (defaultDenyIngress).
# Silent when the inventory is unknown (webhook without cache) and for namespaces without a tenant.

inventory := object.get(input, "inventory", {})

name := object.get(object.get(input.object, "metadata", {}), "name", "")

tenant := t if {
	t := object.get(input, "tenant", "")
	is_string(t)
	t != ""
}

policies := [p | some p in inventory.namespaces[name].networkPolicies; is_object(p)]

default_deny if {
	some p in policies
	p.defaultDenyIngress == true
}

others := [sprintf("%q", [p.name]) | some p in policies]

existing := "it has no NetworkPolicy" if count(others) == 0

existing := sprintf("none of %s is one", [concat(", ", others)]) if count(others) > 0

violation contains v if {
	input.object.kind == "Namespace"
	inventory.known == true
	tenant
	not default_deny
	v := {
		"msg": sprintf("Namespace %q of tenant %q has no default-deny ingress NetworkPolicy: %s", [name, tenant, existing]),
		"path": "/metadata/name",
		"details": {"namespace": name, "tenant": tenant, "networkPolicies": [p.name | some p in policies]},
	}
}
