# Rego unit tests of ingress-host-conflict, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.ingress_host_conflict_test

import rego.v1

ingress(ns, name, rules) := {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": name, "namespace": ns}, "spec": {"rules": rules}}

rule(host, path) := {"host": host, "http": {"paths": [{"path": path, "pathType": "Prefix", "backend": {"service": {"name": "odoo", "port": {"number": 8069}}}}]}}

claim(kind, ns, name) := {"kind": kind, "namespace": ns, "name": name, "tenant": "", "environment": ""}

# The inventory: erp.acme.example "/" claimed by acme-prod/odoo and globex-prod/odoo, "/api" by
# acme-prod/api.
hosts := {"erp.acme.example": {
	"/": [claim("Ingress", "acme-prod", "odoo"), claim("Ingress", "globex-prod", "odoo")],
	"/api": [claim("Ingress", "acme-prod", "api")],
}}

review(object) := {"object": object, "tenant": "", "environment": {"name": ""}, "inventory": {"known": true, "hosts": hosts}}

violations(object) := vs if {
	vs := data.plumbline.rules.ingress_host_conflict.violation with input as review(object)
}

test_another_namespace_on_the_same_path_conflicts if {
	vs := violations(ingress("acme-prod", "odoo", [rule("ERP.acme.example", "/")]))
	count(vs) == 1
	some v in vs
	v.path == "/spec/rules/0/host"
	v.details.claimants == ["Ingress globex-prod/odoo"]
}

test_same_namespace_and_other_paths_are_the_owners_business if {
	count(violations(ingress("acme-prod", "api", [rule("erp.acme.example", "/api")]))) == 0
}

test_unknown_inventory_reports_nothing if {
	object := ingress("acme-prod", "odoo", [rule("erp.acme.example", "/")])
	count(data.plumbline.rules.ingress_host_conflict.violation) == 0 with input as {"object": object, "inventory": {"known": false}}
}

test_unique_hosts_counts_every_other_ingress_whatever_the_path if {
	vs := violations(ingress("acme-prod", "api", [rule("erp.acme.example", "/api")])) with data.plumbline.params.network.uniqueIngressHosts as true
	count(vs) == 1
	some v in vs
	v.details.claimants == ["Ingress acme-prod/odoo", "Ingress globex-prod/odoo"]
}

test_unique_hosts_ignores_the_object_itself if {
	vs := violations(ingress("acme-prod", "odoo", [rule("erp.acme.example", "/")])) with data.plumbline.params.network.uniqueIngressHosts as true
	some v in vs
	v.details.claimants == ["Ingress acme-prod/api", "Ingress globex-prod/odoo"]

	# Without a namespace, any Ingress of the same name may be this object once applied.
	unnamed := violations(ingress("", "odoo", [rule("erp.acme.example", "/")])) with data.plumbline.params.network.uniqueIngressHosts as true
	some u in unnamed
	u.details.claimants == ["Ingress acme-prod/api"]
}

test_more_hosts_than_the_limit if {
	object := ingress("acme-prod", "many", [rule("a.example", "/"), rule("B.example", "/"), rule("b.example", "/x"), rule("c.example", "/")])
	vs := violations(object) with data.plumbline.params.network.maxIngressHosts as 2
	count(vs) == 1
	some v in vs
	v.path == "/spec/rules"
	v.details.hosts == ["a.example", "b.example", "c.example"]
	count(violations(object)) == 0 with data.plumbline.params.network.maxIngressHosts as 3
	count(violations(object)) == 0
}
