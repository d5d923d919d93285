# Pod Security Standards helpers: which level and policy version apply, the podSecurity
# parameters, and per-control image exemptions.
# input.podSecurity.level and .version are resolved by the engine as Pod Security Admission reads
# a Namespace: the pod-security.kubernetes.io/enforce and enforce-version labels when the
# Namespace is known, else params.podSecurity.level (else by tier) and params.podSecurity.version
# (else latest).
package plumbline.lib.pss

import rego.v1

level := object.get(object.get(input, "podSecurity", {}), "level", "restricted")

baseline if level in {"baseline", "restricted"}

restricted if level == "restricted"

# The policy version: "latest" or "v1.N". Checks are chosen as Pod Security Admission chooses
# them (policy/registry.go): the newest implementation whose minimum version is at most N; a
# version newer than every check is the latest.
version := object.get(object.get(input, "podSecurity", {}), "version", "latest")

# The minor version N (latest: newer than any check).
minor := 1000 if version == "latest"

minor := to_number(trim_prefix(version, "v1.")) if version != "latest"

# params.podSecurity ({} when absent).
params := object.get(data.plumbline.params, "podSecurity", {})

# Windows pods (spec.os.name: windows) are exempt from the Linux-only restricted controls.
windows_pod if data.plumbline.lib.k8s.pod_spec.spec.os.name == "windows"

# Whether a container's image is exempt from control `rule_id` (params.podSecurity.exemptImages).
exempt(rule_id, c) if {
	some pattern in object.get(data.plumbline.params.podSecurity.exemptImages, rule_id, [])
	some f in data.plumbline.lib.images.forms(c.container.image)
	glob.match(pattern, null, f)
}

# Whether `name` matches an allow- or deny-list entry as the Gatekeeper library's PSP templates
# match sysctls: "*" matches everything, "prefix*" every name that starts with prefix, anything
# else only itself.
matches(pattern, _) if pattern == "*"

matches(pattern, name) if pattern == name

matches(pattern, name) if {
	endswith(pattern, "*")
	startswith(name, trim_suffix(pattern, "*"))
}

# A capability name as the container runtime reads it: upper case, without the CAP_ prefix
# ("cap_net_raw", "CAP_NET_RAW" and "NET_RAW" are the same capability).
capability(name) := trim_prefix(upper(name), "CAP_") if is_string(name)

# params.podSecurity.allowedSeccompProfiles (and allowedLocalhostFiles), as the Gatekeeper
# library's K8sPSPSeccomp: every container's effective seccomp profile must be allowed. The
# effective profile is the container's securityContext.seccompProfile, else the pod's, else the
# container's alpha annotation container.seccomp.security.alpha.kubernetes.io/<name>, else the
# pod's seccomp.security.alpha.kubernetes.io/pod, else none ("not configured", allowed only by
# "*"). Profiles are compared in annotation form: RuntimeDefault is runtime/default (docker/default
# is the same), Unconfined is unconfined, Localhost is localhost/<localhostProfile>. Entries may be
# written in either form; "Localhost" allows localhost/<file> for each of allowedLocalhostFiles
# ("*": any file), "localhost/*" any localhost profile, "*" anything. Used by the seccomp rule of
# the level in force (pss-seccomp-baseline at baseline, pss-seccomp-restricted at restricted).
seccomp_configured := object.get(params, "allowedSeccompProfiles", null)

seccomp_allowed := {a |
	some entry in seccomp_configured
	some a in seccomp_entry_forms(entry)
}

seccomp_entry_forms(e) := ["runtime/default"] if e in {"runtime/default", "docker/default", "RuntimeDefault"}

seccomp_entry_forms(e) := ["unconfined"] if e in {"unconfined", "Unconfined"}

seccomp_entry_forms(e) := [concat("", ["localhost/", f]) | some f in object.get(params, "allowedLocalhostFiles", [])] if e == "Localhost"

seccomp_entry_forms(e) := [e] if {
	not e in {"runtime/default", "docker/default", "RuntimeDefault", "unconfined", "Unconfined", "Localhost"}
}

seccomp_allows(p) if "*" in seccomp_allowed

seccomp_allows(p) if p in seccomp_allowed

seccomp_allows(p) if {
	"localhost/*" in seccomp_allowed
	startswith(p, "localhost/")
}

# A seccompProfile field in annotation form (undefined for an unknown type).
seccomp_field_form(f) := "runtime/default" if f.type == "RuntimeDefault"

seccomp_field_form(f) := "unconfined" if f.type == "Unconfined"

seccomp_field_form(f) := concat("", ["localhost/", object.get(f, "localhostProfile", "")]) if f.type == "Localhost"

seccomp_annotation_form(v) := "runtime/default" if v == "docker/default"

seccomp_annotation_form(v) := v if v != "docker/default"

# The effective profile of container c: {profile, where, path}: the first of the candidates
# below (one-element or empty arrays; no else chain, which regorus mis-evaluates past one else).
seccomp_effective(c) := array.concat(
	array.concat(seccomp_container_field(c), seccomp_pod_field),
	array.concat(array.concat(seccomp_container_annotation(c), seccomp_pod_annotation), [{"profile": "not configured", "where": "no profile set", "path": c.sc_path}]),
)[0]

seccomp_container_field(c) := [x |
	f := c.sc.seccompProfile
	f != null
	x := {"profile": seccomp_field_profile(f), "where": "container securityContext", "path": concat("", [c.path, "/securityContext/seccompProfile"])}
]

seccomp_pod_field := [x |
	f := data.plumbline.lib.k8s.pod_spec.spec.securityContext.seccompProfile
	f != null
	x := {"profile": seccomp_field_profile(f), "where": "pod securityContext", "path": concat("", [data.plumbline.lib.k8s.pod_spec.path, "/securityContext/seccompProfile"])}
]

seccomp_container_annotation(c) := [x |
	key := concat("", ["container.seccomp.security.alpha.kubernetes.io/", c.name])
	v := object.get(object.get(data.plumbline.lib.k8s.pod_metadata, "annotations", {}), key, null)
	is_string(v)
	x := {"profile": seccomp_annotation_form(v), "where": concat("", ["annotation ", key]), "path": concat("/", [data.plumbline.lib.k8s.pod_metadata_path, "annotations", data.plumbline.lib.k8s.escape(key)])}
]

seccomp_pod_annotation := [x |
	v := object.get(object.get(data.plumbline.lib.k8s.pod_metadata, "annotations", {}), "seccomp.security.alpha.kubernetes.io/pod", null)
	is_string(v)
	x := {"profile": seccomp_annotation_form(v), "where": "annotation seccomp.security.alpha.kubernetes.io/pod", "path": concat("/", [data.plumbline.lib.k8s.pod_metadata_path, "annotations", "seccomp.security.alpha.kubernetes.io~1pod"])}
]

seccomp_field_profile(f) := p if {
	p := seccomp_field_form(f)
} else := sprintf("of type %v", [object.get(object.get({true: f}, is_object(f), {}), "type", null)])

# Violations of the allow-list for rule `rule_id`.
seccomp_allowlist_violations(rule_id) := [v |
	some c in data.plumbline.lib.k8s.containers
	not exempt(rule_id, c)
	e := seccomp_effective(c)
	not seccomp_allows(e.profile)
	v := {
		"msg": sprintf("%s runs with seccomp profile %s (%s); params.podSecurity.allowedSeccompProfiles allows only %s", [c.desc, e.profile, e.where, concat(", ", sort([a | some a in seccomp_allowed]))]),
		"path": e.path,
		"details": {"image": c.image, "container": c.name, "profile": e.profile},
	}
]
