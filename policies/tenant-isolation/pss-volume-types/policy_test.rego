# Rego unit tests of pss-volume-types, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.pss_volume_types_test

import rego.v1

pod(volumes, level) := {
	"object": {
		"apiVersion": "v1",
		"kind": "Pod",
		"metadata": {"name": "web"},
		"spec": {"containers": [{"name": "web", "image": "odoo:17.0"}], "volumes": volumes},
	},
	"podSecurity": {"level": level, "version": "latest"},
}

nfs := [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}, {"name": "share", "nfs": {"server": "10.0.0.5", "path": "/exports"}}]

test_nfs_points_at_the_source if {
	vs := data.plumbline.rules.pss_volume_types.violation with input as pod(nfs, "restricted")
	count(vs) == 1
	some v in vs
	v.path == "/spec/volumes/1/nfs"
	v.details == {"volume": "share", "type": "nfs"}
	contains(v.msg, "restricted allows only")
}

test_allowed_sources_sourceless_and_null_pass if {
	vols := [
		{"name": "a", "configMap": {"name": "c"}},
		{"name": "b", "image": {"reference": "registry.example.com/data:1"}},
		{"name": "c"},
		{"name": "d", "emptyDir": {}, "hostPath": null},
		{"name": "e", "ephemeral": {"volumeClaimTemplate": {}}},
	]
	count(data.plumbline.rules.pss_volume_types.violation) == 0 with input as pod(vols, "restricted")

	# baseline does not judge volume types
	count(data.plumbline.rules.pss_volume_types.violation) == 0 with input as pod(nfs, "baseline")
}

test_windows_pods_are_not_exempt if {
	p := pod([{"name": "h", "hostPath": {"path": "/"}}], "restricted")
	win := object.union(p, {"object": {"spec": {"os": {"name": "windows"}}}})
	count(data.plumbline.rules.pss_volume_types.violation) == 1 with input as win
}

test_volumes_param_replaces_the_list_and_runs_at_baseline if {
	vs := data.plumbline.rules.pss_volume_types.violation with input as pod(nfs, "baseline")
		with data.plumbline.params.podSecurity.volumes as ["nfs", "configMap"]
	count(vs) == 1
	some v in vs
	v.path == "/spec/volumes/0/persistentVolumeClaim"
	contains(v.msg, "params.podSecurity.volumes allows only nfs, configMap")
	count(data.plumbline.rules.pss_volume_types.violation) == 0 with input as pod(nfs, "baseline")
		with data.plumbline.params.podSecurity.volumes as ["*"]
}

test_host_path_left_to_host_path_rule_when_allowed_host_paths_set if {
	vols := [{"name": "h", "hostPath": {"path": "/var/log"}}]
	count(data.plumbline.rules.pss_volume_types.violation) == 1 with input as pod(vols, "restricted")
	count(data.plumbline.rules.pss_volume_types.violation) == 0 with input as pod(vols, "restricted")
		with data.plumbline.params.podSecurity.allowedHostPaths as [{"pathPrefix": "/var/log"}]
}
