# Rego unit tests of pss-apparmor, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.pss_apparmor_test

import rego.v1

pod(meta, spec, level) := {
	"object": {
		"apiVersion": "v1",
		"kind": "Pod",
		"metadata": object.union({"name": "web"}, meta),
		"spec": object.union({"containers": [{"name": "web", "image": "odoo:17.0"}]}, spec),
	},
	"podSecurity": {"level": level, "version": "latest"},
}

ctr(sc) := {"name": "web", "image": "odoo:17.0", "securityContext": sc}

test_unconfined_container_profile_points_at_type if {
	vs := data.plumbline.rules.pss_apparmor.violation with input as pod({}, {"containers": [ctr({"appArmorProfile": {"type": "Unconfined"}})]}, "baseline")
	count(vs) == 1
	some v in vs
	v.path == "/spec/containers/0/securityContext/appArmorProfile/type"
	v.details.appArmorProfileType == "Unconfined"
	contains(v.msg, "RuntimeDefault or Localhost")
}

# Regression test: the rule once diverged between regorus and OPA here. `not profile.type in
# allowed_types` on a profile without `type` is undefined in OPA (it evaluates the absent ref
# before the negation; tests/opa/repro/not-in-absent-ref.rego), so the typeless profile, which the
# rule documents as forbidden, is not reported there.
test_profile_without_type_points_at_the_profile if {
	vs := data.plumbline.rules.pss_apparmor.violation with input as pod({}, {"securityContext": {"appArmorProfile": {"localhostProfile": "x"}}}, "restricted")
	some v in vs
	v.path == "/spec/securityContext/appArmorProfile"
	v.details.appArmorProfileType == null
}

test_unconfined_annotation_of_ephemeral_container if {
	meta := {"annotations": {"container.apparmor.security.beta.kubernetes.io/debug": "unconfined"}}
	spec := {"ephemeralContainers": [{"name": "debug", "image": "busybox:1.36"}]}
	vs := data.plumbline.rules.pss_apparmor.violation with input as pod(meta, spec, "baseline")
	count(vs) == 1
	some v in vs
	v.path == "/metadata/annotations/container.apparmor.security.beta.kubernetes.io~1debug"
	v.details.container == "debug"
	v.details.image == "busybox:1.36"
}

test_allowed_profiles_and_annotations_pass if {
	meta := {"annotations": {
		"container.apparmor.security.beta.kubernetes.io/web": "localhost/k8s-web",
		"container.apparmor.security.beta.kubernetes.io/side": "runtime/default",
		"container.apparmor.security.beta.kubernetes.io/other": "",
	}}
	spec := {
		"securityContext": {"appArmorProfile": {"type": "RuntimeDefault"}},
		"containers": [ctr({"appArmorProfile": {"type": "Localhost", "localhostProfile": "k8s-web"}})],
	}
	count(data.plumbline.rules.pss_apparmor.violation) == 0 with input as pod(meta, spec, "restricted")
}

test_privileged_level_is_not_judged if {
	spec := {"containers": [ctr({"appArmorProfile": {"type": "Unconfined"}})]}
	count(data.plumbline.rules.pss_apparmor.violation) == 0 with input as pod({}, spec, "privileged")
	count(data.plumbline.rules.pss_apparmor.violation) == 1 with input as pod({}, spec, "baseline")
}

test_exempt_image_is_not_reported if {
	spec := {"containers": [ctr({"appArmorProfile": {"type": "Unconfined"}})]}
	count(data.plumbline.rules.pss_apparmor.violation) == 0 with input as pod({}, spec, "baseline")
		with data.plumbline.params.podSecurity.exemptImages as {"pss-apparmor": ["odoo:*"]}
}

test_allowed_profiles_param_replaces_the_rule if {
	# Only runtime/default allowed: a localhost profile (allowed by PSS) is now reported, and an
	# unset profile counts as runtime/default.
	spec := {"containers": [
		ctr({"appArmorProfile": {"type": "Localhost", "localhostProfile": "custom"}}),
		{"name": "plain", "image": "odoo:17.0"},
	]}
	vs := data.plumbline.rules.pss_apparmor.violation with input as pod({}, spec, "baseline")
		with data.plumbline.params.podSecurity.allowedAppArmorProfiles as ["RuntimeDefault"]
	count(vs) == 1
	some v in vs
	v.path == "/spec/containers/0/securityContext/appArmorProfile"
	v.details.profile == "localhost/custom"
	count(data.plumbline.rules.pss_apparmor.violation) == 0 with input as pod({}, spec, "baseline")
		with data.plumbline.params.podSecurity.allowedAppArmorProfiles as ["runtime/default", "localhost/*"]
}
