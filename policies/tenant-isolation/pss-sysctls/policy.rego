package plumbline.rules.pss_sysctls

import rego.v1

import data.plumbline.lib.pss

# Pod Security Standards, baseline: "Sysctls" (PSA check sysctls). spec.securityContext.sysctls
# [*].name must be one of the safe, namespaced sysctls of the policy version in force (each PSA
# revision adds names: 1.0, 1.27, 1.29, 1.32, 1.37). Names are compared exactly, as upstream does:
# the slash-separated spelling ("net/ipv4/tcp_syncookies") is not in the set. Values are not
# checked.
# Parameters (Gatekeeper K8sPSPForbiddenSysctls): params.podSecurity.allowedSysctls replaces the
# safe set, params.podSecurity.forbiddenSysctls forbids names even when allowed; entries are
# exact names, "prefix*" or "*".

safe_by_version := [
	[0, [
		"kernel.shm_rmid_forced",
		"net.ipv4.ip_local_port_range",
		"net.ipv4.tcp_syncookies",
		"net.ipv4.ping_group_range",
		"net.ipv4.ip_unprivileged_port_start",
	]],
	[27, ["net.ipv4.ip_local_reserved_ports"]],
	[29, [
		"net.ipv4.tcp_keepalive_time",
		"net.ipv4.tcp_fin_timeout",
		"net.ipv4.tcp_keepalive_intvl",
		"net.ipv4.tcp_keepalive_probes",
	]],
	[32, ["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"]],
	[37, ["net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"]],
]

safe := {name |
	some entry in safe_by_version
	data.plumbline.lib.pss.minor >= entry[0]
	some name in entry[1]
}

configured_allowed := object.get(data.plumbline.params, ["podSecurity", "allowedSysctls"], null)

configured_forbidden := object.get(data.plumbline.params, ["podSecurity", "forbiddenSysctls"], [])

violation contains v if {
	data.plumbline.lib.pss.baseline
	ps := data.plumbline.lib.k8s.pod_spec
	some i, sysctl in ps.spec.securityContext.sysctls
	is_object(sysctl)
	name := object.get(sysctl, "name", "")
	reason := problem(name)
	v := {
		"msg": sprintf("%s sets sysctl %s in securityContext.sysctls; %s", [subject, show(name), reason]),
		"path": sprintf("%s/securityContext/sysctls/%d/name", [ps.path, i]),
		"details": {"sysctl": name},
	}
}

# Why a sysctl is refused (undefined when it is allowed): forbidden first, then not allowed.
# Two exclusive definitions rather than an else: regorus' else after an empty iteration gave
# undefined.
problem(name) := sprintf("params.podSecurity.forbiddenSysctls forbids it (%s)", [concat(", ", configured_forbidden)]) if {
	forbidden(name)
}

problem(name) := not_allowed_text if {
	not forbidden(name)
	not allowed(name)
}

forbidden(name) if {
	some pattern in configured_forbidden
	pss.matches(pattern, name)
}

allowed(name) if {
	configured_allowed == null
	name in safe
}

allowed(name) if {
	is_array(configured_allowed)
	some pattern in configured_allowed
	pss.matches(pattern, name)
}

not_allowed_text := sprintf("%s allows only the namespaced safe sysctls %s", [level_text, concat(", ", sort([s | some s in safe]))]) if {
	configured_allowed == null
} else := sprintf("params.podSecurity.allowedSysctls allows only %s", [concat(", ", configured_allowed)])

level_text := "baseline" if {
	data.plumbline.lib.pss.version == "latest"
} else := sprintf("baseline at policy version %s", [data.plumbline.lib.pss.version])

show(name) := sprintf("%q", [name]) if is_string(name)

show(name) := sprintf("%v", [name]) if not is_string(name)

subject := "pod" if input.object.kind == "Pod"

subject := sprintf("%s pod template", [input.object.kind]) if input.object.kind != "Pod"
