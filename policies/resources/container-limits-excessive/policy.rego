package plumbline.rules.container_limits_excessive

import rego.v1

import data.plumbline.lib.k8s
import data.plumbline.lib.quantity

resource_params := object.get(data.plumbline.params, "resources", {})

# resources.limits is checked against maxLimits, resources.requests against maxRequests
# (only those set to an object with entries: others check nothing). A maximum of -1 or "-1"
# ignores that resource (Gatekeeper K8sContainerLimits' `cpu: "-1"`): it is left out here.
maxima := {kind: {"param": param, "max": active} |
	some kind, param in {"limits": "maxLimits", "requests": "maxRequests"}
	max := object.get(resource_params, param, {})
	is_object(max)
	active := {resource: q | some resource, q in max; q != -1; q != "-1"}
	count(active) > 0
}

# A value above its maximum. (Loop over the maxima first: with none set, the default, the rule
# does no work at all.)
violation contains v if {
	some kind, m in maxima
	some resource, max in m.max
	limit := qty(max)
	some c in data.plumbline.lib.k8s.runtime_containers
	value := set_value(c, kind, resource)
	qty(value) > limit
	v := {
		"msg": sprintf(
			"%s sets resources.%s.%s to %v, above the maximum %v",
			[c.desc, kind, resource, value, max],
		),
		"path": value_path(c, kind, resource),
		"details": details(c, kind, resource, value, max),
	}
}

# A value that is not a Kubernetes quantity cannot be compared; say so instead of failing.
violation contains v if {
	some kind, m in maxima
	some resource, max in m.max
	some c in data.plumbline.lib.k8s.runtime_containers
	value := set_value(c, kind, resource)
	not qty(value)
	v := {
		"msg": sprintf(
			"%s sets resources.%s.%s to %q, not a quantity (e.g. 500m, 512Mi)",
			[c.desc, kind, resource, sprintf("%v", [value])],
		),
		"path": value_path(c, kind, resource),
		"details": details(c, kind, resource, value, max),
	}
}

details(c, kind, resource, value, max) := {
	"container": c.name,
	"image": c.image,
	"resource": resource,
	"field": kind,
	"value": sprintf("%v", [value]),
	"max": sprintf("%v", [max]),
}

value_path(c, kind, resource) := sprintf("%s/resources/%s/%s", [c.path, kind, k8s.escape(resource)])

# The value set for a resource; undefined when absent, null or "" (the *-missing rules report those).
# object.get with a path yields null when resources or resources.<kind> is not an object.
set_value(c, kind, resource) := value if {
	value := object.get(c.container, ["resources", kind, resource], null)
	value != null
	value != ""
}


# Kubernetes quantity (resource.Quantity) as a number; undefined when it is not one.
# <signedNumber><suffix>, suffix: Ki|Mi|Gi|Ti|Pi|Ei, n|u|m|""|k|M|G|T|P|E, or e<signedNumber>.
quantity_re := `^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+|[numkMGTPE]|[KMGTPE]i)?$`

number_re := `^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)`

qty(q) := q if {
	is_number(q)
} else := quantity.parse(canonical(q)) if {
	is_string(q)
	regex.match(quantity_re, q)
}

# Forms units.parse accepts: "5." -> "5.0", micro "u" -> "μ".
canonical(q) := concat("", [fix_number(num), fix_suffix(substring(q, count(num), -1))]) if {
	num := regex.find_n(number_re, q, 1)[0]
}

fix_number(n) := concat("", [n, "0"]) if {
	endswith(n, ".")
} else := n

fix_suffix(s) := "μ" if {
	s == "u"
} else := s
