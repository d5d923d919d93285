//! Facts about container images that come from outside the manifests (registry digests and
//! signature verification), supplied by an [`ImageFacts`] implementation such as the
//! `image-verify` crate's verifier. The linter puts them into `input.images[img].digest` and
//! `input.images[img].signature`.

use serde::Serialize;

/// Where an image is about to run: what decides which keys are trusted and whether a
/// signature is required.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImageContext<'a> {
    /// Tenant of the namespace (empty when unknown).
    pub tenant: &'a str,
    /// Environment name (empty when unknown).
    pub environment: &'a str,
    /// Environment tier (`dedicated`, `multi-tenant`, `sandbox`; empty when unknown).
    pub tier: &'a str,
    /// Namespace name.
    pub namespace: &'a str,
}

/// Looks up facts about one image. Implementations cache and bound their own latency.
pub trait ImageFacts: Send + Sync + std::fmt::Debug {
    /// Facts about `image` (as written in the manifest) in context `ctx`.
    fn facts(&self, image: &str, ctx: &ImageContext<'_>) -> ImageFact;
}

/// What is known about one image.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ImageFact {
    /// The manifest digest the reference resolves to (`sha256:…`), when known.
    pub digest: Option<String>,
    /// Signature verification outcome (None: no verification configured).
    pub signature: Option<SignatureFact>,
}

impl ImageFact {
    /// A fact with a digest and a signature outcome.
    pub fn new(digest: Option<String>, signature: Option<SignatureFact>) -> ImageFact {
        ImageFact { digest, signature }
    }
}

/// The outcome of verifying an image's signatures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SignatureFact {
    /// Whether a valid signature is required where the image runs.
    pub required: bool,
    /// Verification state.
    pub state: SignatureState,
    /// Name of the key that verified a signature.
    pub by: Option<String>,
    /// Why the image is not verified (or could not be checked).
    pub error: Option<String>,
}

impl SignatureFact {
    /// A signature outcome.
    pub fn new(
        required: bool,
        state: SignatureState,
        by: Option<String>,
        error: Option<String>,
    ) -> SignatureFact {
        SignatureFact {
            required,
            state,
            by,
            error,
        }
    }
}

/// Verification state of an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum SignatureState {
    /// A signature from a key trusted for this image and context verified.
    Verified,
    /// The registry (or layout) answered, and no signature verified with a trusted key.
    Unverified,
    /// The answer is unknown: no registry reachable (or it timed out) and no layout holds the image.
    Unverifiable,
    /// Not looked up: signatures are not required in this context.
    Skipped,
}

impl SignatureState {
    /// `verified`, `unverified`, `unverifiable` or `skipped`.
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureState::Verified => "verified",
            SignatureState::Unverified => "unverified",
            SignatureState::Unverifiable => "unverifiable",
            SignatureState::Skipped => "skipped",
        }
    }
}
