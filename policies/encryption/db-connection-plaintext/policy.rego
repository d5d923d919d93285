package plumbline.rules.db_connection_plaintext

import rego.v1

import data.plumbline.lib.k8s

# libpq sslmode values that allow an unencrypted connection ("prefer" is libpq's and Odoo's default).
plain_modes := {"disable", "allow", "prefer"}

# sslmode=disable in a URI or DSN, `db_sslmode = prefer` in odoo.conf, `sslmode: allow` in YAML,
# `--db_sslmode disable` on a command line. Word boundaries are ASCII and written as classes,
# `(?:[^A-Za-z0-9_]|$)` after and `(?:^|[^A-Za-z0-9_])` before, which regorus (Rust regex) and
# OPA (Go RE2) read alike and which keep Rust's DFA (a Unicode `\b` does not; `(?-u:\b)` is
# Rust-only, Go rejects it). The classes are outside `(?i)`: case folding would add the Kelvin
# sign and the long s to A-Za-z. The match may end with that character, hence `contains` below.
sslmode_pattern := `(?i:(?:sslmode["']?\s*[=:]\s*["']?|--db_sslmode\s+)(disable|allow|prefer))(?:[^A-Za-z0-9_]|$)`

# A plain redis:// URL (rediss:// is TLS) to anything but the loopback address: each occurrence
# and its authority (up to the first / or whitespace, which stays unmatched, so a URL right after
# another keeps its boundary character).
redis_url_pattern := `(?:^|[^A-Za-z0-9_])(?i:redis://)([^/\s]*)`

redis_loopback_authority := `(?i)^([^@]*@)?(localhost|127\.0\.0\.1|\[::1\])(:[0-9]+)?$`

# Env var names that hold an sslmode on their own: PGSSLMODE, DB_SSLMODE, DB_SSL_MODE, db_sslmode …
mode_name(name) if endswith(lower(name), "sslmode")

mode_name(name) if endswith(lower(name), "ssl_mode")

# The plaintext sslmode a text selects, if any. (Native `contains` prefilters keep the regexes off
# the hot path: most values mention neither.) The match holds the mode (and at most one character
# after it, no other mode), so it is read off the match rather than with a second regex.
text_sslmode(s) := mode if {
	contains(lower(s), "sslmode")
	some m in regex.find_n(sslmode_pattern, s, 1)
	some mode in plain_modes
	contains(lower(m), mode)
}

plain_redis(s) if {
	contains(lower(s), "redis://")
	some m in regex.find_all_string_submatch_n(redis_url_pattern, s, -1)
	not regex.match(redis_loopback_authority, m[1])
}

# Cheap gate before `problem` (several function calls and regexes): every finding needs "ssl"
# (sslmode, ssl_mode, db_sslmode) or "redis://" in the lowercased name and value. indexof is -1
# when absent, so the sum exceeds -2 when either is there.
maybe_plaintext(text) if indexof(text, "ssl") + indexof(text, "redis://") > -2

# What is wrong with one literal value named `name` (an env var or ConfigMap key). Each definition
# runs its cheap native gates before the regex-backed checks, and text_sslmode (a regex) runs at
# most twice per value.
problem(name, value) := sprintf("sets sslmode=%s, which allows an unencrypted PostgreSQL connection; use verify-full (or require)", [lower(trim_space(value))]) if {
	sslmode_name_value(name, value)
}

problem(name, value) := sprintf("sets sslmode=%s, which allows an unencrypted PostgreSQL connection; use verify-full (or require)", [mode]) if {
	not sslmode_name_value(name, value)
	mode := text_sslmode(value)
}

problem(name, value) := "holds a redis:// URL, an unencrypted Redis connection; use rediss:// with TLS on Redis" if {
	plain_redis(value)
	not sslmode_name_value(name, value)
	not text_sslmode(value)
}

sslmode_name_value(name, value) if {
	mode_name(name)
	lower(trim_space(value)) in plain_modes
}

# --- containers: env values ----------------------------------------------------------------------

violation contains v if {
	some c in data.plumbline.lib.k8s.containers
	some j, env in object.get(c.container, "env", [])
	is_object(env)
	name := object.get(env, "name", "")
	is_string(name)
	value := object.get(env, "value", "")
	is_string(value)
	value != ""
	maybe_plaintext(lower(concat(" ", [name, value])))
	p := problem(name, value)
	v := {
		"msg": sprintf("%s env %s %s", [c.desc, name, p]),
		"path": sprintf("%s/env/%d/value", [c.path, j]),
		"details": {"image": c.image, "container": c.name, "env": name},
	}
}

# --- containers: command and args ---------------------------------------------------------------

violation contains v if {
	some c in data.plumbline.lib.k8s.containers
	some field in ["command", "args"]
	some k, arg in object.get(c.container, field, [])
	is_string(arg)
	maybe_plaintext(lower(arg))
	p := problem("", arg)
	v := {
		"msg": sprintf("%s %s[%d] %s", [c.desc, field, k, p]),
		"path": sprintf("%s/%s/%d", [c.path, field, k]),
		"details": {"image": c.image, "container": c.name, "field": field, "index": k},
	}
}

# `--db_sslmode` `disable` as two entries.
violation contains v if {
	some c in data.plumbline.lib.k8s.containers
	some field in ["command", "args"]
	list := object.get(c.container, field, [])
	some k, arg in list
	is_string(arg)
	lower(trim_space(arg)) == "--db_sslmode"
	next := list[k + 1]
	is_string(next)
	mode := lower(trim_space(next))
	mode in plain_modes
	v := {
		"msg": sprintf("%s %s[%d] passes --db_sslmode %s, which allows Odoo an unencrypted PostgreSQL connection; use verify-full (or require)", [c.desc, field, k + 1, mode]),
		"path": sprintf("%s/%s/%d", [c.path, field, k + 1]),
		"details": {"image": c.image, "container": c.name, "field": field, "index": k + 1},
	}
}

# --- ConfigMaps (odoo.conf, DSNs, env files) ----------------------------------------------------

violation contains v if {
	input.object.kind == "ConfigMap"
	some key, value in object.get(input.object, "data", {})
	is_string(value)
	endswith(lower(key), "mode") # cheap gate: sslmode_name_value needs a key ending in sslmode or ssl_mode
	sslmode_name_value(key, value)
	v := {
		"msg": sprintf("ConfigMap key %q sets sslmode=%s, which allows an unencrypted PostgreSQL connection; use verify-full (or require)", [key, lower(trim_space(value))]),
		"path": sprintf("/data/%s", [k8s.escape(key)]),
		"details": {"key": key},
	}
}

# Multi-line values are read line by line, skipping comment lines (# or ;, as in odoo.conf).
violation contains v if {
	input.object.kind == "ConfigMap"
	some key, value in object.get(input.object, "data", {})
	is_string(value)
	mentions_transport(value)
	not sslmode_name_value(key, value)
	some n, line in split(value, "\n")
	maybe_plaintext(lower(line)) # most lines of a large value mention neither: skip problem()'s calls
	not comment(line)
	p := problem("", line)
	v := {
		"msg": sprintf("ConfigMap key %q line %d %s", [key, n + 1, p]),
		"path": sprintf("/data/%s", [k8s.escape(key)]),
		# line_in_value (0-based) lets the linter point at the line itself in a literal block
		# scalar (`odoo.conf: |`), not at the key.
		"details": {"key": key, "line": n + 1, "line_in_value": n},
	}
}

# Cheap native prefilter: only values that mention an sslmode or a redis URL are read line by line
# (ConfigMaps may hold megabytes of dashboards and scripts).
mentions_transport(value) if contains(lower(value), "sslmode")

mentions_transport(value) if contains(lower(value), "redis://")

comment(line) if startswith(trim_space(line), "#")

comment(line) if startswith(trim_space(line), ";")
