package plumbline.rules.container_cpu_limit_forbidden

import rego.v1

# Opt-in (params.resources.forbidCpuLimits, default false): no container or init container sets
# resources.limits.cpu (Kyverno forbid-cpu-limits). A value that is null or "" counts as unset,
# as in the other resources rules; an explicit 0 is a limit the manifest states and is reported.

enabled if object.get(object.get(data.plumbline.params, "resources", {}), "forbidCpuLimits", false) == true

violation contains v if {
	enabled
	some c in data.plumbline.lib.k8s.runtime_containers
	limit := object.get(c.container, ["resources", "limits", "cpu"], null)
	not limit in {null, ""}
	v := {
		"msg": sprintf(
			"%s sets resources.limits.cpu to %v; CPU limits are forbidden (params.resources.forbidCpuLimits): request the CPU it needs instead",
			[c.desc, limit],
		),
		"path": sprintf("%s/resources/limits/cpu", [c.path]),
		"details": {"container": c.name, "image": c.image, "limit": sprintf("%v", [limit])},
	}
}
