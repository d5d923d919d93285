package plumbline.rules.change_freeze_active

import rego.v1

# While the object's environment is frozen (input.change.frozen: one or more freeze windows of the
# calendars that govern it are active), creating, updating or deleting a workload or its
# configuration is denied, naming each window and when it ends. An emergency annotation
# (change.plumbline.dev/emergency: "<ticket>; expires=<RFC 3339 instant>") whose ticket matches the
# change ticket pattern lets the change through. In admission the engine judges it first (who may
# declare one, a bounded expiry) and takes an unhonoured one out of the object this rule sees, and
# records every emergency met during a freeze.

emergency_key := "change.plumbline.dev/emergency"

change := c if {
	c := input.change
	is_object(c)
} else := {}

# On DELETE the webhook sends the stored object as oldObject.
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

namespace := object.get(metadata, "namespace", "")

ticket_pattern := p if {
	p := input.change.ticketPattern
	is_string(p)
	p != ""
	regex.is_valid(p)
} else := "^[A-Z][A-Z0-9]+-[0-9]+$"

# The ticket is the text before the first ";" (then "expires=…").
emergency if {
	t := annotations[emergency_key]
	is_string(t)
	regex.match(ticket_pattern, trim_space(split(t, ";")[0]))
}

windows := [w | some w in change.windows; is_object(w)] if is_array(change.windows)

windows := [] if not is_array(change.windows)

window_text(w) := sprintf("%s (calendar %s) until %s", [object.get(w, "name", "?"), object.get(w, "calendar", "?"), object.get(w, "end", "?")])

frozen_by := concat("; ", [window_text(w) | some w in windows]) if count(windows) > 0

frozen_by := "an active freeze window" if count(windows) == 0

verb := v if {
	v := {"CREATE": "applied", "UPDATE": "applied", "DELETE": "deleted"}[input.operation]
} else := "applied"

where := sprintf("namespace %q, environment %q", [namespace, env]) if {
	namespace != ""
	env := object.get(object.get(input, "environment", {}), "name", "")
} else := sprintf("environment %q", [object.get(object.get(input, "environment", {}), "name", "")])

emergency_hint := sprintf(" (%s names no ticket matching %q)", [emergency_key, ticket_pattern]) if {
	emergency_key in object.keys(annotations)
} else := ""

path := concat("/", ["/metadata/annotations", replace(emergency_key, "/", "~1")]) if {
	emergency_key in object.keys(annotations)
} else := "/metadata/annotations" if {
	is_object(metadata.annotations)
} else := "/metadata" if {
	is_object(obj.metadata)
} else := ""

violation contains v if {
	input.change.frozen == true # read inline: no rule call while nothing is frozen
	not emergency
	v := {
		"msg": sprintf("%s %q cannot be %s now: %s is frozen by %s%s; emergencies: %s", [obj.kind, name, verb, where, frozen_by, emergency_hint, emergency_key]),
		"path": path,
		"details": {"windows": windows, "operation": object.get(input, "operation", "")},
	}
}
