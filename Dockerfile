# plumbline-webhook image: built with the Rust toolchain, run as non-root on a glibc-only base.
#   docker build -t plumbline-webhook .
# Base images are pinned by version here; pin them by digest in your registry mirror through the
# build args (docker buildx imagetools inspect <image>). The Rust version is the workspace's
# rust-version (Cargo.toml), the oldest that builds the locked dependencies.
# scripts/image-build-stage.sh runs this build stage's commands outside Docker (CI does, and uses
# the binary it produces for the end-to-end tests); see docs/webhook.md, "The image".
ARG RUST_IMAGE=docker.io/library/rust:1.95.0-slim-bookworm
ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian12:nonroot

FROM ${RUST_IMAGE} AS build
WORKDIR /src
# Dependency layer: manifests, lockfile and empty sources only, so the dependencies are fetched
# and compiled once and the layer is reused until a manifest or Cargo.lock changes.
COPY Cargo.toml Cargo.lock ./
COPY crates/policy-core/Cargo.toml crates/policy-core/
COPY crates/lint-cli/Cargo.toml crates/lint-cli/
COPY crates/webhook/Cargo.toml crates/webhook/
COPY crates/image-verify/Cargo.toml crates/image-verify/
COPY crates/cluster/Cargo.toml crates/cluster/
COPY crates/yaml/Cargo.toml crates/yaml/
# The patched regorus (third_party/README.md) is a dependency: its sources belong to this layer.
COPY third_party/ third_party/
COPY scripts/image-stubs.sh scripts/
RUN scripts/image-stubs.sh \
 && cargo build --release --locked -p plumbline-webhook --features cluster-cache
# The sources (.dockerignore keeps target/ and .git/ out). COPY keeps the files' own mtimes, which
# can be older than the stub build: touch them so cargo rebuilds the workspace crates.
COPY . .
RUN find crates policies -type f -exec touch {} + \
 && cargo build --release --locked -p plumbline-webhook --features cluster-cache \
 && install -D -m 0555 target/release/plumbline-webhook /out/plumbline-webhook

# distroless/cc: glibc + libgcc only, no shell, no package manager; `nonroot` is uid 65532.
FROM ${RUNTIME_IMAGE}
COPY --from=build /out/plumbline-webhook /usr/local/bin/plumbline-webhook
USER 65532:65532
EXPOSE 8443
ENTRYPOINT ["/usr/local/bin/plumbline-webhook"]
CMD ["--config=/etc/plumbline/plumbline.yaml", "--tls-cert=/etc/plumbline/tls/tls.crt", "--tls-key=/etc/plumbline/tls/tls.key"]
