# Rego unit tests of change-ticket-missing, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.change_ticket_missing_test

import rego.v1

request(metadata, required) := {
	"operation": "CREATE",
	"object": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": object.union({"name": "odoo-conf", "namespace": "acme-prod"}, metadata)},
	"environment": {"name": "production", "tier": "dedicated", "source": "pattern"},
	"change": {"frozen": false, "windows": [], "ticketRequired": required, "ticketPattern": "^[A-Z][A-Z0-9]+-[0-9]+$"},
}

ticket(t) := {"annotations": {"change.plumbline.dev/ticket": t}}

violations(metadata) := vs if {
	vs := data.plumbline.rules.change_ticket_missing.violation with input as request(metadata, true)
}

test_missing_annotation_is_a_violation if {
	vs := violations({"annotations": {"team": "erp"}})
	count(vs) == 1
	some v in vs
	v.path == "/metadata/annotations"
	v.msg == `ConfigMap "odoo-conf" has no change.plumbline.dev/ticket annotation (required in tier dedicated)`
	v.details.tier == "dedicated"
}

test_no_annotations_points_at_metadata if {
	some v in violations({})
	v.path == "/metadata"
}

test_non_matching_ticket_points_at_the_annotation if {
	vs := violations(ticket("chg-1234"))
	count(vs) == 1
	some v in vs
	v.path == "/metadata/annotations/change.plumbline.dev~1ticket"
	contains(v.msg, `has change.plumbline.dev/ticket="chg-1234", not matching "^[A-Z][A-Z0-9]+-[0-9]+$"`)
}

test_empty_ticket_is_reported_as_empty if {
	vs := violations(ticket("  "))
	count(vs) == 1
	some v in vs
	contains(v.msg, "has an empty change.plumbline.dev/ticket annotation")
}

test_matching_ticket_passes_and_spaces_are_ignored if {
	count(violations(ticket("CHG-1234"))) == 0
	count(violations(ticket(" CHG-1234 "))) == 0
}

test_emergency_ticket_counts if {
	count(violations({"annotations": {"change.plumbline.dev/emergency": "INC-4711"}})) == 0
	count(violations({"annotations": {"change.plumbline.dev/emergency": "urgent"}})) == 1
}

test_tickets_not_required_pass if {
	count(data.plumbline.rules.change_ticket_missing.violation) == 0 with input as request({}, false)
}

test_pattern_comes_from_the_input if {
	inp := object.union(request(ticket("CHG-12"), true), {"change": {"ticketPattern": "^(CHG|INC)-[0-9]{4,}$"}})
	vs := data.plumbline.rules.change_ticket_missing.violation with input as inp
	count(vs) == 1
	some v in vs
	v.details.pattern == "^(CHG|INC)-[0-9]{4,}$"
	inp2 := object.union(request(ticket("INC-12345"), true), {"change": {"ticketPattern": "^(CHG|INC)-[0-9]{4,}$"}})
	count(data.plumbline.rules.change_ticket_missing.violation) == 0 with input as inp2
}

test_non_string_ticket_is_reported_as_empty if {
	vs := violations({"annotations": {"change.plumbline.dev/ticket": 1234}})
	count(vs) == 1
	some v in vs
	v.path == "/metadata/annotations/change.plumbline.dev~1ticket"
	contains(v.msg, "has an empty change.plumbline.dev/ticket annotation")
}

test_object_without_metadata_points_at_the_root if {
	inp := {"operation": "CREATE", "object": {"apiVersion": "v1", "kind": "ConfigMap"}, "environment": {"tier": "dedicated"}, "change": {"ticketRequired": true}}
	vs := data.plumbline.rules.change_ticket_missing.violation with input as inp
	count(vs) == 1
	some v in vs
	v.path == ""
	v.details.pattern == "^[A-Z][A-Z0-9]+-[0-9]+$"
}
