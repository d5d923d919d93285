# Rego unit tests of ingressroute-tls-missing, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.ingressroute_tls_missing_test

import rego.v1

route(middlewares) := {"kind": "Rule", "match": "Host(`erp.acme.example.com`)", "services": [{"name": "odoo", "port": 8069}], "middlewares": middlewares}

ingressroute(api, spec) := {"object": {"apiVersion": api, "kind": "IngressRoute", "metadata": {"name": "odoo", "namespace": "erp-prod"}, "spec": spec}}

violations(spec) := vs if {
	vs := data.plumbline.rules.ingressroute_tls_missing.violation with input as ingressroute("traefik.io/v1alpha1", spec)
}

test_plain_entry_point_without_tls_is_a_violation_at_it if {
	vs := violations({"entryPoints": ["websecure", "web"], "routes": [route([])]})
	count(vs) == 1
	some v in vs
	v.path == "/spec/entryPoints/1"
	v.msg == `IngressRoute is served on entry point "web" without spec.tls (plain HTTP)`
	v.details.entryPoint == "web"
}

test_no_entry_points_means_every_entry_point if {
	vs := data.plumbline.rules.ingressroute_tls_missing.violation with input as ingressroute("traefik.containo.us/v1alpha1", {"routes": [route([])]})
	count(vs) == 1
	some v in vs
	v.path == "/spec"
	contains(v.msg, "no spec.entryPoints and no spec.tls")
}

test_tls_or_secure_entry_points_pass if {
	count(violations({"entryPoints": ["web"], "routes": [route([])], "tls": {}})) == 0
	count(violations({"routes": [route([])], "tls": {"secretName": "erp-tls"}})) == 0
	count(violations({"entryPoints": ["websecure", "HTTPS-public", "internal-tls"], "routes": [route([])]})) == 0
}

test_redirect_only_routes_pass_only_when_every_route_redirects if {
	count(violations({"entryPoints": ["web"], "routes": [route([{"name": "redirect-to-https"}]), route([{"name": "RedirectScheme"}])]})) == 0
	count(violations({"entryPoints": ["web"], "routes": [route([{"name": "redirect-to-https"}]), route([{"name": "compress"}])]})) == 1
	count(violations({"entryPoints": ["web"], "routes": [route([{"name": "redirect-www"}])]})) == 1
}

test_other_ingressroutes_are_not_checked if {
	count(data.plumbline.rules.ingressroute_tls_missing.violation) == 0 with input as ingressroute("contour.heptio.com/v1beta1", {"routes": [route([])]})
}
