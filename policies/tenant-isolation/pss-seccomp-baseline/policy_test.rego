# Rego unit tests of pss-seccomp-baseline, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.pss_seccomp_baseline_test

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

unconfined := {"containers": [ctr({"seccompProfile": {"type": "Unconfined"}})]}

test_unconfined_container_points_at_type if {
	vs := data.plumbline.rules.pss_seccomp_baseline.violation with input as pod({}, unconfined, "baseline", "latest")
	count(vs) == 1
	some v in vs
	v.path == "/spec/containers/0/securityContext/seccompProfile/type"
	v.details.seccompProfileType == "Unconfined"
	contains(v.msg, "baseline allows only RuntimeDefault or Localhost")
}

test_unconfined_pod_profile if {
	vs := data.plumbline.rules.pss_seccomp_baseline.violation with input as pod({}, {"securityContext": {"seccompProfile": {"type": "Unconfined"}}}, "baseline", "latest")
	{v.path | some v in vs} == {"/spec/securityContext/seccompProfile/type"}
}

# Regression test: the rule once diverged between regorus and OPA here. `not profile.type in
# allowed_types` on a profile without `type` is undefined in OPA
# (tests/opa/repro/not-in-absent-ref.rego), so the typeless profile, forbidden by the rule's own
# comment, is not reported there (pod level and container level alike).
test_profile_without_type_points_at_the_profile if {
	vs := data.plumbline.rules.pss_seccomp_baseline.violation with input as pod({}, {"containers": [ctr({"seccompProfile": {}})]}, "baseline", "latest")
	some v in vs
	v.path == "/spec/containers/0/securityContext/seccompProfile"
}

test_unset_and_allowed_types_pass if {
	count(data.plumbline.rules.pss_seccomp_baseline.violation) == 0 with input as pod({}, {}, "baseline", "latest")
	spec := {"securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}, "containers": [ctr({"seccompProfile": {"type": "Localhost", "localhostProfile": "p.json"}})]}
	count(data.plumbline.rules.pss_seccomp_baseline.violation) == 0 with input as pod({}, spec, "baseline", "latest")
}

test_levels_and_replacement_at_restricted if {
	count(data.plumbline.rules.pss_seccomp_baseline.violation) == 0 with input as pod({}, unconfined, "privileged", "latest")

	# restricted from 1.19: pss-seccomp-restricted judges instead
	count(data.plumbline.rules.pss_seccomp_baseline.violation) == 0 with input as pod({}, unconfined, "restricted", "v1.19")
}

test_annotations_are_checked_below_v1_19 if {
	ann := {"seccomp.security.alpha.kubernetes.io/pod": "unconfined", "container.seccomp.security.alpha.kubernetes.io/web": "docker/default"}
	vs := data.plumbline.rules.pss_seccomp_baseline.violation with input as pod(ann, unconfined, "restricted", "v1.18")

	# the fields are not looked at there; the pod annotation is forbidden, docker/default allowed
	count(vs) == 1
	some v in vs
	v.path == "/metadata/annotations/seccomp.security.alpha.kubernetes.io~1pod"
	contains(v.msg, "policy version v1.18")

	# from 1.19 the annotations are ignored
	count(data.plumbline.rules.pss_seccomp_baseline.violation) == 0 with input as pod(ann, {}, "baseline", "v1.19")
}

test_container_annotation_below_v1_19 if {
	ann := {"container.seccomp.security.alpha.kubernetes.io/web": "unconfined"}
	vs := data.plumbline.rules.pss_seccomp_baseline.violation with input as pod(ann, {}, "baseline", "v1.18")
	some v in vs
	v.path == "/metadata/annotations/container.seccomp.security.alpha.kubernetes.io~1web"
	v.details.container == "web"
}

test_allowed_seccomp_profiles_param if {
	spec := {"containers": [ctr({"seccompProfile": {"type": "Localhost", "localhostProfile": "odoo.json"}}), {"name": "plain", "image": "odoo:17.0"}]}
	vs := data.plumbline.rules.pss_seccomp_baseline.violation with input as pod({}, spec, "baseline", "latest")
		with data.plumbline.params.podSecurity.allowedSeccompProfiles as ["runtime/default", "Localhost"]
		with data.plumbline.params.podSecurity.allowedLocalhostFiles as ["odoo.json"]

	# no profile anywhere: allowed only by "*"
	count(vs) == 1
	some v in vs
	v.path == "/spec/containers/1"
	v.details.profile == "not configured"
}
