package plumbline.rules.workload_single_replica

import rego.v1

# A production (params.availability.environments) Deployment or StatefulSet with fewer than
# params.availability.minReplicas (default 2) replicas: one node drain, eviction or
# crash and the service is down.
# - replicas unset means 1 (the API default) and is reported; the message says what to do when a
#   HorizontalPodAutoscaler owns the count (the recommended manifests then omit replicas).
# - replicas 0 is a deliberately stopped workload: there is nothing running to keep available.

environment := object.get(object.get(input, "environment", {}), "name", "")

params := object.get(data.plumbline.params, "availability", {})

# Environments whose workloads must be highly available (default: production).
governed if environment in object.get(params, "environments", ["production"])

min_replicas := m if {
	m := object.get(params, "minReplicas", 2)
	is_number(m)
} else := 2

spec := s if {
	s := input.object.spec
	is_object(s)
} else := {}

name := object.get(object.get(input.object, "metadata", {}), "name", "")

violation contains v if {
	input.object.kind in {"Deployment", "StatefulSet"}
	governed
	"replicas" in object.keys(spec)
	r := spec.replicas
	is_number(r)
	r > 0
	r < min_replicas
	v := {
		"msg": sprintf("%s %q has replicas: %v in %s; run at least %v", [input.object.kind, name, r, environment, min_replicas]),
		"path": "/spec/replicas",
		"details": {"replicas": r, "environment": environment},
	}
}

violation contains v if {
	input.object.kind in {"Deployment", "StatefulSet"}
	governed
	min_replicas > 1
	not replicas_set
	v := {
		"msg": sprintf("%s %q sets no spec.replicas (1 replica) in %s; run at least %v", [input.object.kind, name, environment, min_replicas]),
		"path": spec_path,
		"details": {"replicas": null, "environment": environment},
	}
}

replicas_set if {
	"replicas" in object.keys(spec)
	spec.replicas != null
}

spec_path := "/spec/replicas" if "replicas" in object.keys(spec)

spec_path := "/spec" if {
	is_object(input.object.spec)
	not "replicas" in object.keys(spec)
}

spec_path := "" if not is_object(input.object.spec)
