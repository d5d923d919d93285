package plumbline.rules.container_memory_request_limit

import rego.v1

import data.plumbline.lib.quantity

enabled if object.get(object.get(data.plumbline.params, "resources", {}), "memoryRequestEqualsLimit", false) == true

# A container whose memory request differs from its memory limit, compared as quantities
# (1Gi equals 1024Mi). Only containers that set a memory request are judged: a limit alone is
# fine (the API server sets the request to the limit), and neither set is for
# container-requests-missing and container-limits-missing. A request without a limit is reported.
violation contains v if {
	enabled
	some c in data.plumbline.lib.k8s.runtime_containers
	request := set_value(c, "requests")
	limit := object.get(c.container, ["resources", "limits", "memory"], null)
	not same(request, limit)
	v := {
		"msg": sprintf("%s: memory request %v is not equal to its memory limit %s", [c.desc, request, limit_text(limit)]),
		"path": sprintf("%s/resources/requests/memory", [c.path]),
		"details": {"container": c.name, "image": c.image, "request": sprintf("%v", [request]), "limit": limit_text(limit)},
	}
}

# The memory request; undefined when absent, null or "".
set_value(c, kind) := value if {
	value := object.get(c.container, ["resources", kind, "memory"], null)
	value != null
	value != ""
}

same(a, b) if a == b

same(a, b) if {
	a != b
	quantity.parse(a) == quantity.parse(b)
}

limit_text(l) := "(none)" if l in {null, ""}

limit_text(l) := sprintf("%v", [l]) if not l in {null, ""}
