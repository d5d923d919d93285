package plumbline.rules.psp_allowed_users

import rego.v1

import data.plumbline.lib.pss

# Opt-in, as the Gatekeeper library's K8sPSPAllowedUsers: runs for each of
# params.podSecurity.runAsUser, runAsGroup, supplementalGroups and fsGroup that is set, a
# {rule, ranges: [{min, max}]}:
#   MustRunAs         the id must be set and lie in one of the ranges;
#   MayRunAs          when set, the id must lie in one of the ranges;
#   MustRunAsNonRoot  (runAsUser) runAsUser must not be 0, and when it is unset runAsNonRoot must
#                     be true;
#   RunAsAny          anything.
# runAsUser and runAsGroup are read from the container's securityContext, else the pod's (for
# Pods and pod templates alike); supplementalGroups and fsGroup exist only in the pod's
# securityContext and are judged once per pod (every listed supplemental group must lie in a
# range). No Pod Security Standards level has these lists, so the rule runs at every level.

pod := data.plumbline.lib.k8s.pod_spec

pod_sc := sc if {
	sc := pod.spec.securityContext
	is_object(sc)
} else := {}

pod_sc_path := concat("", [pod.path, "/securityContext"]) if {
	is_object(object.get(pod.spec, "securityContext", null))
} else := pod.path

# Per-container fields.
violation contains v if {
	some field in ["runAsUser", "runAsGroup"]
	p := object.get(data.plumbline.params, ["podSecurity", field], null)
	is_object(p)
	some c in data.plumbline.lib.k8s.containers
	not pss.exempt("psp-allowed-users", c)
	problem := container_problem(field, p, c)
	v := {
		"msg": sprintf("%s %s; params.podSecurity.%s is %s", [c.desc, problem.what, field, describe(p)]),
		"path": problem.path,
		"details": {"image": c.image, "container": c.name, "field": field, "value": problem.value},
	}
}

# The effective value of a container field: the container's, else the pod's.
effective(field, c) := {"value": c.sc[field], "path": concat("", [c.path, "/securityContext/", field])} if {
	c.sc[field] != null
} else := {"value": pod_sc[field], "path": concat("", [pod_sc_path, "/", field])} if {
	pod_sc[field] != null
}

container_problem(field, p, c) := {"what": sprintf("runs with securityContext.%s=%v", [field, e.value]), "path": e.path, "value": e.value} if {
	e := effective(field, c)
	not accepts(p, field, e.value)
}

container_problem(field, p, c) := {"what": sprintf("does not set securityContext.%s (nor does the pod)", [field]), "path": c.sc_path, "value": null} if {
	not effective(field, c)
	p.rule == "MustRunAs"
}

container_problem("runAsUser", p, c) := {"what": "sets neither runAsUser nor runAsNonRoot: true (nor does the pod)", "path": c.sc_path, "value": null} if {
	p.rule == "MustRunAsNonRoot"
	not effective("runAsUser", c)
	not non_root_required(c)
}

# In a function: `not effective("runAsNonRoot", c).value == true` is undefined in OPA when the
# field is set nowhere (the call is evaluated before the negation), so the container would pass.
non_root_required(c) if effective("runAsNonRoot", c).value == true

accepts(p, _, _) if p.rule == "RunAsAny"

accepts(p, field, value) if {
	p.rule == "MustRunAsNonRoot"
	field == "runAsUser"
	value != 0
}

accepts(p, _, value) if {
	p.rule in {"MustRunAs", "MayRunAs"}
	in_range(p, value)
}

in_range(p, value) if {
	is_number(value)
	some r in object.get(p, "ranges", [])
	value >= r.min
	value <= r.max
}

# Pod-level fields: fsGroup, and each supplemental group.
violation contains v if {
	p := object.get(data.plumbline.params, ["podSecurity", "fsGroup"], null)
	is_object(p)
	pod
	problem := pod_problem("fsGroup", p)
	v := problem
}

violation contains v if {
	p := object.get(data.plumbline.params, ["podSecurity", "supplementalGroups"], null)
	is_object(p)
	groups := object.get(pod_sc, "supplementalGroups", null)
	is_array(groups)
	some i, g in groups
	not accepts(p, "supplementalGroups", g)
	v := {
		"msg": sprintf("%s sets securityContext.supplementalGroups[%d]=%v; params.podSecurity.supplementalGroups is %s", [subject, i, g, describe(p)]),
		"path": sprintf("%s/supplementalGroups/%d", [pod_sc_path, i]),
		"details": {"field": "supplementalGroups", "value": g},
	}
}

violation contains v if {
	p := object.get(data.plumbline.params, ["podSecurity", "supplementalGroups"], null)
	is_object(p)
	p.rule == "MustRunAs"
	pod
	count(object.get(pod_sc, "supplementalGroups", [])) == 0
	v := {
		"msg": sprintf("%s does not set securityContext.supplementalGroups; params.podSecurity.supplementalGroups is %s", [subject, describe(p)]),
		"path": pod_sc_path,
		"details": {"field": "supplementalGroups", "value": null},
	}
}

pod_problem(field, p) := {
	"msg": sprintf("%s sets securityContext.%s=%v; params.podSecurity.%s is %s", [subject, field, pod_sc[field], field, describe(p)]),
	"path": concat("", [pod_sc_path, "/", field]),
	"details": {"field": field, "value": pod_sc[field]},
} if {
	pod_sc[field] != null
	not accepts(p, field, pod_sc[field])
}

pod_problem(field, p) := {
	"msg": sprintf("%s does not set securityContext.%s; params.podSecurity.%s is %s", [subject, field, field, describe(p)]),
	"path": pod_sc_path,
	"details": {"field": field, "value": null},
} if {
	object.get(pod_sc, field, null) == null
	p.rule == "MustRunAs"
}

describe(p) := sprintf("%s %s", [p.rule, concat(", ", [sprintf("%v-%v", [r.min, r.max]) | some r in object.get(p, "ranges", [])])]) if {
	p.rule in {"MustRunAs", "MayRunAs"}
} else := p.rule

subject := "pod" if input.object.kind == "Pod"

subject := sprintf("%s pod template", [input.object.kind]) if input.object.kind != "Pod"
