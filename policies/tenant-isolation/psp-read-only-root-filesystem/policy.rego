package plumbline.rules.psp_read_only_root_filesystem

import rego.v1

import data.plumbline.lib.pss

# Opt-in (params.podSecurity.readOnlyRootFilesystem: true), as the Gatekeeper library's
# K8sPSPReadOnlyRootFilesystem: every container, init container and ephemeral container must set
# securityContext.readOnlyRootFilesystem: true. No Pod Security Standards level has this control,
# so it runs at every level once turned on.

violation contains v if {
	object.get(data.plumbline.params, ["podSecurity", "readOnlyRootFilesystem"], false) == true
	some c in data.plumbline.lib.k8s.containers
	object.get(c.sc, "readOnlyRootFilesystem", null) != true
	not pss.exempt("psp-read-only-root-filesystem", c)
	v := {
		"msg": sprintf("%s %s; params.podSecurity.readOnlyRootFilesystem requires securityContext.readOnlyRootFilesystem: true (mount an emptyDir where the process must write)", [c.desc, what(c)]),
		"path": path(c),
		"details": {"image": c.image, "container": c.name, "readOnlyRootFilesystem": object.get(c.sc, "readOnlyRootFilesystem", null)},
	}
}

what(c) := "does not set securityContext.readOnlyRootFilesystem" if {
	object.get(c.sc, "readOnlyRootFilesystem", null) == null
} else := sprintf("sets securityContext.readOnlyRootFilesystem=%v", [c.sc.readOnlyRootFilesystem])

path(c) := c.sc_path if {
	object.get(c.sc, "readOnlyRootFilesystem", null) == null
} else := concat("", [c.path, "/securityContext/readOnlyRootFilesystem"])
