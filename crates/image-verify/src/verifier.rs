//! The verifier: looks signatures up (cached, coalesced, under a deadline), checks them against
//! the trusted keys, and answers with [`ImageFact`]s for the policy input.

use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use policy_core::image::{parse_image, ImageRef};
use policy_core::{ImageContext, ImageFact, ImageFacts, SignatureFact, SignatureState};
use serde::Serialize;
use serde_json::Value;

use crate::cache::{Cache, Origin};
use crate::config::TrustConfig;
use crate::cosign::{
    check_payload, signature_layers, signature_tag, signature_valid, ARTIFACT_TYPE,
};
use crate::layout::Layout;
use crate::registry::Registry;
use crate::source::{Source, SourceError, MAX_SIGNATURE_MANIFESTS};
use crate::Error;

mod fetch;

/// Verifies cosign signatures of container images. Cheap to clone and share across threads.
#[derive(Debug, Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: TrustConfig,
    source: Box<dyn Source>,
    /// Whether "not found" from the source is an answer (a registry) or ignorance (a layout).
    authoritative: bool,
    cache: Cache<String, Arc<Lookup>>,
    counters: Counters,
}

#[derive(Debug, Default)]
struct Counters {
    lookups: AtomicU64,
    cache_hits: AtomicU64,
    coalesced: AtomicU64,
    unreachable: AtomicU64,
    timeouts: AtomicU64,
}

/// Counters for metrics (monotonic since the verifier was built).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Stats {
    /// Lookups that went to the registry or layout.
    pub lookups: u64,
    /// Answers served from the cache.
    pub cache_hits: u64,
    /// Answers that waited for a concurrent caller's lookup of the same image.
    pub coalesced: u64,
    /// Lookups that got no answer (registry down, protocol error, layout without the image).
    pub unreachable: u64,
    /// Lookups (or waits) that ran out of time.
    pub timeouts: u64,
    /// Entries in the cache now.
    pub cache_entries: u64,
}

/// One signature (one simple-signing layer) found for an image.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct SignatureReport {
    /// How it was found: `tag sha256-….sig` or `referrers`.
    pub found_via: String,
    /// Digest of the signature manifest.
    pub manifest: String,
    /// Digest of the payload layer.
    pub layer: String,
    /// Keys whose signature over this payload verifies and whose payload claims hold.
    pub verified_by: Vec<String>,
    /// Why it does not count (bad signature, wrong digest, wrong repository …).
    pub problems: Vec<String>,
}

/// The context-free result of looking one image up; cached.
#[derive(Debug)]
struct Lookup {
    name: String,
    source: String,
    digest: Option<String>,
    /// The source gave no answer: unverifiable.
    failure: Option<SourceError>,
    /// The source answered that the image does not exist.
    missing: Option<String>,
    signatures: Vec<SignatureReport>,
    /// Key indexes per signature (parallel to `signatures`).
    keys: Vec<Vec<usize>>,
}

/// What `plumbline verify-image REF` prints.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Report {
    /// The reference as given.
    pub image: String,
    /// Where signatures were looked up.
    pub source: String,
    /// The digest it resolves to.
    pub digest: Option<String>,
    /// Outcome, with every configured key in scope whatever its tenant/environment scope
    /// (image globs still apply) unless a context was given.
    pub state: SignatureState,
    /// The key that verified.
    pub verified_by: Option<String>,
    /// Why not verified.
    pub error: Option<String>,
    /// Every signature found.
    pub signatures: Vec<SignatureReport>,
    /// Configured keys and their scopes.
    pub keys: Vec<(String, String)>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "image:      {}", self.image)?;
        writeln!(f, "source:     {}", self.source)?;
        writeln!(
            f,
            "digest:     {}",
            self.digest.as_deref().unwrap_or("(unknown)")
        )?;
        writeln!(f, "signatures: {}", self.signatures.len())?;
        for (i, s) in self.signatures.iter().enumerate() {
            writeln!(
                f,
                "  [{}] {} manifest {} layer {}",
                i + 1,
                s.found_via,
                s.manifest,
                s.layer
            )?;
            if !s.verified_by.is_empty() {
                writeln!(f, "      verified by: {}", s.verified_by.join(", "))?;
            }
            for p in &s.problems {
                writeln!(f, "      not valid: {p}")?;
            }
        }
        for (name, scope) in &self.keys {
            writeln!(f, "key {name}: {scope}")?;
        }
        write!(f, "result:     {}", self.state.as_str())?;
        if let Some(k) = &self.verified_by {
            write!(f, " by key {k}")?;
        }
        if let Some(e) = &self.error {
            write!(f, " ({e})")?;
        }
        Ok(())
    }
}

fn cache_key(r: &ImageRef) -> String {
    match (&r.digest, &r.tag) {
        (Some(d), _) => format!("{}@{d}", r.name()),
        (None, t) => format!("{}:{}", r.name(), t.as_deref().unwrap_or("latest")),
    }
}

impl Verifier {
    /// Build from the `signing:` config value. Key files are relative to `config_dir`. With
    /// `layout` (an OCI image layout directory), signatures come from it and never from the
    /// network.
    pub fn from_config(
        signing: &Value,
        config_dir: &Path,
        layout: Option<&Path>,
    ) -> Result<Verifier, Error> {
        let config = TrustConfig::from_value(signing, config_dir)?;
        Verifier::new(config, layout)
    }

    /// The verifier a checked configuration's `signing:` asks for, key files read relative to
    /// the configuration file's folder (the working directory for the built-in defaults). The
    /// one way both binaries build it.
    pub fn for_config(
        config: &policy_core::ValidConfig,
        layout: Option<&Path>,
    ) -> Result<Verifier, Error> {
        let dir = Path::new(&config.config.path)
            .parent()
            .unwrap_or(Path::new("."));
        Verifier::from_config(&config.config.signing, dir, layout)
    }

    /// [`Verifier::from_config`] over an image layout, as the image facts a fixture suite reads
    /// (`policy_core::fixtures::run_suite_with`'s verifier), errors as text.
    pub fn fixture_facts(
        signing: &Value,
        config_dir: &Path,
        layout: &Path,
    ) -> Result<std::sync::Arc<dyn ImageFacts>, String> {
        Verifier::from_config(signing, config_dir, Some(layout))
            .map(|v| std::sync::Arc::new(v) as std::sync::Arc<dyn ImageFacts>)
            .map_err(|e| e.to_string())
    }

    /// Build from a parsed config.
    pub fn new(config: TrustConfig, layout: Option<&Path>) -> Result<Verifier, Error> {
        let (source, authoritative): (Box<dyn Source>, bool) = match layout {
            Some(dir) => (Box::new(Layout::open(dir)?), false),
            None => (
                Box::new(Registry::new(config.insecure_registries.clone())),
                true,
            ),
        };
        Ok(Verifier {
            inner: Arc::new(Inner {
                cache: Cache::new(config.cache_entries),
                config,
                source,
                authoritative,
                counters: Counters::default(),
            }),
        })
    }

    /// The configuration in force.
    pub fn config(&self) -> &TrustConfig {
        &self.inner.config
    }

    /// Counters for `/metrics`.
    pub fn stats(&self) -> Stats {
        let c = &self.inner.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        Stats {
            lookups: get(&c.lookups),
            cache_hits: get(&c.cache_hits),
            coalesced: get(&c.coalesced),
            unreachable: get(&c.unreachable),
            timeouts: get(&c.timeouts),
            cache_entries: self.inner.cache.len() as u64,
        }
    }

    /// The answer from the cache alone, without any I/O or waiting (for an async caller's
    /// fast path); `None` when the image is not cached.
    pub fn cached_facts(&self, image: &str, ctx: &ImageContext<'_>) -> Option<ImageFact> {
        let config = &self.inner.config;
        if !config.required(ctx.environment, ctx.tier) {
            return Some(self.facts(image, ctx));
        }
        let r = parse_image(image).ok()?;
        let lookup = self.inner.cache.peek(&cache_key(&r))?;
        Some(self.judge(&lookup, image, Some(ctx)))
    }

    /// Look `reference` up now (through the cache) and report everything found, judged with
    /// every key (tenant/environment scopes ignored) or in `ctx`.
    pub fn verify_image(&self, reference: &str, ctx: Option<&ImageContext<'_>>) -> Report {
        let keys = self
            .inner
            .config
            .keys
            .iter()
            .map(|k| (k.name.clone(), k.scope()))
            .collect();
        let lookup = self.lookup(reference);
        let fact = self.judge(&lookup, reference, ctx);
        let sig = fact.signature.unwrap_or_else(|| {
            SignatureFact::new(
                true,
                SignatureState::Unverifiable,
                None,
                Some("no outcome".into()),
            )
        });
        Report {
            image: reference.to_string(),
            source: lookup.source.clone(),
            digest: fact.digest,
            state: sig.state,
            verified_by: sig.by,
            error: sig.error,
            signatures: lookup.signatures.clone(),
            keys,
        }
    }

    /// The cached (or coalesced, or fresh) lookup of `image`, within the configured timeout.
    fn lookup(&self, image: &str) -> Arc<Lookup> {
        let inner = &self.inner;
        let r = match parse_image(image) {
            Ok(r) => r,
            Err(e) => {
                return Arc::new(Lookup {
                    name: image.to_string(),
                    source: String::new(),
                    digest: None,
                    failure: None,
                    missing: Some(e.to_string()),
                    signatures: Vec::new(),
                    keys: Vec::new(),
                })
            }
        };
        let deadline = Instant::now() + inner.config.timeout;
        let got = inner.cache.get_or_compute(
            &cache_key(&r),
            deadline,
            || Arc::new(self.fetch(&r, deadline)),
            |l: &Arc<Lookup>| {
                if l.keys.iter().any(|k| !k.is_empty()) {
                    inner.config.ttl
                } else {
                    inner.config.negative_ttl
                }
            },
        );
        let c = &inner.counters;
        match got {
            Some((l, origin)) => {
                match origin {
                    Origin::Cached => c.cache_hits.fetch_add(1, Ordering::Relaxed),
                    Origin::Coalesced => c.coalesced.fetch_add(1, Ordering::Relaxed),
                    Origin::Computed => c.lookups.fetch_add(1, Ordering::Relaxed),
                };
                if origin == Origin::Computed {
                    if let Some(f) = &l.failure {
                        c.unreachable.fetch_add(1, Ordering::Relaxed);
                        if f.timeout {
                            c.timeouts.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                l
            }
            None => {
                c.timeouts.fetch_add(1, Ordering::Relaxed);
                Arc::new(Lookup {
                    name: r.name(),
                    source: inner.source.describe(&r),
                    digest: r.digest.clone(),
                    failure: Some(SourceError {
                        timeout: true,
                        message: format!(
                            "timed out after {} ms waiting for a lookup in flight",
                            inner.config.timeout.as_millis()
                        ),
                    }),
                    missing: None,
                    signatures: Vec::new(),
                    keys: Vec::new(),
                })
            }
        }
    }

    /// Judge a lookup for `image` in `ctx` (`None`: any tenant/environment).
    fn judge(&self, l: &Lookup, image: &str, ctx: Option<&ImageContext<'_>>) -> ImageFact {
        let config = &self.inner.config;
        let required = ctx.is_none_or(|c| config.required(c.environment, c.tier));
        let fact = |state, by: Option<String>, error: Option<String>| {
            ImageFact::new(
                l.digest.clone(),
                Some(SignatureFact::new(required, state, by, error)),
            )
        };
        if let Some(f) = &l.failure {
            let msg = format!(
                "cannot check the signatures of {image} ({}): {}",
                l.source, f.message
            );
            return fact(SignatureState::Unverifiable, None, Some(msg));
        }
        if let Some(m) = &l.missing {
            return fact(SignatureState::Unverified, None, Some(m.clone()));
        }
        let (tenant, env) = (ctx.map(|c| c.tenant), ctx.map(|c| c.environment));
        let mut out_of_scope = Vec::new();
        for ks in &l.keys {
            for &i in ks {
                let k = &config.keys[i];
                if !k.covers_image(&l.name, image) {
                    out_of_scope.push(format!(
                        "{} (trusted for images {})",
                        k.name,
                        k.images.join(", ")
                    ));
                } else if !k.covers_context(tenant, env) {
                    out_of_scope.push(format!(
                        "{} (trusted for {}; here tenant {:?}, environment {:?})",
                        k.name,
                        k.scope(),
                        tenant.unwrap_or_default(),
                        env.unwrap_or_default()
                    ));
                } else {
                    return fact(SignatureState::Verified, Some(k.name.clone()), None);
                }
            }
        }
        let digest = l.digest.as_deref().unwrap_or("?");
        let why = if !out_of_scope.is_empty() {
            out_of_scope.dedup();
            format!(
                "signed only by keys not trusted here: {}",
                out_of_scope.join("; ")
            )
        } else if l.signatures.is_empty() {
            format!(
                "no cosign signature for {digest} in {} (tag {} and OCI referrers)",
                l.source,
                signature_tag(digest)
            )
        } else {
            let problems: Vec<String> = l
                .signatures
                .iter()
                .flat_map(|s| s.problems.clone())
                .collect();
            format!(
                "{} signature(s), none valid: {}",
                l.signatures.len(),
                problems.join("; ")
            )
        };
        fact(SignatureState::Unverified, None, Some(why))
    }
}

impl ImageFacts for Verifier {
    fn facts(&self, image: &str, ctx: &ImageContext<'_>) -> ImageFact {
        let config = &self.inner.config;
        if !config.required(ctx.environment, ctx.tier) {
            let digest = parse_image(image).ok().and_then(|r| r.digest);
            let why = format!(
                "signatures are not required in environment {:?} (tier {:?})",
                ctx.environment, ctx.tier
            );
            return ImageFact::new(
                digest,
                Some(SignatureFact::new(
                    false,
                    SignatureState::Skipped,
                    None,
                    Some(why),
                )),
            );
        }
        let lookup = self.lookup(image);
        self.judge(&lookup, image, Some(ctx))
    }
}
