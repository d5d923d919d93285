package plumbline.rules.pss_host_probes_lifecycle

import rego.v1

import data.plumbline.lib.pss

# Pod Security Standards, baseline: "Probes / Lifecycle Hooks" (PSA check
# hostProbesAndHostLifecycle, policy 1.34+). The host field of httpGet and tcpSocket handlers in
# livenessProbe, readinessProbe, startupProbe and lifecycle.postStart / lifecycle.preStop must be
# unset or empty, on every container, init container and ephemeral container. Not checked at
# policy versions below 1.34, where the check does not exist.

probes := ["livenessProbe", "readinessProbe", "startupProbe"]

hooks := ["postStart", "preStop"]

actions := ["httpGet", "tcpSocket"]

# Lookups are inlined (no helper function per handler and action): this runs for every
# container of every workload, and a function call is the RVM's most expensive step.
# object.filter keeps only the probes/hooks a container actually has, so most iterations are
# skipped.
violation contains v if {
	data.plumbline.lib.pss.baseline
	some c in data.plumbline.lib.k8s.containers
	some probe, handler in object.filter(c.container, probes)
	some action in actions
	host := handler[action].host
	is_string(host)
	host != ""
	data.plumbline.lib.pss.minor >= 34
	not pss.exempt("pss-host-probes-lifecycle", c)
	v := report(c, [probe], action, host)
}

violation contains v if {
	data.plumbline.lib.pss.baseline
	some c in data.plumbline.lib.k8s.containers
	lifecycle := c.container.lifecycle
	is_object(lifecycle)
	some hook, handler in object.filter(lifecycle, hooks)
	some action in actions
	host := handler[action].host
	is_string(host)
	host != ""
	data.plumbline.lib.pss.minor >= 34
	not pss.exempt("pss-host-probes-lifecycle", c)
	v := report(c, ["lifecycle", hook], action, host)
}

report(c, handler, action, host) := {
	"msg": sprintf("%s sets %s.%s.host=%q; baseline forbids a host in probes and lifecycle hooks (leave it unset so the kubelet targets the pod's own IP)", [c.desc, concat(".", handler), action, host]),
	"path": sprintf("%s/%s/%s/host", [c.path, concat("/", handler), action]),
	"details": {"image": c.image, "container": c.name, "handler": concat(".", handler), "action": action, "host": host},
}
