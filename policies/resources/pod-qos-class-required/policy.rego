package plumbline.rules.pod_qos_class_required

import rego.v1

import data.plumbline.lib.quantity

# Opt-in (params.resources.requiredQosClass, default "": off): the pod's QoS class, computed as
# Kubernetes does (ComputePodQOS over containers and init containers, cpu and memory only, a
# quantity of 0 counting as unset, after the API server's defaulting of a missing request to the
# limit), must be Guaranteed, or for Burstable any class but BestEffort. The setting is a class,
# or a map environment name -> class (environments it does not list are not judged).

setting := object.get(object.get(data.plumbline.params, "resources", {}), "requiredQosClass", "")

environment := object.get(object.get(input, "environment", {}), "name", "")

required := setting if is_string(setting)

required := object.get(setting, environment, "") if is_object(setting)

# Per container and init container: cpu and memory limits and effective requests as numbers (0
# when unset), and the values as written for messages. Empty unless the rule is on.
facts := [f |
	required in {"Guaranteed", "Burstable"}
	some c in data.plumbline.lib.k8s.runtime_containers
	f := {
		"c": c,
		"cpu": amounts(c, "cpu"),
		"memory": amounts(c, "memory"),
	}
]

amounts(c, r) := {"limit": amount(lim), "request": amount(req), "limit_value": lim, "request_value": req} if {
	lim := object.get(c.container, ["resources", "limits", r], null)
	req := effective_request(c, r, lim)
}

# The API server copies a limit into a missing request when it creates the pod.
effective_request(c, r, lim) := req if {
	req := object.get(c.container, ["resources", "requests", r], null)
	not req in {null, ""}
} else := lim

# A quantity as a number; 0 when unset (absent, null or ""). Undefined for an invalid quantity.
amount(v) := 0 if {
	v in {null, ""}
} else := qty(v)

# A cpu or memory value that is not a quantity: the API server rejects the pod, and its class
# cannot be computed, so the pod is not judged.
invalid := [v |
	required in {"Guaranteed", "Burstable"}
	some c in data.plumbline.lib.k8s.runtime_containers
	some kind in ["limits", "requests"]
	some r in ["cpu", "memory"]
	v := object.get(c.container, ["resources", kind, r], null)
	not v in {null, ""}
	not qty(v)
]

# Pod-level resources (spec.resources, the PodLevelResources feature) decide the class when they
# set cpu or memory; the requests the API server then defaults are not modelled: not judged.
pod_level_resources if {
	res := object.get(data.plumbline.lib.k8s.pod_spec.spec, "resources", null)
	is_object(res)
	some kind in ["requests", "limits"]
	some r in ["cpu", "memory"]
	not object.get(res, [kind, r], null) in {null, ""}
}

judged if {
	count(facts) > 0
	count(invalid) == 0
	not pod_level_resources
}

best_effort if {
	count([x |
		some f in facts
		some r in ["cpu", "memory"]
		some x in [f[r].limit, f[r].request]
		x > 0
	]) == 0
}

qos_class := "BestEffort" if best_effort

qos_class := "Burstable" if not best_effort

# Why a container keeps the pod from Guaranteed: a cpu or memory limit unset (or 0), or a
# request that differs from the limit. (Two comprehensions, not a function with an else per
# reason: in regorus' RVM an undefined call inside a comprehension yields an undefined member.)
problems(f) := array.concat(
	[sprintf("sets no %s limit above 0", [r]) |
		some r in ["cpu", "memory"]
		f[r].limit <= 0
	],
	[sprintf("%s request %v differs from its limit %v", [r, a.request_value, a.limit_value]) |
		some r in ["cpu", "memory"]
		a := f[r]
		a.limit > 0
		a.request != a.limit
	],
)

# Guaranteed: every container and init container has cpu and memory limits equal to its requests.
violation contains v if {
	required == "Guaranteed"
	judged
	some f in facts
	ps := problems(f)
	count(ps) > 0
	c := f.c
	v := {
		"msg": sprintf(
			"the pod's QoS class is %s, not Guaranteed (params.resources.requiredQosClass): %s %s",
			[qos_class, c.desc, concat("; ", ps)],
		),
		"path": resources_path(c),
		"details": {
			"container": c.name,
			"image": c.image,
			"qosClass": qos_class,
			"required": "Guaranteed",
			"problems": ps,
		},
	}
}

# Burstable: at least one container or init container requests or limits cpu or memory.
violation contains v if {
	required == "Burstable"
	judged
	best_effort
	ps := data.plumbline.lib.k8s.pod_spec
	v := {
		"msg": "the pod's QoS class is BestEffort (no container or init container requests or limits cpu or memory); params.resources.requiredQosClass asks for Burstable or Guaranteed",
		"path": concat("", [ps.path, object.get({true: "/containers"}, is_array(object.get(ps.spec, "containers", null)), "")]),
		"details": {"qosClass": "BestEffort", "required": "Burstable"},
	}
}

resources_path(c) := sprintf("%s/resources", [c.path]) if {
	"resources" in object.keys(c.container)
} else := c.path

# Kubernetes quantity (resource.Quantity) as a number; undefined when it is not one.
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
