package plumbline.rules.pss_host_ports

import rego.v1

import data.plumbline.lib.k8s
import data.plumbline.lib.pss

# Pod Security Standards, baseline: "Host Ports" (PSA check hostPorts, policy 1.0+). Every
# ports[*].hostPort of every container, init container and ephemeral container must be unset or
# 0. Pod Security Admission has no allow-list; params.network.allowedHostPorts belongs to the
# network-exposure rule pod-host-ports, not to this control.

violation contains v if {
	data.plumbline.lib.pss.baseline
	some c in data.plumbline.lib.k8s.containers
	some i, port in c.container.ports
	hp := port.hostPort
	hp != null
	hp != 0
	not pss.exempt("pss-host-ports", c)
	v := {
		"msg": sprintf("%s sets ports[%d].hostPort=%v; baseline forbids host ports (allowed: unset or 0), expose the port through a Service instead", [c.desc, i, hp]),
		"path": sprintf("%s/ports/%d/hostPort", [c.path, i]),
		"details": {"image": c.image, "container": c.name, "hostPort": hp},
	}
}
