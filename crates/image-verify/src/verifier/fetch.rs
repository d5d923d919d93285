//! One lookup from the source: resolve the tag, list the signature manifests (tag scheme and
//! referrers), and check every signature against every configured key, under the deadline.

use super::*;

impl Verifier {
    /// Ask the source: resolve the tag, find signature manifests, check every signature with
    /// every configured key.
    pub(super) fn fetch(&self, r: &ImageRef, deadline: Instant) -> Lookup {
        let source = &*self.inner.source;
        let mut out = Lookup {
            name: r.name(),
            source: source.describe(r),
            digest: r.digest.clone(),
            failure: None,
            missing: None,
            signatures: Vec::new(),
            keys: Vec::new(),
        };
        if let Err(e) = self.fetch_into(r, deadline, &mut out) {
            out.failure = Some(e);
        }
        out
    }

    fn fetch_into(
        &self,
        r: &ImageRef,
        deadline: Instant,
        out: &mut Lookup,
    ) -> Result<(), SourceError> {
        let Some(digest) = self.digest_of(r, deadline, out)? else {
            return Ok(());
        };
        out.digest = Some(digest.clone());
        for (via, body, md) in self.signature_manifests(r, &digest, deadline)? {
            let layers = serde_json::from_slice::<Value>(&body)
                .map_err(|e| e.to_string())
                .and_then(|m| signature_layers(&m));
            let layers = match layers {
                Ok(l) => l,
                Err(e) => {
                    out.signatures.push(SignatureReport {
                        found_via: via,
                        manifest: md,
                        layer: String::new(),
                        verified_by: Vec::new(),
                        problems: vec![e],
                    });
                    out.keys.push(Vec::new());
                    continue;
                }
            };
            for layer in layers {
                let report = SignatureReport {
                    found_via: via.clone(),
                    manifest: md.clone(),
                    layer: layer.digest.clone(),
                    verified_by: Vec::new(),
                    problems: Vec::new(),
                };
                let (report, good) =
                    self.check_layer(r, &digest, &layer, report, &out.name, deadline)?;
                out.signatures.push(report);
                out.keys.push(good);
            }
        }
        Ok(())
    }

    /// The image's digest: its own, or its tag resolved. `None` when an authoritative source
    /// has no such tag (recorded in `out.missing`).
    fn digest_of(
        &self,
        r: &ImageRef,
        deadline: Instant,
        out: &mut Lookup,
    ) -> Result<Option<String>, SourceError> {
        if let Some(d) = &r.digest {
            return Ok(Some(d.clone()));
        }
        let tag = r.tag.as_deref().unwrap_or("latest");
        match self.inner.source.resolve(r, tag, deadline)? {
            Some(d) => Ok(Some(d)),
            None if self.inner.authoritative => {
                out.missing = Some(format!(
                    "tag {tag} of {} not found in {}",
                    r.name(),
                    out.source
                ));
                Ok(None)
            }
            None => Err(SourceError::new(format!(
                "{} has no entry for {}:{tag}",
                out.source,
                r.name()
            ))),
        }
    }

    /// The signature manifests of `digest` as (found via, body, manifest digest): referrers
    /// first (at most [`MAX_SIGNATURE_MANIFESTS`]), then the cosign tag scheme's, once.
    fn signature_manifests(
        &self,
        r: &ImageRef,
        digest: &str,
        deadline: Instant,
    ) -> Result<Vec<(String, Vec<u8>, String)>, SourceError> {
        let source = &*self.inner.source;
        let mut manifests: Vec<(String, Vec<u8>, String)> = Vec::new();
        if let Some(descs) = source.referrers(r, digest, deadline)? {
            for d in descs
                .iter()
                .filter(|d| d["artifactType"].as_str() == Some(ARTIFACT_TYPE))
            {
                let Some(md) = d["digest"].as_str() else {
                    continue;
                };
                if manifests.len() >= MAX_SIGNATURE_MANIFESTS {
                    break;
                }
                if let Some((body, md)) = source.manifest(r, md, deadline)? {
                    manifests.push(("referrers".into(), body, md));
                }
            }
        }
        let tag = signature_tag(digest);
        if let Some((body, md)) = source.manifest(r, &tag, deadline)? {
            if !manifests.iter().any(|(_, _, d)| *d == md) {
                manifests.push((format!("tag {tag}"), body, md));
            }
        }
        Ok(manifests)
    }

    /// One signature layer checked with every configured key: the report and the indexes of the
    /// keys whose signature holds and whose payload names this image and digest.
    fn check_layer(
        &self,
        r: &ImageRef,
        digest: &str,
        layer: &crate::cosign::Layer,
        mut report: SignatureReport,
        name: &str,
        deadline: Instant,
    ) -> Result<(SignatureReport, Vec<usize>), SourceError> {
        let keys = &self.inner.config.keys;
        let mut good = Vec::new();
        let Some(payload) = self.inner.source.blob(r, &layer.digest, deadline)? else {
            report
                .problems
                .push(format!("payload blob {} is missing", layer.digest));
            return Ok((report, good));
        };
        let signers: Vec<usize> = (0..keys.len())
            .filter(|&i| signature_valid(&keys[i].key, &payload, &layer.signature))
            .collect();
        if signers.is_empty() {
            let names: Vec<&str> = keys.iter().map(|k| k.name.as_str()).collect();
            report.problems.push(format!(
                "signature does not verify with any configured key ({})",
                if names.is_empty() {
                    "none configured".into()
                } else {
                    names.join(", ")
                }
            ));
        }
        for i in signers {
            match check_payload(&payload, digest, name) {
                Ok(()) => {
                    report.verified_by.push(keys[i].name.clone());
                    good.push(i);
                }
                Err(e) => report
                    .problems
                    .push(format!("signed by key {}, but {e}", keys[i].name)),
            }
        }
        Ok((report, good))
    }
}
