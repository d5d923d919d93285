package plumbline.rules.annotations_required

import rego.v1

import data.plumbline.lib.k8s

# Required annotations, as the Gatekeeper library's K8sRequiredAnnotations
# (general/requiredannotations): params.annotations.required is a list of
# {key, allowedRegex?, kinds?}. An object of a listed kind (every kind when `kinds` is absent)
# must carry each key (any value, "" included, counts as present), and when `allowedRegex` is set
# and not "" the value must match it (RE2, unanchored, as regex.match: write ^...$ for the whole
# value). Off while the list is empty.

list(x) := x if is_array(x)

list(x) := [] if not is_array(x)

entries := [e |
	some e in list(object.get(object.get(data.plumbline.params, "annotations", {}), "required", []))
	is_object(e)
	is_string(object.get(e, "key", null))
]

kind := object.get(input.object, "kind", "")

metadata := m if {
	m := input.object.metadata
	is_object(m)
} else := {}

present := l if {
	l := metadata.annotations
	is_object(l)
} else := {}

name := object.get(metadata, "name", "")

applies(e) if not "kinds" in object.keys(e)

applies(e) if {
	some k in list(e.kinds)
	k == kind
}

wanted := [e | some e in entries; applies(e)]

missing := sort({e.key | some e in wanted; not e.key in object.keys(present)})

annotations_path := "/metadata/annotations" if is_object(object.get(metadata, "annotations", null))

annotations_path := "/metadata" if {
	is_object(input.object.metadata)
	not is_object(object.get(metadata, "annotations", null))
}

annotations_path := "" if not is_object(object.get(input.object, "metadata", null))

violation contains v if {
	count(missing) > 0
	v := {
		"msg": sprintf("%s %q lacks the required annotation(s) %s", [kind, name, concat(", ", missing)]),
		"path": annotations_path,
		"details": {"missing": missing},
	}
}

matches(pattern, value) if {
	is_string(value)
	regex.is_valid(pattern)
	regex.match(pattern, value)
}

violation contains v if {
	some e in wanted
	pattern := object.get(e, "allowedRegex", "")
	is_string(pattern)
	pattern != ""
	some key, value in present
	key == e.key
	not matches(pattern, value)
	v := {
		"msg": sprintf("%s %q has annotation %s: %s, which does not match allowedRegex %s%s", [kind, name, key, json.marshal(value), pattern, invalid_note(pattern)]),
		"path": sprintf("/metadata/annotations/%s", [k8s.escape(key)]),
		"details": {"annotation": key, "value": value, "allowedRegex": pattern},
	}
}

invalid_note(pattern) := "" if regex.is_valid(pattern)

invalid_note(pattern) := " (not a valid RE2 expression: fix params.annotations.required)" if not regex.is_valid(pattern)
