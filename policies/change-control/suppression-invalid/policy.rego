package plumbline.rules.suppression_invalid

import rego.v1

import data.plumbline.lib.k8s

# input.suppressions is read by the engine from ignore.plumbline.dev/<rule-id> annotations:
# {"<rule-id>": {"reason": "...", "expires": "YYYY-MM-DD", "problem": "why it is not honoured",
#  "carried": true}}. `carried` (admission only): the stored object had the same suppression but
# the requester may not suppress; it is reported as a warning (the findings it covers count anyway).
violation contains v if {
	some rule_id, s in input.suppressions
	problem := object.get(s, "problem", null)
	problem != null
	key := concat("", ["ignore.plumbline.dev/", rule_id])
	v := {
		"msg": sprintf("suppression %q %s; not honoured", [key, problem]),
		"path": concat("", ["/metadata/annotations/", k8s.escape(key)]),
		"details": {"suppressedRule": rule_id},
		"severity": severity(s),
	}
}

severity(s) := "warning" if {
	object.get(s, "carried", false) == true
} else := "error"
