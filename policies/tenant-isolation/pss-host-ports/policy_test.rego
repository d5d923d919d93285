# Rego unit tests of pss-host-ports, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.pss_host_ports_test

import rego.v1

pod(ports, level) := {
	"object": {
		"apiVersion": "v1",
		"kind": "Pod",
		"metadata": {"name": "web"},
		"spec": {
			"initContainers": [{"name": "init", "image": "busybox:1.36"}],
			"containers": [{"name": "web", "image": "odoo:17.0", "ports": ports}],
		},
	},
	"podSecurity": {"level": level, "version": "latest"},
}

test_host_port_points_at_the_field if {
	vs := data.plumbline.rules.pss_host_ports.violation with input as pod([{"containerPort": 8069}, {"containerPort": 80, "hostPort": 80}], "baseline")
	count(vs) == 1
	some v in vs
	v.path == "/spec/containers/0/ports/1/hostPort"
	v.details.hostPort == 80
	contains(v.msg, "ports[1].hostPort=80")
}

test_zero_or_unset_host_port_passes if {
	count(data.plumbline.rules.pss_host_ports.violation) == 0 with input as pod([{"containerPort": 8069, "hostPort": 0}, {"containerPort": 80}], "restricted")
	count(data.plumbline.rules.pss_host_ports.violation) == 0 with input as pod([{"containerPort": 80, "hostPort": 80}], "privileged")
}

test_allowed_host_ports_param_ports_and_ranges if {
	ports := [{"containerPort": 1, "hostPort": 9100}, {"containerPort": 2, "hostPort": 30050}, {"containerPort": 3, "hostPort": 30101}]
	vs := data.plumbline.rules.pss_host_ports.violation with input as pod(ports, "baseline")
		with data.plumbline.params.network.allowedHostPorts as [9100, {"min": 30000, "max": 30100}]
	count(vs) == 1
	some v in vs
	v.path == "/spec/containers/0/ports/2/hostPort"
	contains(v.msg, "params.network.allowedHostPorts: 9100, 30000-30100")
}

test_exempt_image_is_left_to_pod_host_ports if {
	count(data.plumbline.rules.pss_host_ports.violation) == 0 with input as pod([{"containerPort": 80, "hostPort": 80}], "baseline")
		with data.plumbline.params.podSecurity.exemptImages as {"pss-host-ports": ["odoo:*"]}
}
