//! An OCI image layout directory as a signature source (`--signatures-from DIR`).
//!
//! `index.json` lists manifests; an entry whose annotation `org.opencontainers.image.ref.name`
//! is a full reference (`registry.example.com/erp/odoo:17.0`, or the cosign signature tag
//! `registry.example.com/erp/odoo:sha256-<hex>.sig`) names that tag. Referrers are the index
//! entries whose manifest has a `subject`. Blobs are `blobs/<alg>/<hex>`, checked on read.

use std::path::{Path, PathBuf};
use std::time::Instant;

use policy_core::image::{parse_image, ImageRef};
use serde_json::Value;

use crate::source::{check_digest, Res, Source, SourceError, MAX_BODY};
use crate::Error;

/// The annotation naming a tag in `index.json`.
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";

#[derive(Debug)]
pub(crate) struct Layout {
    dir: PathBuf,
    /// (reference name, tag, manifest digest) of named entries.
    tags: Vec<(String, String, String)>,
    /// (subject digest, descriptor) of entries with a subject.
    referrers: Vec<(String, Value)>,
}

impl Layout {
    pub(crate) fn open(dir: &Path) -> Result<Layout, Error> {
        let read = |p: PathBuf| {
            std::fs::read(&p).map_err(|e| Error::Layout(format!("{}: {e}", p.display())))
        };
        let index: Value = serde_json::from_slice(&read(dir.join("index.json"))?)
            .map_err(|e| Error::Layout(format!("{}/index.json: {e}", dir.display())))?;
        let mut layout = Layout {
            dir: dir.to_path_buf(),
            tags: Vec::new(),
            referrers: Vec::new(),
        };
        for m in index["manifests"].as_array().into_iter().flatten() {
            let Some(digest) = m["digest"].as_str() else {
                continue;
            };
            if let Some(name) = m["annotations"][REF_NAME].as_str() {
                if let Ok(r) = parse_image(name) {
                    if let Some(tag) = r.tag.clone() {
                        layout.tags.push((r.name(), tag, digest.to_string()));
                    }
                }
            }
            let body = layout
                .read_blob(digest)
                .map_err(|e| Error::Layout(e.message))?;
            if let Some(body) = body {
                let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                if let Some(subject) = v["subject"]["digest"].as_str() {
                    let mut desc = m.clone();
                    if desc.get("artifactType").is_none() {
                        desc["artifactType"] = v["artifactType"].clone();
                    }
                    layout.referrers.push((subject.to_string(), desc));
                }
            }
        }
        Ok(layout)
    }

    fn read_blob(&self, digest: &str) -> Res<Vec<u8>> {
        let Some((alg, hex)) = digest.split_once(':') else {
            return Err(SourceError::new(format!("invalid digest {digest}")));
        };
        if !hex.chars().all(|c| c.is_ascii_hexdigit()) || alg.contains(['/', '.']) {
            return Err(SourceError::new(format!("invalid digest {digest}")));
        }
        let path = self.dir.join("blobs").join(alg).join(hex);
        match std::fs::metadata(&path) {
            Err(_) => return Ok(None),
            Ok(m) if m.len() > MAX_BODY => {
                return Err(SourceError::new(format!(
                    "{}: larger than {MAX_BODY} bytes",
                    path.display()
                )))
            }
            Ok(_) => {}
        }
        let bytes = std::fs::read(&path)
            .map_err(|e| SourceError::new(format!("{}: {e}", path.display())))?;
        check_digest(&bytes, digest)?;
        Ok(Some(bytes))
    }
}

impl Source for Layout {
    fn describe(&self, _img: &ImageRef) -> String {
        format!("OCI layout {}", self.dir.display())
    }

    fn resolve(&self, img: &ImageRef, tag: &str, _deadline: Instant) -> Res<String> {
        let name = img.name();
        Ok(self
            .tags
            .iter()
            .find(|(n, t, _)| *n == name && t == tag)
            .map(|(_, _, d)| d.clone()))
    }

    fn manifest(
        &self,
        img: &ImageRef,
        reference: &str,
        deadline: Instant,
    ) -> Res<(Vec<u8>, String)> {
        let digest = if reference.contains(':') {
            reference.to_string()
        } else {
            match self.resolve(img, reference, deadline)? {
                Some(d) => d,
                None => return Ok(None),
            }
        };
        Ok(self.read_blob(&digest)?.map(|b| (b, digest)))
    }

    fn blob(&self, _img: &ImageRef, digest: &str, _deadline: Instant) -> Res<Vec<u8>> {
        self.read_blob(digest)
    }

    fn referrers(&self, _img: &ImageRef, digest: &str, _deadline: Instant) -> Res<Vec<Value>> {
        Ok(Some(
            self.referrers
                .iter()
                .filter(|(s, _)| s == digest)
                .map(|(_, d)| d.clone())
                .collect(),
        ))
    }
}
