package plumbline.rules.pss_host_path_volumes

import rego.v1

import data.plumbline.lib.k8s
import data.plumbline.lib.pss

# Pod Security Standards, baseline: "HostPath Volumes" (PSA check hostPathVolumes, policy 1.0+).
# Any volume with a hostPath source is forbidden, whatever its path or type. A volume whose
# hostPath is null has no hostPath source (as in Go, where the pointer is nil).

violation contains v if {
	not data.plumbline.lib.pss.restricted # at restricted, the restricted control replaces this one (as Pod Security Admission does)
	data.plumbline.lib.pss.baseline
	ps := data.plumbline.lib.k8s.pod_spec
	some i, vol in ps.spec.volumes
	is_object(vol)
	hp := object.get(vol, "hostPath", null)
	hp != null
	name := object.get(vol, "name", "")
	v := {
		"msg": sprintf("volume %q %s; baseline forbids hostPath volumes (use a PersistentVolumeClaim, emptyDir, configMap or secret)", [name, describe_host_path(hp)]),
		"path": sprintf("%s/volumes/%d/hostPath", [ps.path, i]),
		"details": {"volume": name, "hostPath": object.get(host_path_object(hp), "path", "")},
	}
}

host_path_object(hp) := hp if is_object(hp)

host_path_object(hp) := {} if not is_object(hp)

describe_host_path(hp) := sprintf("mounts the node's path %q (hostPath)", [p]) if {
	p := host_path_object(hp).path
	is_string(p)
}

describe_host_path(hp) := "uses a hostPath source" if {
	not is_string(object.get(host_path_object(hp), "path", null)) # object.get: OPA would evaluate an absent .path before the `not`
}
