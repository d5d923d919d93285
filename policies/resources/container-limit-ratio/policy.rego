package plumbline.rules.container_limit_ratio

import rego.v1

import data.plumbline.lib.k8s
import data.plumbline.lib.quantity

ratios := as_object(object.get(object.get(data.plumbline.params, "resources", {}), "maxLimitRequestRatio", {}))

# limit > maxRatio * request, when both are set, valid, and the request is above zero
# (a missing request, or one the API server would default from the limit, is container-requests-missing's).
violation contains v if {
	some c in data.plumbline.lib.k8s.runtime_containers
	some resource, max_ratio in ratios
	max := qty(max_ratio)
	max > 0
	limit_value := set_value(c, "limits", resource)
	request_value := set_value(c, "requests", resource)
	limit := qty(limit_value)
	request := qty(request_value)
	request > 0
	limit > max * request
	ratio := round((limit / request) * 1000) / 1000
	v := {
		"msg": sprintf(
			"%s sets resources.limits.%s=%v and resources.requests.%s=%v, a limit/request ratio of %v; at most %v is allowed (params.resources.maxLimitRequestRatio.%s)",
			[c.desc, resource, limit_value, resource, request_value, ratio, max_ratio, resource],
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

# The value set for a resource; undefined when absent, null or "".
set_value(c, kind, resource) := value if {
	value := as_object(as_object(object.get(c.container, "resources", {}))[kind])[resource]
	value != null
	value != ""
}

as_object(x) := x if is_object(x)

as_object(x) := {} if not is_object(x)

# Kubernetes quantity (resource.Quantity) as a number; undefined when it is not one
# (container-limits-excessive reports invalid quantities).
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
