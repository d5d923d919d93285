package plumbline.rules.pss_capabilities_restricted

import rego.v1

import data.plumbline.lib.k8s
import data.plumbline.lib.pss

# Pod Security Standards, restricted: "Capabilities" (PSA check capabilities_restricted, policy
# version 1.25+). Every container, init container and ephemeral container must list "ALL" in
# securityContext.capabilities.drop, and may list only "NET_BIND_SERVICE" in
# securityContext.capabilities.add. Names are compared exactly, as upstream does ("all" or
# "CAP_SYS_ADMIN" are not normalised). Windows pods (spec.os.name: windows) are exempt.

allowed_add := "NET_BIND_SERVICE"

applies if {
	data.plumbline.lib.pss.restricted
	not data.plumbline.lib.pss.windows_pod
}

security_context(c) := sc if {
	sc := c.container.securityContext
	is_object(sc)
}

capabilities(c) := caps if {
	caps := object.get(security_context(c), "capabilities", null)
	is_object(caps)
}

drops_all(c) if {
	drop := capabilities(c).drop
	is_array(drop)
	"ALL" in drop
}

details(c) := {"image": c.image, "container": c.name}

# drop does not contain "ALL".
violation contains v if {
	applies
	some c in data.plumbline.lib.k8s.containers
	not drops_all(c)
	not pss.exempt("pss-capabilities-restricted", c)
	problem := drop_problem(c)
	v := {
		"msg": sprintf("%s %s; restricted requires securityContext.capabilities.drop to include \"ALL\"", [c.desc, problem.what]),
		"path": problem.path,
		"details": object.union(details(c), {"drop": problem.drop}),
	}
}

# Each added capability other than NET_BIND_SERVICE.
violation contains v if {
	applies
	some c in data.plumbline.lib.k8s.containers
	add := capabilities(c).add
	is_array(add)
	some i, cap in add
	cap != allowed_add
	not pss.exempt("pss-capabilities-restricted", c)
	v := {
		"msg": sprintf("%s adds capability %v in securityContext.capabilities.add; restricted allows adding only \"NET_BIND_SERVICE\"", [c.desc, show(cap)]),
		"path": sprintf("%s/securityContext/capabilities/add/%d", [c.path, i]),
		"details": object.union(details(c), {"capability": cap}),
	}
}

show(x) := sprintf("%q", [x]) if is_string(x)

show(x) := sprintf("%v", [x]) if not is_string(x)

drop_problem(c) := {"what": "has no securityContext, so no capability is dropped", "path": c.path, "drop": null} if {
	not security_context(c)
}

drop_problem(c) := {"what": "does not set securityContext.capabilities", "path": concat("", [c.path, "/securityContext"]), "drop": null} if {
	security_context(c)
	not capabilities(c)
}

drop_problem(c) := {"what": "sets securityContext.capabilities without drop", "path": concat("", [c.path, "/securityContext/capabilities"]), "drop": null} if {
	object.get(capabilities(c), "drop", null) == null
}

drop_problem(c) := {"what": "sets securityContext.capabilities.drop to an empty list", "path": concat("", [c.path, "/securityContext/capabilities/drop"]), "drop": drop} if {
	drop := object.get(capabilities(c), "drop", null)
	drop == []
}

drop_problem(c) := {"what": sprintf("drops %v but not \"ALL\"", [show_list(drop)]), "path": concat("", [c.path, "/securityContext/capabilities/drop"]), "drop": drop} if {
	drop := object.get(capabilities(c), "drop", null)
	is_array(drop)
	drop != []
}

drop_problem(c) := {"what": sprintf("sets securityContext.capabilities.drop to %s, which is not a list", [show(drop)]), "path": concat("", [c.path, "/securityContext/capabilities/drop"]), "drop": drop} if {
	drop := object.get(capabilities(c), "drop", null)
	drop != null
	not is_array(drop)
}

show_list(l) := concat(", ", [show(x) | some x in l])
