# Kubernetes resource quantities ("200m", "1Gi", "1e3", 2) as numbers.
package plumbline.lib.quantity

import rego.v1

parse(q) := q if {
	is_number(q)
} else := units.parse(q) if {
	is_string(q)
}

# A human form for messages.
show(q) := sprintf("%v", [q])
