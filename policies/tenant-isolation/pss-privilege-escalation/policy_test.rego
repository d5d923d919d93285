# Rego unit tests of pss-privilege-escalation, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.pss_privilege_escalation_test

import rego.v1

pod(spec, level, version) := {
	"object": {
		"apiVersion": "v1",
		"kind": "Pod",
		"metadata": {"name": "web"},
		"spec": spec,
	},
	"podSecurity": {"level": level, "version": version},
}

ctr(name, sc) := {"name": name, "image": "odoo:17.0", "securityContext": sc}

compliant := {"containers": [ctr("web", {"allowPrivilegeEscalation": false})]}

test_unset_field_points_at_the_security_context if {
	vs := data.plumbline.rules.pss_privilege_escalation.violation with input as pod({"containers": [ctr("web", {"runAsNonRoot": true})]}, "restricted", "latest")
	count(vs) == 1
	some v in vs
	v.path == "/spec/containers/0/securityContext"
	contains(v.msg, "defaults to true")
}

test_no_security_context_and_explicit_true if {
	spec := {
		"initContainers": [{"name": "init", "image": "busybox:1.36"}],
		"containers": [ctr("web", {"allowPrivilegeEscalation": true})],
		"ephemeralContainers": [ctr("debug", {"allowPrivilegeEscalation": false})],
	}
	vs := data.plumbline.rules.pss_privilege_escalation.violation with input as pod(spec, "restricted", "latest")
	{v.path | some v in vs} == {"/spec/initContainers/0", "/spec/containers/0/securityContext/allowPrivilegeEscalation"}
}

test_false_passes_and_baseline_is_not_judged if {
	count(data.plumbline.rules.pss_privilege_escalation.violation) == 0 with input as pod(compliant, "restricted", "latest")
	count(data.plumbline.rules.pss_privilege_escalation.violation) == 0 with input as pod({"containers": [ctr("web", {})]}, "baseline", "latest")
}

test_windows_pods_exempt_from_v1_25 if {
	win := {"os": {"name": "windows"}, "containers": [ctr("web", {})]}
	count(data.plumbline.rules.pss_privilege_escalation.violation) == 0 with input as pod(win, "restricted", "latest")
	count(data.plumbline.rules.pss_privilege_escalation.violation) == 1 with input as pod(win, "restricted", "v1.24")
}

test_exempt_image if {
	count(data.plumbline.rules.pss_privilege_escalation.violation) == 0 with input as pod({"containers": [ctr("web", {})]}, "restricted", "latest")
		with data.plumbline.params.podSecurity.exemptImages as {"pss-privilege-escalation": ["odoo:17.*"]}
}
