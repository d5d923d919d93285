# plumbline-webhook image: build with the Rust toolchain, run on distroless as non-root.
#   docker build -t plumbline-webhook .
# Base images are pinned to exact versions here; CI resolves and pins them by digest
# (docker buildx imagetools inspect <image>) through the build args below.
# Keep target/ out of the build context (.dockerignore: target/, .git/).
ARG RUST_IMAGE=docker.io/library/rust:1.85.0-slim-bookworm
ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian12:nonroot

FROM ${RUST_IMAGE} AS build
WORKDIR /src
# Manifests first so the dependency layer is cached across source changes.
COPY Cargo.toml Cargo.lock ./
COPY crates/policy-core/Cargo.toml crates/policy-core/
COPY crates/lint-cli/Cargo.toml crates/lint-cli/
COPY crates/webhook/Cargo.toml crates/webhook/
RUN cargo fetch --locked
COPY . .
RUN cargo build --release --locked -p plumbline-webhook \
 && install -D -m 0555 target/release/plumbline-webhook /out/plumbline-webhook

# distroless/cc: glibc + libgcc only, no shell, no package manager; `nonroot` is uid 65532.
FROM ${RUNTIME_IMAGE}
COPY --from=build /out/plumbline-webhook /usr/local/bin/plumbline-webhook
USER 65532:65532
EXPOSE 8443
ENTRYPOINT ["/usr/local/bin/plumbline-webhook"]
CMD ["--config=/etc/plumbline/plumbline.yaml", "--tls-cert=/etc/plumbline/tls/tls.crt", "--tls-key=/etc/plumbline/tls/tls.key"]
