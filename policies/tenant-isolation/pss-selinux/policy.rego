package plumbline.rules.pss_selinux

import rego.v1

import data.plumbline.lib.pss

# Pod Security Standards, baseline: "SELinux" (PSA check seLinuxOptions, latest revision policy
# 1.31+, which added container_engine_t). At pod level and on every container, init container and
# ephemeral container:
# - seLinuxOptions.type must be unset/empty or one of the allowed container types;
# - seLinuxOptions.user and seLinuxOptions.role must be unset/empty.
# seLinuxOptions.level is not restricted. Policy versions below 1.31 do not allow
# container_engine_t.
# Parameter (Gatekeeper K8sPSPSELinuxV2 allowedSELinuxOptions): params.podSecurity.
# allowedSELinuxOptions, a list of {level, role, type, user}, replaces the baseline rules: every
# seLinuxOptions must match one entry, each of its fields either unset or equal to the entry's.

allowed_types := {"container_t", "container_init_t", "container_kvm_t", "container_engine_t"} if {
	data.plumbline.lib.pss.minor >= 31
} else := {"container_t", "container_init_t", "container_kvm_t"}

allowed_text := concat(", ", sort([t | some t in allowed_types]))

configured := object.get(data.plumbline.params, ["podSecurity", "allowedSELinuxOptions"], null)

option_fields := ["level", "role", "type", "user"]

# params.podSecurity.allowedSELinuxOptions, pod level.
violation contains v if {
	ps := data.plumbline.lib.k8s.pod_spec
	opts := ps.spec.securityContext.seLinuxOptions
	is_object(opts)
	is_array(object.get(data.plumbline.params, ["podSecurity", "allowedSELinuxOptions"], null))
	data.plumbline.lib.pss.baseline
	not configured_allows(opts)
	v := {
		"msg": sprintf("%s sets securityContext.seLinuxOptions %v, which matches no entry of params.podSecurity.allowedSELinuxOptions", [subject, opts]),
		"path": concat("", [ps.path, "/securityContext/seLinuxOptions"]),
		"details": {"seLinuxOptions": opts},
	}
}

# params.podSecurity.allowedSELinuxOptions, containers.
violation contains v if {
	some c in data.plumbline.lib.k8s.containers
	opts := c.sc.seLinuxOptions
	is_object(opts)
	is_array(object.get(data.plumbline.params, ["podSecurity", "allowedSELinuxOptions"], null))
	data.plumbline.lib.pss.baseline
	not configured_allows(opts)
	not pss.exempt("pss-selinux", c)
	v := {
		"msg": sprintf("%s sets securityContext.seLinuxOptions %v, which matches no entry of params.podSecurity.allowedSELinuxOptions", [c.desc, opts]),
		"path": concat("", [c.path, "/securityContext/seLinuxOptions"]),
		"details": {"image": c.image, "container": c.name, "seLinuxOptions": opts},
	}
}

configured_allows(opts) if {
	some entry in configured
	count([f | some f in option_fields; not field_allowed(f, opts, entry)]) == 0
}

field_allowed(f, opts, _) if object.get(opts, f, null) == null

field_allowed(f, opts, entry) if object.get(opts, f, null) == object.get(entry, f, null)

# Pod level.
violation contains v if {
	ps := data.plumbline.lib.k8s.pod_spec
	opts := ps.spec.securityContext.seLinuxOptions
	is_object(opts)
	object.get(data.plumbline.params, ["podSecurity", "allowedSELinuxOptions"], null) == null
	data.plumbline.lib.pss.baseline
	some p in problems(opts)
	v := {
		"msg": sprintf("%s sets securityContext.seLinuxOptions.%s; %s", [subject, p.what, p.rule]),
		"path": concat("", [ps.path, "/securityContext/seLinuxOptions/", p.field]),
		"details": {"field": p.field, "value": p.value},
	}
}

# Containers.
violation contains v if {
	some c in data.plumbline.lib.k8s.containers
	opts := c.sc.seLinuxOptions
	is_object(opts)
	object.get(data.plumbline.params, ["podSecurity", "allowedSELinuxOptions"], null) == null
	data.plumbline.lib.pss.baseline
	some p in problems(opts)
	not pss.exempt("pss-selinux", c)
	v := {
		"msg": sprintf("%s sets securityContext.seLinuxOptions.%s; %s", [c.desc, p.what, p.rule]),
		"path": concat("", [c.path, "/securityContext/seLinuxOptions/", p.field]),
		"details": {"image": c.image, "container": c.name, "field": p.field, "value": p.value},
	}
}

problems(opts) := {p |
	t := object.get(opts, "type", "")
	not empty(t)
	not t in allowed_types
	p := {
		"field": "type",
		"value": t,
		"what": sprintf("type to %s", [show(t)]),
		"rule": sprintf("baseline allows only the SELinux types %s (or leaving type unset)", [allowed_text]),
	}
} | {p |
	some field in ["user", "role"]
	val := object.get(opts, field, "")
	not empty(val)
	p := {
		"field": field,
		"value": val,
		"what": sprintf("%s to %s", [field, show(val)]),
		"rule": sprintf("baseline forbids setting a custom SELinux %s (leave it unset)", [field]),
	}
}

show(x) := sprintf("%q", [x]) if is_string(x)

show(x) := sprintf("%v", [x]) if not is_string(x)

empty(x) if x == null

empty(x) if x == ""

subject := "pod" if input.object.kind == "Pod"

subject := sprintf("%s pod template", [input.object.kind]) if input.object.kind != "Pod"
