# Rego unit tests of cross-tenant-reference, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.cross_tenant_reference_test

import rego.v1

inventory := {"known": true, "namespaces": {
	"acme-prod": {"tenant": "acme", "environment": "production", "known": true, "labels": {"plumbline.dev/tenant": "acme", "team": "erp"}},
	"acme-staging": {"tenant": "acme", "environment": "staging", "known": true, "labels": {"plumbline.dev/tenant": "acme"}},
	"globex-prod": {"tenant": "globex", "environment": "production", "known": true, "labels": {"plumbline.dev/tenant": "globex", "team": "erp"}},
	"initech-prod": {"tenant": "initech", "environment": "production", "known": false, "labels": {}},
	"traefik": {"tenant": "", "environment": "production", "known": true, "labels": {}},
}}

in_acme(obj) := {
	"object": object.union({"metadata": {"name": "x", "namespace": "acme-prod"}}, obj),
	"namespace": {"name": "acme-prod", "labels": {"plumbline.dev/tenant": "acme"}, "annotations": {}, "known": true},
	"tenant": "acme",
	"inventory": inventory,
}

rolebinding(subjects) := in_acme({
	"apiVersion": "rbac.authorization.k8s.io/v1",
	"kind": "RoleBinding",
	"roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "secret-reader"},
	"subjects": subjects,
})

netpol(peer) := in_acme({
	"apiVersion": "networking.k8s.io/v1",
	"kind": "NetworkPolicy",
	"spec": {"podSelector": {}, "ingress": [{"from": [{"podSelector": {}}, peer]}]},
})

test_other_tenants_service_account_points_at_its_namespace if {
	vs := data.plumbline.rules.cross_tenant_reference.violation with input as rolebinding([{"kind": "ServiceAccount", "name": "odoo", "namespace": "globex-prod"}])
	count(vs) == 1
	some v in vs
	v.path == "/subjects/0/namespace"
	v.details == {"namespace": "acme-prod", "tenant": "acme", "otherNamespace": "globex-prod", "otherTenant": "globex"}
	contains(v.msg, "grants Role \"secret-reader\" to the ServiceAccount \"odoo\" of namespace \"globex-prod\" of tenant \"globex\"")
}

test_service_account_user_and_group_spellings if {
	vs := data.plumbline.rules.cross_tenant_reference.violation with input as rolebinding([
		{"kind": "User", "name": "system:serviceaccount:globex-prod:default"},
		{"kind": "Group", "name": "system:serviceaccounts:acme-staging"},
		{"kind": "Group", "name": "system:serviceaccounts"},
	])
	{v.path | some v in vs} == {"/subjects/0/name", "/subjects/2/name"}
}

test_own_tenant_platform_and_unknown_inventory_pass if {
	subjects := [
		{"kind": "ServiceAccount", "name": "a", "namespace": "acme-staging"},
		{"kind": "ServiceAccount", "name": "b", "namespace": "traefik"},
		{"kind": "ServiceAccount", "name": "c", "namespace": "unlisted"},
	]
	count(data.plumbline.rules.cross_tenant_reference.violation) == 0 with input as rolebinding(subjects)
	globex := [{"kind": "ServiceAccount", "name": "odoo", "namespace": "globex-prod"}]
	count(data.plumbline.rules.cross_tenant_reference.violation) == 0 with input as object.union(rolebinding(globex), {"inventory": {"known": false}})
	count(data.plumbline.rules.cross_tenant_reference.violation) == 0 with input as object.union(rolebinding(globex), {"tenant": ""})
}

# The engine's default namespace pattern and platform namespaces, as input.inventory.tenancy has them.
default_tenancy := {
	"namespacePatterns": [{"regex": "^(?P<tenant>[a-z0-9-]+)-(?P<env>prod|production|staging|stage|dev|test|sandbox)$", "tenantGroup": 1}],
	"systemNamespaces": ["kube-system", "kube-public", "kube-node-lease", "default"],
}

with_tenancy(review, tenancy) := object.union(review, {"inventory": object.union(inventory, {"tenancy": tenancy})})

test_a_namespace_without_entry_is_resolved_by_its_name if {
	subjects := [
		{"kind": "ServiceAccount", "name": "backup", "namespace": "hooli-prod"},
		{"kind": "User", "name": "system:serviceaccount:hooli-staging:odoo"},
		{"kind": "ServiceAccount", "name": "a", "namespace": "acme-dev"},
		{"kind": "ServiceAccount", "name": "b", "namespace": "unlisted"},
		{"kind": "ServiceAccount", "name": "c", "namespace": "kube-system"},
	]
	vs := data.plumbline.rules.cross_tenant_reference.violation with input as with_tenancy(rolebinding(subjects), default_tenancy)
	{[v.path, v.details.otherTenant] | some v in vs} == {["/subjects/0/namespace", "hooli"], ["/subjects/1/name", "hooli"]}

	# without the engine's patterns (an older input), only inventory entries count
	count(data.plumbline.rules.cross_tenant_reference.violation) == 0 with input as rolebinding(subjects)
}

test_the_first_matching_pattern_names_the_tenant if {
	tenancy := {"namespacePatterns": [
		{"regex": "^shared-(?P<env>prod|dev)$"},
		{"regex": "^(?P<tenant>[a-z]+)-(?P<env>[a-z]+)$", "tenantGroup": 1},
	]}
	subjects := [
		{"kind": "ServiceAccount", "name": "a", "namespace": "shared-prod"},
		{"kind": "ServiceAccount", "name": "b", "namespace": "hooli-prod"},
	]
	vs := data.plumbline.rules.cross_tenant_reference.violation with input as with_tenancy(rolebinding(subjects), tenancy)
	{v.details.otherNamespace | some v in vs} == {"hooli-prod"}
}

# An entry wins over the name: initech-prod's entry names tenant initech; one without a tenant
# (platform) stays silent even if its name matches a pattern.
test_an_entry_wins_over_the_name if {
	inv := object.union(inventory, {"tenancy": default_tenancy, "namespaces": object.union(inventory.namespaces, {"platform-prod": {"tenant": "", "known": true, "labels": {}}})})
	subjects := [{"kind": "ServiceAccount", "name": "a", "namespace": "platform-prod"}]
	count(data.plumbline.rules.cross_tenant_reference.violation) == 0 with input as object.union(rolebinding(subjects), {"inventory": inv})
}

test_network_policy_selector_reaching_another_tenant if {
	vs := data.plumbline.rules.cross_tenant_reference.violation with input as netpol({"namespaceSelector": {"matchLabels": {"team": "erp"}}})
	count(vs) == 1
	some v in vs
	v.path == "/spec/ingress/0/from/1/namespaceSelector"
	v.details.otherNamespaces == ["globex-prod"]
}

test_network_policy_selector_semantics if {
	# empty selector: every namespace
	vs := data.plumbline.rules.cross_tenant_reference.violation with input as netpol({"namespaceSelector": {}})
	some v in vs
	contains(v.msg, "every namespace (namespaceSelector {})")

	# own tenant only
	count(data.plumbline.rules.cross_tenant_reference.violation) == 0 with input as netpol({"namespaceSelector": {"matchLabels": {"plumbline.dev/tenant": "acme"}}})
	count(data.plumbline.rules.cross_tenant_reference.violation) == 0 with input as netpol({"namespaceSelector": {"matchExpressions": [{"key": "plumbline.dev/tenant", "operator": "In", "values": ["acme"]}]}})

	# NotIn acme: selects globex-prod (and the platform namespace, which is fine); initech-prod is
	# known by name only, so a selector on other labels cannot be decided for it
	ws := data.plumbline.rules.cross_tenant_reference.violation with input as netpol({"namespaceSelector": {"matchExpressions": [{"key": "plumbline.dev/tenant", "operator": "NotIn", "values": ["acme"]}]}})
	some w in ws
	w.details.otherNamespaces == ["globex-prod"]

	# a selector on the name label alone is decided for it
	xs := data.plumbline.rules.cross_tenant_reference.violation with input as netpol({"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "initech-prod"}}})
	some x in xs
	x.details.otherNamespaces == ["initech-prod"]
}

test_external_name_and_traefik_routes if {
	svc := in_acme({"apiVersion": "v1", "kind": "Service", "spec": {"type": "ExternalName", "externalName": "db.globex-prod.svc.cluster.local."}})
	vs := data.plumbline.rules.cross_tenant_reference.violation with input as svc
	{v.path | some v in vs} == {"/spec/externalName"}
	route := in_acme({"apiVersion": "traefik.io/v1alpha1", "kind": "IngressRoute", "spec": {"routes": [{
		"match": "Host(`erp.acme.example`)",
		"services": [{"name": "odoo", "port": 8069}, {"name": "odoo", "namespace": "globex-prod", "port": 8069}],
		"middlewares": [{"name": "auth", "namespace": "traefik"}],
	}]}})
	ws := data.plumbline.rules.cross_tenant_reference.violation with input as route
	{w.path | some w in ws} == {"/spec/routes/0/services/1/namespace"}
}
