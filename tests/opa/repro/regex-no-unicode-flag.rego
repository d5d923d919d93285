# `(?-u:\b)` (the README's advice for ASCII word boundaries, used by db-connection-plaintext) is
# Rust regex syntax: Go's RE2 has no `u` flag, so OPA's regex.match fails with
# "invalid or unsupported Perl syntax: `(?-u`" (undefined without --strict-builtin-errors) and
# the rule finds nothing; regorus matches.
# Run: opa eval -f pretty -d regex-no-unicode-flag.rego -i regex-no-unicode-flag.json data.repro
#   OPA:     {"plain_b": true}        regorus: {"ascii_b": true, "plain_b": true}
package repro

import rego.v1

ascii_b if regex.match(`(?i)(?-u:\b)redis://`, input.value)

# Both engines: `\b` (Unicode in regorus, ASCII in Go); or `(?:^|[^A-Za-z0-9_])` for ASCII in both.
plain_b if regex.match(`(?i)\bredis://`, input.value)
