# Rego unit tests of pss-host-path-volumes, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.pss_host_path_volumes_test

import rego.v1

pod(volumes, mounts, level) := {
	"object": {
		"apiVersion": "v1",
		"kind": "Pod",
		"metadata": {"name": "web"},
		"spec": {
			"containers": [{"name": "web", "image": "odoo:17.0", "volumeMounts": mounts}],
			"volumes": volumes,
		},
	},
	"podSecurity": {"level": level, "version": "latest"},
}

logs := [{"name": "cfg", "configMap": {"name": "cfg"}}, {"name": "logs", "hostPath": {"path": "/var/log/pods", "type": "Directory"}}]

# Regression test: the rule once diverged between regorus and OPA here. Under regorus' interpreter
# (which `plumbline test` uses for unit tests): with allowedHostPaths unset, building the message
# evaluates the third `rule_text` definition, `count(configured) > 0` with configured == null, a
# type error there ("`count` requires array/object/set/string argument").
test_host_path_points_at_the_source if {
	vs := data.plumbline.rules.pss_host_path_volumes.violation with input as pod(logs, [], "baseline")
	count(vs) == 1
	some v in vs
	v.path == "/spec/volumes/1/hostPath"
	v.details == {"volume": "logs", "hostPath": "/var/log/pods"}
	contains(v.msg, "baseline forbids hostPath volumes")
}

test_null_host_path_and_other_levels_pass if {
	count(data.plumbline.rules.pss_host_path_volumes.violation) == 0 with input as pod([{"name": "x", "hostPath": null, "emptyDir": {}}], [], "baseline")

	# restricted: pss-volume-types reports it; privileged: not judged.
	count(data.plumbline.rules.pss_host_path_volumes.violation) == 0 with input as pod(logs, [], "restricted")
	count(data.plumbline.rules.pss_host_path_volumes.violation) == 0 with input as pod(logs, [], "privileged")
}

test_allowed_host_paths_compare_by_segments if {
	allowed := [{"pathPrefix": "/var/log"}]
	count(data.plumbline.rules.pss_host_path_volumes.violation) == 0 with input as pod(logs, [], "baseline")
		with data.plumbline.params.podSecurity.allowedHostPaths as allowed
	vs := data.plumbline.rules.pss_host_path_volumes.violation with input as pod([{"name": "logs", "hostPath": {"path": "/var/logs"}}], [], "restricted")
		with data.plumbline.params.podSecurity.allowedHostPaths as allowed
	count(vs) == 1
	some v in vs
	v.path == "/spec/volumes/0/hostPath"
	v.details == {"volume": "logs", "hostPath": "/var/logs"}
	contains(v.msg, "allowedHostPaths allows only /var/log")
}

test_read_only_entry_needs_read_only_mounts if {
	allowed := [{"pathPrefix": "/var/log", "readOnly": true}]
	count(data.plumbline.rules.pss_host_path_volumes.violation) == 1 with input as pod(logs, [{"name": "logs", "mountPath": "/l"}], "baseline")
		with data.plumbline.params.podSecurity.allowedHostPaths as allowed
	count(data.plumbline.rules.pss_host_path_volumes.violation) == 0 with input as pod(logs, [{"name": "logs", "mountPath": "/l", "readOnly": true}], "baseline")
		with data.plumbline.params.podSecurity.allowedHostPaths as allowed
}

test_empty_allow_list_forbids_all if {
	vs := data.plumbline.rules.pss_host_path_volumes.violation with input as pod(logs, [], "restricted")
		with data.plumbline.params.podSecurity.allowedHostPaths as []
	some v in vs
	contains(v.msg, "allows no hostPath volume")
}
