//! Integration tests: a real OCI registry (Debian's `docker-registry`) on loopback, signatures
//! made by the crate's test signer, the committed fixture layout, and the rule through the linter.

mod harness;
mod layout;
mod registry;
mod rule;
