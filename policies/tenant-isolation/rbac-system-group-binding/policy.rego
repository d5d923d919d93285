package plumbline.rules.rbac_system_group_binding

import rego.v1

# A RoleBinding or ClusterRoleBinding whose subject is one of params.rbac.disallowedSubjects
# (default system:anonymous, system:unauthenticated, system:masters), unless its roleRef names a
# role of params.rbac.allowedRoles. As the Gatekeeper library's K8sDisallowAnonymous and Kyverno's
# restrict-binding-system-groups: subjects match by name whatever their kind (User or Group), and
# allowedRoles by roleRef.name whatever its kind (Role or ClusterRole).

rbac := object.get(data.plumbline.params, "rbac", {})

list(x) := x if is_array(x)

list(x) := [] if not is_array(x)

disallowed := list(object.get(rbac, "disallowedSubjects", ["system:anonymous", "system:unauthenticated", "system:masters"]))

allowed_roles := list(object.get(rbac, "allowedRoles", ["system:public-info-viewer"]))

role_name := n if {
	n := input.object.roleRef.name
	is_string(n)
} else := ""

name := object.get(object.get(input.object, "metadata", {}), "name", "")

role_allowed if role_name in allowed_roles

violation contains v if {
	input.object.kind in {"RoleBinding", "ClusterRoleBinding"}
	not role_allowed
	some i, subject in list(object.get(input.object, "subjects", []))
	is_object(subject)
	subject_name := object.get(subject, "name", "")
	subject_name in disallowed
	v := {
		"msg": sprintf("%s %q binds %s %s to role %q; bind named users, groups or service accounts instead (or list the role in params.rbac.allowedRoles)", [input.object.kind, name, object.get(subject, "kind", "subject"), subject_name, role_name]),
		"path": sprintf("/subjects/%d", [i]),
		"details": {"subject": subject_name, "role": role_name},
	}
}
