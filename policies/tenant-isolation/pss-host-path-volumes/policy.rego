package plumbline.rules.pss_host_path_volumes

import rego.v1

import data.plumbline.lib.pss

# Pod Security Standards, baseline: "HostPath Volumes" (PSA check hostPathVolumes, policy 1.0+).
# Any volume with a hostPath source is forbidden, whatever its path or type. A volume whose
# hostPath is null has no hostPath source (as in Go, where the pointer is nil). At restricted,
# PSA's restrictedVolumes replaces this check (pss-volume-types reports hostPath there).
# Parameter (Gatekeeper K8sPSPHostFilesystem allowedHostPaths): params.podSecurity.
# allowedHostPaths, a list of {pathPrefix, readOnly}. When set, this rule judges every hostPath
# volume at baseline and restricted (and pss-volume-types leaves hostPath to it): the path must
# lie under a pathPrefix, compared by path segments ("/var/log" allows "/var/log/pods", not
# "/var/logs"), and an entry with readOnly: true allows the volume only when every mount of it in
# containers, init containers and ephemeral containers is readOnly. An empty list forbids all.

configured := object.get(data.plumbline.params, ["podSecurity", "allowedHostPaths"], null)

applies if {
	configured == null
	not data.plumbline.lib.pss.restricted # at restricted, the restricted control replaces this one (as Pod Security Admission does)
	data.plumbline.lib.pss.baseline
}

applies if {
	is_array(configured)
	data.plumbline.lib.pss.baseline
}

violation contains v if {
	ps := data.plumbline.lib.k8s.pod_spec
	some i, vol in ps.spec.volumes
	is_object(vol)
	hp := object.get(vol, "hostPath", null)
	hp != null
	applies
	name := object.get(vol, "name", "")
	not configured_allows(name, hp)
	v := {
		"msg": sprintf("volume %q %s; %s", [name, describe_host_path(hp), rule_text]),
		"path": sprintf("%s/volumes/%d/hostPath", [ps.path, i]),
		"details": {"volume": name, "hostPath": object.get(host_path_object(hp), "path", "")},
	}
}

configured_allows(name, hp) if {
	is_array(configured)
	path := host_path_object(hp).path
	is_string(path)
	some entry in configured
	under(entry.pathPrefix, path)
	not entry_needs_read_only(entry, name)
}

# An entry with readOnly: true, and a mount of the volume that is not readOnly.
entry_needs_read_only(entry, name) if {
	object.get(entry, "readOnly", false) == true
	some c in data.plumbline.lib.k8s.containers
	some m in object.get(c.container, "volumeMounts", [])
	object.get(m, "name", null) == name
	object.get(m, "readOnly", false) != true
}

# path lies under prefix, by path segments.
under(prefix, path) if {
	a := segments(prefix)
	b := segments(path)
	count(a) <= count(b)
	array.slice(b, 0, count(a)) == a
}

segments(p) := [s | some s in split(trim(p, "/"), "/"); s != ""]

rule_text := "baseline forbids hostPath volumes (use a PersistentVolumeClaim, emptyDir, configMap or secret)" if {
	configured == null
}

rule_text := "params.podSecurity.allowedHostPaths allows no hostPath volume" if {
	configured == []
}

rule_text := sprintf("params.podSecurity.allowedHostPaths allows only %s", [concat(", ", [entry_text(e) | some e in configured])]) if {
	is_array(configured)
	count(configured) > 0
}

entry_text(e) := sprintf("%s (read-only)", [e.pathPrefix]) if {
	object.get(e, "readOnly", false) == true
} else := e.pathPrefix

host_path_object(hp) := hp if is_object(hp)

host_path_object(hp) := {} if not is_object(hp)

describe_host_path(hp) := sprintf("mounts the node's path %q (hostPath)", [p]) if {
	p := host_path_object(hp).path
	is_string(p)
}

describe_host_path(hp) := "uses a hostPath source" if {
	not is_string(object.get(host_path_object(hp), "path", null)) # object.get: OPA would evaluate an absent .path before the `not`
}
