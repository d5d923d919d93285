# Shared helpers over Kubernetes objects: the pod spec of any workload kind and all its containers.
package plumbline.lib.k8s

import rego.v1

template_kinds := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job"}

# Kinds that carry a pod template (not Pods themselves).
pod_template_kinds := template_kinds | {"CronJob"}

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

# Every container, init container and ephemeral container:
# {"container": {...}, "name": "...", "field": "containers", "label": "container", "path": "/spec/containers/0"}
containers contains c if {
	ps := pod_spec
	some field in container_fields
	some i, ctr in ps.spec[field]
	is_object(ctr)
	c := {
		"container": ctr,
		"name": object.get(ctr, "name", ""),
		"field": field,
		"label": field_label[field],
		"path": sprintf("%s/%s/%d", [ps.path, field, i]),
	}
}

# Only regular and init containers (ephemeral ones cannot set resources or ports).
runtime_containers contains c if {
	some c in containers
	c.field != "ephemeralContainers"
}

# Sidecar init containers (restartPolicy: Always) run for the pod's whole life.
is_sidecar(c) if {
	c.field == "initContainers"
	c.container.restartPolicy == "Always"
}

# "container \"odoo\"" for messages.
describe(c) := sprintf("%s %q", [c.label, c.name])

# Escape a key as a JSON-pointer segment.
escape(key) := replace(replace(key, "~", "~0"), "/", "~1")

labels := object.get(object.get(input.object, "metadata", {}), "labels", {})

annotations := object.get(object.get(input.object, "metadata", {}), "annotations", {})

namespace := object.get(object.get(input.object, "metadata", {}), "namespace", "")
