# Rego unit tests of workload-pdb-missing, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.workload_pdb_missing_test

import rego.v1

# A Deployment with `replicas` in namespace acme-prod of environment `env`, and the
# PodDisruptionBudgets `pdbs` (namespace -> [{name, selector}]) of a known inventory.
deployment(replicas, env, pdbs) := {
	"object": {
		"apiVersion": "apps/v1",
		"kind": "Deployment",
		"metadata": {"name": "odoo", "namespace": "acme-prod"},
		"spec": {
			"replicas": replicas,
			"selector": {"matchLabels": {"app": "odoo"}},
			"template": {"metadata": {"labels": {"app": "odoo", "tier": "web"}}, "spec": {"containers": [{"name": "odoo", "image": "odoo:17.0"}]}},
		},
	},
	"environment": {"name": env, "tier": "dedicated", "source": "pattern"},
	"inventory": {"known": true, "namespaces": {}, "hosts": {}, "middlewares": {}, "podDisruptionBudgets": pdbs},
}

pdb(name, selector) := {"name": name, "selector": selector}

violations(replicas, env, pdbs) := vs if {
	vs := data.plumbline.rules.workload_pdb_missing.violation with input as deployment(replicas, env, pdbs)
}

test_replicated_without_pdb_is_a_violation_at_replicas if {
	vs := violations(3, "production", {})
	count(vs) == 1
	some v in vs
	v.path == "/spec/replicas"
	contains(v.msg, "no PodDisruptionBudget in its namespace")
	v.details.namespace == "acme-prod"
	v.details.replicas == 3
}

test_pdb_not_selecting_the_pods_is_named if {
	vs := violations(2, "production", {"acme-prod": [pdb("redis", {"matchLabels": {"app": "redis"}})]})
	count(vs) == 1
	some v in vs
	contains(v.msg, `no PodDisruptionBudget selecting its pods ("redis")`)
	v.details.budgets == ["redis"]
}

test_pdb_in_another_namespace_does_not_cover if {
	count(violations(2, "production", {"acme-staging": [pdb("odoo", {"matchLabels": {"app": "odoo"}})]})) == 1
}

test_matching_selectors_cover if {
	count(violations(3, "production", {"acme-prod": [pdb("odoo", {"matchLabels": {"app": "odoo"}})]})) == 0

	# An empty selector selects every pod of the namespace.
	count(violations(3, "production", {"acme-prod": [pdb("all", {})]})) == 0
	count(violations(3, "production", {"acme-prod": [pdb("odoo", {"matchExpressions": [
		{"key": "app", "operator": "In", "values": ["odoo", "redis"]},
		{"key": "tier", "operator": "Exists"},
		{"key": "canary", "operator": "NotIn", "values": ["true"]},
		{"key": "canary", "operator": "DoesNotExist"},
	]})]})) == 0
}

test_null_selector_and_failing_expression_do_not_cover if {
	count(violations(3, "production", {"acme-prod": [pdb("none", null)]})) == 1
	count(violations(3, "production", {"acme-prod": [pdb("odoo", {"matchLabels": {"app": "odoo"}, "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["web"]}]})]})) == 1
	count(violations(3, "production", {"acme-prod": [pdb("odoo", {"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]})]})) == 1
}

test_single_replica_staging_and_unknown_inventory_pass if {
	count(violations(1, "production", {})) == 0
	count(violations(3, "staging", {})) == 0
	count(data.plumbline.rules.workload_pdb_missing.violation) == 0 with input as object.union(deployment(3, "production", {}), {"inventory": {"known": false}})
}

test_environments_come_from_params if {
	vs := data.plumbline.rules.workload_pdb_missing.violation with input as deployment(2, "staging", {})
		with data.plumbline.params.availability.environments as ["production", "staging"]
	count(vs) == 1
}

test_namespace_less_workload_is_covered_by_a_namespace_less_pdb if {
	inp := json.remove(deployment(3, "production", {"": [pdb("odoo", {"matchLabels": {"app": "odoo"}})]}), ["object/metadata/namespace"])
	count(data.plumbline.rules.workload_pdb_missing.violation) == 0 with input as inp
	other := json.remove(deployment(3, "production", {"acme-prod": [pdb("odoo", {"matchLabels": {"app": "odoo"}})]}), ["object/metadata/namespace"])
	vs := data.plumbline.rules.workload_pdb_missing.violation with input as other
	count(vs) == 1
	some v in vs
	v.details.namespace == ""
}
