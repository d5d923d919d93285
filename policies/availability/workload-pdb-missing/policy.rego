package plumbline.rules.workload_pdb_missing

import rego.v1

import data.plumbline.lib.k8s

# A production Deployment or StatefulSet with more than one replica and no PodDisruptionBudget (in
# the inventory, same namespace) whose selector selects its pod template's labels.
# policy/v1 semantics: an empty selector {} selects every pod of the namespace; a PDB without a
# selector (null) selects none. Label selector semantics as in k8s.io/apimachinery: matchLabels and
# matchExpressions (In, NotIn, Exists, DoesNotExist) must all hold; NotIn and DoesNotExist hold for
# a missing key.
# Silent when the inventory is unknown (webhook without cache).

inventory := object.get(input, "inventory", {})

environment := object.get(object.get(input, "environment", {}), "name", "")

params := object.get(data.plumbline.params, "availability", {})

governed if environment in object.get(params, "environments", ["production"])

name := object.get(object.get(input.object, "metadata", {}), "name", "")

# metadata.namespace; "" (the run's unnamed namespace, shared by every object without one) when
# unset: a namespace-less workload is covered by a namespace-less PodDisruptionBudget.
own_namespace := data.plumbline.lib.k8s.namespace

replicas := r if {
	r := input.object.spec.replicas
	is_number(r)
}

pod_labels := l if {
	l := data.plumbline.lib.k8s.pod_metadata.labels
	is_object(l)
} else := {}

budgets := [b | some b in inventory.podDisruptionBudgets[own_namespace]; is_object(b)]

list(x) := x if is_array(x)

list(x) := [] if not is_array(x)

obj(x) := x if is_object(x)

obj(x) := {} if not is_object(x)

covered if {
	some b in budgets
	sel := b.selector
	is_object(sel)
	selects(sel, pod_labels)
}

selects(sel, labels) if {
	# Comprehensions rather than `every k, v in ... { labels[k] == v }`: regorus 0.14's RVM lets
	# that hold whenever labels has ANY key with value v.
	mismatched := [k | some k, val in obj(object.get(sel, "matchLabels", {})); object.get(labels, k, null) != val]
	count(mismatched) == 0
	failed := [e | some e in list(object.get(sel, "matchExpressions", [])); not expression_holds(e, labels)]
	count(failed) == 0
}

expression_holds(e, labels) if {
	e.operator == "In"
	has_label(labels, e.key)
	object.get(labels, e.key, null) in list(e.values)
}

expression_holds(e, labels) if {
	e.operator == "NotIn"
	not has_label(labels, e.key)
}

expression_holds(e, labels) if {
	e.operator == "NotIn"
	has_label(labels, e.key)
	not object.get(labels, e.key, null) in list(e.values)
}

expression_holds(e, labels) if {
	e.operator == "Exists"
	has_label(labels, e.key)
}

expression_holds(e, labels) if {
	e.operator == "DoesNotExist"
	not has_label(labels, e.key)
}

has_label(labels, key) if {
	some k, _ in labels
	k == key
}

existing := "no PodDisruptionBudget in its namespace" if count(budgets) == 0

existing := sprintf("no PodDisruptionBudget selecting its pods (%s)", [concat(", ", sort([sprintf("%q", [object.get(b, "name", "")]) | some b in budgets]))]) if count(budgets) > 0

violation contains v if {
	input.object.kind in {"Deployment", "StatefulSet"}
	inventory.known == true
	governed
	replicas > 1
	not covered
	v := {
		"msg": sprintf("%s %q runs %v replicas in %s with %s", [input.object.kind, name, replicas, environment, existing]),
		"path": "/spec/replicas",
		"details": {"namespace": own_namespace, "replicas": replicas, "podLabels": pod_labels, "budgets": [object.get(b, "name", "") | some b in budgets]},
	}
}
