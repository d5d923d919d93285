package plumbline.rules.ingress_host_conflict

import rego.v1


# An Ingress rule or IngressRoute route claiming a host + path that an Ingress or IngressRoute of a
# DIFFERENT namespace also claims (input.inventory.hosts). Hosts compare case-insensitively (DNS
# names are), paths after normalising: no path and "/" both mean the whole host, and a trailing "/"
# does not matter (Kubernetes' Prefix matching ignores it). Each claimant is reported.
# Silent when the inventory is unknown (webhook without cache).
#
# params.network.uniqueIngressHosts: true is Gatekeeper's K8sUniqueIngressHost for Ingresses: a
# host is claimed by one Ingress of the cluster, whatever the path and the namespace (the same
# namespace included); only the object itself (same namespace and name) does not count.
# params.network.maxIngressHosts: N (> 0) reports an Ingress or IngressRoute naming more than N
# distinct hosts (needs no inventory).

inventory := object.get(input, "inventory", {})

network := object.get(data.plumbline.params, "network", {})

# Gatekeeper's form judges this object (an Ingress, with uniqueIngressHosts on).
gatekeeper if {
	input.object.kind == "Ingress"
	object.get(network, "uniqueIngressHosts", false) == true
}

# Claims of `host` and `path` (input.inventory.hosts is keyed by lowercased host, then by path
# normalised as norm_path does).
claims(host, path) := [c | some c in inventory.hosts[host][norm_path(path)]; is_object(c)] if inventory.known == true

# metadata.namespace, or "" for the run's unnamed namespace (as the inventory files it). The
# unnamed namespace is wherever kubectl -n or a kustomization puts it, possibly the other claim's
# own: a claim there conflicts with no other namespace's claim (docs/policy-input.md).
own_namespace := data.plumbline.lib.k8s.namespace

name := object.get(object.get(input.object, "metadata", {}), "name", "")

spec := s if {
	s := input.object.spec
	is_object(s)
} else := {}

list(x) := x if is_array(x)

list(x) := [] if not is_array(x)

norm_path(p) := "/" if not is_string(p)

norm_path(p) := "/" if {
	is_string(p)
	trim_right(p, "/") == ""
}

norm_path(p) := trim_right(p, "/") if {
	is_string(p)
	trim_right(p, "/") != ""
}

# This object's own claims: [host, path, pointer].
own contains [lower(rule.host), object.get(path, "path", ""), sprintf("/spec/rules/%d/host", [i])] if {
	input.object.kind == "Ingress"
	some i, rule in list(spec.rules)
	is_object(rule)
	is_string(rule.host)
	rule.host != ""
	some path in list(object.get(object.get(rule, "http", {}), "paths", []))
	is_object(path)
}

traefik_groups := {"traefik.io", "traefik.containo.us"}

own contains [lower(host), path, route_pointer(route, i)] if {
	input.object.kind == "IngressRoute"
	split(object.get(input.object, "apiVersion", ""), "/")[0] in traefik_groups
	some i, route in list(spec.routes)
	is_object(route)
	calls := route_calls[i]
	some host in matcher_args(calls, {"Host", "HostHeader"})
	some path in route_paths(calls)
}

route_pointer(route, i) := sprintf("/spec/routes/%d/match", [i]) if "match" in object.keys(route)

route_pointer(route, i) := sprintf("/spec/routes/%d", [i]) if not "match" in object.keys(route)

bt := "\u0060"

quoted := concat("", [bt, "[^", bt, "]*", bt, "|\"(?:[^\"\\\\]|\\\\.)*\""])

call_pattern := concat("", ["[A-Za-z][A-Za-z0-9]*\\(\\s*(?:", quoted, ")(?:\\s*,\\s*(?:", quoted, "))*\\s*\\)"])

# The matchers this rule reads.
matcher_names := {"Host", "HostHeader", "Path", "PathPrefix"}

# The calls of route i's match, parsed once per object: [[name, [arg, …]], …] (Host(`a`, `b`) in
# Traefik v2 takes several arguments). Only matchers in matcher_names have their arguments read.
route_calls[i] := [[matcher, args] |
	some call in regex.find_n(call_pattern, m, -1)
	matcher := substring(call, 0, indexof(call, "("))
	matcher in matcher_names
	args := [arg |
		some q in regex.find_n(quoted, substring(call, indexof(call, "("), -1), -1)
		arg := substring(q, 1, count(q) - 2)
		arg != ""
	]
] if {
	input.object.kind == "IngressRoute"
	some i, route in list(spec.routes)
	is_object(route)
	m := object.get(route, "match", "")
	is_string(m)
}

# Arguments of the matchers named in `names`.
matcher_args(calls, names) := {arg |
	some [matcher, args] in calls
	matcher in names
	some arg in args
}

route_paths(calls) := p if {
	p := matcher_args(calls, {"Path", "PathPrefix"})
	count(p) > 0
} else := {""}

violation contains v if {
	not gatekeeper
	some [host, path, pointer] in own
	own_namespace != ""
	others := {sprintf("%s %s/%s", [c.kind, c.namespace, c.name]) |
		some c in claims(host, path)
		rival(c)
	}
	count(others) > 0
	v := {
		"msg": sprintf("%s %q claims host %q path %q, also claimed by %s%s", [input.object.kind, name, host, display_path(path), concat(", ", sort(others)), tenant_note(host, path)]),
		"path": pointer,
		"details": {"host": host, "path": norm_path(path), "namespace": own_namespace, "claimants": sort(others)},
	}
}

display_path(p) := "/" if norm_path(p) == "/"

display_path(p) := p if norm_path(p) != "/"

# A claim by another named namespace through the same kind of route.
rival(c) if {
	c.namespace != own_namespace
	c.namespace != ""
	c.kind == input.object.kind
}

# An Ingress and a Traefik IngressRoute are served by different providers (an IngressClass
# controller; Traefik's CRD provider): manifests that ship both for one host offer alternatives for
# clusters with either provider (a Traefik base with an Ingress and an IngressRoute for its
# dashboard). They count as rivals only across tenants or environments, where whichever provider
# serves the host, one side's users land on the other's Odoo.
rival(c) if {
	c.namespace != own_namespace
	c.namespace != ""
	c.kind != input.object.kind
	crosses_owner(c)
}

crosses_owner(c) if object.get(c, "tenant", "") != object.get(input, "tenant", "")

crosses_owner(c) if object.get(c, "environment", "") != object.get(object.get(input, "environment", {}), "name", "")

# Say so when the other claimant belongs to another tenant.
tenant_note(host, path) := sprintf(" (tenant %s, not %q)", [concat(", ", sort(tenants)), object.get(input, "tenant", "")]) if {
	tenants := {sprintf("%q", [c.tenant]) |
		some c in claims(host, path)
		rival(c)
		is_string(c.tenant)
		c.tenant != ""
		c.tenant != object.get(input, "tenant", "")
	}
	count(tenants) > 0
} else := ""

# uniqueIngressHosts: each rule host of this Ingress against every other Ingress claiming it, on
# any path; an IngressRoute only as above (same path, another owner).
violation contains v if {
	gatekeeper
	inventory.known == true
	some i, rule in list(spec.rules)
	is_object(rule)
	is_string(rule.host)
	rule.host != ""
	host := lower(rule.host)
	paths := {norm_path(object.get(p, "path", "")) | some p in rule_paths(rule)}
	others := {sprintf("%s %s/%s", [c.kind, c.namespace, c.name]) |
		some p, cs in object.get(object.get(inventory, "hosts", {}), host, {})
		some c in cs
		is_object(c)
		host_rival(c, p, paths)
	}
	count(others) > 0
	v := {
		"msg": sprintf("Ingress %q claims host %q, also claimed by %s (params.network.uniqueIngressHosts: a host belongs to one Ingress, whatever the path)", [name, host, concat(", ", sort(others))]),
		"path": sprintf("/spec/rules/%d/host", [i]),
		"details": {"host": host, "namespace": own_namespace, "claimants": sort(others)},
	}
}

# The paths of an Ingress rule; one claim of the whole host when it routes none.
rule_paths(rule) := ps if {
	ps := [p | some p in list(object.get(object.get(rule, "http", {}), "paths", [])); is_object(p)]
	count(ps) > 0
} else := [{}]

# Any other Ingress; an IngressRoute as a rival on one of this rule's paths.
host_rival(c, _, _) if {
	c.kind == "Ingress"
	not same_object(c)
}

host_rival(c, p, paths) if {
	c.kind != "Ingress"
	p in paths
	rival(c)
}

# This object as the inventory holds it: same name, and the same namespace or an unnamed one
# (which may be this namespace at apply time).
same_object(c) if {
	c.name == name
	c.namespace in {own_namespace, ""}
}

same_object(c) if {
	c.name == name
	own_namespace == ""
}

# maxIngressHosts: the distinct hosts of this object.
violation contains v if {
	limit := object.get(network, "maxIngressHosts", 0)
	is_number(limit)
	limit > 0
	count(host_names) > limit
	v := {
		"msg": sprintf("%s %q names %d hosts (%s), more than params.network.maxIngressHosts (%d)", [input.object.kind, name, count(host_names), concat(", ", sort(host_names)), limit]),
		"path": hosts_pointer,
		"details": {"hosts": sort(host_names), "max": limit},
	}
}

host_names contains lower(rule.host) if {
	input.object.kind == "Ingress"
	some rule in list(spec.rules)
	is_object(rule)
	is_string(rule.host)
	rule.host != ""
}

host_names contains lower(host) if {
	some i, _ in route_calls
	some host in matcher_args(route_calls[i], {"Host", "HostHeader"})
}

hosts_pointer := "/spec/rules" if input.object.kind == "Ingress"

hosts_pointer := "/spec/routes" if input.object.kind != "Ingress"
