package plumbline.rules.workload_replica_limits

import rego.v1

# Replica ranges, as the Gatekeeper library's K8sReplicaLimits (general/replicalimits): an object
# of params.availability.replicaLimits.kinds (default Deployment) whose spec.replicas is in none
# of params.availability.replicaLimits.ranges ({min, max}, both inclusive). As upstream, an unset
# spec.replicas is in no range and is reported. Off while ranges is empty (upstream would then
# deny every object). Every environment: the ranges are a capacity guard, not an availability one.

list(x) := x if is_array(x)

list(x) := [] if not is_array(x)

limits := object.get(object.get(data.plumbline.params, "availability", {}), "replicaLimits", {})

ranges := [r |
	some r in list(object.get(limits, "ranges", []))
	is_object(r)
	is_number(object.get(r, "min", null))
	is_number(object.get(r, "max", null))
]

kinds := list(object.get(limits, "kinds", ["Deployment"]))

spec := s if {
	s := input.object.spec
	is_object(s)
} else := {}

replicas := object.get(spec, "replicas", null)

name := object.get(object.get(input.object, "metadata", {}), "name", "")

in_range if {
	is_number(replicas)
	some r in ranges
	r.min <= replicas
	replicas <= r.max
}

shown_replicas := sprintf("replicas: %s", [json.marshal(replicas)]) if "replicas" in object.keys(spec)

shown_replicas := "no spec.replicas" if not "replicas" in object.keys(spec)

shown := concat(", ", [sprintf("%v-%v", [r.min, r.max]) | some r in ranges])

path := "/spec/replicas" if "replicas" in object.keys(spec)

path := "/spec" if {
	is_object(input.object.spec)
	not "replicas" in object.keys(spec)
}

path := "" if not is_object(input.object.spec)

violation contains v if {
	count(ranges) > 0
	input.object.kind in kinds
	not in_range
	v := {
		"msg": sprintf("%s %q has %s, outside the allowed ranges %s", [input.object.kind, name, shown_replicas, shown]),
		"path": path,
		"details": {"replicas": replicas, "ranges": ranges},
	}
}
