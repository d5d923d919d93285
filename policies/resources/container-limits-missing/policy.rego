package plumbline.rules.container_limits_missing

import rego.v1


resource_params := object.get(data.plumbline.params, "resources", {})

required := [r | some r in object.get(resource_params, "requireLimits", ["memory"]); is_string(r)]

# A resource counts as unset when it is absent, null, "" or false (object.get with a path yields
# the default when resources or resources.limits is missing or not an object).
violation contains v if {
	some c in data.plumbline.lib.k8s.runtime_containers
	missing := [r | some r in required; object.get(c.container, ["resources", "limits", r], null) in {null, "", false}]
	count(missing) > 0
	v := {
		"msg": sprintf(
			"%s sets no resources.limits.%s",
			[c.desc, concat("/", missing)],
		),
		"path": parent_path(c, "limits"),
		"details": {
			"container": c.name,
			"image": c.image,
			"missing": missing,
			"required": required,
		},
	}
}

# resources.<kind> when present, else resources, else the container.
parent_path(c, kind) := sprintf("%s/resources/%s", [c.path, kind]) if {
	res := c.container.resources
	is_object(res)
	kind in object.keys(res)
} else := sprintf("%s/resources", [c.path]) if {
	"resources" in object.keys(c.container)
} else := c.path
