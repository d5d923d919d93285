package plumbline.rules.namespace_labels_protected

import rego.v1

import data.plumbline.lib.k8s

# A Namespace's tenancy, environment, Pod Security and admission labels decide which tenant owns
# it, which environment (and so which tier, enforcement and freeze calendars) it is in, the Pod
# Security level, and whether the webhook sees the namespace at all. Only the requesters in
# params.namespaceLabels.requesters may set, change or remove them (CREATE: every protected label
# set; UPDATE: every protected label whose value differs from oldObject).
#
# Judged where the requester is known (admission: input.user.username is never empty there);
# offline only when params.namespaceLabels.judgeOffline is true (a tenant repository's CI, whose
# manifests must not carry these labels). Governed tiers: params.namespaceLabels.tiers (default
# multi-tenant and dedicated); an UPDATE that changes one of the `protected` labels is judged in
# every tier, so a namespace cannot be relabelled out of a governed tier.

params := object.get(data.plumbline.params, "namespaceLabels", {})

tenant_label := object.get(object.get(data.plumbline.params, "tenancy", {}), "tenantLabel", "plumbline.dev/tenant")

protected_keys := array.concat(object.get(params, "protected", []), [tenant_label])

prefixes := object.get(params, "protectedPrefixes", [])

user := u if {
	u := input.user
	is_object(u)
} else := {}

username := n if {
	n := user.username
	is_string(n)
} else := ""

groups := g if {
	g := user.groups
	is_array(g)
} else := []

requesters := object.get(params, "requesters", {})

allowed if {
	username != ""
	username in object.get(requesters, "users", [])
}

allowed if {
	some g in groups
	g in object.get(requesters, "groups", [])
}

judged if username != ""

judged if params.judgeOffline == true

new_labels := l if {
	l := input.object.metadata.labels
	is_object(l)
} else := {}

updating if is_object(input.oldObject)

old_labels := l if {
	l := input.oldObject.metadata.labels
	is_object(l)
} else := {}

protected(k) if k in protected_keys

protected(k) if {
	some p in prefixes
	startswith(k, p)
}

label_keys := {k | some k, _ in new_labels} | {k | some k, _ in old_labels}

changed := sort([k |
	some k in label_keys
	protected(k)
	object.get(new_labels, k, null) != object.get(old_labels, k, null)
])

governed if object.get(object.get(input, "environment", {}), "tier", "") in object.get(params, "tiers", ["multi-tenant", "dedicated"])

# Relabelling out of a governed tier is judged wherever it lands.
governed if {
	updating
	some k in changed
	k in protected_keys
}

# (Separate definitions rather than an else chain: regorus 0.14.1's RVM can return undefined for
# the later branches of a chain with more than one else.)
describe(k) := sprintf("%s (removed, was %q)", [k, old_labels[k]]) if not k in object.keys(new_labels)

describe(k) := sprintf("%s=%q (was %q)", [k, new_labels[k], old_labels[k]]) if {
	k in object.keys(new_labels)
	k in object.keys(old_labels)
}

describe(k) := sprintf("%s=%q", [k, new_labels[k]]) if {
	k in object.keys(new_labels)
	not k in object.keys(old_labels)
}

who := sprintf("requester %s", [username]) if username != "" else := "an unknown requester (offline)"

# The first changed label still present, else the labels, else metadata.
present := [k | some k in changed; k in object.keys(new_labels)]

path := concat("/", ["/metadata/labels", k8s.escape(present[0])]) if count(present) > 0

path := "/metadata/labels" if {
	count(present) == 0
	is_object(object.get(object.get(input.object, "metadata", {}), "labels", null))
}

path := "/metadata" if {
	count(present) == 0
	not is_object(object.get(object.get(input.object, "metadata", {}), "labels", null))
}

violation contains v if {
	input.object.kind == "Namespace"
	count(changed) > 0
	judged
	not allowed
	governed
	name := object.get(input.object.metadata, "name", "")
	v := {
		"msg": sprintf("Namespace %q: %s %s %s, which only params.namespaceLabels.requesters may change", [name, who, verb, concat(", ", [describe(k) | some k in changed])]),
		"path": path,
		"details": {"labels": changed, "requester": username},
	}
}

verb := "changes" if updating else := "sets"
