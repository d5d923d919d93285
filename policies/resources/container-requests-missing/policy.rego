package plumbline.rules.container_requests_missing

import rego.v1


resource_params := object.get(data.plumbline.params, "resources", {})

required := [r | some r in object.get(resource_params, "requireRequests", ["cpu", "memory"]); is_string(r)]

# A resource counts as unset when it is absent, null, "" or false (object.get with a path yields
# the default when resources or resources.requests is missing or not an object).
violation contains v if {
	some c in data.plumbline.lib.k8s.runtime_containers
	missing := [r | some r in required; object.get(c.container, ["resources", "requests", r], null) in {null, "", false}]
	count(missing) > 0
	v := {
		"msg": sprintf(
			"%s sets no resources.requests.%s%s",
			[c.desc, concat("/", missing), limit_hint(c, missing)],
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
	" (only the limit of %s, copied as the request)",
	[concat(", ", defaulted)],
) if {
	defaulted := [r | some r in missing; not object.get(c.container, ["resources", "limits", r], null) in {null, "", false}]
	count(defaulted) > 0
} else := ""

# resources.<kind> when present, else resources, else the container.
parent_path(c, kind) := sprintf("%s/resources/%s", [c.path, kind]) if {
	res := c.container.resources
	is_object(res)
	kind in object.keys(res)
} else := sprintf("%s/resources", [c.path]) if {
	"resources" in object.keys(c.container)
} else := c.path
