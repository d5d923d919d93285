package plumbline.rules.pod_host_ports

import rego.v1

import data.plumbline.lib.pss

params := object.get(data.plumbline.params, "network", {})

allowed := object.get(params, "allowedHostPorts", [])

# Like the Pod Security Standards baseline `hostPorts` control: containers, init containers and
# ephemeral containers; hostPort unset or 0 is fine; params.network.allowedHostPorts lists ports
# and {min, max} ranges that are allowed. Where the baseline or restricted Pod Security level is
# in force, pss-host-ports reports the same ports from the same list, so this rule stays silent
# there (one hostPort, one finding) and reports only at the privileged level or for images exempt
# from pss-host-ports.
violation contains v if {
	some c in data.plumbline.lib.k8s.containers
	some j, port in object.get(c.container, "ports", [])
	hp := port.hostPort
	is_number(hp)
	hp != 0
	not listed(hp)
	not pss_judges(c)
	v := {
		"msg": sprintf("%s sets ports[%d].hostPort=%v, which publishes it on the node's address, bypassing Services and Ingress; allowed host ports: %s", [c.desc, j, hp, allowed_text]),
		"path": sprintf("%s/ports/%d/hostPort", [c.path, j]),
		"details": {"image": c.image, "container": c.name, "hostPort": hp, "allowed": allowed},
	}
}

# pss-host-ports judges this container's host ports.
pss_judges(c) if {
	data.plumbline.lib.pss.baseline
	not pss.exempt("pss-host-ports", c)
}

listed(hp) if hp in allowed

listed(hp) if {
	some r in allowed
	is_object(r)
	hp >= object.get(r, "min", 0)
	hp <= object.get(r, "max", 65535)
}

allowed_text := "none" if {
	count(allowed) == 0
} else := concat(", ", [show_entry(p) | some p in allowed])

show_entry(p) := sprintf("%v-%v", [object.get(p, "min", 0), object.get(p, "max", 65535)]) if is_object(p)

show_entry(p) := sprintf("%v", [p]) if not is_object(p)
