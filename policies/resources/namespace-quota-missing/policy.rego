package plumbline.rules.namespace_quota_missing

import rego.v1

# A tenant Namespace must come with a ResourceQuota (caps what the tenant may consume in total) and
# a LimitRange (defaults and bounds per container). Each missing one is reported.
# Silent when the inventory is unknown (webhook without cache) and for namespaces without a tenant.

inventory := object.get(input, "inventory", {})

name := object.get(object.get(input.object, "metadata", {}), "name", "")

tenant := t if {
	t := object.get(input, "tenant", "")
	is_string(t)
	t != ""
}

info := i if {
	i := inventory.namespaces[name]
	is_object(i)
} else := {}

names(x) := [n | some n in x] if is_array(x)

names(x) := [] if not is_array(x)

what := {
	"resourceQuotas": {
		"kind": "ResourceQuota",
		"why": "nothing caps the CPU, memory, storage and object counts its tenant can claim, so one tenant's runaway Odoo workers or PVCs can starve every other tenant on the cluster",
	},
	"limitRanges": {
		"kind": "LimitRange",
		"why": "containers that set no requests or limits get no defaults (and a compute ResourceQuota then rejects them), and nothing bounds the size of a single container or PVC",
	},
}

violation contains v if {
	input.object.kind == "Namespace"
	inventory.known == true
	tenant
	some field, w in what
	count(names(object.get(info, field, []))) == 0
	v := {
		"msg": sprintf("Namespace %q of tenant %q has no %s", [name, tenant, w.kind]),
		"path": "/metadata/name",
		"details": {"namespace": name, "tenant": tenant, "missing": w.kind, "why": w.why},
	}
}
