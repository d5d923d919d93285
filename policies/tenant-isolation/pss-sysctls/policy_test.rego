# Rego unit tests of pss-sysctls, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.pss_sysctls_test

import rego.v1

job(sysctls, level, version) := {
	"object": {
		"apiVersion": "batch/v1",
		"kind": "Job",
		"metadata": {"name": "tune"},
		"spec": {"template": {"spec": {
			"securityContext": {"sysctls": [{"name": n, "value": "1"} | some n in sysctls]},
			"containers": [{"name": "web", "image": "odoo:17.0"}],
		}}},
	},
	"podSecurity": {"level": level, "version": version},
}

test_unsafe_sysctl_points_at_its_name if {
	vs := data.plumbline.rules.pss_sysctls.violation with input as job(["net.ipv4.tcp_syncookies", "kernel.msgmax"], "baseline", "latest")
	count(vs) == 1
	some v in vs
	v.path == "/spec/template/spec/securityContext/sysctls/1/name"
	v.details.sysctl == "kernel.msgmax"
	contains(v.msg, "Job pod template sets sysctl \"kernel.msgmax\"")
}

test_slash_spelling_is_not_in_the_safe_set if {
	count(data.plumbline.rules.pss_sysctls.violation) == 1 with input as job(["net/ipv4/tcp_syncookies"], "baseline", "latest")
}

test_safe_set_passes_and_privileged_is_not_judged if {
	safe := ["kernel.shm_rmid_forced", "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_rmem", "net.ipv4.tcp_notsent_lowat"]
	count(data.plumbline.rules.pss_sysctls.violation) == 0 with input as job(safe, "restricted", "latest")
	count(data.plumbline.rules.pss_sysctls.violation) == 0 with input as job(["kernel.msgmax"], "privileged", "latest")
}

test_safe_set_follows_the_policy_version if {
	count(data.plumbline.rules.pss_sysctls.violation) == 0 with input as job(["net.ipv4.tcp_keepalive_time"], "baseline", "v1.29")
	vs := data.plumbline.rules.pss_sysctls.violation with input as job(["net.ipv4.tcp_keepalive_time"], "baseline", "v1.28")
	count(vs) == 1
	some v in vs
	contains(v.msg, "baseline at policy version v1.28")
	count(data.plumbline.rules.pss_sysctls.violation) == 1 with input as job(["net.ipv4.tcp_notsent_lowat"], "baseline", "v1.36")
	count(data.plumbline.rules.pss_sysctls.violation) == 1 with input as job(["net.ipv4.ip_local_reserved_ports"], "baseline", "v1.26")
}

test_allowed_and_forbidden_sysctls_params if {
	count(data.plumbline.rules.pss_sysctls.violation) == 0 with input as job(["kernel.msgmax", "net.core.somaxconn"], "baseline", "latest")
		with data.plumbline.params.podSecurity.allowedSysctls as ["kernel.*", "net.core.somaxconn"]
	vs := data.plumbline.rules.pss_sysctls.violation with input as job(["kernel.shm_rmid_forced", "net.ipv4.tcp_syncookies"], "baseline", "latest")
		with data.plumbline.params.podSecurity.forbiddenSysctls as ["kernel.*"]
	count(vs) == 1
	some v in vs
	v.path == "/spec/template/spec/securityContext/sysctls/0/name"
	contains(v.msg, "forbiddenSysctls forbids it")
}
