package plumbline.rules.pss_capabilities_restricted

import rego.v1

import data.plumbline.lib.pss

# Pod Security Standards, restricted: "Capabilities" (PSA check capabilities_restricted, policy
# version 1.25+). Every container, init container and ephemeral container must list "ALL" in
# securityContext.capabilities.drop, and may list only "NET_BIND_SERVICE" in
# securityContext.capabilities.add. Names are compared exactly, as upstream does ("all" or
# "CAP_SYS_ADMIN" are not normalised). Windows pods (spec.os.name: windows) are exempt.
# Policy versions: the check exists from 1.22 (below, pss-capabilities-baseline applies at
# restricted); the Windows exemption from 1.25.
# Parameters (Gatekeeper K8sPSPCapabilities): params.podSecurity.requiredDropCapabilities replaces
# the "ALL" requirement (each listed capability, or ALL, must be dropped) and
# params.podSecurity.allowedCapabilities replaces NET_BIND_SERVICE ("*" allows any); both compare
# names case-insensitively with or without CAP_.

allowed_add := "NET_BIND_SERVICE"

applies if {
	data.plumbline.lib.pss.restricted
	data.plumbline.lib.pss.minor >= 22
	not windows_exempt
}

windows_exempt if {
	data.plumbline.lib.pss.windows_pod
	data.plumbline.lib.pss.minor >= 25
}

# Parameters are read inline in the bodies (a data lookup, not a rule call).
configured_add := object.get(data.plumbline.params, ["podSecurity", "allowedCapabilities"], null)

configured_drop := object.get(data.plumbline.params, ["podSecurity", "requiredDropCapabilities"], null)

# The per-container lookups are inlined (c.sc is the container's securityContext, or {} when it
# has none): they run for every container of every workload. A key that may be absent is read
# with object.get inside a `not`: `not f(x.absent)` holds in regorus but is undefined in OPA, which
# evaluates the ref before the negation (tests/opa/repro/not-call-absent-ref.rego). object.get
# with a path yields null when capabilities is not an object or has no drop.

# drop does not contain "ALL" (or is not a list: `"ALL" in` also matches an object's values, so
# an object drop is caught by the second body).
violation contains v if {
	object.get(data.plumbline.params, ["podSecurity", "requiredDropCapabilities"], null) == null
	applies
	some c in data.plumbline.lib.k8s.containers
	not "ALL" in object.get(c.sc, ["capabilities", "drop"], null)
	v := drop_violation(c)
}

violation contains v if {
	some c in data.plumbline.lib.k8s.containers
	drop := c.sc.capabilities.drop
	object.get(data.plumbline.params, ["podSecurity", "requiredDropCapabilities"], null) == null
	applies
	"ALL" in drop
	is_object(drop)
	v := drop_violation(c)
}

drop_violation(c) := v if {
	not pss.exempt("pss-capabilities-restricted", c)
	problem := drop_problem(c)
	v := {
		"msg": sprintf("%s %s; restricted requires securityContext.capabilities.drop to include \"ALL\"", [c.desc, problem.what]),
		"path": problem.path,
		"details": {"image": c.image, "container": c.name, "drop": problem.drop},
	}
}

# params.podSecurity.requiredDropCapabilities: each listed capability, or ALL, dropped.
violation contains v if {
	is_array(object.get(data.plumbline.params, ["podSecurity", "requiredDropCapabilities"], null))
	applies
	some c in data.plumbline.lib.k8s.containers
	dropped := {pss.capability(d) | some d in object.get(c.sc, ["capabilities", "drop"], [])}
	not "ALL" in dropped
	missing := [d | some d in configured_drop; not pss.capability(d) in dropped]
	count(missing) > 0
	not pss.exempt("pss-capabilities-restricted", c)
	v := {
		"msg": sprintf("%s does not drop %s; params.podSecurity.requiredDropCapabilities requires securityContext.capabilities.drop to include %s (or \"ALL\")", [c.desc, show_list(missing), show_list(configured_drop)]),
		"path": drop_path(c),
		"details": {"image": c.image, "container": c.name, "missing": missing},
	}
}

drop_path(c) := concat("", [c.path, "/securityContext/capabilities/drop"]) if {
	is_array(object.get(c.sc, ["capabilities", "drop"], null))
} else := c.sc_path

# params.podSecurity.allowedCapabilities.
violation contains v if {
	some c in data.plumbline.lib.k8s.containers
	add := c.sc.capabilities.add
	is_array(add)
	is_array(object.get(data.plumbline.params, ["podSecurity", "allowedCapabilities"], null))
	not "*" in configured_add
	applies
	some i, cap in add
	not configured_allows(cap)
	not pss.exempt("pss-capabilities-restricted", c)
	v := {
		"msg": sprintf("%s adds capability %v in securityContext.capabilities.add; params.podSecurity.allowedCapabilities allows adding only %s", [c.desc, show(cap), show_list(configured_add)]),
		"path": sprintf("%s/securityContext/capabilities/add/%d", [c.path, i]),
		"details": {"image": c.image, "container": c.name, "capability": cap},
	}
}

configured_allows(cap) if {
	some a in configured_add
	pss.capability(a) == pss.capability(cap)
}

# Each added capability other than NET_BIND_SERVICE.
violation contains v if {
	some c in data.plumbline.lib.k8s.containers
	add := c.sc.capabilities.add
	is_array(add)
	object.get(data.plumbline.params, ["podSecurity", "allowedCapabilities"], null) == null
	applies
	some i, cap in add
	cap != allowed_add
	not pss.exempt("pss-capabilities-restricted", c)
	v := {
		"msg": sprintf("%s adds capability %v in securityContext.capabilities.add; restricted allows adding only \"NET_BIND_SERVICE\"", [c.desc, show(cap)]),
		"path": sprintf("%s/securityContext/capabilities/add/%d", [c.path, i]),
		"details": {"image": c.image, "container": c.name, "capability": cap},
	}
}

show(x) := sprintf("%q", [x]) if is_string(x)

show(x) := sprintf("%v", [x]) if not is_string(x)

# What is wrong with a container's drop list, checked in order.
drop_problem(c) := {"what": "has no securityContext, so no capability is dropped", "path": c.path, "drop": null} if {
	not is_object(object.get(c.container, "securityContext", null))
} else := {"what": "does not set securityContext.capabilities", "path": concat("", [c.path, "/securityContext"]), "drop": null} if {
	not is_object(object.get(c.sc, "capabilities", null))
} else := {"what": "sets securityContext.capabilities without drop", "path": concat("", [c.path, "/securityContext/capabilities"]), "drop": null} if {
	object.get(c.sc.capabilities, "drop", null) == null
} else := {"what": "sets securityContext.capabilities.drop to an empty list", "path": concat("", [c.path, "/securityContext/capabilities/drop"]), "drop": []} if {
	c.sc.capabilities.drop == []
} else := {"what": sprintf("drops %v but not \"ALL\"", [show_list(drop)]), "path": concat("", [c.path, "/securityContext/capabilities/drop"]), "drop": drop} if {
	drop := c.sc.capabilities.drop
	is_array(drop)
} else := {"what": sprintf("sets securityContext.capabilities.drop to %s, which is not a list", [show(drop)]), "path": concat("", [c.path, "/securityContext/capabilities/drop"]), "drop": drop} if {
	drop := c.sc.capabilities.drop
}

show_list(l) := concat(", ", [show(x) | some x in l])
