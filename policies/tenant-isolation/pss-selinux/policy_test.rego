# Rego unit tests of pss-selinux, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.pss_selinux_test

import rego.v1

pod(pod_opts, ctr_opts, level, version) := {
	"object": {
		"apiVersion": "v1",
		"kind": "Pod",
		"metadata": {"name": "web"},
		"spec": {
			"securityContext": {"seLinuxOptions": pod_opts},
			"containers": [{"name": "web", "image": "odoo:17.0", "securityContext": {"seLinuxOptions": ctr_opts}}],
		},
	},
	"podSecurity": {"level": level, "version": version},
}

test_custom_type_points_at_type if {
	vs := data.plumbline.rules.pss_selinux.violation with input as pod(null, {"type": "spc_t"}, "baseline", "latest")
	count(vs) == 1
	some v in vs
	v.path == "/spec/containers/0/securityContext/seLinuxOptions/type"
	v.details.value == "spc_t"
	contains(v.msg, "container_engine_t")
}

test_user_and_role_are_forbidden_at_pod_level if {
	vs := data.plumbline.rules.pss_selinux.violation with input as pod({"user": "system_u", "role": "system_r", "level": "s0:c1,c2"}, null, "restricted", "latest")
	{v.path | some v in vs} == {"/spec/securityContext/seLinuxOptions/user", "/spec/securityContext/seLinuxOptions/role"}
}

test_allowed_types_empty_values_and_level_pass if {
	count(data.plumbline.rules.pss_selinux.violation) == 0 with input as pod({"type": "container_init_t", "level": "s0:c9,c10"}, {"type": "", "user": "", "role": ""}, "baseline", "latest")
	count(data.plumbline.rules.pss_selinux.violation) == 0 with input as pod(null, {"type": "spc_t"}, "privileged", "latest")
}

test_container_engine_t_allowed_from_v1_31 if {
	count(data.plumbline.rules.pss_selinux.violation) == 0 with input as pod(null, {"type": "container_engine_t"}, "baseline", "v1.31")
	count(data.plumbline.rules.pss_selinux.violation) == 1 with input as pod(null, {"type": "container_engine_t"}, "baseline", "v1.30")
}

test_allowed_selinux_options_param if {
	allowed := [{"type": "spc_t", "level": "s0"}]
	count(data.plumbline.rules.pss_selinux.violation) == 0 with input as pod(null, {"type": "spc_t"}, "baseline", "latest")
		with data.plumbline.params.podSecurity.allowedSELinuxOptions as allowed
	vs := data.plumbline.rules.pss_selinux.violation with input as pod(null, {"type": "container_t"}, "baseline", "latest")
		with data.plumbline.params.podSecurity.allowedSELinuxOptions as allowed
	count(vs) == 1
	some v in vs
	v.path == "/spec/containers/0/securityContext/seLinuxOptions"
	contains(v.msg, "matches no entry of params.podSecurity.allowedSELinuxOptions")
}
