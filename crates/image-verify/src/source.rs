//! Where signatures come from: a registry (OCI distribution API) or an OCI image layout.

use std::time::Instant;

use policy_core::image::ImageRef;
use serde_json::Value;
use sha2::{Digest as _, Sha256};

/// A lookup that could not get an answer (the registry is down, slow, or speaks nonsense).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SourceError {
    pub(crate) timeout: bool,
    pub(crate) message: String,
}

impl SourceError {
    pub(crate) fn new(message: impl Into<String>) -> SourceError {
        SourceError {
            timeout: false,
            message: message.into(),
        }
    }
}

/// `Ok(None)`: the source answered that the thing does not exist.
pub(crate) type Res<T> = Result<Option<T>, SourceError>;

/// Manifests accepted when resolving and fetching (images, indexes, signatures).
pub(crate) const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.manifest.v1+json, \
application/vnd.oci.image.index.v1+json, \
application/vnd.docker.distribution.manifest.v2+json, \
application/vnd.docker.distribution.manifest.list.v2+json";

/// Largest manifest or payload read (signature payloads are a few hundred bytes).
pub(crate) const MAX_BODY: u64 = 4 << 20;

/// Signatures per image looked at, at most (a repository full of junk cannot stall a lookup).
pub(crate) const MAX_SIGNATURE_MANIFESTS: usize = 16;

pub(crate) trait Source: Send + Sync + std::fmt::Debug {
    /// Where this source reads `img` from, for messages.
    fn describe(&self, img: &ImageRef) -> String;
    /// Digest of `img`'s tag.
    fn resolve(&self, img: &ImageRef, tag: &str, deadline: Instant) -> Res<String>;
    /// A manifest of `img`'s repository by tag or digest: (body, digest of the body).
    fn manifest(
        &self,
        img: &ImageRef,
        reference: &str,
        deadline: Instant,
    ) -> Res<(Vec<u8>, String)>;
    /// A blob of `img`'s repository, its content checked against `digest`.
    fn blob(&self, img: &ImageRef, digest: &str, deadline: Instant) -> Res<Vec<u8>>;
    /// Descriptors of manifests whose subject is `digest` (OCI 1.1); `Ok(None)`: unsupported.
    fn referrers(&self, img: &ImageRef, digest: &str, deadline: Instant) -> Res<Vec<Value>>;
}

/// `sha256:<hex>` of `bytes`.
pub(crate) fn sha256_digest(bytes: &[u8]) -> String {
    let h = Sha256::digest(bytes);
    let mut s = String::with_capacity(71);
    s.push_str("sha256:");
    for b in h {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Check content against a digest; only sha256 digests are accepted.
pub(crate) fn check_digest(bytes: &[u8], digest: &str) -> Result<(), SourceError> {
    if !digest.starts_with("sha256:") {
        return Err(SourceError::new(format!(
            "unsupported digest algorithm in {digest}"
        )));
    }
    let got = sha256_digest(bytes);
    if got != digest {
        return Err(SourceError::new(format!(
            "content of {digest} hashes to {got}"
        )));
    }
    Ok(())
}
