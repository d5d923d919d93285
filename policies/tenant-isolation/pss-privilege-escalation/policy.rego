package plumbline.rules.pss_privilege_escalation

import rego.v1

import data.plumbline.lib.pss

# Pod Security Standards, restricted: "Privilege Escalation" (PSA check allowPrivilegeEscalation,
# policy version 1.25+). Every container, init container and ephemeral container must set
# securityContext.allowPrivilegeEscalation to false explicitly; unset counts as allowed (the
# runtime default is true). Windows pods (spec.os.name: windows) are exempt: the API forbids the
# field on them.

# The lookup is inlined (c.sc is the container's securityContext, or {} when it has none): it
# runs for every container of every workload. A key that may be absent is read with object.get
# inside a `not` (`not f(x.absent)` holds in regorus but is undefined in OPA, which evaluates the
# ref before the negation; tests/opa/repro/not-call-absent-ref.rego).
# Policy versions: the check exists from 1.8; the Windows exemption from 1.25.
violation contains v if {
	data.plumbline.lib.pss.restricted
	data.plumbline.lib.pss.minor >= 8
	not windows_exempt
	some c in data.plumbline.lib.k8s.containers
	not c.sc.allowPrivilegeEscalation == false
	not pss.exempt("pss-privilege-escalation", c)
	problem := escalation_problem(c)
	v := {
		"msg": sprintf("%s %s; restricted requires securityContext.allowPrivilegeEscalation=false", [c.desc, problem.what]),
		"path": problem.path,
		"details": {"image": c.image, "container": c.name, "allowPrivilegeEscalation": problem.value},
	}
}

windows_exempt if {
	data.plumbline.lib.pss.windows_pod
	data.plumbline.lib.pss.minor >= 25
}

# No securityContext at all.
escalation_problem(c) := {"what": "has no securityContext, so allowPrivilegeEscalation defaults to true", "path": c.path, "value": null} if {
	not is_object(object.get(c.container, "securityContext", null))
} else := {"what": "does not set securityContext.allowPrivilegeEscalation (it defaults to true)", "path": concat("", [c.path, "/securityContext"]), "value": null} if {
	# securityContext without the field (or with it null).
	object.get(c.sc, "allowPrivilegeEscalation", null) == null
} else := {"what": sprintf("sets securityContext.allowPrivilegeEscalation=%s", [show(val)]), "path": concat("", [c.path, "/securityContext/allowPrivilegeEscalation"]), "value": val} if {
	# Explicitly set to anything but false.
	val := c.sc.allowPrivilegeEscalation
	val != false
}

show(x) := sprintf("%q", [x]) if is_string(x)

show(x) := sprintf("%v", [x]) if not is_string(x)
