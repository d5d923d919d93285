package plumbline.rules.container_limits_missing

import rego.v1

import data.plumbline.lib.k8s

resource_params := object.get(data.plumbline.params, "resources", {})

required := [r | some r in object.get(resource_params, "requireLimits", ["memory"]); is_string(r)]

violation contains v if {
	some c in data.plumbline.lib.k8s.runtime_containers
	missing := [r | some r in required; not set_value(c, "limits", r)]
	count(missing) > 0
	v := {
		"msg": sprintf(
			"%s sets no resources.limits for %s; params.resources.requireLimits requires a limit for %s",
			[c.desc, concat(", ", missing), concat(", ", required)],
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

# The value set for a resource; undefined when absent, null or "".
set_value(c, kind, resource) := value if {
	value := as_object(as_object(object.get(c.container, "resources", {}))[kind])[resource]
	value != null
	value != ""
}

as_object(x) := x if is_object(x)

as_object(x) := {} if not is_object(x)

# resources.<kind> when present, else resources, else the container.
parent_path(c, kind) := sprintf("%s/resources/%s", [c.path, kind]) if {
	kind in object.keys(as_object(object.get(c.container, "resources", {})))
}

parent_path(c, kind) := sprintf("%s/resources", [c.path]) if {
	"resources" in object.keys(c.container)
	not kind in object.keys(as_object(c.container.resources))
}

parent_path(c, _) := c.path if not "resources" in object.keys(c.container)
