# The built-in pack under conftest (scripts/compare.sh): conftest evaluates `violation` of package
# main for each input file; each file is one object's policy input (tests/peers/export_inputs.py)
# without its inventory, with `plumblineRules` (the rules that apply to it) and
# `plumblineInventory` (which of data.plumbline_peers.inventories is its). As tests/opa/parity.rego
# does for OPA, the inventory is put back and exactly the applicable rules are evaluated, with the
# pack's params as data.plumbline.params (conftest --data).
package main

import rego.v1

violation contains v if {
	inp := object.union(input, {"inventory": data.plumbline_peers.inventories[input.plumblineInventory]})
	some id in input.plumblineRules
	some r in data.plumbline.rules[id].violation with input as inp
	v := object.union(r, {"msg": sprintf("%s: %s", [id, r.msg])})
}
