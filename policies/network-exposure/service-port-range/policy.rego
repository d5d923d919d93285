package plumbline.rules.service_port_range

import rego.v1

params := object.get(data.plumbline.params, "network", {})

# Ports and {min, max} ranges a Service may expose (spec.ports[].port); empty: any port.
allowed := object.get(params, "allowedServicePorts", [])

violation contains v if {
	input.object.kind == "Service"
	count(allowed) > 0
	ports := object.get(object.get(input.object, "spec", {}), "ports", [])
	is_array(ports)
	some i, entry in ports
	is_object(entry)
	port := object.get(entry, "port", null)
	is_number(port)
	not listed(port)
	v := {
		"msg": sprintf("Service ports[%d].port is %v, outside params.network.allowedServicePorts (%s)", [i, port, allowed_text]),
		"path": sprintf("/spec/ports/%d/port", [i]),
		"details": {"port": port, "allowed": allowed},
	}
}

listed(port) if port in allowed

# Bounds are inclusive, as Kyverno's `32000-33000` range pattern.
listed(port) if {
	some r in allowed
	is_object(r)
	port >= object.get(r, "min", 1)
	port <= object.get(r, "max", 65535)
}

allowed_text := concat(", ", [show_entry(p) | some p in allowed])

show_entry(p) := sprintf("%v-%v", [object.get(p, "min", 1), object.get(p, "max", 65535)]) if is_object(p)

show_entry(p) := sprintf("%v", [p]) if not is_object(p)
