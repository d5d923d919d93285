package plumbline.rules.psp_flexvolume_drivers

import rego.v1


# Opt-in (params.podSecurity.allowedFlexVolumes set), as the Gatekeeper library's
# K8sPSPFlexVolumes: every flexVolume volume must use a driver listed in
# params.podSecurity.allowedFlexVolumes ([{driver: ...}]); an empty list allows none. Pod-level
# volumes, so there is no per-image exemption. No Pod Security Standards level has this control
# (restricted forbids flexVolume altogether: pss-volume-types), so it runs at every level.

configured := object.get(object.get(data.plumbline.params, "podSecurity", {}), "allowedFlexVolumes", null)

drivers := [d | some e in object.get({true: configured}, is_array(configured), []); d := e.driver]

violation contains v if {
	is_array(object.get(data.plumbline.params, ["podSecurity", "allowedFlexVolumes"], null))
	ps := data.plumbline.lib.k8s.pod_spec
	some i, vol in ps.spec.volumes
	is_object(vol)
	flex := object.get(vol, "flexVolume", null)
	flex != null
	driver := object.get(object.get({true: flex}, is_object(flex), {}), "driver", null)
	not driver in drivers
	name := object.get(vol, "name", "")
	v := {
		"msg": sprintf("volume %q uses the flexVolume driver %v; params.podSecurity.allowedFlexVolumes allows %s", [name, show(driver), allowed_text]),
		"path": sprintf("%s/volumes/%d/flexVolume", [ps.path, i]),
		"details": {"volume": name, "driver": driver},
	}
}

allowed_text := "no driver" if {
	count(drivers) == 0
} else := sprintf("only %s", [concat(", ", drivers)])

show(x) := sprintf("%q", [x]) if is_string(x)

show(x) := "(none)" if x == null

show(x) := sprintf("%v", [x]) if {
	not is_string(x)
	x != null
}
