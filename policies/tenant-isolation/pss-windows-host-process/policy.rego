package plumbline.rules.pss_windows_host_process

import rego.v1

import data.plumbline.lib.pss

# Pod Security Standards, baseline: "HostProcess" (PSA check windowsHostProcess, policy 1.0+).
# securityContext.windowsOptions.hostProcess must be unset or false at pod level and on every
# container, init container and ephemeral container. Applies whatever spec.os.name says.

# Pod level.
violation contains v if {
	data.plumbline.lib.pss.baseline
	ps := data.plumbline.lib.k8s.pod_spec
	ps.spec.securityContext.windowsOptions.hostProcess == true
	v := {
		"msg": sprintf("%s sets securityContext.windowsOptions.hostProcess=true; baseline forbids Windows HostProcess pods (allowed: unset or false)", [subject]),
		"path": concat("", [ps.path, "/securityContext/windowsOptions/hostProcess"]),
		"details": {"hostProcess": true},
	}
}

# Containers.
violation contains v if {
	data.plumbline.lib.pss.baseline
	some c in data.plumbline.lib.k8s.containers
	c.sc.windowsOptions.hostProcess == true
	not pss.exempt("pss-windows-host-process", c)
	v := {
		"msg": sprintf("%s sets securityContext.windowsOptions.hostProcess=true; baseline forbids Windows HostProcess containers (allowed: unset or false)", [c.desc]),
		"path": concat("", [c.path, "/securityContext/windowsOptions/hostProcess"]),
		"details": {"image": c.image, "container": c.name, "hostProcess": true},
	}
}

subject := "pod" if input.object.kind == "Pod"

subject := sprintf("%s pod template", [input.object.kind]) if input.object.kind != "Pod"
