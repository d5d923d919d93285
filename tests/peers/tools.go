//go:build tools

// Package tools pins the benchmark peers built from Go modules so that go.mod and go.sum record
// them and their dependencies: conftest (github.com/open-policy-agent/conftest) and kube-score
// (github.com/zegl/kube-score, standing in for kube-linter, whose module host the module proxy
// here does not serve). scripts/compare.sh builds them from here into target/peers/<hash>/.
// Benchmark-only: nothing here ships or runs in the test suite.
package tools

import (
	_ "github.com/open-policy-agent/conftest"
	_ "github.com/zegl/kube-score/cmd/kube-score"
)
