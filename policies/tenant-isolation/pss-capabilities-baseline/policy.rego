package plumbline.rules.pss_capabilities_baseline

import rego.v1

import data.plumbline.lib.k8s
import data.plumbline.lib.pss

# Pod Security Standards, baseline: "Capabilities" (PSA check capabilities_baseline, policy 1.0+).
# securityContext.capabilities.add may only list capabilities of the container runtime's default
# set. Names are compared exactly, as upstream does: "CAP_CHOWN", "chown" or "ALL" are not in the
# set. capabilities.drop is not looked at (the restricted control pss-capabilities-restricted
# requires dropping ALL).

allowed := {
	"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
	"NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
}

allowed_text := concat(", ", sort([a | some a in allowed]))

violation contains v if {
	not data.plumbline.lib.pss.restricted # at restricted, the restricted control replaces this one (as Pod Security Admission does)
	data.plumbline.lib.pss.baseline
	some c in data.plumbline.lib.k8s.containers
	adds := c.sc.capabilities.add
	is_array(adds)
	some i, cap in adds
	not cap in allowed
	not pss.exempt("pss-capabilities-baseline", c)
	v := {
		"msg": sprintf("%s adds capability %s in securityContext.capabilities.add; baseline allows adding only %s", [c.desc, show(cap), allowed_text]),
		"path": sprintf("%s/securityContext/capabilities/add/%d", [c.path, i]),
		"details": {"image": c.image, "container": c.name, "capability": cap},
	}
}

show(cap) := sprintf("%q", [cap]) if is_string(cap)

show(cap) := sprintf("%v", [cap]) if not is_string(cap)
