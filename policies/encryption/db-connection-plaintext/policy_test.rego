# Rego unit tests of db-connection-plaintext, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.db_connection_plaintext_test

import rego.v1

pod(container) := {"object": {
	"apiVersion": "v1",
	"kind": "Pod",
	"metadata": {"name": "odoo"},
	"spec": {"containers": [object.union({"name": "odoo", "image": "odoo:17.0"}, container)]},
}}

configmap(d) := {"object": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "odoo-conf"}, "data": d}}

paths(container) := sort([v.path | some v in vs]) if {
	vs := data.plumbline.rules.db_connection_plaintext.violation with input as pod(container)
}

test_pgsslmode_disable_is_a_violation_at_its_value if {
	vs := data.plumbline.rules.db_connection_plaintext.violation with input as pod({"env": [{"name": "HOST", "value": "db"}, {"name": "PGSSLMODE", "value": "Disable"}]})
	count(vs) == 1
	some v in vs
	v.path == "/spec/containers/0/env/1/value"
	v.msg == `container "odoo" env PGSSLMODE sets sslmode=disable, which allows an unencrypted PostgreSQL connection; use verify-full (or require)`
}

test_url_password_is_never_quoted if {
	vs := data.plumbline.rules.db_connection_plaintext.violation with input as pod({"env": [{"name": "DATABASE_URL", "value": "postgres://odoo:hunter2@db:5432/odoo?sslmode=prefer"}]})
	count(vs) == 1
	some v in vs
	contains(v.msg, "sets sslmode=prefer")
	not contains(v.msg, "hunter2")
}

test_verifying_modes_and_secret_refs_pass if {
	paths({"env": [
		{"name": "PGSSLMODE", "value": "verify-full"},
		{"name": "DB_SSL_MODE", "value": "require"},
		{"name": "DATABASE_URL", "value": "postgres://db/odoo?sslmode=verify-ca"},
		{"name": "DSN", "value": "host=db sslmode=disabled_not_a_mode"},
		{"name": "REDIS_URL", "valueFrom": {"secretKeyRef": {"name": "redis", "key": "url"}}},
	]}) == []
}

test_redis_urls_except_loopback if {
	paths({"env": [
		{"name": "REDIS_URL", "value": "redis://:secret@redis.erp:6379/0"},
		{"name": "CACHE_URL", "value": "redis://localhost:6379"},
		{"name": "SESSION_URL", "value": "rediss://redis.erp:6380"},
		{"name": "LOCK_URL", "value": "redis://[::1]:6379/1"},
	]}) == ["/spec/containers/0/env/0/value"]
}

test_odoo_db_sslmode_arguments if {
	paths({"args": ["--db_sslmode=allow", "--workers=4"]}) == ["/spec/containers/0/args/0"]
	paths({"command": ["odoo", "--db_sslmode", "disable"]}) == ["/spec/containers/0/command/2"]
	paths({"args": ["--db_sslmode", "verify-full"]}) == []
}

test_configmap_odoo_conf_line_is_reported_comments_are_not if {
	vs := data.plumbline.rules.db_connection_plaintext.violation with input as configmap({"odoo.conf": "[options]\n; db_sslmode = disable\ndb_host = db\ndb_sslmode = prefer\n"})
	count(vs) == 1
	some v in vs
	v.path == "/data/odoo.conf"
	v.details.line == 4
	contains(v.msg, `ConfigMap key "odoo.conf" line 4 sets sslmode=prefer`)
}

test_configmap_mode_key if {
	vs := data.plumbline.rules.db_connection_plaintext.violation with input as configmap({"PGSSLMODE": "allow", "ui/SSL_MODE": "verify-full"})
	count(vs) == 1
	some v in vs
	v.path == "/data/PGSSLMODE"
	count(data.plumbline.rules.db_connection_plaintext.violation) == 0 with input as configmap({"PGSSLMODE": "verify-full"})
}

test_quoted_yaml_mode_and_ephemeral_containers if {
	vs := data.plumbline.rules.db_connection_plaintext.violation with input as configmap({"config.yaml": "db:\n  sslmode: \"disable\"\n  # sslmode: allow\n"})
	count(vs) == 1
	some v in vs
	v.details.line == 2
	ws := data.plumbline.rules.db_connection_plaintext.violation with input as {"object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "odoo"}, "spec": {
		"containers": [{"name": "odoo", "image": "odoo:17.0"}],
		"ephemeralContainers": [{"name": "debug", "image": "postgres:16.4", "env": [{"name": "PGSSLMODE", "value": "allow"}], "command": ["psql", "postgresql://db/erp?sslmode=disable"]}],
	}}}
	sort([w.path | some w in ws]) == ["/spec/ephemeralContainers/0/command/1", "/spec/ephemeralContainers/0/env/0/value"]
}
