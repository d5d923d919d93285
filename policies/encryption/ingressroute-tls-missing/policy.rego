package plumbline.rules.ingressroute_tls_missing

import rego.v1

traefik_groups := {"traefik.io", "traefik.containo.us"}

is_ingressroute if {
	input.object.kind == "IngressRoute"
	split(object.get(input.object, "apiVersion", ""), "/")[0] in traefik_groups
}

spec := object.get(input.object, "spec", {})

# `tls: {}` enables TLS with the default certificate; only an absent (or null) tls is plain.
no_tls if object.get(spec, "tls", null) == null

entry_points := [e | some e in object.get(spec, "entryPoints", [])]

# websecure, https, web-tls … : entry points configured for TLS by convention.
secure_entrypoint(name) if {
	is_string(name)
	some k in ["secure", "https", "tls"]
	contains(lower(name), k)
}

# A middleware that redirects to HTTPS (redirect-to-https, https-redirect, redirectscheme …).
redirect_middleware(mw) if {
	name := lower(object.get(mw, "name", ""))
	contains(name, "redirect")
	some k in ["https", "scheme"]
	contains(name, k)
}

rules := [r | some r in object.get(spec, "routes", []); is_object(r)]

# Every route only redirects to HTTPS, so nothing is answered over plain HTTP.
redirect_only if {
	count(rules) > 0
	count([r |
		some r in rules
		not route_redirects(r)
	]) == 0
}

route_redirects(r) if {
	some mw in object.get(r, "middlewares", [])
	is_object(mw)
	redirect_middleware(mw)
}

# No entry points: Traefik serves the route on every (default) entry point, plain HTTP included.
violation contains v if {
	is_ingressroute
	no_tls
	not redirect_only
	count(entry_points) == 0
	v := {
		"msg": "IngressRoute has no spec.entryPoints and no spec.tls: served on every entry point, plain HTTP included",
		"path": ep_pointer,
		"details": {"entryPoints": []},
	}
}

ep_pointer := "/spec/entryPoints" if "entryPoints" in object.keys(spec)

ep_pointer := "/spec" if not "entryPoints" in object.keys(spec)

violation contains v if {
	is_ingressroute
	no_tls
	not redirect_only
	some i, ep in entry_points
	not secure_entrypoint(ep)
	v := {
		"msg": sprintf("IngressRoute is served on entry point %q without spec.tls (plain HTTP)", [sprintf("%v", [ep])]),
		"path": sprintf("/spec/entryPoints/%d", [i]),
		"details": {"entryPoint": ep, "entryPoints": entry_points},
	}
}
