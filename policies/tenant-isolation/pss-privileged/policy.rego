package plumbline.rules.pss_privileged

import rego.v1

import data.plumbline.lib.pss

# Pod Security Standards, baseline: "Privileged Containers" (PSA check privileged, policy 1.0+).
# securityContext.privileged must be unset or false on every container, init container and
# ephemeral container.

violation contains v if {
	data.plumbline.lib.pss.baseline
	some c in data.plumbline.lib.k8s.containers
	c.sc.privileged == true
	not pss.exempt("pss-privileged", c)
	v := {
		"msg": sprintf("%s sets securityContext.privileged=true; baseline forbids privileged containers (allowed: unset or false)", [c.desc]),
		"path": concat("", [c.path, "/securityContext/privileged"]),
		"details": {"image": c.image, "container": c.name, "privileged": true},
	}
}
