package plumbline.rules.pss_volume_types

import rego.v1

import data.plumbline.lib.k8s
import data.plumbline.lib.pss

# Pod Security Standards, restricted: "Volume Types" (PSA check restrictedVolumes). Inline pod
# volumes may only use the sources below; everything else (hostPath, nfs, iscsi, cephfs, gitRepo,
# flexVolume, the in-tree cloud disks, …) is reported. `image` (OCI image volumes) is allowed, as in
# Kubernetes 1.33 and later. A volume that names no source at all is defaulted to emptyDir by the
# API server, so it passes. Applies to Windows pods as well (upstream has no exemption here).
# Parameter (Gatekeeper K8sPSPVolumeTypes volumes): params.podSecurity.volumes replaces the list
# ("*" allows every type) and makes the rule run at baseline as well as restricted. When
# params.podSecurity.allowedHostPaths is set, hostPath volumes are left to pss-host-path-volumes.

allowed_types := {
	"configMap",
	"csi",
	"downwardAPI",
	"emptyDir",
	"ephemeral",
	"image",
	"persistentVolumeClaim",
	"projected",
	"secret",
}

configured := object.get(data.plumbline.params, ["podSecurity", "volumes"], null)

host_paths_configured if is_array(object.get(data.plumbline.params, ["podSecurity", "allowedHostPaths"], null))

allowed_list := concat(", ", sort([t | some t in allowed_types]))

violation contains v if {
	object.get(data.plumbline.params, ["podSecurity", "volumes"], null) == null
	data.plumbline.lib.pss.restricted
	ps := data.plumbline.lib.k8s.pod_spec
	some i, vol in ps.spec.volumes
	is_object(vol)
	some source, value in vol
	source != "name"
	value != null
	not source in allowed_types
	not left_to_host_path_rule(source)
	name := object.get(vol, "name", "")
	v := {
		"msg": sprintf("volume %q uses volume type %s; restricted allows only %s (use a PersistentVolumeClaim for other storage)", [name, source, allowed_list]),
		"path": sprintf("%s/volumes/%d/%s", [ps.path, i, k8s.escape(source)]),
		"details": {"volume": name, "type": source},
	}
}

# params.podSecurity.volumes.
violation contains v if {
	is_array(object.get(data.plumbline.params, ["podSecurity", "volumes"], null))
	not "*" in configured
	data.plumbline.lib.pss.baseline
	ps := data.plumbline.lib.k8s.pod_spec
	some i, vol in ps.spec.volumes
	is_object(vol)
	some source, value in vol
	source != "name"
	value != null
	not source in configured
	not left_to_host_path_rule(source)
	name := object.get(vol, "name", "")
	v := {
		"msg": sprintf("volume %q uses volume type %s; params.podSecurity.volumes allows only %s", [name, source, concat(", ", configured)]),
		"path": sprintf("%s/volumes/%d/%s", [ps.path, i, k8s.escape(source)]),
		"details": {"volume": name, "type": source},
	}
}

left_to_host_path_rule(source) if {
	source == "hostPath"
	host_paths_configured
}
