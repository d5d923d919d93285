# Rego unit tests of postgres-hba-plaintext, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.postgres_hba_plaintext_test

import rego.v1

cnpg(lines) := {"object": {
	"apiVersion": "postgresql.cnpg.io/v1",
	"kind": "Cluster",
	"metadata": {"name": "erp-db"},
	"spec": {"instances": 3, "postgresql": {"pg_hba": lines}},
}}

paths(lines) := sort([v.path | some v in vs]) if {
	vs := data.plumbline.rules.postgres_hba_plaintext.violation with input as cnpg(lines)
}

test_host_line_from_the_network_is_a_violation_at_the_line if {
	vs := data.plumbline.rules.postgres_hba_plaintext.violation with input as cnpg([
		"hostssl all all all scram-sha-256",
		"host   erp  odoo 10.0.0.0/8 scram-sha-256   # pods",
	])
	count(vs) == 1
	some v in vs
	v.path == "/spec/postgresql/pg_hba/1"
	v.details == {"line": "host erp odoo 10.0.0.0/8 scram-sha-256", "address": "10.0.0.0/8"}
	contains(v.msg, "host matches plain and TLS connections alike")
}

test_hostnossl_is_reported_local_and_reject_lines_are_not if {
	paths([
		"hostnossl all all 0.0.0.0/0 md5",
		"host all all 127.0.0.1/32 trust",
		"host all all samehost trust",
		"host all all 10.0.0.0/8 reject",
		"# host all all all md5",
		"local all all peer",
	]) == ["/spec/postgresql/pg_hba/0"]
}

test_a_leading_plaintext_reject_covers_later_lines if {
	paths(["hostnossl all all all reject", "host all all all scram-sha-256"]) == []
	paths(["hostnossl all all ::/0 reject", "hostnossl all all 0.0.0.0/0 reject", "host all all 10.0.0.0/8 md5"]) == []
}

test_a_reject_after_the_line_is_too_late if {
	paths(["host all all all scram-sha-256", "hostnossl all all all reject"]) == ["/spec/postgresql/pg_hba/0"]

	# A reject for one database only does not turn every plaintext connection away.
	paths(["hostnossl erp all all reject", "host all all all md5"]) == ["/spec/postgresql/pg_hba/1"]
}

test_zalando_and_crunchy_paths if {
	vs := data.plumbline.rules.postgres_hba_plaintext.violation with input as {"object": {
		"apiVersion": "acid.zalan.do/v1",
		"kind": "postgresql",
		"metadata": {"name": "erp-db"},
		"spec": {"patroni": {"pg_hba": ["host all all all md5"]}},
	}}
	[v.path | some v in vs] == ["/spec/patroni/pg_hba/0"]
	ws := data.plumbline.rules.postgres_hba_plaintext.violation with input as {"object": {
		"apiVersion": "postgres-operator.crunchydata.com/v1beta1",
		"kind": "PostgresCluster",
		"metadata": {"name": "erp-db"},
		"spec": {"patroni": {"dynamicConfiguration": {"postgresql": {"pg_hba": ["hostssl all all all md5", "host all all all md5"]}}}},
	}}
	[w.path | some w in ws] == ["/spec/patroni/dynamicConfiguration/postgresql/pg_hba/1"]
}
