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
