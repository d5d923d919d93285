package plumbline.rules.cross_tenant_reference

import rego.v1

import data.plumbline.lib.k8s

# References from an object in one tenant's namespace into a namespace of another tenant:
# - Traefik IngressRoute / IngressRouteTCP / IngressRouteUDP: routes[].services[].namespace and
#   routes[].middlewares[].namespace; TraefikService: weighted/mirroring services' namespace;
# - RoleBinding subjects: ServiceAccounts of another namespace (and their User / Group spellings
#   system:serviceaccount:<ns>:<name>, system:serviceaccounts:<ns>, system:serviceaccounts);
# - NetworkPolicy ingress.from / egress.to peers whose namespaceSelector selects another tenant's
#   namespace, or every namespace ({}).
# - Service type ExternalName pointing at <service>.<namespace>.svc[.cluster.local].
# Ingress backends cannot leave their namespace; a RoleBinding's roleRef is namespaced or a
# ClusterRole (permissions only, granted inside the binding's own namespace).
# Silent when the inventory is unknown (webhook without cache) or the other namespace's tenant is.
# The other namespace need not be in the input set: without an entry, its name gives its tenant.
# Every violation tests input.tenant inline first: most objects are in namespaces without a tenant.

inventory := object.get(input, "inventory", {})

inventory_known if inventory.known == true

namespaces := n if {
	n := inventory.namespaces
	is_object(n)
} else := {}

own_tenant := t if {
	inventory_known
	t := object.get(input, "tenant", "")
	is_string(t)
	t != ""
}

own_namespace := data.plumbline.lib.k8s.namespace if data.plumbline.lib.k8s.namespace != ""

own_namespace := object.get(object.get(input, "namespace", {}), "name", "") if data.plumbline.lib.k8s.namespace == ""

kind := input.object.kind

name := object.get(object.get(input.object, "metadata", {}), "name", "")

spec := s if {
	s := input.object.spec
	is_object(s)
} else := {}

# The tenant of namespace ns when it is another, known tenant.
other_tenant(ns) := t if {
	is_string(ns)
	ns != ""
	ns != own_namespace
	t := namespace_tenant(ns)
	t != ""
	t != own_tenant
}

# A namespace's tenant: its inventory entry's, or, for a namespace no object of the input set is
# in, the one its name gives (input.inventory.tenancy, the engine's own patterns): a reference
# into another tenant is found whether or not the input holds an object of that namespace.
namespace_tenant(ns) := t if {
	info := namespaces[ns]
	is_object(info)
	t := object.get(info, "tenant", "")
	is_string(t)
}

namespace_tenant(ns) := name_tenant(ns) if not namespaces[ns]

tenancy := t if {
	t := inventory.tenancy
	is_object(t)
} else := {}

# As the engine resolves a namespace without labels: none for a platform namespace, else the
# tenant group of the first namespace pattern that matches the name.
name_tenant(ns) := t if {
	not ns in object.get(tenancy, "systemNamespaces", [])
	matching := [p | some p in object.get(tenancy, "namespacePatterns", []); is_object(p); regex.match(p.regex, ns)]
	count(matching) > 0
	p := matching[0]
	groups := regex.find_all_string_submatch_n(p.regex, ns, 1)[0]
	t := groups[p.tenantGroup]
	is_string(t)
}

finding(path, what, ns, tenant) := {
	"msg": sprintf("%s %q (tenant %q) %s namespace %q of tenant %q", [kind, name, own_tenant, what, ns, tenant]),
	"path": path,
	"details": {"namespace": own_namespace, "tenant": own_tenant, "otherNamespace": ns, "otherTenant": tenant},
}

list(x) := x if is_array(x)

list(x) := [] if not is_array(x)

# ---------------------------------------------------------------------------------------------
# Traefik

traefik_groups := {"traefik.io", "traefik.containo.us"}

is_traefik if split(object.get(input.object, "apiVersion", ""), "/")[0] in traefik_groups

violation contains v if {
	input.tenant != ""
	is_traefik
	kind in {"IngressRoute", "IngressRouteTCP", "IngressRouteUDP"}
	own_tenant
	some i, route in list(spec.routes)
	is_object(route)
	some field in ["services", "middlewares"]
	some j, ref in list(route[field])
	is_object(ref)
	ns := object.get(ref, "namespace", "")
	tenant := other_tenant(ns)
	what := sprintf("routes (route %d) through the %s %q of", [i, trim_suffix(field, "s"), object.get(ref, "name", "")])
	v := finding(sprintf("/spec/routes/%d/%s/%d/namespace", [i, field, j]), what, ns, tenant)
}

violation contains v if {
	input.tenant != ""
	is_traefik
	kind == "TraefikService"
	own_tenant
	some section in ["weighted", "mirroring"]
	some j, ref in list(object.get(object.get(spec, section, {}), "services", []))
	is_object(ref)
	ns := object.get(ref, "namespace", "")
	tenant := other_tenant(ns)
	what := sprintf("sends %s traffic to the service %q of", [section, object.get(ref, "name", "")])
	v := finding(sprintf("/spec/%s/services/%d/namespace", [section, j]), what, ns, tenant)
}

violation contains v if {
	input.tenant != ""
	is_traefik
	kind == "TraefikService"
	own_tenant
	m := spec.mirroring
	is_object(m)
	ns := object.get(m, "namespace", "")
	tenant := other_tenant(ns)
	what := sprintf("mirrors the service %q of", [object.get(m, "name", "")])
	v := finding("/spec/mirroring/namespace", what, ns, tenant)
}

violation contains v if {
	input.tenant != ""
	is_traefik
	kind == "TraefikService"
	own_tenant
	some j, ref in list(object.get(object.get(spec, "mirroring", {}), "mirrors", []))
	is_object(ref)
	ns := object.get(ref, "namespace", "")
	tenant := other_tenant(ns)
	what := sprintf("mirrors traffic to the service %q of", [object.get(ref, "name", "")])
	v := finding(sprintf("/spec/mirroring/mirrors/%d/namespace", [j]), what, ns, tenant)
}

# ---------------------------------------------------------------------------------------------
# RoleBinding subjects

violation contains v if {
	input.tenant != ""
	kind == "RoleBinding"
	own_tenant
	some i, s in list(input.object.subjects)
	is_object(s)
	object.get(s, "kind", "") == "ServiceAccount"
	ns := object.get(s, "namespace", "")
	tenant := other_tenant(ns)
	what := sprintf("grants %s to the ServiceAccount %q of", [role_text, object.get(s, "name", "")])
	v := finding(sprintf("/subjects/%d/namespace", [i]), what, ns, tenant)
}

# The same ServiceAccount written as a user name.
violation contains v if {
	input.tenant != ""
	kind == "RoleBinding"
	own_tenant
	some i, s in list(input.object.subjects)
	is_object(s)
	object.get(s, "kind", "") == "User"
	parts := split(object.get(s, "name", ""), ":")
	count(parts) == 4
	parts[0] == "system"
	parts[1] == "serviceaccount"
	tenant := other_tenant(parts[2])
	what := sprintf("grants %s to the ServiceAccount user %q of", [role_text, s.name])
	v := finding(sprintf("/subjects/%d/name", [i]), what, parts[2], tenant)
}

# Every ServiceAccount of a namespace.
violation contains v if {
	input.tenant != ""
	kind == "RoleBinding"
	own_tenant
	some i, s in list(input.object.subjects)
	is_object(s)
	object.get(s, "kind", "") == "Group"
	parts := split(object.get(s, "name", ""), ":")
	count(parts) == 3
	parts[0] == "system"
	parts[1] == "serviceaccounts"
	tenant := other_tenant(parts[2])
	what := sprintf("grants %s to every ServiceAccount (group %q) of", [role_text, s.name])
	v := finding(sprintf("/subjects/%d/name", [i]), what, parts[2], tenant)
}

# Every ServiceAccount of every namespace, other tenants' included.
violation contains v if {
	input.tenant != ""
	kind == "RoleBinding"
	own_tenant
	some i, s in list(input.object.subjects)
	is_object(s)
	object.get(s, "kind", "") == "Group"
	s.name == "system:serviceaccounts"
	v := {
		"msg": sprintf("RoleBinding %q (tenant %q) grants %s to every ServiceAccount of every namespace (group system:serviceaccounts)", [name, own_tenant, role_text]),
		"path": sprintf("/subjects/%d/name", [i]),
		"details": {"namespace": own_namespace, "tenant": own_tenant, "otherNamespace": "*"},
	}
}

role_text := sprintf("%s %q", [object.get(input.object.roleRef, "kind", "Role"), object.get(input.object.roleRef, "name", "")]) if {
	is_object(input.object.roleRef)
} else := "its role"

# ---------------------------------------------------------------------------------------------
# NetworkPolicy peers

peer_sections := [["ingress", "from", "admits traffic from"], ["egress", "to", "allows traffic to"]]

peers contains [sprintf("/spec/%s/%d/%s/%d/namespaceSelector", [sec[0], i, sec[1], j]), sec[2], sel] if {
	kind == "NetworkPolicy"
	some sec in peer_sections
	some i, r in list(object.get(spec, sec[0], []))
	is_object(r)
	some j, peer in list(object.get(r, sec[1], []))
	is_object(peer)
	sel := peer.namespaceSelector
	is_object(sel)
}

empty_selector(sel) if {
	count(obj(object.get(sel, "matchLabels", {}))) == 0
	count(list(object.get(sel, "matchExpressions", []))) == 0
}

obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

violation contains v if {
	input.tenant != ""
	own_tenant
	some [path, verb, sel] in peers
	empty_selector(sel)
	v := {
		"msg": sprintf("NetworkPolicy %q (tenant %q) %s every namespace (namespaceSelector {})", [name, own_tenant, verb]),
		"path": path,
		"details": {"namespace": own_namespace, "tenant": own_tenant, "otherNamespace": "*"},
	}
}

violation contains v if {
	input.tenant != ""
	own_tenant
	some [path, verb, sel] in peers
	not empty_selector(sel)
	r := reached(sel)
	count(r) > 0
	v := {
		"msg": sprintf("NetworkPolicy %q (tenant %q) %s other tenants' namespaces: %s", [name, own_tenant, verb, concat(", ", sort({sprintf("%q (tenant %q)", [ns, tenant]) | some [ns, tenant] in r}))]),
		"path": path,
		"details": {"namespace": own_namespace, "tenant": own_tenant, "otherNamespaces": sort([ns | some [ns, _] in r])},
	}
}

# [namespace, tenant] of the other tenants' namespaces sel selects: of the inventory's, and of
# those the selector names (kubernetes.io/metadata.name) that the inventory has no entry for.
reached(sel) := {[ns, tenant] |
	some ns, info in namespaces
	tenant := other_tenant(ns)
	selector_decides(sel, info)
	selects(sel, namespace_labels(ns, info))
} | {[ns, tenant] |
	some ns in named(sel)
	not namespaces[ns]
	tenant := other_tenant(ns)
	selects(sel, {name_label: ns})
}

# The namespace names a selector lists for kubernetes.io/metadata.name (matchLabels, or In).
named(sel) := {n | n := obj(object.get(sel, "matchLabels", {}))[name_label]; is_string(n)} | {n |
	some e in list(object.get(sel, "matchExpressions", []))
	is_object(e)
	e.key == name_label
	e.operator == "In"
	some n in list(e.values)
	is_string(n)
}

# Every namespace carries kubernetes.io/metadata.name (set by the API server since 1.21).
name_label := "kubernetes.io/metadata.name"

namespace_labels(ns, info) := object.union(labels, {name_label: ns}) if {
	labels := info.labels
	is_object(labels)
} else := {name_label: ns}

# A known Namespace's labels are known; of a namespace without a Namespace object (an entry made
# by the inventory objects in it, or no entry at all), only the name label is, so only a selector
# on the name alone can be decided.
selector_decides(_, info) if info.known == true

selector_decides(sel, info) if {
	info.known != true
	keys := {k | some k, _ in obj(object.get(sel, "matchLabels", {}))} | {e.key | some e in list(object.get(sel, "matchExpressions", []))}
	keys == {name_label}
}

# Label selector semantics (k8s.io/apimachinery/pkg/labels): every requirement must hold.
selects(sel, labels) if {
	# Comprehensions rather than `every k, v in ... { labels[k] == v }`: regorus 0.14's RVM lets
	# that hold whenever labels has ANY key with value v.
	mismatched := [k | some k, val in obj(object.get(sel, "matchLabels", {})); object.get(labels, k, null) != val]
	count(mismatched) == 0
	failed := [e | some e in list(object.get(sel, "matchExpressions", [])); not expression_holds(e, labels)]
	count(failed) == 0
}

expression_holds(e, labels) if {
	e.operator == "In"
	has_label(labels, e.key)
	object.get(labels, e.key, null) in list(e.values)
}

expression_holds(e, labels) if {
	e.operator == "NotIn"
	not has_label(labels, e.key)
}

expression_holds(e, labels) if {
	e.operator == "NotIn"
	has_label(labels, e.key)
	not object.get(labels, e.key, null) in list(e.values)
}

expression_holds(e, labels) if {
	e.operator == "Exists"
	has_label(labels, e.key)
}

expression_holds(e, labels) if {
	e.operator == "DoesNotExist"
	not has_label(labels, e.key)
}

has_label(labels, key) if {
	some k, _ in labels
	k == key
}

# ---------------------------------------------------------------------------------------------
# ExternalName Services: <service>.<namespace>.svc[.cluster.local]

violation contains v if {
	input.tenant != ""
	kind == "Service"
	own_tenant
	object.get(spec, "type", "") == "ExternalName"
	target := lower(trim_suffix(object.get(spec, "externalName", ""), "."))
	parts := split(target, ".")
	count(parts) >= 3
	parts[2] == "svc"
	tenant := other_tenant(parts[1])
	what := sprintf("is an ExternalName alias (%q) for the service %q of", [target, parts[0]])
	v := finding("/spec/externalName", what, parts[1], tenant)
}
