package plumbline.rules.pod_host_ports

import rego.v1

import data.plumbline.lib.k8s

params := object.get(data.plumbline.params, "network", {})

allowed := object.get(params, "allowedHostPorts", [])

# Like the Pod Security Standards baseline `hostPorts` control: containers, init containers and
# ephemeral containers; hostPort unset or 0 is fine.
violation contains v if {
	some c in data.plumbline.lib.k8s.containers
	some j, port in object.get(c.container, "ports", [])
	hp := port.hostPort
	is_number(hp)
	hp != 0
	not hp in allowed
	v := {
		"msg": sprintf("%s sets ports[%d].hostPort=%v, which publishes it on the node's address, bypassing Services and Ingress; allowed host ports: %s", [c.desc, j, hp, allowed_text]),
		"path": sprintf("%s/ports/%d/hostPort", [c.path, j]),
		"details": {"image": c.image, "container": c.name, "hostPort": hp, "allowed": allowed},
	}
}

allowed_text := "none" if {
	count(allowed) == 0
} else := concat(", ", [sprintf("%v", [p]) | some p in allowed]) if {
	count(allowed) > 0
}
