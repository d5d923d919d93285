package plumbline.rules.postgres_hba_plaintext

import rego.v1

# pg_hba lines of an operator-managed PostgreSQL cluster that accept client connections without
# TLS from other hosts: `host` (TLS or not, the client chooses) and `hostnossl` lines whose method
# is not `reject` and whose address is not the local host, unless an earlier line
# `hostnossl all all <all | 0.0.0.0/0 | ::/0> reject` turns plaintext away first (pg_hba is
# first-match). Read from CloudNativePG Cluster spec.postgresql.pg_hba, Zalando postgresql
# spec.patroni.pg_hba and Crunchy PostgresCluster
# spec.patroni.dynamicConfiguration.postgresql.pg_hba.

group := regex.replace(object.get(input.object, "apiVersion", ""), "/[^/]*$", "")

name := object.get(object.get(input.object, "metadata", {}), "name", "")

hba := {"path": "/spec/postgresql/pg_hba", "lines": lines} if {
	input.object.kind == "Cluster"
	group == "postgresql.cnpg.io"
	lines := input.object.spec.postgresql.pg_hba
	is_array(lines)
}

hba := {"path": "/spec/patroni/pg_hba", "lines": lines} if {
	input.object.kind == "postgresql"
	group == "acid.zalan.do"
	lines := input.object.spec.patroni.pg_hba
	is_array(lines)
}

hba := {"path": "/spec/patroni/dynamicConfiguration/postgresql/pg_hba", "lines": lines} if {
	input.object.kind == "PostgresCluster"
	group == "postgres-operator.crunchydata.com"
	lines := input.object.spec.patroni.dynamicConfiguration.postgresql.pg_hba
	is_array(lines)
}

# Each line's fields (comments stripped), by index.
fields := {i: f |
	some i, line in hba.lines
	is_string(line)
	text := trim_space(split(line, "#")[0])
	text != ""
	f := regex.split(`\s+`, text)
}

local_addresses := {"127.0.0.1/32", "127.0.0.0/8", "127.0.0.1", "::1/128", "::1", "localhost", "samehost"}

any_address := {"all", "0.0.0.0/0", "::/0", "::0/0"}

# Indexes of lines that reject every plaintext connection.
plaintext_rejects contains i if {
	some i, f in fields
	count(f) >= 5
	f[0] == "hostnossl"
	f[1] == "all"
	f[2] == "all"
	f[3] in any_address
	f[4] == "reject"
}

rejected_before(i) if {
	some j in plaintext_rejects
	j < i
}

violation contains v if {
	some i, f in fields
	f[0] in {"host", "hostnossl"}
	count(f) >= 5
	not f[3] in local_addresses
	not "reject" in array.slice(f, 4, 6)
	not rejected_before(i)
	v := {
		"msg": sprintf("%s %q: pg_hba line %q accepts connections from %s without TLS (%s); write it as hostssl, or put `hostnossl all all all reject` before it", [input.object.kind, name, concat(" ", f), f[3], what[f[0]]]),
		"path": sprintf("%s/%d", [hba.path, i]),
		"details": {"line": concat(" ", f), "address": f[3]},
	}
}

what := {
	"host": "host matches plain and TLS connections alike; the client decides",
	"hostnossl": "hostnossl matches only plain connections",
}
