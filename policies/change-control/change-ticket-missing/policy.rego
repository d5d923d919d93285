package plumbline.rules.change_ticket_missing

import rego.v1

# Where change tickets are required (input.change.ticketRequired: the object's tier is in
# changeControl.ticketTiers, default [dedicated]), every workload or configuration object must name
# its change ticket in the annotation change.plumbline.dev/ticket, matching
# input.change.ticketPattern (default ^[A-Z][A-Z0-9]+-[0-9]+$, e.g. CHG-1234). An emergency change
# (change.plumbline.dev/emergency) whose ticket matches the pattern names its ticket there.

ticket_key := "change.plumbline.dev/ticket"

emergency_key := "change.plumbline.dev/emergency"

default_pattern := "^[A-Z][A-Z0-9]+-[0-9]+$"

change := c if {
	c := input.change
	is_object(c)
} else := {}

pattern := p if {
	p := change.ticketPattern
	is_string(p)
	p != ""
	regex.is_valid(p)
} else := default_pattern

obj := input.object if is_object(input.object)

obj := input.oldObject if {
	not is_object(input.object)
	is_object(input.oldObject)
}

metadata := m if {
	m := obj.metadata
	is_object(m)
} else := {}

annotations := a if {
	a := metadata.annotations
	is_object(a)
} else := {}

name := object.get(metadata, "name", "")

tier := object.get(object.get(input, "environment", {}), "tier", "")

# A ticket (or an emergency ticket) matching the pattern. One rule, not a helper per key: it is
# evaluated for every object of a ticketed tier.
has_ticket if {
	some key in [ticket_key, emergency_key]
	t := annotations[key]
	is_string(t)
	regex.match(pattern, trim_space(t))
}

# The ticket annotation is present (whatever its value).
ticket_annotated if ticket_key in object.keys(annotations)

problem := sprintf("has no %s annotation", [ticket_key]) if {
	not ticket_annotated
} else := sprintf("has an empty %s annotation", [ticket_key]) if {
	t := annotations[ticket_key]
	not is_string(t)
} else := sprintf("has an empty %s annotation", [ticket_key]) if {
	trim_space(annotations[ticket_key]) == ""
} else := sprintf("has %s=%q, which does not match the ticket pattern %q", [ticket_key, annotations[ticket_key], pattern])

path := concat("/", ["/metadata/annotations", replace(ticket_key, "/", "~1")]) if {
	ticket_annotated
} else := "/metadata/annotations" if {
	is_object(metadata.annotations)
} else := "/metadata" if {
	is_object(obj.metadata)
} else := ""

violation contains v if {
	input.change.ticketRequired == true
	not has_ticket
	v := {
		"msg": sprintf("%s %q %s; changes in tier %q must name the approved change ticket (e.g. %s: \"CHG-1234\") so every production change can be traced to its approval", [obj.kind, name, problem, tier, ticket_key]),
		"path": path,
		"details": {"annotation": ticket_key, "pattern": pattern, "tier": tier},
	}
}
