# Rego unit tests of rbac-system-group-binding, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.rbac_system_group_binding_test

import rego.v1

binding(kind, role, subjects) := {"object": {
	"apiVersion": "rbac.authorization.k8s.io/v1",
	"kind": kind,
	"metadata": {"name": "b"},
	"roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
	"subjects": subjects,
}}

anon := {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "system:anonymous"}

sa := {"kind": "ServiceAccount", "name": "odoo", "namespace": "acme-prod"}

test_anonymous_subject_points_at_the_subject if {
	vs := data.plumbline.rules.rbac_system_group_binding.violation with input as binding("ClusterRoleBinding", "view", [sa, anon])
	count(vs) == 1
	some v in vs
	v.path == "/subjects/1"
	v.details == {"subject": "system:anonymous", "role": "view"}
	contains(v.msg, "binds User system:anonymous to role \"view\"")
}

test_masters_group_in_a_role_binding if {
	vs := data.plumbline.rules.rbac_system_group_binding.violation with input as binding("RoleBinding", "edit", [{"kind": "Group", "name": "system:masters"}])
	{v.path | some v in vs} == {"/subjects/0"}
}

test_allowed_role_and_named_subjects_pass if {
	count(data.plumbline.rules.rbac_system_group_binding.violation) == 0 with input as binding("ClusterRoleBinding", "system:public-info-viewer", [{"kind": "Group", "name": "system:unauthenticated"}])
	count(data.plumbline.rules.rbac_system_group_binding.violation) == 0 with input as binding("ClusterRoleBinding", "view", [sa, {"kind": "Group", "name": "system:authenticated"}])
}

test_subjects_and_roles_come_from_params if {
	subjects := [{"kind": "Group", "name": "system:authenticated"}]
	count(data.plumbline.rules.rbac_system_group_binding.violation) == 1 with input as binding("ClusterRoleBinding", "view", subjects)
		with data.plumbline.params.rbac.disallowedSubjects as ["system:authenticated"]
	count(data.plumbline.rules.rbac_system_group_binding.violation) == 0 with input as binding("ClusterRoleBinding", "system:basic-user", subjects)
		with data.plumbline.params.rbac.disallowedSubjects as ["system:authenticated"]
		with data.plumbline.params.rbac.allowedRoles as ["system:basic-user"]
}
