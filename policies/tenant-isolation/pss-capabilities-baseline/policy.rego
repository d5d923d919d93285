package plumbline.rules.pss_capabilities_baseline

import rego.v1

import data.plumbline.lib.pss

# Pod Security Standards, baseline: "Capabilities" (PSA check capabilities_baseline, policy 1.0+).
# securityContext.capabilities.add may only list capabilities of the container runtime's default
# set. Names are compared exactly, as upstream does: "CAP_CHOWN", "chown" or "ALL" are not in the
# set. capabilities.drop is not looked at (the restricted control pss-capabilities-restricted
# requires dropping ALL).
# At the restricted level, PSA's capabilities_restricted (policy 1.22+) replaces this check; for
# restricted policy versions below 1.22 this check applies there too.
# Parameters (Gatekeeper K8sPSPCapabilities): params.podSecurity.allowedCapabilities replaces the
# default set ("*" allows any), params.podSecurity.requiredDropCapabilities lists capabilities
# every container must drop (or drop ALL); both compare names case-insensitively with or without
# CAP_.

allowed := {
	"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
	"NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
}

allowed_text := concat(", ", sort([a | some a in allowed]))

applies if {
	not replaced # at restricted, the restricted control replaces this one (as Pod Security Admission does)
	data.plumbline.lib.pss.baseline
}

replaced if {
	data.plumbline.lib.pss.restricted
	data.plumbline.lib.pss.minor >= 22
}

# Parameters are read inline where a body needs them (a data lookup, not a rule call), after the
# cheap lookups of the object that end most bodies.
configured := object.get(data.plumbline.params, ["podSecurity", "allowedCapabilities"], null)

required_drop := object.get(data.plumbline.params, ["podSecurity", "requiredDropCapabilities"], [])

# The default set, names compared exactly.
violation contains v if {
	some c in data.plumbline.lib.k8s.containers
	adds := c.sc.capabilities.add
	is_array(adds)
	some i, cap in adds
	not cap in allowed
	object.get(data.plumbline.params, ["podSecurity", "allowedCapabilities"], null) == null
	applies
	not pss.exempt("pss-capabilities-baseline", c)
	v := {
		"msg": sprintf("%s adds capability %s in securityContext.capabilities.add; baseline allows adding only %s", [c.desc, show(cap), allowed_text]),
		"path": sprintf("%s/securityContext/capabilities/add/%d", [c.path, i]),
		"details": {"image": c.image, "container": c.name, "capability": cap},
	}
}

# params.podSecurity.allowedCapabilities.
violation contains v if {
	some c in data.plumbline.lib.k8s.containers
	adds := c.sc.capabilities.add
	is_array(adds)
	is_array(object.get(data.plumbline.params, ["podSecurity", "allowedCapabilities"], null))
	not "*" in configured
	applies
	some i, cap in adds
	not configured_allows(cap)
	not pss.exempt("pss-capabilities-baseline", c)
	v := {
		"msg": sprintf("%s adds capability %s in securityContext.capabilities.add; params.podSecurity.allowedCapabilities allows adding only %s", [c.desc, show(cap), list_text(configured)]),
		"path": sprintf("%s/securityContext/capabilities/add/%d", [c.path, i]),
		"details": {"image": c.image, "container": c.name, "capability": cap},
	}
}

# params.podSecurity.requiredDropCapabilities (at restricted, pss-capabilities-restricted judges
# the drop list).
violation contains v if {
	count(object.get(data.plumbline.params, ["podSecurity", "requiredDropCapabilities"], [])) > 0
	applies
	some c in data.plumbline.lib.k8s.containers
	dropped := {pss.capability(d) | some d in object.get(c.sc, ["capabilities", "drop"], [])}
	not "ALL" in dropped
	missing := [d | some d in required_drop; not pss.capability(d) in dropped]
	count(missing) > 0
	not pss.exempt("pss-capabilities-baseline", c)
	v := {
		"msg": sprintf("%s does not drop %s; params.podSecurity.requiredDropCapabilities requires securityContext.capabilities.drop to include %s (or \"ALL\")", [c.desc, list_text(missing), list_text(required_drop)]),
		"path": drop_path(c),
		"details": {"image": c.image, "container": c.name, "missing": missing},
	}
}

configured_allows(cap) if {
	some a in configured
	pss.capability(a) == pss.capability(cap)
}

drop_path(c) := concat("", [c.path, "/securityContext/capabilities/drop"]) if {
	is_array(object.get(c.sc, ["capabilities", "drop"], null))
} else := c.sc_path

list_text(l) := concat(", ", [show(x) | some x in l])

show(cap) := sprintf("%q", [cap]) if is_string(cap)

show(cap) := sprintf("%v", [cap]) if not is_string(cap)
