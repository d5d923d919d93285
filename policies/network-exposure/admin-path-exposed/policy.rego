package plumbline.rules.admin_path_exposed

import rego.v1


params := object.get(data.plumbline.params, "network", {})

default_admin_paths := ["/web/database/manager", "/web/database/selector", "/web/database"]

# Admin path prefixes, without a trailing slash ("/" stays "/").
admin_paths := {norm(p) | some p in object.get(params, "adminPaths", default_admin_paths); is_string(p); p != ""}

allow_list_names := {n | some n in object.get(params, "allowListMiddlewares", []); is_string(n)}

norm(p) := "/" if trim_right(p, "/") == ""

norm(p) := trim_right(p, "/") if trim_right(p, "/") != ""

# x is the admin path a or lies under it (path-segment wise).
under(_, "/") := true

under(x, a) if x == a

under(x, a) if startswith(x, concat("", [a, "/"]))

# metadata.namespace, or "" for the run's unnamed namespace (docs/policy-input.md); in admission
# the request's namespace.
object_namespace := data.plumbline.lib.k8s.namespace if data.plumbline.lib.k8s.namespace != ""

object_namespace := object.get(object.get(input, "namespace", {}), "name", "") if data.plumbline.lib.k8s.namespace == ""

spec := object.get(input.object, "spec", {})

# The shortest admin path hit (the others lie under it or beside it; details list them all).
hits_text(hits) := sprintf("database manager (%s)", [sort([h | some h in hits])[0]])

# ---------------------------------------------------------------------------------------------
# Which middlewares count as an IP allow-list. A rule sees one object at a time, so it cannot read
# the Middleware's spec.ipAllowList / spec.ipWhiteList; it trusts params.network.allowListMiddlewares
# (name or namespace/name) and names that say so.

allow_list_keywords := ["allowlist", "allow-list", "whitelist", "white-list", "ip-allow"]

allow_list_name(name) if {
	some k in allow_list_keywords
	contains(lower(name), k)
}

# An IngressRoute middleware reference {name, namespace}; name may carry a provider (`x@file`).
# Parameter entries are `name` (any namespace) or `namespace/name`.
allow_list_ref(name, _) if allow_list_name(name)

allow_list_ref(name, _) if name in allow_list_names

allow_list_ref(name, _) if split(name, "@")[0] in allow_list_names

allow_list_ref(name, ns) if concat("/", [ns, name]) in allow_list_names

# Forward-compatible: if the engine ever passes the input set's Middlewares as
# input.inventory.middlewares {"<namespace>/<name>": <spec>}, a real ipAllowList/ipWhiteList counts
# whatever the name (today input.inventory is empty, so this never matches).
inventory_middlewares := m if {
	m := object.get(object.get(input, "inventory", {}), "middlewares", {})
	is_object(m)
}

inventory_allow_list(key) if {
	mw_spec := inventory_middlewares[key]
	is_object(mw_spec)
	some field in ["ipAllowList", "ipWhiteList"]
	is_object(mw_spec[field])
}

allow_list_ref(name, ns) if inventory_allow_list(concat("/", [ns, name]))

ingress_middleware_allow_list(entry) if {
	endswith(entry, "@kubernetescrd")
	some key, _ in inventory_middlewares
	replace(key, "/", "-") == trim_suffix(entry, "@kubernetescrd")
	inventory_allow_list(key)
}

# An entry of the Ingress annotation traefik.ingress.kubernetes.io/router.middlewares:
# `<namespace>-<name>@kubernetescrd` (or `<name>@file` …).
ingress_middleware_allow_list(entry) if allow_list_name(entry)

ingress_middleware_allow_list(entry) if {
	ref := split(entry, "@")[0]
	some m in allow_list_names
	ingress_ref_matches(ref, entry, m)
}

ingress_ref_matches(_, entry, m) if entry == m

ingress_ref_matches(ref, _, m) if ref == m

ingress_ref_matches(ref, _, m) if {
	contains(m, "/")
	ref == replace(m, "/", "-")
}

# A bare name in the parameter matches that Middleware in any namespace.
ingress_ref_matches(ref, _, m) if {
	not contains(m, "/")
	endswith(ref, concat("-", ["", m]))
}

traefik_middlewares_annotation := "traefik.ingress.kubernetes.io/router.middlewares"

source_range_annotations := [
	"nginx.ingress.kubernetes.io/whitelist-source-range",
	"nginx.ingress.kubernetes.io/allowlist-source-range",
]

open_ranges := {"0.0.0.0/0", "::/0"}

# How an Ingress restricts source addresses, if it does (for the message).
ingress_protection contains sprintf("middleware %q", [entry]) if {
	value := data.plumbline.lib.k8s.annotations[traefik_middlewares_annotation]
	is_string(value)
	some raw in split(value, ",")
	entry := trim_space(raw)
	entry != ""
	ingress_middleware_allow_list(entry)
}

ingress_protection contains key if {
	some key in source_range_annotations
	value := data.plumbline.lib.k8s.annotations[key]
	is_string(value)
	ranges := [r | some raw in split(value, ","); r := trim_space(raw); r != ""]
	count(ranges) > 0
	count([r | some r in ranges; r in open_ranges]) == 0
}

# ---------------------------------------------------------------------------------------------
# Ingress (networking.k8s.io/v1, v1beta1, extensions/v1beta1)

use_regex if data.plumbline.lib.k8s.annotations["nginx.ingress.kubernetes.io/use-regex"] == "true"

# Whether an Ingress path of a given pathType routes requests for admin path a.
ingress_routes(_, p, _) if p == ""

ingress_routes("Exact", p, a) if under(p, a)

# Prefix matches path elements: "/web" routes /web/database/manager, "/website" does not.
ingress_routes("Prefix", p, a) if under(a, norm(p))

ingress_routes("Prefix", p, a) if under(norm(p), a)

# ImplementationSpecific is up to the controller: Traefik and ingress-nginx treat it as a string
# prefix (GCE as a glob ending in /*); with nginx use-regex it is a regular expression.
ingress_routes(pt, p, a) if {
	not pt in {"Exact", "Prefix"}
	not use_regex
	startswith(a, trim_right(p, "*"))
}

ingress_routes(pt, p, a) if {
	not pt in {"Exact", "Prefix"}
	under(norm(trim_right(p, "*")), a)
}

ingress_routes(pt, p, a) if {
	not pt in {"Exact", "Prefix"}
	use_regex
	regex.is_valid(p)
	regex.match(concat("", ["(?i)^", p]), a)
}

# ---------------------------------------------------------------------------------------------
# Which routes lead to Odoo: a route that names an admin path always counts; a catch-all route
# counts when its backend looks like Odoo: a Service name matching params.network.adminPathBackends
# (globs; an empty list: every name) on a port in params.network.adminPathPorts (numbers or port
# names; an empty list, or a backend naming no port: every port). A route to Service `odoo` port
# 8025 (MailHog beside Odoo) does not serve the database manager.

backend_patterns := object.get(params, "adminPathBackends", ["*odoo*"])

backend_ports := object.get(params, "adminPathPorts", [80, 443, 8069, 8072, "http", "https", "odoo"])

odoo_backend(name, port) if {
	odoo_name(name)
	odoo_port(port)
}

odoo_name(_) if count(backend_patterns) == 0

odoo_name(name) if {
	is_string(name)
	some pattern in backend_patterns
	glob.match(pattern, null, name)
}

odoo_port(_) if count(backend_ports) == 0

odoo_port(port) if port == null

odoo_port(port) if {
	port != null
	some p in backend_ports
	p == port
}

ingress_backend_name(backend) := backend.service.name if is_object(backend.service)

ingress_backend_name(backend) := backend.serviceName if is_string(backend.serviceName)

# networking.k8s.io/v1: service.port.number or .name; v1beta1: servicePort (number or name).
ingress_backend_port(backend) := p if {
	port := object.get(object.get(backend, "service", {}), "port", {})
	is_object(port)
	p := object.get(port, "number", object.get(port, "name", null))
} else := object.get(backend, "servicePort", null)

names_admin_path(p) if {
	p != ""
	some a in admin_paths
	under(norm(trim_right(p, "*")), a)
}

ingress_to_odoo(p, _) if names_admin_path(p)

ingress_to_odoo(_, path) if {
	backend := object.get(path, "backend", {})
	odoo_backend(ingress_backend_name(backend), ingress_backend_port(backend))
}

route_to_odoo(_, m) if {
	some a in admin_paths
	contains(m, a)
}

route_to_odoo(route, _) if {
	some svc in object.get(route, "services", [])
	odoo_backend(object.get(svc, "name", ""), object.get(svc, "port", null))
}

violation contains v if {
	input.object.kind == "Ingress"
	count(ingress_protection) == 0
	some i, rule in object.get(spec, "rules", [])
	is_object(rule)
	some j, path in object.get(object.get(rule, "http", {}), "paths", [])
	is_object(path)
	p := object.get(path, "path", "")
	is_string(p)
	pt := object.get(path, "pathType", "ImplementationSpecific")
	ingress_to_odoo(p, path)
	hits := {a | some a in admin_paths; ingress_routes(pt, p, a)}
	count(hits) > 0
	v := {
		"msg": sprintf("Ingress rule %d (host %q) path %q routes Odoo's %s with no IP allow-list", [i, object.get(rule, "host", "*"), p, hits_text(hits)]),
		"path": ingress_path_pointer(path, i, j),
		"details": {"rule": i, "host": object.get(rule, "host", ""), "ingressPath": p, "pathType": pt, "adminPaths": sort([h | some h in hits])},
	}
}

ingress_path_pointer(path, i, j) := sprintf("/spec/rules/%d/http/paths/%d/path", [i, j]) if "path" in object.keys(path)

ingress_path_pointer(path, i, j) := sprintf("/spec/rules/%d/http/paths/%d", [i, j]) if not "path" in object.keys(path)

# The default backend receives everything no rule matches, the admin paths included.
violation contains v if {
	input.object.kind == "Ingress"
	count(ingress_protection) == 0
	some field in ["defaultBackend", "backend"]
	is_object(spec[field])
	odoo_backend(ingress_backend_name(spec[field]), ingress_backend_port(spec[field]))
	count(admin_paths) > 0
	v := {
		"msg": sprintf("Ingress spec.%s routes Odoo's %s with no IP allow-list", [field, hits_text(admin_paths)]),
		"path": sprintf("/spec/%s", [field]),
		"details": {"field": field, "adminPaths": sort([h | some h in admin_paths])},
	}
}

# ---------------------------------------------------------------------------------------------
# Traefik IngressRoute (traefik.io/v1alpha1, traefik.containo.us/v1alpha1)

traefik_groups := {"traefik.io", "traefik.containo.us"}

is_ingressroute if {
	input.object.kind == "IngressRoute"
	split(object.get(input.object, "apiVersion", ""), "/")[0] in traefik_groups
}

routes := [r | some r in object.get(spec, "routes", [])]

route_match(route) := m if {
	m := object.get(route, "match", "")
	is_string(m)
}

route_match(route) := "" if not is_string(object.get(route, "match", ""))

route_protected(route) if {
	some mw in object.get(route, "middlewares", [])
	is_object(mw)
	name := object.get(mw, "name", "")
	is_string(name)
	allow_list_ref(name, object.get(mw, "namespace", object_namespace))
}

secure_entrypoint(name) if {
	some k in ["secure", "https", "tls"]
	contains(lower(name), k)
}

# Served only on plain-HTTP entry points, without TLS.
plain_http_only if {
	object.get(spec, "tls", null) == null
	eps := object.get(spec, "entryPoints", [])
	count(eps) > 0
	count([e | some e in eps; secure_entrypoint(e)]) == 0
}

# A route on a plain-HTTP entry point whose middleware redirects to HTTPS never reaches Odoo.
redirect_only(route) if {
	plain_http_only
	some mw in object.get(route, "middlewares", [])
	name := lower(object.get(mw, "name", ""))
	contains(name, "redirect")
	some k in ["https", "scheme"]
	contains(name, k)
}

# Traefik's default priority is the length of the rule.
priority(route) := route.priority if {
	is_number(route.priority)
	route.priority > 0
}

priority(route) := count(route_match(route)) if not positive_priority(route)

positive_priority(route) if {
	is_number(route.priority)
	route.priority > 0
}

# Host(`a`) arguments of a rule, lower-cased.
hosts(m) := {lower(h) |
	some call in calls(m)
	matcher_name(call) in {"Host", "HostHeader"}
	some h in call_args(call)
}

# A protected route that Traefik prefers (higher priority) for every admin request to the hosts
# route r serves shadows r for admin path a.
shadowed(i, r, a) if {
	some k, p in routes
	k != i
	is_object(p)
	route_protected(p)
	evaluate(route_match(p), a, "T") == "T"
	priority(p) > priority(r)
	hosts_cover(route_match(p), route_match(r))
}

hosts_cover(pm, _) if count(hosts(pm)) == 0

hosts_cover(pm, rm) if {
	count(hosts(rm)) > 0
	count(hosts(rm) - hosts(pm)) == 0
}

violation contains v if {
	is_ingressroute
	some i, route in routes
	is_object(route)
	object.get(route, "kind", "Rule") == "Rule"
	m := route_match(route)
	trim_space(m) != "" # Traefik rejects a route without a rule
	not route_protected(route)
	not redirect_only(route)
	route_to_odoo(route, m)
	hits := {a |
		some a in admin_paths
		evaluate(m, a, "U") in {"T", "U"}
		not shadowed(i, route, a)
	}
	count(hits) > 0
	v := {
		"msg": sprintf("IngressRoute route %d (match %q) routes Odoo's %s with no IP allow-list", [i, m, hits_text(hits)]),
		"path": route_pointer(route, i),
		"details": {"route": i, "match": m, "adminPaths": sort([h | some h in hits])},
	}
}

route_pointer(route, i) := sprintf("/spec/routes/%d/match", [i]) if "match" in object.keys(route)

route_pointer(route, i) := sprintf("/spec/routes/%d", [i]) if not "match" in object.keys(route)

# ---------------------------------------------------------------------------------------------
# Evaluating a Traefik rule for "some public request to admin path a (or below it)".
# Each matcher becomes T (every such request matches), F (none does) or U (some may: it depends on
# the host, headers, method … that the client chooses); then !, &&, || and parentheses are reduced
# in three-valued logic. T or U means the route can serve the admin path.

bt := "\u0060"

quoted := concat("", [bt, "[^", bt, "]*", bt, "|\"(?:[^\"\\\\]|\\\\.)*\""])

call_pattern := concat("", ["[A-Za-z][A-Za-z0-9]*\\(\\s*(?:", quoted, ")(?:\\s*,\\s*(?:", quoted, "))*\\s*\\)"])

calls(m) := regex.find_n(call_pattern, m, -1)

matcher_name(call) := regex.find_n("^[A-Za-z][A-Za-z0-9]*", call, 1)[0]

call_args(call) := [substring(q, 1, count(q) - 2) | some q in regex.find_n(quoted, substring(call, indexof(call, "("), -1), -1)]

any_value(vals) := "T" if "T" in vals

any_value(vals) := "U" if {
	not "T" in vals
	"U" in vals
}

any_value(vals) := "F" if {
	not "T" in vals
	not "U" in vals
}

matcher_value(call, _, hostmode) := hostmode if matcher_name(call) in {"Host", "HostHeader"}

matcher_value(call, a, _) := any_value({path_value(matcher_name(call), x, a) | some x in call_args(call)}) if {
	matcher_name(call) in {"Path", "PathPrefix", "PathRegexp"}
	count(call_args(call)) > 0
}

# ClientIP restricts who can connect: it works as an allow-list unless it admits everyone.
matcher_value(call, _, _) := "T" if {
	matcher_name(call) == "ClientIP"
	some x in call_args(call)
	trim_space(x) in open_ranges
}

matcher_value(call, _, _) := "F" if {
	matcher_name(call) == "ClientIP"
	count([x | some x in call_args(call); trim_space(x) in open_ranges]) == 0
}

matcher_value(call, _, _) := "U" if not matcher_name(call) in {"Host", "HostHeader", "Path", "PathPrefix", "PathRegexp", "ClientIP"}

matcher_value(call, _, _) := "U" if {
	matcher_name(call) in {"Path", "PathPrefix", "PathRegexp"}
	count(call_args(call)) == 0
}

# Traefik v2 path templates (`/{id:[0-9]+}`) are regular expressions: undecided.
path_value(_, x, _) := "U" if contains(x, "{")

path_value("PathPrefix", x, a) := "T" if {
	not contains(x, "{")
	startswith(a, x)
}

path_value("PathPrefix", x, a) := "U" if {
	not contains(x, "{")
	not startswith(a, x)
	under(norm(x), a)
}

path_value("PathPrefix", x, a) := "F" if {
	not contains(x, "{")
	not startswith(a, x)
	not under(norm(x), a)
}

path_value("Path", x, a) := "U" if {
	not contains(x, "{")
	under(x, a)
}

path_value("Path", x, a) := "F" if {
	not contains(x, "{")
	not under(x, a)
}

path_value("PathRegexp", x, a) := regexp_value(x, a) if not contains(x, "{")

regexp_value(x, _) := "U" if not regex.is_valid(x)

regexp_value(x, a) := "T" if {
	regex.is_valid(x)
	regex.match(x, a)
	regex.match(x, concat("", [a, "/x"]))
}

regexp_value(x, a) := "U" if {
	regex.is_valid(x)
	count([s | some s in [a, concat("", [a, "/x"])]; regex.match(x, s)]) == 1
}

regexp_value(x, a) := "F" if {
	regex.is_valid(x)
	not regex.match(x, a)
	not regex.match(x, concat("", [a, "/x"]))
}

evaluate(m, a, hostmode) := result if {
	trim_space(m) != ""
	replaced := strings.replace_n({c: matcher_value(c, a, hostmode) | some c in calls(m)}, m)
	expr := regex.replace(replaced, "\\s+", "")
	result := reduced(expr)
}

# An empty rule is rejected by Traefik: it routes nothing.
evaluate(m, _, _) := "F" if trim_space(m) == ""

reduced(expr) := r if {
	regex.match("^[TFU()!&|]+$", expr)
	r := final(step(step(step(step(step(step(step(step(step(step(step(step(expr)))))))))))))
}

reduced(expr) := "U" if not regex.match("^[TFU()!&|]+$", expr)

final(s) := s if s in {"T", "F", "U"}

final(s) := "U" if not s in {"T", "F", "U"}

not_table := {"!T": "F", "!F": "T", "!U": "U"}

and_table := {
	"T&&T": "T", "T&&F": "F", "T&&U": "U",
	"F&&T": "F", "F&&F": "F", "F&&U": "F",
	"U&&T": "U", "U&&F": "F", "U&&U": "U",
}

# || binds loosest: only reduce it where neither side touches &&.
or_rules := [
	["(^|[(|])T\\|\\|[TFU]($|[)|])", "${1}T${2}"],
	["(^|[(|])[FU]\\|\\|T($|[)|])", "${1}T${2}"],
	["(^|[(|])F\\|\\|F($|[)|])", "${1}F${2}"],
	["(^|[(|])(?:F\\|\\|U|U\\|\\|F|U\\|\\|U)($|[)|])", "${1}U${2}"],
]

step(s) := out if {
	s1 := strings.replace_n(not_table, s)
	s2 := strings.replace_n(and_table, s1)
	s3 := regex.replace(s2, or_rules[0][0], or_rules[0][1])
	s4 := regex.replace(s3, or_rules[1][0], or_rules[1][1])
	s5 := regex.replace(s4, or_rules[2][0], or_rules[2][1])
	s6 := regex.replace(s5, or_rules[3][0], or_rules[3][1])
	out := regex.replace(s6, "\\(([TFU])\\)", "${1}")
}
