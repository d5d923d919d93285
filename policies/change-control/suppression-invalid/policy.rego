package plumbline.rules.suppression_invalid

import rego.v1

import data.plumbline.lib.k8s

# input.suppressions is read by the engine from ignore.plumbline.dev/<rule-id> annotations:
# {"<rule-id>": {"reason": "...", "expires": "YYYY-MM-DD", "problem": "why it is not honoured"}}.
violation contains v if {
	some rule_id, s in input.suppressions
	problem := object.get(s, "problem", null)
	problem != null
	key := concat("", ["ignore.plumbline.dev/", rule_id])
	v := {
		"msg": sprintf("suppression annotation %q %s; it is not honoured", [key, problem]),
		"path": concat("", ["/metadata/annotations/", k8s.escape(key)]),
		"details": {"suppressedRule": rule_id},
	}
}
