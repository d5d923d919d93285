# Rego unit tests of pss-windows-host-process, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.pss_windows_host_process_test

import rego.v1

daemonset(pod_sc, ctr_sc, level) := {
	"object": {
		"apiVersion": "apps/v1",
		"kind": "DaemonSet",
		"metadata": {"name": "agent"},
		"spec": {"template": {"spec": {
			"os": {"name": "windows"},
			"securityContext": pod_sc,
			"containers": [{"name": "agent", "image": "mcr.microsoft.com/agent:1.0", "securityContext": ctr_sc}],
		}}},
	},
	"podSecurity": {"level": level, "version": "latest"},
}

host_process := {"windowsOptions": {"hostProcess": true, "runAsUserName": "NT AUTHORITY\\SYSTEM"}}

test_pod_host_process_points_at_the_field if {
	vs := data.plumbline.rules.pss_windows_host_process.violation with input as daemonset(host_process, {}, "baseline")
	count(vs) == 1
	some v in vs
	v.path == "/spec/template/spec/securityContext/windowsOptions/hostProcess"
	contains(v.msg, "DaemonSet pod template sets securityContext.windowsOptions.hostProcess=true")
}

test_container_host_process if {
	vs := data.plumbline.rules.pss_windows_host_process.violation with input as daemonset({}, host_process, "restricted")
	count(vs) == 1
	some v in vs
	v.path == "/spec/template/spec/containers/0/securityContext/windowsOptions/hostProcess"
	v.details.container == "agent"
}

test_false_and_privileged_level_pass if {
	count(data.plumbline.rules.pss_windows_host_process.violation) == 0 with input as daemonset({"windowsOptions": {"hostProcess": false}}, {"windowsOptions": {"runAsUserName": "ContainerUser"}}, "restricted")
	count(data.plumbline.rules.pss_windows_host_process.violation) == 0 with input as daemonset(host_process, host_process, "privileged")
}

test_exempt_image_covers_only_the_container if {
	vs := data.plumbline.rules.pss_windows_host_process.violation with input as daemonset(host_process, host_process, "baseline")
		with data.plumbline.params.podSecurity.exemptImages as {"pss-windows-host-process": ["mcr.microsoft.com/agent:*"]}
	{v.path | some v in vs} == {"/spec/template/spec/securityContext/windowsOptions/hostProcess"}
}
