# units.parse of a nano suffix ("500000000n", a valid Kubernetes quantity = 0.5 CPU): OPA v1.22.4
# fails with "unit n not recognized" (undefined), regorus 0.14.1 parses it. With it
# container-limits-excessive reports the value as "not a valid quantity" in OPA only.
# Run: opa eval -f pretty -d units-parse-nano.rego -i units-parse-nano.json data.repro
#   OPA:     {"milli": 0.5}           regorus: {"milli": 0.5, "nano": 0.5}
package repro

import rego.v1

nano := units.parse(input.nano)

milli := units.parse(input.milli)
