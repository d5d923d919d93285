# Kubernetes resource quantities ("200m", "1Gi", "1e3", 2) as numbers.
package plumbline.lib.quantity

import rego.v1

parse(q) := q if {
	is_number(q)
} else := units.parse(replace(replace(replace(q, "n", "e-9"), "u", "e-6"), "μ", "e-6")) if {
	is_string(q)
}

# units.parse knows the nano (n) and micro (u, μ) suffixes in regorus but not in OPA ("unit n not
# recognized", tests/opa/repro/units-parse-nano.rego): they are written as a decimal exponent
# ("500000000n" -> "500000000e-9"), which both parse exactly. In a valid quantity these letters
# can only be the suffix, so a plain replace does (no else chain nor map lookup: both misbehave
# in regorus' RVM, see README "Writing rules").

# A human form for messages.
show(q) := sprintf("%v", [q])
