#!/usr/bin/env bash
# Builds the Go peers of scripts/compare.sh from the pinned module in tests/peers/ (conftest
# v0.71.1, kube-score v1.20.0) into target/peers/<hash>/ (scripts/go-tools.sh), and prints that
# directory. Benchmark-only: nothing built here ships.
exec "$(dirname "$0")/../../scripts/go-tools.sh" peers tests/peers conftest kube-score -- \
  -ldflags "-s -w" github.com/open-policy-agent/conftest github.com/zegl/kube-score/cmd/kube-score
