package plumbline.rules.container_requests_missing

import rego.v1

import data.plumbline.lib.k8s

resource_params := object.get(data.plumbline.params, "resources", {})

required := [r | some r in object.get(resource_params, "requireRequests", ["cpu", "memory"]); is_string(r)]

violation contains v if {
	some c in data.plumbline.lib.k8s.runtime_containers
	missing := [r | some r in required; not set_value(c, "requests", r)]
	count(missing) > 0
	v := {
		"msg": sprintf(
			"%s sets no resources.requests for %s; params.resources.requireRequests requires an explicit request for %s%s",
			[c.desc, concat(", ", missing), concat(", ", required), limit_hint(c, missing)],
		),
		"path": parent_path(c, "requests"),
		"details": {
			"container": c.name,
			"image": c.image,
			"missing": missing,
			"required": required,
		},
	}
}

# Kubernetes defaults a missing request to the limit; say so, but still ask for the request
# (as Gatekeeper and Kyverno do: the manifest should state what the container needs).
limit_hint(c, missing) := sprintf(
	" (the API server would copy the limit of %s into the request; state what the container really needs)",
	[concat(", ", defaulted)],
) if {
	defaulted := [r | some r in missing; set_value(c, "limits", r)]
	count(defaulted) > 0
}

limit_hint(c, missing) := "" if {
	defaulted := [r | some r in missing; set_value(c, "limits", r)]
	count(defaulted) == 0
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
