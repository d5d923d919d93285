#!/usr/bin/env bash
# Builds the OPA CLI from the pinned Go module in tests/opa/ (github.com/open-policy-agent/opa
# v1.22.4) into target/opa-tools/<hash>/opa (scripts/go-tools.sh), and prints that directory.
# Used by scripts/opa-parity.sh and scripts/compare.sh; nothing built here ships.
exec "$(dirname "$0")/go-tools.sh" opa-tools tests/opa opa -- \
  -ldflags "-s -w" github.com/open-policy-agent/opa
