# Rego unit tests of ingress-tls-missing, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.ingress_tls_missing_test

import rego.v1

ingress(annotations, spec) := {"object": {
	"apiVersion": "networking.k8s.io/v1",
	"kind": "Ingress",
	"metadata": {"name": "odoo", "namespace": "erp-prod", "annotations": annotations},
	"spec": spec,
}}

rule(host) := {"host": host, "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "odoo", "port": {"number": 8069}}}}]}}

paths(spec) := sort([v.path | some v in vs]) if {
	vs := data.plumbline.rules.ingress_tls_missing.violation with input as ingress({}, spec)
}

test_no_tls_is_one_violation_at_spec if {
	vs := data.plumbline.rules.ingress_tls_missing.violation with input as ingress({}, {"rules": [rule("erp.acme.example.com")]})
	count(vs) == 1
	some v in vs
	v.path == "/spec"
	v.msg == "Ingress has no spec.tls, so erp.acme.example.com is not served over HTTPS"
	v.details.hosts == ["erp.acme.example.com"]
}

test_allow_http_false_does_not_replace_tls if {
	vs := data.plumbline.rules.ingress_tls_missing.violation with input as ingress({"kubernetes.io/ingress.allow-http": "false"}, {"tls": [], "rules": [rule("a.example.com"), rule("b.example.com")]})
	count(vs) == 1
	some v in vs
	v.path == "/spec/tls"
	contains(v.msg, "a.example.com, b.example.com are not served over HTTPS; kubernetes.io/ingress.allow-http=false only stops plain HTTP")
}

test_listed_hosts_pass_case_insensitively if {
	paths({"tls": [{"hosts": ["ERP.acme.example.com"], "secretName": "erp-tls"}], "rules": [rule("erp.ACME.example.com")]}) == []
}

test_wildcard_covers_exactly_one_label if {
	paths({"tls": [{"hosts": ["*.acme.example.com"], "secretName": "wild"}], "rules": [
		rule("erp.acme.example.com"),
		rule("a.b.acme.example.com"),
		rule("acme.example.com"),
	]}) == ["/spec/rules/1/host", "/spec/rules/2/host"]
}

test_host_not_in_tls_is_reported_at_the_rule_host if {
	vs := data.plumbline.rules.ingress_tls_missing.violation with input as ingress({}, {"tls": [{"hosts": ["erp.acme.example.com"]}], "rules": [rule("erp.acme.example.com"), rule("shop.acme.example.com")]})
	count(vs) == 1
	some v in vs
	v.path == "/spec/rules/1/host"
	contains(v.msg, `Ingress rule 1 host "shop.acme.example.com" is in no spec.tls[].hosts`)
}

test_rule_without_host_needs_a_catch_all_tls_entry if {
	paths({"tls": [{"hosts": ["erp.acme.example.com"]}], "rules": [{"http": {}}]}) == ["/spec/rules/0"]
	paths({"tls": [{"secretName": "default"}], "rules": [{"http": {}}, rule("erp.acme.example.com")]}) == []
}

test_require_tls_off_by_params if {
	count(data.plumbline.rules.ingress_tls_missing.violation) == 0 with input as ingress({}, {"rules": [rule("erp.acme.example.com")]})
		with data.plumbline.params.ingress.requireTLS as false
}

test_require_allow_http_false_by_params if {
	spec := {"tls": [{"hosts": ["erp.acme.example.com"]}], "rules": [rule("erp.acme.example.com")]}
	vs := data.plumbline.rules.ingress_tls_missing.violation with input as ingress({"kubernetes.io/ingress.allow-http": "False"}, spec)
		with data.plumbline.params.ingress as {"requireTLS": true, "requireAllowHttpFalse": true}
	count(vs) == 1
	some v in vs
	v.path == "/metadata/annotations/kubernetes.io~1ingress.allow-http"
	contains(v.msg, `(it is "False")`)
	count(data.plumbline.rules.ingress_tls_missing.violation) == 0 with input as ingress({"kubernetes.io/ingress.allow-http": "false"}, spec)
		with data.plumbline.params.ingress as {"requireTLS": true, "requireAllowHttpFalse": true}
}
