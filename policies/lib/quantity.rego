# Kubernetes resource quantities ("200m", "1Gi", "1e3", 2) as numbers; undefined for a string
# outside apimachinery's resource.Quantity grammar, so rules report it as unparseable.
package plumbline.lib.quantity

import rego.v1

parse(q) := q if {
	is_number(q)
} else := units.parse(replace(replace(regex.replace(q, `\.([^0-9]|$)`, ".0${1}"), "n", "e-9"), "u", "e-6")) if {
	is_string(q)
	regex.match(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$`, q)
}

# The grammar (apimachinery resource.Quantity; `n` and `u` accepted as its parser does, the
# exponent an integer, at least one digit):
#   <quantity>        ::= <signedNumber><suffix>
#   <signedNumber>    ::= <number> | <sign><number>
#   <number>          ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
#   <suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI>
#   <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei
#   <decimalSI>       ::= n | u | m | "" | k | M | G | T | P | E
#   <decimalExponent> ::= "e" <signedInteger> | "E" <signedInteger>
# units.parse alone is laxer than Kubernetes (it takes "1ki", "1K", "1mi", "1e"), hence the
# regex first. It reads "5." but not "0.m": a "." without a digit after it gets a "0". It knows the nano (n) and micro (u) suffixes in regorus but not in OPA ("unit n not
# recognized", tests/opa/repro/units-parse-nano.rego): they are written as a decimal exponent
# ("500000000n" -> "500000000e-9"), which both parse exactly. In a valid quantity these letters
# can only be the suffix, so a plain replace does (no else chain nor map lookup: both misbehave
# in regorus' RVM, see README "Writing rules"). Property-tested against an independent oracle in
# crates/policy-core/tests/it/grammar.rs.

# A human form for messages.
show(q) := sprintf("%v", [q])
