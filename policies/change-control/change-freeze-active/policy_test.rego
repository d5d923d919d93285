# Rego unit tests of change-freeze-active, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.change_freeze_active_test

import rego.v1

month_end := {"calendar": "finance", "name": "month-end close", "start": "2026-11-28T00:00:00Z", "end": "2026-12-02T00:00:00Z"}

# A Deployment with `annotations`, in frozen (or not) production.
request(annotations, frozen, windows) := {
	"operation": "UPDATE",
	"object": {
		"apiVersion": "apps/v1",
		"kind": "Deployment",
		"metadata": {"name": "odoo", "namespace": "acme-prod", "annotations": annotations},
		"spec": {"replicas": 2},
	},
	"environment": {"name": "production", "tier": "dedicated", "source": "pattern"},
	"change": {"frozen": frozen, "windows": windows, "ticketRequired": true, "ticketPattern": "^[A-Z][A-Z0-9]+-[0-9]+$"},
}

test_change_while_frozen_names_the_window if {
	vs := data.plumbline.rules.change_freeze_active.violation with input as request({}, true, [month_end])
	count(vs) == 1
	some v in vs
	v.path == "/metadata/annotations"
	contains(v.msg, `Deployment "odoo" cannot be applied now: namespace "acme-prod", environment "production" is frozen by month-end close (calendar finance) until 2026-12-02T00:00:00Z`)
	v.details.windows == [month_end]
	v.details.operation == "UPDATE"
}

test_not_frozen_passes if {
	count(data.plumbline.rules.change_freeze_active.violation) == 0 with input as request({}, false, [])
}

test_emergency_with_a_ticket_lets_the_change_through if {
	a := {"change.plumbline.dev/emergency": "INC-4711; expires=2026-12-01T18:00:00Z"}
	count(data.plumbline.rules.change_freeze_active.violation) == 0 with input as request(a, true, [month_end])
}

test_emergency_without_a_valid_ticket_points_at_it if {
	a := {"change.plumbline.dev/emergency": "hotfix please; expires=2026-12-01T18:00:00Z"}
	vs := data.plumbline.rules.change_freeze_active.violation with input as request(a, true, [month_end])
	count(vs) == 1
	some v in vs
	v.path == "/metadata/annotations/change.plumbline.dev~1emergency"
	contains(v.msg, `(change.plumbline.dev/emergency names no ticket matching "^[A-Z][A-Z0-9]+-[0-9]+$")`)
}

test_ticket_pattern_comes_from_the_input if {
	a := {"change.plumbline.dev/emergency": "INC-4711; expires=2026-12-01T18:00:00Z"}
	inp := object.union(request(a, true, [month_end]), {"change": {"ticketPattern": "^CHG-[0-9]{4}$"}})
	count(data.plumbline.rules.change_freeze_active.violation) == 1 with input as inp
}

test_delete_of_the_stored_object_while_frozen if {
	inp := {
		"operation": "DELETE",
		"object": null,
		"oldObject": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "odoo-conf"}},
		"environment": {"name": "production", "tier": "dedicated", "source": "pattern"},
		"change": {"frozen": true, "windows": []},
	}
	vs := data.plumbline.rules.change_freeze_active.violation with input as inp
	count(vs) == 1
	some v in vs
	v.path == "/metadata"
	contains(v.msg, `ConfigMap "odoo-conf" cannot be deleted now: environment "production" is frozen by an active freeze window`)
}

test_object_without_metadata_points_at_the_root if {
	inp := {"operation": "CREATE", "object": {"apiVersion": "v1", "kind": "ConfigMap"}, "environment": {"name": "production"}, "change": {"frozen": true, "windows": [month_end]}}
	vs := data.plumbline.rules.change_freeze_active.violation with input as inp
	count(vs) == 1
	some v in vs
	v.path == ""
}
