# The OPA side of scripts/opa-parity.sh: every applicable rule's violation set for a batch of
# policy inputs, in one `opa eval`. data.plumbline_parity_in holds `items` (each `{input, inv,
# rules}`, the input without its inventory) and `inventories` (the distinct inventories, shared by
# index so that a corpus run does not repeat its inventory per object).
package plumbline_parity

import rego.v1

# [item index, rule id, violation] for every violation of every rule that applies to the item.
rows contains [i, id, v] if {
	some i, item in data.plumbline_parity_in.items
	inp := object.union(item.input, {"inventory": data.plumbline_parity_in.inventories[item.inv]})
	some id in item.rules
	vs := data.plumbline.rules[replace(id, "-", "_")].violation with input as inp
	some v in vs
}
