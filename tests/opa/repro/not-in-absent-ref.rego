# The `in` form of not-call-absent-ref: `not p.type in allowed` with `p = {}` (pss-seccomp-restricted
# on `seccompProfile: {}`). OPA hoists `p.type` out of the negation, so the body is undefined;
# regorus holds it.
# Run: opa eval -f pretty -d not-in-absent-ref.rego -i not-in-absent-ref.json data.repro
#   OPA:     {"agreed": true, "allowed": [...]}   regorus: the same and "forbidden": true
package repro

import rego.v1

allowed := {"RuntimeDefault", "Localhost"}

forbidden if {
	p := input.seccompProfile
	not p.type in allowed
}

agreed if {
	p := input.seccompProfile
	not object.get(p, "type", null) in allowed
}
