package plumbline.rules.ingress_tls_missing

import rego.v1


params := object.get(data.plumbline.params, "ingress", {})

enabled if object.get(params, "requireTLS", true) == true

# Gatekeeper's K8sHttpsOnly also requires the annotation that turns plain HTTP off.
require_http_off if object.get(params, "requireAllowHttpFalse", false) == true

spec := object.get(input.object, "spec", {})

tls_entries := [t | some t in object.get(spec, "tls", []); is_object(t)]

# kubernetes.io/ingress.allow-http: "false" (GKE) only closes port 80: it provides no certificate.
allow_http_note := "; kubernetes.io/ingress.allow-http=false only stops plain HTTP, it does not configure TLS" if {
	data.plumbline.lib.k8s.annotations["kubernetes.io/ingress.allow-http"] == "false"
}

allow_http_note := "" if data.plumbline.lib.k8s.annotations["kubernetes.io/ingress.allow-http"] != "false"

allow_http_note := "" if not data.plumbline.lib.k8s.annotations["kubernetes.io/ingress.allow-http"]

# No TLS at all: one finding for the Ingress.
violation contains v if {
	input.object.kind == "Ingress"
	enabled
	count(tls_entries) == 0
	v := {
		"msg": sprintf("Ingress has no spec.tls, so %s not served over HTTPS%s", [served_text, allow_http_note]),
		"path": tls_pointer,
		"details": {"hosts": sort(rule_hosts)},
	}
}

tls_pointer := "/spec/tls" if "tls" in object.keys(spec)

tls_pointer := "/spec" if not "tls" in object.keys(spec)

rule_hosts contains lower(h) if {
	some rule in object.get(spec, "rules", [])
	h := object.get(rule, "host", "")
	is_string(h)
	h != ""
}

served_text := sprintf("%s is", [concat(", ", sort(rule_hosts))]) if count(rule_hosts) == 1

served_text := sprintf("%s are", [concat(", ", sort(rule_hosts))]) if count(rule_hosts) > 1

served_text := "its routes are" if count(rule_hosts) == 0

# TLS present, but a rule's host is not covered by any entry.
violation contains v if {
	input.object.kind == "Ingress"
	enabled
	count(tls_entries) > 0
	some i, rule in object.get(spec, "rules", [])
	is_object(rule)
	host := object.get(rule, "host", "")
	is_string(host)
	host != ""
	not covered(lower(host))
	v := {
		"msg": sprintf("Ingress rule %d host %q is in no spec.tls[].hosts (no HTTPS)%s", [i, host, allow_http_note]),
		"path": sprintf("/spec/rules/%d/host", [i]),
		"details": {"rule": i, "host": host, "tlsHosts": sort(tls_hosts)},
	}
}

# A rule without a host is served for any name; only a TLS entry without hosts (the controller's
# default certificate) covers it.
violation contains v if {
	input.object.kind == "Ingress"
	enabled
	count(tls_entries) > 0
	not catch_all_tls
	some i, rule in object.get(spec, "rules", [])
	is_object(rule)
	object.get(rule, "host", "") in {"", null}
	v := {
		"msg": sprintf("Ingress rule %d has no host, and spec.tls covers only named hosts%s", [i, allow_http_note]),
		"path": sprintf("/spec/rules/%d", [i]),
		"details": {"rule": i, "tlsHosts": sort(tls_hosts)},
	}
}

tls_hosts contains lower(h) if {
	some t in tls_entries
	some h in object.get(t, "hosts", [])
	is_string(h)
}

# A TLS entry without hosts applies to the controller's default (wildcard) host.
catch_all_tls if {
	some t in tls_entries
	count([h | some h in object.get(t, "hosts", []); is_string(h); h != ""]) == 0
}

covered(_) if catch_all_tls

covered(host) if host in tls_hosts

# `*.example.com` covers exactly one label: erp.example.com, not a.b.example.com or example.com.
covered(host) if {
	some pattern in tls_hosts
	startswith(pattern, "*.")
	suffix := substring(pattern, 1, -1)
	endswith(host, suffix)
	label := trim_suffix(host, suffix)
	label != ""
	not contains(label, ".")
	not contains(label, "*")
}

# With params.ingress.requireAllowHttpFalse, the Ingress must also say
# `kubernetes.io/ingress.allow-http: "false"` (K8sHttpsOnly): the exact string, as upstream.
violation contains v if {
	input.object.kind == "Ingress"
	require_http_off
	not http_off
	v := {
		"msg": sprintf("Ingress does not set the annotation kubernetes.io/ingress.allow-http: \"false\" (it is %s), so the load balancer may still serve plain HTTP", [allow_http_text]),
		"path": allow_http_pointer,
		"details": {"annotation": "kubernetes.io/ingress.allow-http", "value": allow_http_value},
	}
}

http_off if data.plumbline.lib.k8s.annotations["kubernetes.io/ingress.allow-http"] == "false"

allow_http_value := object.get(data.plumbline.lib.k8s.annotations, "kubernetes.io/ingress.allow-http", null)

allow_http_text := "absent" if allow_http_value == null

allow_http_text := sprintf("%q", [allow_http_value]) if is_string(allow_http_value)

allow_http_text := sprintf("%v", [allow_http_value]) if {
	allow_http_value != null
	not is_string(allow_http_value)
}

allow_http_pointer := "/metadata/annotations/kubernetes.io~1ingress.allow-http" if allow_http_value != null

allow_http_pointer := "/metadata/annotations" if {
	allow_http_value == null
	"annotations" in object.keys(object.get(input.object, "metadata", {}))
}

allow_http_pointer := "/metadata" if {
	allow_http_value == null
	not "annotations" in object.keys(object.get(input.object, "metadata", {}))
}
