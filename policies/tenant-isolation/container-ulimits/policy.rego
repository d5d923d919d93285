package plumbline.rules.container_ulimits

import rego.v1

import data.plumbline.lib.pss

# Opt-in (params.podSecurity.forbidUlimits: true): containers must not set
# securityContext.ulimits, the alpha field proposed by KEP-5758 (per-container ulimits). It
# anticipates the baseline check the KEP proposes for Pod Security Admission; no Kubernetes
# release has that check (pod-security-admission v0.37 and v0.38 betas have none), so this is not
# a Pod Security Standards control. The field must be absent or null on every container, init
# container and ephemeral container; as the proposed check (a non-nil test), an empty list or map
# counts as set. It runs at the baseline and restricted levels, like the proposed check.

violation contains v if {
	object.get(data.plumbline.params, ["podSecurity", "forbidUlimits"], false) == true
	data.plumbline.lib.pss.baseline
	some c in data.plumbline.lib.k8s.containers
	ulimits := c.sc.ulimits
	ulimits != null
	not pss.exempt("container-ulimits", c)
	v := {
		"msg": sprintf("%s sets securityContext.ulimits (%s); params.podSecurity.forbidUlimits forbids per-container ulimits (leave them unset)", [c.desc, names(ulimits)]),
		"path": concat("", [c.path, "/securityContext/ulimits"]),
		"details": {"image": c.image, "container": c.name},
	}
}

# "nofile, nproc" for messages: the map's keys or the list items' names.
names(u) := concat(", ", sort([k | some k, _ in u])) if {
	is_object(u)
	count(u) > 0
} else := concat(", ", sort([n | some item in u; n := sprintf("%v", [object.get(item, "name", "?")])])) if {
	is_array(u)
	count(u) > 0
	count([item | some item in u; not is_object(item)]) == 0
} else := "no named limits"
