package plumbline.rules.pss_sysctls

import rego.v1

import data.plumbline.lib.k8s
import data.plumbline.lib.pss

# Pod Security Standards, baseline: "Sysctls" (PSA check sysctls, latest revision policy 1.37).
# spec.securityContext.sysctls[*].name must be one of the safe, namespaced sysctls. Names are
# compared exactly, as upstream does: the slash-separated spelling ("net/ipv4/tcp_syncookies") is
# not in the set. Values are not checked.

safe := {
	# policy 1.0
	"kernel.shm_rmid_forced",
	"net.ipv4.ip_local_port_range",
	"net.ipv4.tcp_syncookies",
	"net.ipv4.ping_group_range",
	"net.ipv4.ip_unprivileged_port_start",
	# policy 1.27
	"net.ipv4.ip_local_reserved_ports",
	# policy 1.29
	"net.ipv4.tcp_keepalive_time",
	"net.ipv4.tcp_fin_timeout",
	"net.ipv4.tcp_keepalive_intvl",
	"net.ipv4.tcp_keepalive_probes",
	# policy 1.32
	"net.ipv4.tcp_rmem",
	"net.ipv4.tcp_wmem",
	# policy 1.37
	"net.ipv4.tcp_slow_start_after_idle",
	"net.ipv4.tcp_notsent_lowat",
}

safe_text := concat(", ", sort([s | some s in safe]))

violation contains v if {
	data.plumbline.lib.pss.baseline
	ps := data.plumbline.lib.k8s.pod_spec
	some i, sysctl in ps.spec.securityContext.sysctls
	is_object(sysctl)
	name := object.get(sysctl, "name", "")
	not name in safe
	v := {
		"msg": sprintf("%s sets sysctl %s in securityContext.sysctls; baseline allows only the namespaced safe sysctls %s", [subject, show(name), safe_text]),
		"path": sprintf("%s/securityContext/sysctls/%d/name", [ps.path, i]),
		"details": {"sysctl": name},
	}
}

show(name) := sprintf("%q", [name]) if is_string(name)

show(name) := sprintf("%v", [name]) if not is_string(name)

subject := "pod" if input.object.kind == "Pod"

subject := sprintf("%s pod template", [input.object.kind]) if input.object.kind != "Pod"
