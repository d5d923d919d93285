# Rego unit tests of container-limits-missing, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.container_limits_missing_test

import rego.v1

pod(resources) := {"object": {
	"apiVersion": "v1",
	"kind": "Pod",
	"metadata": {"name": "odoo"},
	"spec": {"containers": [object.union({"name": "odoo", "image": "odoo:17.0"}, resources)]},
}}

test_no_resources_points_at_the_container if {
	vs := data.plumbline.rules.container_limits_missing.violation with input as pod({})
	count(vs) == 1
	some v in vs
	v.path == "/spec/containers/0"
	v.details.missing == ["memory"]
}

test_requests_without_limits_points_at_resources if {
	vs := data.plumbline.rules.container_limits_missing.violation with input as pod({"resources": {"requests": {"memory": "1Gi"}}})
	some v in vs
	v.path == "/spec/containers/0/resources"
}

test_memory_limit_passes_by_default if {
	count(data.plumbline.rules.container_limits_missing.violation) == 0 with input as pod({"resources": {"limits": {"memory": "2Gi"}}})
}

test_required_limits_come_from_params if {
	vs := data.plumbline.rules.container_limits_missing.violation with input as pod({"resources": {"limits": {"memory": "2Gi"}}})
		with data.plumbline.params.resources.requireLimits as ["cpu", "memory"]
	some v in vs
	v.details.missing == ["cpu"]
	v.path == "/spec/containers/0/resources/limits"
}

# Gatekeeper K8sContainerEphemeralStorageLimit requires an ephemeral-storage limit.
test_ephemeral_storage_can_be_required if {
	vs := data.plumbline.rules.container_limits_missing.violation with input as pod({"resources": {"limits": {"memory": "2Gi"}}})
		with data.plumbline.params.resources.requireLimits as ["memory", "ephemeral-storage"]
	some v in vs
	v.details.missing == ["ephemeral-storage"]
}

# Gatekeeper K8sRequiredResources' no-enforcements sample: an empty list requires nothing.
test_an_empty_list_requires_nothing if {
	count(data.plumbline.rules.container_limits_missing.violation) == 0 with input as pod({"resources": {}})
		with data.plumbline.params.resources.requireLimits as []
}
