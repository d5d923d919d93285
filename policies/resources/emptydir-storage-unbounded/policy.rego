package plumbline.rules.emptydir_storage_unbounded

import rego.v1


enabled if object.get(object.get(data.plumbline.params, "resources", {}), "requireEmptyDirBounds", false) == true

# Names of the pod's emptyDir volumes without a sizeLimit.
unbounded contains name if {
	enabled
	some vol in object.get(data.plumbline.lib.k8s.pod_spec.spec, "volumes", [])
	is_object(vol)
	is_object(vol.emptyDir)
	object.get(vol.emptyDir, "sizeLimit", null) in {null, ""}
	name := vol.name
	is_string(name)
}

# A container or init container that mounts one of them and does not set both an
# ephemeral-storage request and limit.
violation contains v if {
	count(unbounded) > 0
	some c in data.plumbline.lib.k8s.runtime_containers
	mounted := {m.name |
		some m in object.get(c.container, "volumeMounts", [])
		is_object(m)
		m.name in unbounded
	}
	count(mounted) > 0
	some kind in ["requests", "limits"]
	object.get(c.container, ["resources", kind, "ephemeral-storage"], null) in {null, ""}
	v := {
		"msg": sprintf("%s mounts emptyDir %s without sizeLimit and sets no ephemeral-storage %s", [c.desc, concat(", ", sort(mounted)), trim_suffix(kind, "s")]),
		"path": sprintf("%s/resources", [c.path]),
		"details": {"container": c.name, "image": c.image, "volumes": sort(mounted), "missing": kind},
	}
}
