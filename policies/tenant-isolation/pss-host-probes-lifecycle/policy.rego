package plumbline.rules.pss_host_probes_lifecycle

import rego.v1

import data.plumbline.lib.k8s
import data.plumbline.lib.pss

# Pod Security Standards, baseline: "Probes / Lifecycle Hooks" (PSA check
# hostProbesAndHostLifecycle, policy 1.34+). The host field of httpGet and tcpSocket handlers in
# livenessProbe, readinessProbe, startupProbe and lifecycle.postStart / lifecycle.preStop must be
# unset or empty, on every container, init container and ephemeral container.

handlers := [
	["livenessProbe"],
	["readinessProbe"],
	["startupProbe"],
	["lifecycle", "postStart"],
	["lifecycle", "preStop"],
]

actions := ["httpGet", "tcpSocket"]

violation contains v if {
	data.plumbline.lib.pss.baseline
	some c in data.plumbline.lib.k8s.containers
	not pss.exempt("pss-host-probes-lifecycle", c)
	some handler in handlers
	some action in actions
	host := host_of(c.container, handler, action)
	v := {
		"msg": sprintf("%s sets %s.%s.host=%q; baseline forbids a host in probes and lifecycle hooks (leave it unset so the kubelet targets the pod's own IP)", [k8s.describe(c), concat(".", handler), action, host]),
		"path": sprintf("%s/%s/%s/host", [c.path, concat("/", handler), action]),
		"details": {"image": object.get(c.container, "image", ""), "container": c.name, "handler": concat(".", handler), "action": action, "host": host},
	}
}

host_of(container, handler, action) := host if {
	count(handler) == 1
	host := container[handler[0]][action].host
	is_string(host)
	host != ""
}

host_of(container, handler, action) := host if {
	count(handler) == 2
	host := container[handler[0]][handler[1]][action].host
	is_string(host)
	host != ""
}
