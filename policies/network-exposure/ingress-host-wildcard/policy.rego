package plumbline.rules.ingress_host_wildcard

import rego.v1

params := object.get(data.plumbline.params, "network", {})

enabled if object.get(params, "forbidWildcardHosts", true) == true

# Each of the three catch-alls can be allowed on its own while the rule stays on for the others
# (Kyverno's disallow-empty-ingress-host judges only the empty host, the Gatekeeper library's
# block-wildcard-ingress the empty and the wildcard host).
judges(switch) if {
	enabled
	object.get(params, switch, false) != true
}

spec := object.get(input.object, "spec", {})

# A rule without a host (or with an empty one) matches every host name.
violation contains v if {
	input.object.kind == "Ingress"
	judges("allowEmptyHosts")
	some i, rule in object.get(spec, "rules", [])
	is_object(rule)
	object.get(rule, "host", "") in {"", null}
	v := {
		"msg": sprintf("Ingress rule %d has no host, so it matches every host name", [i]),
		"path": host_path(rule, i),
		"details": {"rule": i, "host": ""},
	}
}

# A wildcard host (`*.example.com`) matches every name under the domain, including other tenants'.
violation contains v if {
	input.object.kind == "Ingress"
	judges("allowHostWildcards")
	some i, rule in object.get(spec, "rules", [])
	is_object(rule)
	host := object.get(rule, "host", "")
	is_string(host)
	contains(host, "*")
	v := {
		"msg": sprintf("Ingress rule %d has the wildcard host %q", [i, host]),
		"path": sprintf("/spec/rules/%d/host", [i]),
		"details": {"rule": i, "host": host},
	}
}

# A default backend receives every request no rule matches, for any host name.
violation contains v if {
	input.object.kind == "Ingress"
	judges("allowDefaultBackends")
	some field in ["defaultBackend", "backend"]
	is_object(spec[field])
	v := {
		"msg": sprintf("Ingress sets spec.%s, which receives requests for every unmatched host", [field]),
		"path": sprintf("/spec/%s", [field]),
		"details": {"field": field},
	}
}

# Point at an explicitly empty host, else at the rule that lacks one.
host_path(rule, i) := sprintf("/spec/rules/%d/host", [i]) if "host" in object.keys(rule)

host_path(rule, i) := sprintf("/spec/rules/%d", [i]) if not "host" in object.keys(rule)
