# `not f(ref)` where ref is absent: OPA v1.22.4 hoists the ref out of the negation
# (`__local0__ = input.c.securityContext; not is_object(__local0__)`, see `opa eval --explain=full`),
# so the body is undefined; regorus 0.14.1 evaluates it as `not undefined`, which holds.
# Run: opa eval -f pretty -d not-call-absent-ref.rego -i not-call-absent-ref.json data.repro
#   OPA:     {"else_chain": "securityContext without the field", "via_object_get": "no securityContext"}
#   regorus: all three "no securityContext" (direct is undefined in OPA)
package repro

import rego.v1

direct := "no securityContext" if not is_object(input.c.securityContext)

# The shape of escalation_problem / drop_problem: the first branch is skipped by OPA.
else_chain := problem(input.c)

problem(c) := "no securityContext" if {
	not is_object(c.securityContext)
} else := "securityContext without the field" if {
	object.get(c, "securityContext", null) == null
}

# What both engines agree on: read the possibly absent key with object.get.
via_object_get := "no securityContext" if not is_object(object.get(input.c, "securityContext", null))
