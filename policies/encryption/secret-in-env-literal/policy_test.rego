# Rego unit tests of secret-in-env-literal, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.secret_in_env_literal_test

import rego.v1

pod(env) := {"object": {
	"apiVersion": "v1",
	"kind": "Pod",
	"metadata": {"name": "odoo"},
	"spec": {"containers": [{"name": "odoo", "image": "odoo:17.0", "env": env}]},
}}

# The env names reported in a Pod with `env`.
names(env) := ns if {
	vs := data.plumbline.rules.secret_in_env_literal.violation with input as pod(env)
	ns := sort([v.details.env | some v in vs])
}

test_literal_password_is_a_violation_at_its_value if {
	vs := data.plumbline.rules.secret_in_env_literal.violation with input as pod([{"name": "HOST", "value": "db"}, {"name": "PASSWORD", "value": "hunter2"}])
	count(vs) == 1
	some v in vs
	v.path == "/spec/containers/0/env/1/value"
}

test_names_that_are_not_the_secret_pass if {
	names([
		{"name": "PASSWORD_FILE", "value": "/run/secrets/db"},
		{"name": "POSTGRES_HOST_AUTH_METHOD", "value": "scram-sha-256"},
		{"name": "ALLOW_EMPTY_PASSWORD", "value": "no"},
		{"name": "DB_URL", "value": "postgres://db:5432/odoo"},
	]) == []
}

test_url_with_a_password_is_a_secret if {
	names([{"name": "DATABASE_URL", "value": "postgres://odoo:hunter2@db:5432/odoo"}]) == []
	names([{"name": "AUTH_URL", "value": "postgres://odoo:hunter2@db:5432/odoo"}]) == ["AUTH_URL"]
}

test_value_from_a_secret_ref_passes if {
	names([{"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}]) == []
}

test_pattern_comes_from_params if {
	vs := data.plumbline.rules.secret_in_env_literal.violation with input as pod([{"name": "ODOO_MASTER", "value": "x"}])
		with data.plumbline.params.secrets.envNamePattern as "(?i)master"
	count(vs) == 1
}
