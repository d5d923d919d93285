package plumbline.rules.pss_host_namespaces

import rego.v1

import data.plumbline.lib.pss

# Pod Security Standards, baseline: "Host Namespaces" (PSA check hostNamespaces, policy 1.0+).
# spec.hostNetwork, spec.hostPID and spec.hostIPC must be unset or false. Pod-level fields, so
# there is no per-image exemption. params.podSecurity.allowHostNetwork: true allows hostNetwork
# (Gatekeeper K8sPSPHostNetworkingPorts `hostNetwork`; host ports stay with pss-host-ports).

namespaces := {
	"hostNetwork": "network",
	"hostPID": "process ID",
	"hostIPC": "IPC",
}

violation contains v if {
	data.plumbline.lib.pss.baseline
	ps := data.plumbline.lib.k8s.pod_spec
	some field, what in namespaces
	ps.spec[field] == true
	not allowed(field)
	v := {
		"msg": sprintf("%s sets %s.%s=true; baseline forbids sharing the host's %s namespace (allowed: unset or false)", [subject, dotted(ps.path), field, what]),
		"path": concat("/", [ps.path, field]),
		"details": {"field": field, "value": true},
	}
}

allowed(field) if {
	field == "hostNetwork"
	object.get(data.plumbline.params, ["podSecurity", "allowHostNetwork"], false) == true
}

subject := "pod" if input.object.kind == "Pod"

subject := sprintf("%s pod template", [input.object.kind]) if input.object.kind != "Pod"

dotted(path) := replace(trim_prefix(path, "/"), "/", ".")
