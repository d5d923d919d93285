package plumbline.rules.change_ticket_missing

import rego.v1

# Where change tickets are required (input.change.ticketRequired: the object's tier is in
# changeControl.ticketTiers, default [dedicated]), every workload or configuration object must name
# its change ticket in the annotation change.plumbline.dev/ticket, matching
# input.change.ticketPattern (default ^[A-Z][A-Z0-9]+-[0-9]+$, e.g. CHG-1234). An emergency change
# (change.plumbline.dev/emergency) whose ticket matches the pattern names its ticket there.

# The annotation keys are written out where they are used (a rule reference is a VM call, and
# this rule runs on every object of a ticketed tier).

default_pattern := "^[A-Z][A-Z0-9]+-[0-9]+$"

pattern := p if {
	p := input.change.ticketPattern
	is_string(p)
	p != ""
	regex.is_valid(p)
} else := default_pattern

# The new object, or the stored one on DELETE (the webhook sends it as oldObject).
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

# A ticket (or an emergency ticket) matching the pattern.
has_ticket if {
	some key in ["change.plumbline.dev/ticket", "change.plumbline.dev/emergency"]
	t := annotations[key]
	is_string(t)
	regex.match(pattern, trim_space(t))
}

# What is wrong with the ticket annotation. (Absence is tested first, as its own branch: regorus'
# VM took the "not a string" branch for an absent key when that branch came first.)
problem := "has no change.plumbline.dev/ticket annotation" if {
	not "change.plumbline.dev/ticket" in object.keys(annotations)
} else := "has an empty change.plumbline.dev/ticket annotation" if {
	t := annotations["change.plumbline.dev/ticket"]
	not is_string(t)
} else := "has an empty change.plumbline.dev/ticket annotation" if {
	trim_space(annotations["change.plumbline.dev/ticket"]) == ""
} else := sprintf("has change.plumbline.dev/ticket=%q, not matching %q", [annotations["change.plumbline.dev/ticket"], pattern])

# The pointer of the ticket annotation, else of where it would go.
path := "/metadata/annotations/change.plumbline.dev~1ticket" if {
	"change.plumbline.dev/ticket" in object.keys(annotations)
} else := "/metadata/annotations" if {
	is_object(metadata.annotations)
} else := "/metadata" if {
	is_object(obj.metadata)
} else := ""

violation contains v if {
	input.change.ticketRequired == true
	not has_ticket
	tier := object.get(object.get(input, "environment", {}), "tier", "")
	v := {
		"msg": sprintf("%s %q %s (required in tier %s)", [obj.kind, object.get(metadata, "name", ""), problem, tier]),
		"path": path,
		"details": {"annotation": "change.plumbline.dev/ticket", "pattern": pattern, "tier": tier},
	}
}
