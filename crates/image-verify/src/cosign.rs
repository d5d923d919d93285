//! The cosign signature format: signature manifests, simple-signing payloads, ECDSA checks.
//!
//! A cosign signature of image `R@D` is an OCI manifest stored in R's repository, under the tag
//! `sha256-<hex of D>.sig` (or, OCI 1.1, as a referrer of D). Each layer is a simple-signing
//! payload (media type [`SIMPLE_SIGNING`]) whose annotation [`SIGNATURE_ANNOTATION`] is the
//! base64 ECDSA signature (ASN.1 DER) over the payload bytes.

use base64::Engine as _;
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use serde_json::Value;

/// Media type of a simple-signing payload layer.
pub const SIMPLE_SIGNING: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
/// Layer annotation holding the base64 signature.
pub const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
/// Artifact type of cosign signatures stored as OCI 1.1 referrers.
pub const ARTIFACT_TYPE: &str = "application/vnd.dev.cosign.artifact.sig.v1+json";
/// The `critical.type` of a container image signature.
pub const PAYLOAD_TYPE: &str = "cosign container image signature";

/// The cosign tag of a digest: `sha256:abc…` → `sha256-abc….sig`.
pub fn signature_tag(digest: &str) -> String {
    format!("{}.sig", digest.replace(':', "-"))
}

/// One simple-signing layer of a signature manifest.
#[derive(Debug, Clone)]
pub(crate) struct Layer {
    pub(crate) digest: String,
    pub(crate) signature: String,
}

/// The simple-signing layers of a signature manifest (other layers are ignored; a layer
/// without the signature annotation is reported).
pub(crate) fn signature_layers(manifest: &Value) -> Result<Vec<Layer>, String> {
    let layers = manifest["layers"]
        .as_array()
        .ok_or("signature manifest has no layers")?;
    let mut out = Vec::new();
    for l in layers {
        if l["mediaType"].as_str() != Some(SIMPLE_SIGNING) {
            continue;
        }
        let digest = l["digest"]
            .as_str()
            .ok_or("layer without digest")?
            .to_string();
        let signature = l["annotations"][SIGNATURE_ANNOTATION]
            .as_str()
            .ok_or_else(|| format!("layer {digest} has no {SIGNATURE_ANNOTATION} annotation"))?
            .to_string();
        out.push(Layer { digest, signature });
    }
    if out.is_empty() {
        return Err("signature manifest has no simple-signing layer".into());
    }
    Ok(out)
}

/// Whether `signature_b64` is `key`'s ECDSA P-256/SHA-256 signature of `payload`.
pub(crate) fn signature_valid(key: &VerifyingKey, payload: &[u8], signature_b64: &str) -> bool {
    let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(signature_b64.trim()) else {
        return false;
    };
    let sig = Signature::from_der(&raw).or_else(|_| Signature::from_slice(&raw));
    sig.is_ok_and(|s| key.verify(payload, &s).is_ok())
}

/// Check a (signature-verified) payload's claims: it is a container image signature, of
/// `digest`, for repository `name` (normalised `registry/repository`).
pub(crate) fn check_payload(payload: &[u8], digest: &str, name: &str) -> Result<(), String> {
    let v: Value =
        serde_json::from_slice(payload).map_err(|e| format!("payload is not JSON: {e}"))?;
    let critical = &v["critical"];
    let ty = critical["type"].as_str().unwrap_or_default();
    if !ty.eq_ignore_ascii_case(PAYLOAD_TYPE) {
        return Err(format!(
            "payload critical.type is {ty:?}, expected {PAYLOAD_TYPE:?}"
        ));
    }
    let signed = critical["image"]["docker-manifest-digest"]
        .as_str()
        .unwrap_or_default();
    if signed != digest {
        return Err(format!(
            "payload signs digest {signed}, but the image resolves to {digest}"
        ));
    }
    let reference = critical["identity"]["docker-reference"]
        .as_str()
        .unwrap_or_default();
    let signed_name = policy_core::image::parse_image(reference).map(|r| r.name());
    match signed_name {
        Ok(n) if n == name => Ok(()),
        _ => Err(format!(
            "payload identity docker-reference is {reference:?}, not the image's repository {name}"
        )),
    }
}

/// A simple-signing payload for `digest` in repository `reference` (what cosign signs).
pub fn payload(reference: &str, digest: &str) -> Vec<u8> {
    serde_json::json!({
        "critical": {
            "identity": {"docker-reference": reference},
            "image": {"docker-manifest-digest": digest},
            "type": PAYLOAD_TYPE,
        },
        "optional": null,
    })
    .to_string()
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testsign::TestSigner;

    #[test]
    fn high_s_signatures_verify_as_go_produces_them() {
        // Go's crypto/ecdsa (cosign) does not normalise s; both halves must verify.
        let signer = TestSigner::from_seed("high-s");
        let vk = crate::config::parse_public_key(&signer.public_key_pem()).expect("pem");
        let mut seen_high = false;
        for i in 0..16 {
            let p = payload("registry.example.com/erp/odoo", &format!("sha256:{i:064x}"));
            let b64 = signer.sign(&p);
            let der = base64::engine::general_purpose::STANDARD
                .decode(&b64)
                .expect("b64");
            let sig = Signature::from_der(&der).expect("der");
            seen_high |= sig.normalize_s().is_some();
            assert!(signature_valid(&vk, &p, &b64));
            let other = sig.normalize_s().unwrap_or(sig);
            let flipped =
                base64::engine::general_purpose::STANDARD.encode(other.to_der().as_bytes());
            assert!(signature_valid(&vk, &p, &flipped), "both s and n-s verify");
            let raw = base64::engine::general_purpose::STANDARD.encode(sig.to_bytes());
            assert!(signature_valid(&vk, &p, &raw), "raw r||s accepted");
        }
        assert!(seen_high);
    }

    #[test]
    fn payload_claims_are_checked_after_docker_normalisation() {
        let d = format!("sha256:{}", "a".repeat(64));
        let p = payload("index.docker.io/library/nginx", &d);
        assert_eq!(check_payload(&p, &d, "docker.io/library/nginx"), Ok(()));
        assert!(check_payload(&p, &d, "docker.io/library/redis").is_err());
        assert!(check_payload(
            &p,
            &format!("sha256:{}", "b".repeat(64)),
            "docker.io/library/nginx"
        )
        .is_err());
        assert!(check_payload(b"{\"critical\":{}}", &d, "docker.io/library/nginx").is_err());
        assert!(check_payload(b"not json", &d, "x").is_err());
        assert_eq!(signature_tag(&d), format!("sha256-{}.sig", "a".repeat(64)));
    }
}
