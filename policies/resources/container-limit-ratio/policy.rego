package plumbline.rules.container_limit_ratio

import rego.v1

import data.plumbline.lib.k8s
import data.plumbline.lib.quantity

ratios := r if {
	r := object.get(object.get(data.plumbline.params, "resources", {}), "maxLimitRequestRatio", {})
	is_object(r)
} else := {}

# limit > maxRatio * request, when both are set and valid (a missing request, or one the API server
# would default from the limit, is container-requests-missing's). A request of 0 under a limit
# above 0 exceeds every ratio, as in Gatekeeper's K8sContainerRatios and a LimitRange's
# maxLimitRequestRatio (which rejects a zero request); both 0 passes.
# (The ratios are looped over first: with none set, the default, the rule does no work at all.)
violation contains v if {
	some resource, max_ratio in ratios
	max := qty(max_ratio)
	max > 0
	some c in data.plumbline.lib.k8s.runtime_containers
	limit_value := set_value(c, "limits", resource)
	request_value := set_value(c, "requests", resource)
	limit := qty(limit_value)
	request := qty(request_value)
	request >= 0
	limit > max * request
	ratio := ratio_of(limit, request)
	v := {
		"msg": sprintf(
			"%s: %s limit/request ratio %v (%v/%v) is above %v",
			[c.desc, resource, ratio, limit_value, request_value, max_ratio],
		),
		"path": sprintf("%s/resources/limits/%s", [c.path, k8s.escape(resource)]),
		"details": {
			"container": c.name,
			"image": c.image,
			"resource": resource,
			"limit": sprintf("%v", [limit_value]),
			"request": sprintf("%v", [request_value]),
			"ratio": ratio,
			"maxRatio": max_ratio,
		},
	}
}

# limit / request to three decimals; "unbounded" for a zero request.
ratio_of(limit, request) := round((limit / request) * 1000) / 1000 if {
	request > 0
} else := "unbounded"

# The value set for a resource; undefined when absent, null or "".
# object.get with a path yields null when resources or resources.<kind> is not an object.
set_value(c, kind, resource) := value if {
	value := object.get(c.container, ["resources", kind, resource], null)
	value != null
	value != ""
}

# Kubernetes quantity (resource.Quantity) as a number; undefined when it is not one
# (container-limits-excessive reports invalid quantities).
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
