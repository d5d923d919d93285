# Shared helpers over Kubernetes objects: the pod spec of any workload kind and all its containers.
package plumbline.lib.k8s

import rego.v1

template_kinds := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job"}

# Kinds that carry a pod template (not Pods themselves): template_kinds and CronJob. A literal,
# not `template_kinds | {"CronJob"}`: rules are evaluated afresh for every object, and the union
# was computed each time.
pod_template_kinds := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob"}

# The object's pod spec and its JSON pointer, for Pods and every pod template.
pod_spec := {"spec": input.object.spec, "path": "/spec"} if {
	input.object.kind == "Pod"
	is_object(input.object.spec)
}

pod_spec := {"spec": input.object.spec.template.spec, "path": "/spec/template/spec"} if {
	input.object.kind in template_kinds
	is_object(input.object.spec.template.spec)
}

pod_spec := {"spec": input.object.spec.jobTemplate.spec.template.spec, "path": "/spec/jobTemplate/spec/template/spec"} if {
	input.object.kind == "CronJob"
	is_object(input.object.spec.jobTemplate.spec.template.spec)
}

# Pod-level metadata (the template's for controllers) and its pointer.
pod_metadata := object.get(input.object, "metadata", {}) if input.object.kind == "Pod"

pod_metadata := object.get(input.object.spec.template, "metadata", {}) if input.object.kind in template_kinds

pod_metadata := object.get(input.object.spec.jobTemplate.spec.template, "metadata", {}) if input.object.kind == "CronJob"

pod_metadata_path := "/metadata" if input.object.kind == "Pod"

pod_metadata_path := "/spec/template/metadata" if input.object.kind in template_kinds

pod_metadata_path := "/spec/jobTemplate/spec/template/metadata" if input.object.kind == "CronJob"

container_fields := ["containers", "initContainers", "ephemeralContainers"]

field_label := {
	"containers": "container",
	"initContainers": "init container",
	"ephemeralContainers": "ephemeral container",
}

# Every container, init container and ephemeral container, in document order, with the facts
# most rules need computed once per object (a helper call per container per rule is what a pack
# spends most of its time on):
#   container  the container object as written
#   name       its name ("" when absent)
#   field      "containers", "initContainers" or "ephemeralContainers"
#   label      "container", "init container" or "ephemeral container"
#   path       its JSON pointer, e.g. "/spec/template/spec/containers/0"
#   desc       `container "odoo"`, for messages
#   image      its image ("" when absent)
#   sc         its securityContext when that is an object, else {}
#   sc_path    pointer to its securityContext when that is an object, else to the container
# An array, not a set: a set would order its members by deep comparison of whole containers.
containers := [c |
	ps := pod_spec
	some field in container_fields
	some i, ctr in ps.spec[field]
	is_object(ctr)
	path := sprintf("%s/%s/%d", [ps.path, field, i])
	name := object.get(ctr, "name", "")
	sc := object.get(ctr, "securityContext", null)
	c := {
		"container": ctr,
		"name": name,
		"field": field,
		"label": field_label[field],
		"path": path,
		"desc": sprintf("%s %q", [field_label[field], name]),
		"image": object.get(ctr, "image", ""),
		# object.get({true: x}, cond, y) is "cond ? x : y" without a helper call per container.
		"sc": object.get({true: sc}, is_object(sc), {}),
		"sc_path": concat("", [path, object.get({true: "/securityContext"}, is_object(sc), "")]),
	}
]

object_or_empty(x) := x if is_object(x)

object_or_empty(x) := {} if not is_object(x)

# Only regular and init containers (ephemeral ones cannot set resources or ports).
runtime_containers := [c | some c in containers; c.field != "ephemeralContainers"]

# Sidecar init containers (restartPolicy: Always) run for the pod's whole life.
is_sidecar(c) if {
	c.field == "initContainers"
	c.container.restartPolicy == "Always"
}

# "container \"odoo\"" for messages (the same as c.desc).
describe(c) := sprintf("%s %q", [c.label, c.name])

# Escape a key as a JSON-pointer segment.
escape(key) := replace(replace(key, "~", "~0"), "/", "~1")

labels := object.get(object.get(input.object, "metadata", {}), "labels", {})

annotations := object.get(object.get(input.object, "metadata", {}), "annotations", {})

namespace := object.get(object.get(input.object, "metadata", {}), "namespace", "")

# Custom resources of the workloads table (crates/policy-core/src/workloads.rs, extended by
# workloads.customResources in plumbline.yaml) reach the workload rules as views shaped like a
# Deployment: the resource's apiVersion, kind and metadata, its pod template (or the pod its
# operator builds from its fields) at /spec/template. input.customResource is set only for a
# view; the engine maps the findings' pointers back to the resource's own fields. The kind
# checks keep a resource kind that shares a name with a built-in kind from defining pod_spec
# twice.
custom_resource_view if {
	is_object(input.customResource)
	input.object.kind != "Pod"
	not input.object.kind in pod_template_kinds
}

pod_spec := {"spec": input.object.spec.template.spec, "path": "/spec/template/spec"} if {
	custom_resource_view
	is_object(input.object.spec.template.spec)
}

pod_metadata := object.get(input.object.spec.template, "metadata", {}) if custom_resource_view

pod_metadata_path := "/spec/template/metadata" if custom_resource_view
