//! A test signer that writes cosign-format signatures (key-based, simple signing), following
//! the cosign specification (`specs/SIGNATURE_SPEC.md`): the payload is a simple-signing JSON
//! document, the signature is ECDSA P-256 / SHA-256 in ASN.1 DER, base64 in the layer
//! annotation `dev.cosignproject.cosign/signature` of an OCI manifest tagged
//! `sha256-<hex>.sig` (or attached as an OCI 1.1 referrer).
//!
//! For tests and test data only: keys are derived from a seed string, so they are public.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::{EncodePublicKey, LineEnding};
use policy_core::image::parse_image;
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

use crate::cosign::{payload, signature_tag, ARTIFACT_TYPE, SIGNATURE_ANNOTATION, SIMPLE_SIGNING};
use crate::layout::REF_NAME;
use crate::registry::Registry;
use crate::source::sha256_digest;

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";

/// A deterministic ECDSA P-256 signing key.
#[derive(Debug, Clone)]
pub struct TestSigner {
    key: SigningKey,
}

impl TestSigner {
    /// The key derived from `seed` (public knowledge: never use for anything real).
    pub fn from_seed(seed: &str) -> TestSigner {
        let mut bytes: [u8; 32] = Sha256::digest(seed.as_bytes()).into();
        loop {
            if let Ok(key) = SigningKey::from_bytes(&bytes.into()) {
                return TestSigner { key };
            }
            bytes = Sha256::digest(bytes).into();
        }
    }

    /// The public key as PEM (`-----BEGIN PUBLIC KEY-----`), like `cosign.pub`.
    pub fn public_key_pem(&self) -> String {
        self.key
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap_or_default()
    }

    /// Base64 DER signature of `payload`.
    pub fn sign(&self, payload: &[u8]) -> String {
        let sig: Signature = self.key.sign(payload);
        base64::engine::general_purpose::STANDARD.encode(sig.to_der().as_bytes())
    }

    /// The simple-signing payload for `digest` in the repository of `reference`, and its signature.
    pub fn sign_image(&self, reference: &str, digest: &str) -> Signed {
        let repo = parse_image(reference)
            .map(|r| r.name())
            .unwrap_or_else(|_| reference.to_string());
        let payload = payload(&repo, digest);
        let signature = self.sign(&payload);
        Signed { payload, signature }
    }
}

/// A payload and its base64 signature (tests may tamper with either).
#[derive(Debug, Clone)]
pub struct Signed {
    /// Simple-signing JSON bytes.
    pub payload: Vec<u8>,
    /// Base64 DER ECDSA signature.
    pub signature: String,
}

/// Blobs and manifest of an OCI artifact, ready to push or write.
#[derive(Debug, Clone)]
pub struct Artifact {
    /// Blobs (config and layers).
    pub blobs: Vec<Vec<u8>>,
    /// Manifest bytes.
    pub manifest: Vec<u8>,
    /// Manifest digest.
    pub digest: String,
}

fn descriptor(media_type: &str, bytes: &[u8]) -> Value {
    json!({"mediaType": media_type, "size": bytes.len(), "digest": sha256_digest(bytes)})
}

/// A minimal image (config + one layer) whose content depends on `seed`.
pub fn test_image(seed: &str) -> Artifact {
    let layer = format!("plumbline test image layer: {seed}\n").into_bytes();
    let config = json!({"architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [sha256_digest(&layer)]}})
    .to_string()
    .into_bytes();
    let manifest = json!({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": descriptor(OCI_CONFIG, &config),
        "layers": [descriptor("application/vnd.oci.image.layer.v1.tar", &layer)]})
    .to_string()
    .into_bytes();
    let digest = sha256_digest(&manifest);
    Artifact {
        blobs: vec![config, layer],
        manifest,
        digest,
    }
}

/// A cosign signature manifest with one simple-signing layer per signature. With `subject`
/// (the signed image's manifest descriptor), it is an OCI 1.1 referrer.
pub fn signature_artifact(signatures: &[Signed], subject: Option<(&str, usize)>) -> Artifact {
    let layers: Vec<Value> = signatures
        .iter()
        .map(|s| {
            let mut d = descriptor(SIMPLE_SIGNING, &s.payload);
            d["annotations"] = json!({ SIGNATURE_ANNOTATION: s.signature });
            d
        })
        .collect();
    let mut blobs: Vec<Vec<u8>> = signatures.iter().map(|s| s.payload.clone()).collect();
    let mut manifest = json!({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "layers": layers});
    match subject {
        None => {
            let diff_ids: Vec<String> = blobs.iter().map(|b| sha256_digest(b)).collect();
            let config = json!({"architecture": "", "os": "", "config": {},
                "rootfs": {"type": "layers", "diff_ids": diff_ids}})
            .to_string()
            .into_bytes();
            manifest["config"] = descriptor(OCI_CONFIG, &config);
            blobs.push(config);
        }
        Some((digest, size)) => {
            let empty = b"{}".to_vec();
            manifest["artifactType"] = json!(ARTIFACT_TYPE);
            manifest["config"] = descriptor(OCI_EMPTY, &empty);
            manifest["subject"] =
                json!({"mediaType": OCI_MANIFEST, "digest": digest, "size": size});
            blobs.push(empty);
        }
    }
    let manifest = manifest.to_string().into_bytes();
    let digest = sha256_digest(&manifest);
    Artifact {
        blobs,
        manifest,
        digest,
    }
}

/// Pushes artifacts to a registry (plain HTTP for `insecure` registries).
#[derive(Debug)]
pub struct Pusher {
    registry: Registry,
}

impl Pusher {
    /// A pusher; `insecure` registries are reached over plain HTTP.
    pub fn new(insecure: &[&str]) -> Pusher {
        Pusher {
            registry: Registry::new(insecure.iter().map(|s| s.to_string()).collect()),
        }
    }

    /// Push `artifact` to `reference`'s repository under `tag`; returns the manifest digest.
    pub fn push(&self, reference: &str, tag: &str, artifact: &Artifact) -> Result<String, String> {
        let img = parse_image(reference).map_err(|e| e.to_string())?;
        for b in &artifact.blobs {
            self.registry.push_blob(&img, b).map_err(|e| e.message)?;
        }
        self.registry
            .push_manifest(&img, tag, OCI_MANIFEST, &artifact.manifest)
            .map_err(|e| e.message)
    }

    /// Push cosign signatures of `digest` under the cosign tag `sha256-<hex>.sig`.
    pub fn push_signatures(
        &self,
        reference: &str,
        digest: &str,
        signatures: &[Signed],
    ) -> Result<String, String> {
        self.push(
            reference,
            &signature_tag(digest),
            &signature_artifact(signatures, None),
        )
    }
}

/// Writes an OCI image layout directory (`oci-layout`, `index.json`, `blobs/sha256/…`).
#[derive(Debug)]
pub struct LayoutWriter {
    dir: PathBuf,
    entries: Vec<Value>,
}

impl LayoutWriter {
    /// Start a layout in `dir` (created; existing blobs are kept, the index is rewritten).
    pub fn new(dir: &Path) -> std::io::Result<LayoutWriter> {
        std::fs::create_dir_all(dir.join("blobs/sha256"))?;
        Ok(LayoutWriter {
            dir: dir.to_path_buf(),
            entries: Vec::new(),
        })
    }

    fn write_blob(&self, bytes: &[u8]) -> std::io::Result<String> {
        let digest = sha256_digest(bytes);
        let hex = digest.trim_start_matches("sha256:");
        std::fs::write(self.dir.join("blobs/sha256").join(hex), bytes)?;
        Ok(digest)
    }

    /// Add `artifact`, named `ref_name` (a full reference with tag) when given.
    pub fn add(&mut self, ref_name: Option<&str>, artifact: &Artifact) -> std::io::Result<String> {
        for b in &artifact.blobs {
            self.write_blob(b)?;
        }
        let digest = self.write_blob(&artifact.manifest)?;
        let mut entry = descriptor(OCI_MANIFEST, &artifact.manifest);
        if let Some(n) = ref_name {
            entry["annotations"] = json!({ REF_NAME: n });
        }
        let v: Value = serde_json::from_slice(&artifact.manifest).unwrap_or(Value::Null);
        if let Some(t) = v["artifactType"].as_str() {
            entry["artifactType"] = json!(t);
        }
        self.entries.push(entry);
        Ok(digest)
    }

    /// Add cosign signatures of `digest` for `reference` under the cosign tag.
    pub fn add_signatures(
        &mut self,
        reference: &str,
        digest: &str,
        signatures: &[Signed],
    ) -> std::io::Result<String> {
        let name = parse_image(reference)
            .map(|r| r.name())
            .unwrap_or_else(|_| reference.to_string());
        let tag = format!("{name}:{}", signature_tag(digest));
        self.add(Some(&tag), &signature_artifact(signatures, None))
    }

    /// Add cosign signatures of `image` as an OCI 1.1 referrer (no tag).
    pub fn add_referrer_signatures(
        &mut self,
        image: &Artifact,
        signatures: &[Signed],
    ) -> std::io::Result<String> {
        let art = signature_artifact(signatures, Some((&image.digest, image.manifest.len())));
        self.add(None, &art)
    }

    /// Write `oci-layout` and `index.json`.
    pub fn finish(self) -> std::io::Result<()> {
        std::fs::write(
            self.dir.join("oci-layout"),
            b"{\"imageLayoutVersion\":\"1.0.0\"}\n",
        )?;
        let index = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": self.entries});
        let text = serde_json::to_string_pretty(&index).unwrap_or_default();
        std::fs::write(self.dir.join("index.json"), text + "\n")
    }
}
