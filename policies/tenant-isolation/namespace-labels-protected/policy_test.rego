# Rego unit tests of namespace-labels-protected, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.namespace_labels_protected_test

import rego.v1

ns(labels) := {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "acme-prod", "labels": labels}}

update(old, new, user, tier) := {
	"operation": "UPDATE",
	"object": ns(new),
	"oldObject": ns(old),
	"user": user,
	"environment": {"name": "production", "tier": tier, "source": "label"},
}

create(labels, user, tier) := {
	"operation": "CREATE",
	"object": ns(labels),
	"oldObject": null,
	"user": user,
	"environment": {"name": "production", "tier": tier, "source": "label"},
}

alice := {"username": "alice", "groups": ["system:authenticated"]}

admin := {"username": "admin", "groups": ["system:masters", "system:authenticated"]}

offline := {"username": "", "groups": []}

test_changing_the_tenant_label_points_at_it if {
	vs := data.plumbline.rules.namespace_labels_protected.violation with input as update({"plumbline.dev/tenant": "acme"}, {"plumbline.dev/tenant": "globex"}, alice, "multi-tenant")
	count(vs) == 1
	some v in vs
	v.path == "/metadata/labels/plumbline.dev~1tenant"
	v.details == {"labels": ["plumbline.dev/tenant"], "requester": "alice"}
	contains(v.msg, "requester alice changes plumbline.dev/tenant=\"globex\" (was \"acme\")")
}

test_removing_and_prefix_labels if {
	old := {"plumbline.dev/tenant": "acme", "pod-security.kubernetes.io/enforce": "restricted", "team": "erp"}
	new := {"plumbline.dev/tenant": "acme", "team": "crm"}
	vs := data.plumbline.rules.namespace_labels_protected.violation with input as update(old, new, alice, "dedicated")
	some v in vs
	v.details.labels == ["pod-security.kubernetes.io/enforce"]
	v.path == "/metadata/labels"
	contains(v.msg, "(removed, was \"restricted\")")
}

test_requesters_unchanged_labels_and_offline_pass if {
	count(data.plumbline.rules.namespace_labels_protected.violation) == 0 with input as update({"plumbline.dev/tenant": "acme"}, {"plumbline.dev/tenant": "globex"}, admin, "multi-tenant")
	count(data.plumbline.rules.namespace_labels_protected.violation) == 0 with input as update({"plumbline.dev/tenant": "acme", "team": "a"}, {"plumbline.dev/tenant": "acme", "team": "b"}, alice, "multi-tenant")
	count(data.plumbline.rules.namespace_labels_protected.violation) == 0 with input as create({"plumbline.dev/tenant": "acme"}, offline, "multi-tenant")
}

test_tiers if {
	# a CREATE in an ungoverned tier is not judged ...
	count(data.plumbline.rules.namespace_labels_protected.violation) == 0 with input as create({"pod-security.kubernetes.io/enforce": "privileged"}, alice, "sandbox")
	count(data.plumbline.rules.namespace_labels_protected.violation) == 1 with input as create({"pod-security.kubernetes.io/enforce": "privileged"}, alice, "multi-tenant")

	# ... but changing a `protected` label is judged in every tier
	count(data.plumbline.rules.namespace_labels_protected.violation) == 1 with input as update({"plumbline.dev/environment": "production"}, {"plumbline.dev/environment": "sandbox"}, alice, "sandbox")
}

test_params_requesters_and_judge_offline if {
	count(data.plumbline.rules.namespace_labels_protected.violation) == 0 with input as update({"plumbline.dev/tenant": "acme"}, {}, alice, "dedicated")
		with data.plumbline.params.namespaceLabels.requesters as {"users": ["alice"], "groups": []}
	vs := data.plumbline.rules.namespace_labels_protected.violation with input as create({"plumbline.dev/admission": "off"}, offline, "dedicated")
		with data.plumbline.params.namespaceLabels.judgeOffline as true
	some v in vs
	v.path == "/metadata/labels/plumbline.dev~1admission"
	contains(v.msg, "an unknown requester (offline) sets plumbline.dev/admission=\"off\"")
}

test_custom_tenant_label_is_protected if {
	vs := data.plumbline.rules.namespace_labels_protected.violation with input as update({"example.com/customer": "acme"}, {"example.com/customer": "globex"}, alice, "multi-tenant")
		with data.plumbline.params.tenancy.tenantLabel as "example.com/customer"
	count(vs) == 1
	count(data.plumbline.rules.namespace_labels_protected.violation) == 0 with input as update({"example.com/customer": "acme"}, {"example.com/customer": "globex"}, alice, "multi-tenant")
}

# Regression test: the rule once diverged between regorus and OPA here. `path := "/metadata" if {
# ...; not is_object(input.object.metadata.labels) }` reads an absent key inside `not`
# (tests/opa/repro/not-call-absent-ref.rego); OPA evaluates the ref first, so the rule is
# undefined and the violation disappears there.
test_removing_every_label_points_at_metadata if {
	inp := {
		"operation": "UPDATE",
		"object": {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "acme-prod"}},
		"oldObject": ns({"plumbline.dev/tenant": "acme"}),
		"user": alice,
		"environment": {"name": "production", "tier": "multi-tenant", "source": "label"},
	}
	vs := data.plumbline.rules.namespace_labels_protected.violation with input as inp
	some v in vs
	v.path == "/metadata"
	v.details.labels == ["plumbline.dev/tenant"]
}
