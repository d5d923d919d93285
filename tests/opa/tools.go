//go:build tools

// Package tools pins the OPA CLI (github.com/open-policy-agent/opa) so that go.mod and go.sum
// record it and its dependencies; scripts/opa-tools.sh builds it from here.
package tools

import _ "github.com/open-policy-agent/opa"
