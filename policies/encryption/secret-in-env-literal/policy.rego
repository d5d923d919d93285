package plumbline.rules.secret_in_env_literal

import rego.v1


default_pattern := `(?i)(pass(word|wd)?|secret|token|api[_-]?key|private[_-]?key|credential|access[_-]?key|auth)`

pattern := p if {
	p := object.get(object.get(data.plumbline.params, "secrets", {}), "envNamePattern", default_pattern)
	is_string(p)
	regex.is_valid(p)
}

# Cheap native prefilter for the default pattern (every regex call starts a cold automaton):
# only names containing one of its keywords reach the regex. A custom pattern is always applied
# (every name contains ""). A rule, not a helper: it is computed once per object, and the test
# runs inline for every env var.
default_keywords := ["pass", "secret", "token", "key", "credential", "auth"]

prefilter := default_keywords if pattern == default_pattern

prefilter := [""] if pattern != default_pattern

# Names that say the value is not the secret itself: where it is (a file, a directory), who it
# belongs to (an id, a user name), or how it is used (a method, a mode, a length, a port …).
not_secret_suffix := `(?i)(FILE|_PATH|_DIR|_ID|_USER|_USERNAME|_NAME|_METHOD|_TYPE|_MODE|_ENABLED?|_DISABLED|_REQUIRED|_LENGTH|_TTL|_TIMEOUT|_EXPIRY|_EXPIRES|_ALGORITHM|_HEADER|_PORT|_ISSUER|_AUDIENCE|_SCOPES?|_PROVIDER|_SECONDS|_MINUTES|_HOURS|_DAYS|_VERSION|_ROLE|_POLICY|_COUNT|_SIZE)$`

# Switches about a secret, not secrets: VNC_NO_PASSWORD, MYSQL_ALLOW_EMPTY_PASSWORD, SKIP_AUTH.
switch_prefix := `(?i)(^|_)(NO|ALLOW|EMPTY|SKIP|DISABLE|ENABLE|REQUIRE|USE)_`

# Where a service lives: not a secret unless the URL carries user:password@.
location_suffix := `(?i)(_URL|_URI|_ENDPOINT|_HOST|_SERVER|_ADDR|_ADDRESS)$`

url_with_password := `://[^/@\s:]*:[^/@\s]+@`

# Switches, not secrets (ALLOW_EMPTY_PASSWORD=yes, REDIS_AUTH_ENABLED=true …).
switch_values := {"true", "false", "yes", "no", "on", "off", "enabled", "disabled", "none"}

not_secret(name, _) if regex.match(not_secret_suffix, name)

not_secret(name, _) if regex.match(switch_prefix, name)

# A file path (GOOGLE_APPLICATION_CREDENTIALS=/var/secrets/key.json) names where a secret is, not it.
not_secret(_, value) if startswith(trim_space(value), "/")

not_secret(name, value) if {
	regex.match(location_suffix, name)
	not regex.match(url_with_password, value)
}

not_secret(_, value) if lower(trim_space(value)) in switch_values

# etcd's --initial-cluster-token names the cluster during bootstrap (so two clusters do not join
# each other); etcd documents it as an identifier, not a credential.
not_secret(name, _) if regex.match(`(?i)(^|_)INITIAL_CLUSTER_TOKEN$`, name)

# The public half of an S3-style key pair: <prefix>ACCESS_KEY beside <prefix>SECRET_KEY in the same
# container (MinIO's MINIO_ACCESS_KEY/MINIO_SECRET_KEY, like AWS_ACCESS_KEY_ID) names the account;
# the secret key is the password and is still reported. A lone ACCESS_KEY (Sysdig's agent key) is
# the credential itself.
access_key_id(name, container) if {
	uname := upper(name)
	endswith(uname, "ACCESS_KEY")
	secret_name := concat("", [trim_suffix(uname, "ACCESS_KEY"), "SECRET_KEY"])
	some e in object.get(container, "env", [])
	is_object(e)
	other := object.get(e, "name", "")
	is_string(other)
	upper(other) == secret_name
}

# Only $(VAR) references (and separators): the secret comes from another variable.
not_secret(_, value) if {
	rest := regex.replace(value, `\$\([A-Za-z_][A-Za-z0-9_.-]*\)`, "")
	rest != value
	regex.match(`^[^A-Za-z0-9]*$`, rest)
}

violation contains v if {
	p := pattern
	some c in data.plumbline.lib.k8s.containers
	some j, env in object.get(c.container, "env", [])
	is_object(env)
	name := object.get(env, "name", "")
	is_string(name)
	value := object.get(env, "value", "")
	is_string(value)
	trim_space(value) != ""
	lname := lower(name)
	some kw in prefilter
	contains(lname, kw)
	regex.match(p, name)
	not not_secret(name, value)
	not access_key_id(name, c.container)
	v := {
		"msg": sprintf("%s sets secret env %s as a literal value", [c.desc, name]),
		"path": sprintf("%s/env/%d/value", [c.path, j]),
		"details": {"image": c.image, "container": c.name, "env": name},
	}
}
