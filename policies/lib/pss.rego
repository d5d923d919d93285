# Pod Security Standards helpers: which level applies, and per-control image exemptions.
# input.podSecurity.level is resolved by the engine: the Namespace's
# pod-security.kubernetes.io/enforce label when the Namespace is known, else params.podSecurity.level.
package plumbline.lib.pss

import rego.v1

level := object.get(object.get(input, "podSecurity", {}), "level", "restricted")

baseline if level in {"baseline", "restricted"}

restricted if level == "restricted"

# Windows pods (spec.os.name: windows) are exempt from the Linux-only restricted controls.
windows_pod if data.plumbline.lib.k8s.pod_spec.spec.os.name == "windows"

# Whether a container's image is exempt from control `rule_id` (params.podSecurity.exemptImages).
exempt(rule_id, c) if {
	some pattern in object.get(data.plumbline.params.podSecurity.exemptImages, rule_id, [])
	some f in data.plumbline.lib.images.forms(c.container.image)
	glob.match(pattern, null, f)
}
