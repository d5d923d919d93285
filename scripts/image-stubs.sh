#!/usr/bin/env bash
# The image's dependency layer (Dockerfile, build stage): with only the workspace's Cargo.toml
# files and Cargo.lock copied in, write an empty source for every target cargo will look for, so
# `cargo build` compiles the dependencies alone. The layer is then reused until a manifest or
# the lockfile changes. The real sources are copied over these stubs afterwards.
set -euo pipefail
for manifest in crates/*/Cargo.toml; do
  crate="$(dirname "$manifest")"
  mkdir -p "$crate/src"
  : > "$crate/src/lib.rs"
  # Every [[bin]], [[test]] and [[bench]] target, at its declared path or cargo's default one.
  awk -v dir="$crate" '
    /^\[\[(bin|test|bench)\]\]/ { kind = substr($0, 3, length($0) - 4); name = ""; path = ""; next }
    /^\[/ { if (kind != "") emit(); kind = ""; next }
    kind != "" && /^name *=/ { gsub(/^name *= *"|".*$/, ""); name = $0 }
    kind != "" && /^path *=/ { gsub(/^path *= *"|".*$/, ""); path = $0 }
    function emit() {
      if (path == "") path = (kind == "bin" ? "src/bin/" : kind == "test" ? "tests/" : "benches/") name ".rs"
      print dir "/" path
    }
    END { if (kind != "") emit() }
  ' "$manifest" | while read -r target; do
    mkdir -p "$(dirname "$target")"
    echo 'fn main() {}' > "$target"
  done
done
