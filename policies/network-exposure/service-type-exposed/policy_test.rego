# Rego unit tests of service-type-exposed, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.service_type_exposed_test

import rego.v1

service(spec) := {"object": {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "odoo"}, "spec": spec}}

test_node_port_is_a_violation_at_spec_type if {
	vs := data.plumbline.rules.service_type_exposed.violation with input as service({"type": "NodePort"})
	count(vs) == 1
	some v in vs
	v.path == "/spec/type"
	startswith(v.details.why, "it opens the port on every node")
}

test_unset_type_is_cluster_ip if {
	count(data.plumbline.rules.service_type_exposed.violation) == 0 with input as service({})
}

test_unset_type_is_judged_as_cluster_ip_at_spec if {
	vs := data.plumbline.rules.service_type_exposed.violation with input as service({"ports": []})
		with data.plumbline.params.network.allowedServiceTypes as ["LoadBalancer"]
	some v in vs
	v.details.type == "ClusterIP"
	v.path == "/spec"
}

test_load_balancer_allowed_by_params if {
	count(data.plumbline.rules.service_type_exposed.violation) == 0 with input as service({"type": "LoadBalancer"})
		with data.plumbline.params.network.allowedServiceTypes as ["ClusterIP", "LoadBalancer"]
}
