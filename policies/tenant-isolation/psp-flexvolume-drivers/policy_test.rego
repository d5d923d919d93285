# Rego unit tests of psp-flexvolume-drivers, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.psp_flexvolume_drivers_test

import rego.v1

deployment(volumes) := {
	"object": {
		"apiVersion": "apps/v1",
		"kind": "Deployment",
		"metadata": {"name": "web"},
		"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "odoo:17.0"}], "volumes": volumes}}},
	},
	"podSecurity": {"level": "baseline", "version": "latest"},
}

vols := [{"name": "cfg", "configMap": {"name": "cfg"}}, {"name": "nas", "flexVolume": {"driver": "example/cifs", "options": {"share": "x"}}}]

test_off_until_configured if {
	count(data.plumbline.rules.psp_flexvolume_drivers.violation) == 0 with input as deployment(vols)
}

test_unlisted_driver_points_at_the_flex_volume if {
	vs := data.plumbline.rules.psp_flexvolume_drivers.violation with input as deployment(vols)
		with data.plumbline.params.podSecurity.allowedFlexVolumes as [{"driver": "example/lvm"}]
	count(vs) == 1
	some v in vs
	v.path == "/spec/template/spec/volumes/1/flexVolume"
	v.details == {"volume": "nas", "driver": "example/cifs"}
	contains(v.msg, "allows only example/lvm")
}

test_listed_driver_passes if {
	count(data.plumbline.rules.psp_flexvolume_drivers.violation) == 0 with input as deployment(vols)
		with data.plumbline.params.podSecurity.allowedFlexVolumes as [{"driver": "example/lvm"}, {"driver": "example/cifs"}]
}

test_empty_list_allows_none_and_missing_driver_is_reported if {
	vs := data.plumbline.rules.psp_flexvolume_drivers.violation with input as deployment([{"name": "x", "flexVolume": {}}])
		with data.plumbline.params.podSecurity.allowedFlexVolumes as []
	count(vs) == 1
	some v in vs
	v.details.driver == null
	contains(v.msg, "driver (none)")
	contains(v.msg, "allows no driver")
}
