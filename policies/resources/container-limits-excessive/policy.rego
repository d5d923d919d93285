package plumbline.rules.container_limits_excessive

import rego.v1

import data.plumbline.lib.k8s
import data.plumbline.lib.quantity

resource_params := object.get(data.plumbline.params, "resources", {})

# resources.limits is checked against maxLimits, resources.requests against maxRequests.
maxima := {
	"limits": {"param": "maxLimits", "max": as_object(object.get(resource_params, "maxLimits", {}))},
	"requests": {"param": "maxRequests", "max": as_object(object.get(resource_params, "maxRequests", {}))},
}

# A value above its maximum.
violation contains v if {
	some c in data.plumbline.lib.k8s.runtime_containers
	some kind, m in maxima
	some resource, max in m.max
	value := set_value(c, kind, resource)
	limit := qty(max)
	qty(value) > limit
	v := {
		"msg": sprintf(
			"%s sets resources.%s.%s to %v, above the maximum of %v (params.resources.%s.%s)",
			[c.desc, kind, resource, value, max, m.param, resource],
		),
		"path": value_path(c, kind, resource),
		"details": details(c, kind, resource, value, max),
	}
}

# A value that is not a Kubernetes quantity cannot be compared; say so instead of failing.
violation contains v if {
	some c in data.plumbline.lib.k8s.runtime_containers
	some kind, m in maxima
	some resource, max in m.max
	value := set_value(c, kind, resource)
	not qty(value)
	v := {
		"msg": sprintf(
			"%s sets resources.%s.%s to %q, which is not a valid quantity (e.g. 500m, 0.5, 512Mi, 2Gi); it cannot be checked against the maximum of %v",
			[c.desc, kind, resource, sprintf("%v", [value]), max],
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
set_value(c, kind, resource) := value if {
	value := as_object(as_object(object.get(c.container, "resources", {}))[kind])[resource]
	value != null
	value != ""
}

as_object(x) := x if is_object(x)

as_object(x) := {} if not is_object(x)

# Kubernetes quantity (resource.Quantity) as a number; undefined when it is not one.
# <signedNumber><suffix>, suffix: Ki|Mi|Gi|Ti|Pi|Ei, n|u|m|""|k|M|G|T|P|E, or e<signedNumber>.
quantity_re := `^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+|[numkMGTPE]|[KMGTPE]i)?$`

number_re := `^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)`

qty(q) := quantity.parse(q) if is_number(q)

qty(q) := quantity.parse(canonical(q)) if {
	is_string(q)
	regex.match(quantity_re, q)
}

# Forms units.parse accepts: "5." -> "5.0", micro "u" -> "μ".
canonical(q) := concat("", [fix_number(num), fix_suffix(substring(q, count(num), -1))]) if {
	num := regex.find_n(number_re, q, 1)[0]
}

fix_number(n) := concat("", [n, "0"]) if endswith(n, ".")

fix_number(n) := n if not endswith(n, ".")

fix_suffix(s) := "μ" if s == "u"

fix_suffix(s) := s if s != "u"
