package plumbline.rules.pss_host_ports

import rego.v1

import data.plumbline.lib.pss

# Pod Security Standards, baseline: "Host Ports" (PSA check hostPorts, policy 1.0+). Every
# ports[*].hostPort of every container, init container and ephemeral container must be unset or
# 0, or (a loosening PSA has no equivalent for) listed in params.network.allowedHostPorts: a port
# number or a {min, max} range, as the Gatekeeper library's K8sPSPHostNetworkingPorts min/max.
# This rule owns host-port findings wherever the baseline or restricted level is in force; the
# network-exposure rule pod-host-ports reads the same list and reports only where this one does
# not judge (level privileged, or an image exempt from this control), so one hostPort gives one
# finding.

allowed := object.get(object.get(data.plumbline.params, "network", {}), "allowedHostPorts", [])

violation contains v if {
	data.plumbline.lib.pss.baseline
	some c in data.plumbline.lib.k8s.containers
	some i, port in c.container.ports
	hp := port.hostPort
	hp != null
	hp != 0
	not listed(hp)
	not pss.exempt("pss-host-ports", c)
	v := {
		"msg": sprintf("%s sets ports[%d].hostPort=%v; baseline forbids host ports (allowed: unset or 0%s), expose the port through a Service instead", [c.desc, i, hp, allowed_text]),
		"path": sprintf("%s/ports/%d/hostPort", [c.path, i]),
		"details": {"image": c.image, "container": c.name, "hostPort": hp},
	}
}

listed(hp) if hp in allowed

listed(hp) if {
	some r in allowed
	is_object(r)
	is_number(hp)
	hp >= object.get(r, "min", 0)
	hp <= object.get(r, "max", 65535)
}

allowed_text := "" if {
	count(allowed) == 0
} else := sprintf(", or params.network.allowedHostPorts: %s", [concat(", ", [show_entry(p) | some p in allowed])])

show_entry(p) := sprintf("%v-%v", [object.get(p, "min", 0), object.get(p, "max", 65535)]) if is_object(p)

show_entry(p) := sprintf("%v", [p]) if not is_object(p)
