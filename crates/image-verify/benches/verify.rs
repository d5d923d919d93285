//! Verification latency, cold vs cached, against a real `docker-registry` on loopback and the
//! committed OCI layout. Run: `cargo bench -p plumbline-image-verify --bench verify`.
//!
//! - cold, new verifier: empty cache and a new HTTP agent (new TCP connection) per lookup:
//!   HEAD tag → digest, GET referrers, GET `sha256-….sig` manifest, GET payload blob, ECDSA.
//! - cold, warm connection: cache TTL 0 on one verifier (every call looks up; keep-alive).
//! - cached: one verifier, warm cache (what admission sees for a known image).

use std::path::Path;
use std::time::{Duration, Instant};

use image_verify::Verifier;
use policy_core::{ImageFacts, SignatureState};
use serde_json::json;

#[allow(dead_code, unreachable_pub)]
#[path = "../tests/it/harness.rs"]
mod harness;

fn summary(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let n = samples.len();
    let pct = |p: f64| samples[((n as f64 * p) as usize).min(n - 1)];
    let mean = samples.iter().sum::<Duration>() / n as u32;
    println!(
        "{name:<44} n={n:<7} mean={:>10.1?} p50={:>10.1?} p99={:>10.1?} max={:>10.1?}",
        mean,
        pct(0.50),
        pct(0.99),
        samples[n - 1]
    );
}

fn measure(n: usize, mut f: impl FnMut() -> SignatureState) -> Vec<Duration> {
    (0..n)
        .map(|_| {
            let t = Instant::now();
            let s = f();
            let d = t.elapsed();
            assert_eq!(s, SignatureState::Verified);
            d
        })
        .collect()
}

fn main() {
    let reg = harness::TestRegistry::start();
    let (image, digest) = reg.push_image("erp/odoo", "17.0", "bench-odoo");
    reg.pusher()
        .push_signatures(
            &image,
            &digest,
            &[harness::platform().sign_image(&image, &digest)],
        )
        .expect("push signature");
    let ctx = harness::ctx("erp", "production");
    let state = |v: &Verifier| {
        v.facts(&image, &ctx)
            .signature
            .map(|s| s.state)
            .unwrap_or(SignatureState::Skipped)
    };

    summary(
        "registry: cold, new verifier",
        measure(200, || state(&harness::verifier(&reg.addr, json!({})))),
    );
    let no_cache = harness::verifier(
        &reg.addr,
        json!({"cacheTtlSeconds": 0, "negativeCacheTtlSeconds": 0}),
    );
    summary(
        "registry: cold, warm connection",
        measure(500, || state(&no_cache)),
    );
    let cached = harness::verifier(&reg.addr, json!({}));
    state(&cached);
    summary("registry: cached", measure(100_000, || state(&cached)));
    summary(
        "registry: cached_facts (no I/O path)",
        measure(100_000, || {
            cached
                .cached_facts(&image, &ctx)
                .and_then(|f| f.signature)
                .map(|s| s.state)
                .unwrap_or(SignatureState::Skipped)
        }),
    );

    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/image-signing/image-signature-unverified");
    let signing = json!({"keys": [{"name": "platform", "publicKeyFile": "platform.pub"}]});
    let layout = dir.join("layout");
    let fixture = "registry.example.com/erp/odoo:17.0";
    let lstate = |v: &Verifier| {
        v.facts(fixture, &ctx)
            .signature
            .map(|s| s.state)
            .unwrap_or(SignatureState::Skipped)
    };
    summary(
        "layout: cold, new verifier (incl. index load)",
        measure(500, || {
            lstate(&Verifier::from_config(&signing, &dir, Some(&layout)).expect("verifier"))
        }),
    );
    let lv = Verifier::from_config(&signing, &dir, Some(&layout)).expect("verifier");
    lstate(&lv);
    summary("layout: cached", measure(100_000, || lstate(&lv)));
}
