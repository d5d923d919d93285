package plumbline.rules.pss_ulimits

import rego.v1

import data.plumbline.lib.k8s
import data.plumbline.lib.pss

# Pod Security Standards, baseline: container ulimits (PSA check ulimits, policy 1.37+, for the
# alpha field securityContext.ulimits of KEP-5758). The field must be absent or null on every
# container, init container and ephemeral container; like upstream (which tests for a non-nil
# value), an empty list or map counts as set.

violation contains v if {
	data.plumbline.lib.pss.baseline
	some c in data.plumbline.lib.k8s.containers
	ulimits := c.sc.ulimits
	ulimits != null
	not pss.exempt("pss-ulimits", c)
	v := {
		"msg": sprintf("%s sets securityContext.ulimits (%s); baseline forbids per-container ulimits (leave them unset)", [c.desc, names(ulimits)]),
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
	every item in u {
		is_object(item)
	}
} else := "no named limits"
