package plumbline.rules.service_externalname_forbidden

import rego.v1

params := object.get(data.plumbline.params, "network", {})

# Names an ExternalName Service may not point at: exact DNS names, or `*.example.com` for every
# name under a domain. Compared without case and without a trailing dot.
forbidden := object.get(params, "forbiddenExternalNames", ["localhost"])

spec := object.get(input.object, "spec", {})

violation contains v if {
	input.object.kind == "Service"
	object.get(spec, "type", "") == "ExternalName"
	name := object.get(spec, "externalName", "")
	is_string(name)
	some entry in forbidden
	is_string(entry)
	matches(normal(name), normal(entry))
	v := {
		"msg": sprintf("ExternalName Service points at %q, which params.network.forbiddenExternalNames forbids (%q)", [name, entry]),
		"path": "/spec/externalName",
		"details": {"externalName": name, "forbidden": entry},
	}
}

normal(s) := trim_suffix(lower(trim_space(s)), ".")

matches(name, entry) if name == entry

matches(name, entry) if {
	startswith(entry, "*.")
	endswith(name, substring(entry, 1, -1))
}
