# Rego unit tests of pss-seccomp-restricted, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.pss_seccomp_restricted_test

import rego.v1

pod(annotations, spec, level, version) := {
	"object": {
		"apiVersion": "v1",
		"kind": "Pod",
		"metadata": {"name": "web", "annotations": annotations},
		"spec": object.union({"containers": [{"name": "web", "image": "odoo:17.0"}]}, spec),
	},
	"podSecurity": {"level": level, "version": version},
}

ctr(sc) := {"name": "web", "image": "odoo:17.0", "securityContext": sc}

runtime_default := {"seccompProfile": {"type": "RuntimeDefault"}}

test_unset_everywhere_points_at_the_container if {
	vs := data.plumbline.rules.pss_seccomp_restricted.violation with input as pod({}, {}, "restricted", "latest")
	count(vs) == 1
	some v in vs
	v.path == "/spec/containers/0"
	v.details.seccompProfileType == null
	contains(v.msg, "does not set securityContext.seccompProfile")
}

test_container_unconfined_overrides_a_valid_pod_default if {
	spec := {"securityContext": runtime_default, "containers": [ctr({"seccompProfile": {"type": "Unconfined"}})]}
	vs := data.plumbline.rules.pss_seccomp_restricted.violation with input as pod({}, spec, "restricted", "latest")
	{v.path | some v in vs} == {"/spec/containers/0/securityContext/seccompProfile/type"}
}

test_pod_unconfined_fails_even_when_containers_set_runtime_default if {
	spec := {"securityContext": {"seccompProfile": {"type": "Unconfined"}}, "containers": [ctr(runtime_default)]}
	vs := data.plumbline.rules.pss_seccomp_restricted.violation with input as pod({}, spec, "restricted", "latest")
	count(vs) == 1
	some v in vs
	v.path == "/spec/securityContext/seccompProfile/type"
	v.details.level == "pod"
}

test_typeless_profile_points_at_the_profile if {
	vs := data.plumbline.rules.pss_seccomp_restricted.violation with input as pod({}, {"containers": [ctr({"seccompProfile": {}})]}, "restricted", "latest")
	some v in vs
	v.path == "/spec/containers/0/securityContext/seccompProfile"
	contains(v.msg, "without a type")
}

test_pod_default_or_every_container_passes if {
	count(data.plumbline.rules.pss_seccomp_restricted.violation) == 0 with input as pod({}, {"securityContext": runtime_default}, "restricted", "latest")
	spec := {"initContainers": [ctr({"seccompProfile": {"type": "Localhost", "localhostProfile": "x.json"}})], "containers": [ctr(runtime_default)]}
	count(data.plumbline.rules.pss_seccomp_restricted.violation) == 0 with input as pod({}, spec, "restricted", "latest")

	# the legacy annotations do not count
	count(data.plumbline.rules.pss_seccomp_restricted.violation) == 1 with input as pod({"seccomp.security.alpha.kubernetes.io/pod": "runtime/default"}, {}, "restricted", "latest")
}

test_levels_versions_and_windows if {
	count(data.plumbline.rules.pss_seccomp_restricted.violation) == 0 with input as pod({}, {}, "baseline", "latest")
	count(data.plumbline.rules.pss_seccomp_restricted.violation) == 0 with input as pod({}, {}, "restricted", "v1.18")
	count(data.plumbline.rules.pss_seccomp_restricted.violation) == 1 with input as pod({}, {}, "restricted", "v1.19")
	win := {"os": {"name": "windows"}}
	count(data.plumbline.rules.pss_seccomp_restricted.violation) == 0 with input as pod({}, win, "restricted", "latest")
	count(data.plumbline.rules.pss_seccomp_restricted.violation) == 1 with input as pod({}, win, "restricted", "v1.24")
}

test_allowed_seccomp_profiles_param_reads_annotations if {
	# the allow-list reads the effective profile, annotations included
	count(data.plumbline.rules.pss_seccomp_restricted.violation) == 0 with input as pod({"seccomp.security.alpha.kubernetes.io/pod": "docker/default"}, {}, "restricted", "latest")
		with data.plumbline.params.podSecurity.allowedSeccompProfiles as ["RuntimeDefault"]
	vs := data.plumbline.rules.pss_seccomp_restricted.violation with input as pod({}, {"securityContext": {"seccompProfile": {"type": "Localhost", "localhostProfile": "x.json"}}}, "restricted", "latest")
		with data.plumbline.params.podSecurity.allowedSeccompProfiles as ["RuntimeDefault"]
	count(vs) == 1
	some v in vs
	v.path == "/spec/securityContext/seccompProfile"
	v.details.profile == "localhost/x.json"
}

test_pod_unconfined_is_reported_unless_every_container_is_exempt if {
	spec := {"securityContext": {"seccompProfile": {"type": "Unconfined"}}, "containers": [ctr(runtime_default), {"name": "db", "image": "postgres:16.4", "securityContext": runtime_default}]}
	vs := data.plumbline.rules.pss_seccomp_restricted.violation with input as pod({}, spec, "restricted", "latest")
		with data.plumbline.params.podSecurity.exemptImages as {"pss-seccomp-restricted": ["odoo:*"]}
	{v.path | some v in vs} == {"/spec/securityContext/seccompProfile/type"}
	count(data.plumbline.rules.pss_seccomp_restricted.violation) == 0 with input as pod({}, spec, "restricted", "latest")
		with data.plumbline.params.podSecurity.exemptImages as {"pss-seccomp-restricted": ["odoo:*", "postgres:*"]}
}
