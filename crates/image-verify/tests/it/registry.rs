//! Verification against a real registry: the scenarios.

use std::sync::Arc;
use std::time::{Duration, Instant};

use image_verify::cosign::payload;
use image_verify::testsign::Signed;
use policy_core::{ImageFacts, SignatureState};
use serde_json::json;

use crate::harness::{acme, ctx, platform, rogue, verifier, StallServer, TestRegistry};

fn state_of(
    v: &image_verify::Verifier,
    image: &str,
    tenant: &str,
) -> (SignatureState, Option<String>, Option<String>) {
    let f = v.facts(image, &ctx(tenant, "production"));
    let s = f
        .signature
        .expect("a verifier always answers with a signature fact");
    assert!(s.required);
    (s.state, s.by, s.error)
}

#[test]
fn valid_signature_verifies_and_resolves_the_tag() {
    let reg = TestRegistry::start();
    let (image, digest) = reg.push_image("erp/odoo", "17.0", "odoo-17");
    reg.pusher()
        .push_signatures(&image, &digest, &[platform().sign_image(&image, &digest)])
        .expect("push signature");
    let v = verifier(&reg.addr, json!({}));
    let f = v.facts(&image, &ctx("erp", "production"));
    assert_eq!(f.digest.as_deref(), Some(digest.as_str()));
    let s = f.signature.expect("signature fact");
    assert_eq!(
        (s.state, s.by.as_deref(), s.error),
        (SignatureState::Verified, Some("platform"), None)
    );
    // The same image pinned by digest verifies too.
    let pinned = format!("{}/erp/odoo@{digest}", reg.addr);
    assert_eq!(state_of(&v, &pinned, "erp").0, SignatureState::Verified);
}

#[test]
fn signature_by_an_unconfigured_key_is_unverified() {
    let reg = TestRegistry::start();
    let (image, digest) = reg.push_image("erp/odoo", "wrong-key", "odoo-wrong-key");
    reg.pusher()
        .push_signatures(&image, &digest, &[rogue().sign_image(&image, &digest)])
        .expect("push");
    let (state, by, error) = state_of(&verifier(&reg.addr, json!({})), &image, "erp");
    assert_eq!((state, by), (SignatureState::Unverified, None));
    let error = error.expect("a reason");
    assert!(
        error.contains("does not verify with any configured key (platform, acme)"),
        "{error}"
    );
}

#[test]
fn payload_naming_another_digest_is_unverified() {
    let reg = TestRegistry::start();
    let (image, digest) = reg.push_image("erp/odoo", "mismatch", "odoo-mismatch");
    let (_, other) = reg.push_image("erp/odoo", "other", "odoo-other");
    // A valid signature by a trusted key, but over a payload for another digest, stored under
    // this digest's signature tag.
    let signed = platform().sign_image(&image, &other);
    reg.pusher()
        .push_signatures(&image, &digest, &[signed])
        .expect("push");
    let (state, _, error) = state_of(&verifier(&reg.addr, json!({})), &image, "erp");
    assert_eq!(state, SignatureState::Unverified);
    let error = error.expect("a reason");
    assert!(
        error.contains(&format!(
            "payload signs digest {other}, but the image resolves to {digest}"
        )),
        "{error}"
    );
}

#[test]
fn tampered_payload_is_unverified() {
    let reg = TestRegistry::start();
    let (image, digest) = reg.push_image("erp/odoo", "tampered", "odoo-tampered");
    let good = platform().sign_image(&image, &digest);
    // Same claims, one byte changed (an added space): the signature no longer matches.
    let mut payload = good.payload.clone();
    payload.insert(1, b' ');
    let tampered = Signed {
        payload,
        signature: good.signature,
    };
    reg.pusher()
        .push_signatures(&image, &digest, &[tampered])
        .expect("push");
    let (state, _, error) = state_of(&verifier(&reg.addr, json!({})), &image, "erp");
    assert_eq!(state, SignatureState::Unverified);
    assert!(error.unwrap_or_default().contains("does not verify"));
}

#[test]
fn payload_for_another_repository_is_unverified() {
    let reg = TestRegistry::start();
    let (image, digest) = reg.push_image("erp/odoo", "17.0", "odoo-repo");
    // Signed for a different repository (a signature copied over from elsewhere).
    let p = payload(&format!("{}/erp/other", reg.addr), &digest);
    let signed = Signed {
        signature: platform().sign(&p),
        payload: p,
    };
    reg.pusher()
        .push_signatures(&image, &digest, &[signed])
        .expect("push");
    let (state, _, error) = state_of(&verifier(&reg.addr, json!({})), &image, "erp");
    assert_eq!(state, SignatureState::Unverified);
    assert!(error.unwrap_or_default().contains("docker-reference"));
}

#[test]
fn missing_signature_is_unverified() {
    let reg = TestRegistry::start();
    let (image, digest) = reg.push_image("erp/redis", "7.2", "redis");
    let (state, _, error) = state_of(&verifier(&reg.addr, json!({})), &image, "erp");
    assert_eq!(state, SignatureState::Unverified);
    let error = error.expect("a reason");
    assert!(
        error.contains(&format!("no cosign signature for {digest}")),
        "{error}"
    );
    assert!(
        error.contains(&digest.replace(':', "-")),
        "names the tag looked up: {error}"
    );
}

#[test]
fn missing_tag_is_unverified_not_unverifiable() {
    let reg = TestRegistry::start();
    let image = format!("{}/erp/nothing:1.0", reg.addr);
    let (state, _, error) = state_of(&verifier(&reg.addr, json!({})), &image, "erp");
    assert_eq!(state, SignatureState::Unverified);
    assert!(error.unwrap_or_default().contains("not found"));
}

#[test]
fn tag_moved_after_signing_is_unverified() {
    let reg = TestRegistry::start();
    let (image, signed_digest) = reg.push_image("erp/odoo", "17.0", "odoo-before");
    reg.pusher()
        .push_signatures(
            &image,
            &signed_digest,
            &[platform().sign_image(&image, &signed_digest)],
        )
        .expect("push");
    assert_eq!(
        state_of(&verifier(&reg.addr, json!({})), &image, "erp").0,
        SignatureState::Verified
    );
    // Someone pushes other content under the same tag.
    let (_, moved) = reg.push_image("erp/odoo", "17.0", "odoo-after");
    assert_ne!(moved, signed_digest);
    let v = verifier(&reg.addr, json!({}));
    let f = v.facts(&image, &ctx("erp", "production"));
    assert_eq!(f.digest.as_deref(), Some(moved.as_str()));
    assert_eq!(
        f.signature.map(|s| s.state),
        Some(SignatureState::Unverified)
    );
    // The signed digest itself still verifies.
    let pinned = format!("{}/erp/odoo@{signed_digest}", reg.addr);
    assert_eq!(state_of(&v, &pinned, "erp").0, SignatureState::Verified);
}

#[test]
fn registry_down_is_unverifiable_with_a_clear_message() {
    let mut reg = TestRegistry::start();
    let (image, digest) = reg.push_image("erp/odoo", "17.0", "odoo-down");
    reg.pusher()
        .push_signatures(&image, &digest, &[platform().sign_image(&image, &digest)])
        .expect("push");
    reg.stop();
    let v = verifier(&reg.addr, json!({}));
    let (state, _, error) = state_of(&v, &image, "erp");
    assert_eq!(state, SignatureState::Unverifiable);
    let error = error.expect("a reason");
    assert!(
        error.contains(&format!("registry http://{}", reg.addr)),
        "{error}"
    );
    assert!(
        error.starts_with("cannot check the signatures of"),
        "{error}"
    );
    assert_eq!(v.stats().unreachable, 1);
}

#[test]
fn slow_registry_times_out_within_the_lookup_deadline() {
    let stall = StallServer::start();
    let v = verifier(&stall.addr, json!({"timeoutMs": 300}));
    let image = format!("{}/erp/odoo:17.0", stall.addr);
    let start = Instant::now();
    let (state, _, error) = state_of(&v, &image, "erp");
    let took = start.elapsed();
    assert_eq!(state, SignatureState::Unverifiable);
    assert!(error.unwrap_or_default().contains("timed out"));
    assert!(
        took >= Duration::from_millis(250) && took < Duration::from_millis(1500),
        "{took:?}"
    );
    let stats = v.stats();
    assert_eq!((stats.unreachable, stats.timeouts), (1, 1));
}

#[test]
fn tenant_key_counts_only_in_its_tenant_platform_key_everywhere() {
    let reg = TestRegistry::start();
    let (tenant_image, td) = reg.push_image("acme/worker", "1.0", "acme-worker");
    reg.pusher()
        .push_signatures(&tenant_image, &td, &[acme().sign_image(&tenant_image, &td)])
        .expect("push");
    let (platform_image, pd) = reg.push_image("erp/odoo", "17.0", "odoo-platform");
    reg.pusher()
        .push_signatures(
            &platform_image,
            &pd,
            &[platform().sign_image(&platform_image, &pd)],
        )
        .expect("push");
    let v = verifier(&reg.addr, json!({}));
    let (state, by, _) = state_of(&v, &tenant_image, "acme");
    assert_eq!(
        (state, by.as_deref()),
        (SignatureState::Verified, Some("acme"))
    );
    let (state, _, error) = state_of(&v, &tenant_image, "globex");
    assert_eq!(state, SignatureState::Unverified);
    let error = error.expect("a reason");
    assert!(
        error.contains("signed only by keys not trusted here: acme"),
        "{error}"
    );
    assert!(error.contains("tenant \"globex\""), "{error}");
    for tenant in ["acme", "globex"] {
        let (state, by, _) = state_of(&v, &platform_image, tenant);
        assert_eq!(
            (state, by.as_deref()),
            (SignatureState::Verified, Some("platform"))
        );
    }
}

#[test]
fn image_globs_and_environments_scope_keys() {
    let reg = TestRegistry::start();
    let (image, digest) = reg.push_image("acme/worker", "1.0", "acme-glob");
    reg.pusher()
        .push_signatures(&image, &digest, &[acme().sign_image(&image, &digest)])
        .expect("push");
    let scoped = |images: &str, envs: &str| {
        let keys = json!([{"name": "acme", "publicKey": acme().public_key_pem(),
            "images": [images], "environments": [envs]}]);
        verifier(&reg.addr, json!({"keys": keys}))
    };
    let ok = scoped(&format!("{}/acme/*", reg.addr), "production");
    assert_eq!(state_of(&ok, &image, "acme").0, SignatureState::Verified);
    let other_images = scoped(&format!("{}/erp/*", reg.addr), "production");
    assert_eq!(
        state_of(&other_images, &image, "acme").0,
        SignatureState::Unverified
    );
    let other_env = scoped("*", "staging");
    assert_eq!(
        state_of(&other_env, &image, "acme").0,
        SignatureState::Unverified
    );
}

#[test]
fn not_required_environments_are_skipped_without_lookups() {
    let stall = StallServer::start();
    let v = verifier(&stall.addr, json!({"requiredEnvironments": ["production"]}));
    let f = v.facts(&format!("{}/erp/odoo:17.0", stall.addr), &ctx("erp", "dev"));
    let s = f.signature.expect("fact");
    assert_eq!((s.required, s.state), (false, SignatureState::Skipped));
    assert_eq!(v.stats().lookups, 0);
}

#[test]
fn results_are_cached_and_concurrent_lookups_coalesced() {
    let reg = TestRegistry::start();
    let (image, digest) = reg.push_image("erp/odoo", "17.0", "odoo-cache");
    reg.pusher()
        .push_signatures(&image, &digest, &[platform().sign_image(&image, &digest)])
        .expect("push");
    let v = verifier(&reg.addr, json!({}));
    let image = Arc::new(image);
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (v, image) = (v.clone(), image.clone());
            std::thread::spawn(move || {
                v.facts(&image, &ctx("erp", "production"))
                    .signature
                    .map(|s| s.state)
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().ok().flatten(), Some(SignatureState::Verified));
    }
    let s = v.stats();
    assert_eq!(s.lookups, 1, "{s:?}");
    assert_eq!(s.coalesced + s.cache_hits, 7, "{s:?}");
    assert!(v.cached_facts(&image, &ctx("erp", "production")).is_some());
    assert!(v
        .cached_facts(
            &format!("{}/erp/odoo:other", reg.addr),
            &ctx("erp", "production")
        )
        .is_none());
}

#[test]
fn negative_results_expire_sooner() {
    let reg = TestRegistry::start();
    let (image, digest) = reg.push_image("erp/odoo", "17.0", "odoo-neg");
    let v = verifier(
        &reg.addr,
        json!({"negativeCacheTtlSeconds": 0, "cacheTtlSeconds": 300}),
    );
    assert_eq!(state_of(&v, &image, "erp").0, SignatureState::Unverified);
    reg.pusher()
        .push_signatures(&image, &digest, &[platform().sign_image(&image, &digest)])
        .expect("push");
    assert_eq!(state_of(&v, &image, "erp").0, SignatureState::Verified);
    assert_eq!(state_of(&v, &image, "erp").0, SignatureState::Verified);
    let s = v.stats();
    assert_eq!((s.lookups, s.cache_hits), (2, 1), "{s:?}");
}

#[test]
fn verify_image_reports_digest_signatures_and_reasons() {
    let reg = TestRegistry::start();
    let (image, digest) = reg.push_image("erp/odoo", "17.0", "odoo-report");
    let sigs = [
        rogue().sign_image(&image, &digest),
        platform().sign_image(&image, &digest),
    ];
    reg.pusher()
        .push_signatures(&image, &digest, &sigs)
        .expect("push");
    let r = verifier(&reg.addr, json!({})).verify_image(&image, None);
    assert_eq!(r.digest.as_deref(), Some(digest.as_str()));
    assert_eq!(
        (r.state, r.verified_by.as_deref()),
        (SignatureState::Verified, Some("platform"))
    );
    assert_eq!(r.signatures.len(), 2);
    assert!(r.signatures[0].problems[0].contains("does not verify"));
    assert_eq!(r.signatures[1].verified_by, vec!["platform".to_string()]);
    let text = r.to_string();
    assert!(
        text.contains("verified by: platform")
            && text.contains("result:     verified by key platform"),
        "{text}"
    );
}
