package plumbline.rules.workload_probes_missing

import rego.v1

# Long-running pods only: a Job's or CronJob's pod runs to completion, is never behind a Service
# and is not restarted for being slow, so readiness and liveness probes do not apply to it.
long_running_kinds := {"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"}

# A probe counts when it is an object with a handler (the API server rejects a probe with none;
# Gatekeeper's K8sRequiredProbes likewise treats a probe without one of its probeTypes as missing).
# (Most common first: the check stops at the first handler found.)
handlers := ["httpGet", "tcpSocket", "exec", "grpc"]

# Why each matters is in rule.yaml (the message names only what is missing).
probes := {"readinessProbe", "livenessProbe"}

# Regular containers and native sidecars (init containers with restartPolicy: Always run for the
# pod's whole life and are probed like regular ones). Ordinary init containers and ephemeral
# containers cannot have these probes.
judged := array.concat(
	[c | some c in data.plumbline.lib.k8s.containers; c.field == "containers"],
	[c | some c in data.plumbline.lib.k8s.containers; c.field == "initContainers"; c.container.restartPolicy == "Always"],
) if input.object.kind in long_running_kinds

violation contains v if {
	some c in judged
	some probe in probes
	p := object.get(c.container, probe, null)
	count([h | some h in handlers; is_object(p[h])]) == 0
	problem := probe_problem(p)
	v := {
		"msg": sprintf("%s%s %s", [c.desc, sidecar_note(c), problem_text(problem, probe)]),
		"path": probe_path(c, probe),
		"details": {"container": c.name, "image": c.image, "probe": probe, "problem": problem},
	}
}

# Missing (absent or null), or written without a handler (not an object, or no handler in it).
probe_problem(p) := "missing" if {
	p == null
} else := "no-handler"

problem_text(problem, probe) := sprintf("has no %s", [probe]) if {
	problem == "missing"
} else := sprintf("sets %s without a handler, which checks nothing", [probe]) if {
	problem == "no-handler"
}

# Judged init containers are all native sidecars.
sidecar_note(c) := " (native sidecar)" if c.field == "initContainers" else := ""

# The probe when it is written (but has no handler), else the container that should hold it.
probe_path(c, probe) := sprintf("%s/%s", [c.path, probe]) if probe in object.keys(c.container) else := c.path
