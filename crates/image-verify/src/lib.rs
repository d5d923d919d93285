//! Image signature verification for Plumbline: cosign (key-based, simple signing) signatures
//! found in an OCI registry (cosign tag `sha256-<hex>.sig` and OCI 1.1 referrers) or in an OCI
//! image layout directory, checked against ECDSA P-256 keys scoped by image, tenant and
//! environment.
//!
//! [`Verifier`] implements [`policy_core::ImageFacts`]. Lookups are cached (bounded, TTL,
//! shorter TTL for negative results), concurrent lookups of the same image are coalesced, and
//! each lookup has a deadline (`signing.timeoutMs`). The API is blocking; an async caller (the
//! webhook) first tries [`Verifier::cached_facts`] (no I/O), and otherwise runs
//! [`policy_core::ImageFacts::facts`] in `tokio::task::spawn_blocking` — the lookup ends by
//! itself at its deadline, so the blocking thread is never held longer than `timeoutMs`.
//!
//! ```no_run
//! use image_verify::Verifier;
//! use policy_core::{ImageContext, ImageFacts};
//!
//! let signing = serde_json::json!({"keys": [{"name": "platform", "publicKeyFile": "cosign.pub"}]});
//! let v = Verifier::from_config(&signing, std::path::Path::new("."), None).unwrap();
//! let ctx = ImageContext { tenant: "acme", environment: "production", tier: "dedicated", namespace: "acme-prod" };
//! let fact = v.facts("registry.example.com/erp/odoo:17.0", &ctx);
//! println!("{}", serde_json::to_string(&fact).unwrap());
//! ```
#![deny(missing_docs)]

mod cache;
mod config;
pub mod cosign;
mod layout;
mod registry;
mod source;
pub mod testsign;
mod verifier;

pub use config::{parse_public_key, TrustConfig, TrustedKey};
pub use layout::REF_NAME;
pub use verifier::{Report, SignatureReport, Stats, Verifier};

/// Errors building a verifier.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The `signing:` configuration is invalid (a key does not parse, a key file is missing).
    #[error("{0}")]
    Config(String),
    /// The OCI layout directory cannot be read.
    #[error("OCI layout: {0}")]
    Layout(String),
}
