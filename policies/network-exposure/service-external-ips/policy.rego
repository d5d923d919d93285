package plumbline.rules.service_external_ips

import rego.v1

params := object.get(data.plumbline.params, "network", {})

allowed := object.get(params, "allowedExternalIPs", [])

violation contains v if {
	input.object.kind == "Service"
	ips := object.get(object.get(input.object, "spec", {}), "externalIPs", [])
	is_array(ips)
	some i, ip in ips
	not permitted(ip)
	v := {
		"msg": sprintf("Service lists externalIPs[%d] %q, %s (allowed: %s)", [i, format_ip(ip), problem(ip), allowed_text]),
		"path": sprintf("/spec/externalIPs/%d", [i]),
		"details": {"externalIP": ip, "allowed": allowed},
	}
}

allowed_text := "none" if count(allowed) == 0

allowed_text := concat(", ", [sprintf("%v", [a]) | some a in allowed]) if count(allowed) > 0

format_ip(ip) := ip if is_string(ip)

format_ip(ip) := sprintf("%v", [ip]) if not is_string(ip)

problem(ip) := "which is not in params.network.allowedExternalIPs" if {
	is_string(ip)
	valid_ip(trim_space(ip))
}

problem(ip) := "which is not a single IP address" if not address(ip)

address(ip) if {
	is_string(ip)
	valid_ip(trim_space(ip))
}

# An entry allows an address when it is the same address, or a CIDR that contains it.
permitted(ip) if {
	address(ip)
	some entry in allowed
	is_string(entry)
	trim_space(entry) == trim_space(ip)
}

permitted(ip) if {
	address(ip)
	some entry in allowed
	is_string(entry)
	cidr := trim_space(entry)
	contains(cidr, "/")
	net.cidr_is_valid(cidr)
	net.cidr_contains(cidr, trim_space(ip))
}

# A bare IPv4 or IPv6 address (net.cidr_contains rejects anything else).
valid_ip(ip) if {
	not contains(ip, "/")
	not contains(ip, ":")
	net.cidr_is_valid(concat("", [ip, "/32"]))
}

valid_ip(ip) if {
	not contains(ip, "/")
	contains(ip, ":")
	net.cidr_is_valid(concat("", [ip, "/128"]))
}
