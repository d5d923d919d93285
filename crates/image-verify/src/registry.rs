//! A small blocking client for the OCI distribution API: manifests, blobs, referrers, tag
//! resolution, anonymous bearer tokens; and pushes (used by the test signer).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use policy_core::image::ImageRef;
use serde_json::Value;

use crate::source::{
    check_digest, sha256_digest, Res, Source, SourceError, MANIFEST_ACCEPT, MAX_BODY,
};

#[derive(Debug)]
pub(crate) struct Registry {
    agent: ureq::Agent,
    insecure: Vec<String>,
    /// Bearer tokens by `registry/repository`.
    tokens: Mutex<HashMap<String, String>>,
    /// Registries that answered the referrers API with "not implemented", until when: saves a
    /// round trip per lookup (re-probed after [`REFERRERS_RECHECK`]).
    no_referrers: Mutex<HashMap<String, Instant>>,
}

/// How long a registry without the referrers API is not asked again.
const REFERRERS_RECHECK: Duration = Duration::from_secs(600);

struct Answer {
    status: u16,
    digest: Option<String>,
    challenge: Option<String>,
    body: Vec<u8>,
}

fn map_err(e: ureq::Error) -> SourceError {
    let timeout = match &e {
        ureq::Error::Timeout(_) => true,
        ureq::Error::Io(io) => io.kind() == std::io::ErrorKind::TimedOut,
        _ => false,
    };
    SourceError {
        timeout,
        message: if timeout {
            format!("timed out ({e})")
        } else {
            e.to_string()
        },
    }
}

impl Registry {
    pub(crate) fn new(insecure: Vec<String>) -> Registry {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(5)
            .user_agent(concat!("plumbline/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Registry {
            agent,
            insecure,
            tokens: Mutex::new(HashMap::new()),
            no_referrers: Mutex::new(HashMap::new()),
        }
    }

    /// `scheme://host` of a registry (`docker.io` is served by `registry-1.docker.io`).
    pub(crate) fn base(&self, registry: &str) -> String {
        let host = if registry == "docker.io" {
            "registry-1.docker.io"
        } else {
            registry
        };
        let scheme = if self.insecure.iter().any(|r| r == registry) {
            "http"
        } else {
            "https"
        };
        format!("{scheme}://{host}")
    }

    fn url(&self, img: &ImageRef, rest: &str) -> String {
        format!("{}/v2/{}/{rest}", self.base(&img.registry), img.repository)
    }

    fn remaining(deadline: Instant) -> Result<Duration, SourceError> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(SourceError {
                timeout: true,
                message: "timed out".into(),
            });
        }
        Ok(left)
    }

    fn send(
        &self,
        method: &str,
        url: &str,
        accept: &str,
        token: Option<&str>,
        deadline: Instant,
    ) -> Result<Answer, SourceError> {
        let left = Self::remaining(deadline)?;
        let mut req = ureq::http::Request::builder()
            .method(method)
            .uri(url)
            .header("Accept", accept);
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        let req = req.body(()).map_err(|e| SourceError::new(e.to_string()))?;
        let req = self
            .agent
            .configure_request(req)
            .timeout_global(Some(left))
            .build();
        let mut resp = self.agent.run(req).map_err(map_err)?;
        let header = |n: &str| {
            resp.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let digest = header("docker-content-digest");
        let challenge = header("www-authenticate");
        let status = resp.status().as_u16();
        let body = if method == "HEAD" {
            Vec::new()
        } else {
            resp.body_mut()
                .with_config()
                .limit(MAX_BODY)
                .read_to_vec()
                .map_err(map_err)?
        };
        Ok(Answer {
            status,
            digest,
            challenge,
            body,
        })
    }

    /// Send, and on 401 with a Bearer challenge fetch an anonymous pull token and retry once.
    fn request(
        &self,
        method: &str,
        img: &ImageRef,
        rest: &str,
        accept: &str,
        deadline: Instant,
    ) -> Result<Answer, SourceError> {
        let url = self.url(img, rest);
        let key = img.name();
        let token = self.tokens.lock().ok().and_then(|t| t.get(&key).cloned());
        let a = self.send(method, &url, accept, token.as_deref(), deadline)?;
        if a.status != 401 {
            return Ok(a);
        }
        let Some(challenge) = a
            .challenge
            .as_deref()
            .and_then(|c| c.strip_prefix("Bearer "))
        else {
            return Ok(a);
        };
        let token = self.fetch_token(challenge, &img.repository, deadline)?;
        if let Ok(mut t) = self.tokens.lock() {
            t.insert(key, token.clone());
        }
        self.send(method, &url, accept, Some(&token), deadline)
    }

    fn fetch_token(
        &self,
        challenge: &str,
        repository: &str,
        deadline: Instant,
    ) -> Result<String, SourceError> {
        let mut params: HashMap<&str, &str> = HashMap::new();
        for part in challenge.split(',') {
            if let Some((k, v)) = part.trim().split_once('=') {
                params.insert(k, v.trim_matches('"'));
            }
        }
        let realm = params
            .get("realm")
            .ok_or_else(|| SourceError::new("Bearer challenge without realm"))?;
        let mut url = format!("{realm}?scope=repository:{repository}:pull");
        if let Some(s) = params.get("service") {
            url.push_str(&format!("&service={s}"));
        }
        let a = self.send("GET", &url, "application/json", None, deadline)?;
        if a.status != 200 {
            return Err(SourceError::new(format!(
                "token endpoint {realm} answered {}",
                a.status
            )));
        }
        let v: Value =
            serde_json::from_slice(&a.body).map_err(|e| SourceError::new(format!("token: {e}")))?;
        v["token"]
            .as_str()
            .or(v["access_token"].as_str())
            .map(str::to_string)
            .ok_or_else(|| SourceError::new("token endpoint returned no token"))
    }

    fn unexpected(&self, img: &ImageRef, what: &str, a: &Answer) -> SourceError {
        let text = String::from_utf8_lossy(&a.body[..a.body.len().min(200)]).to_string();
        SourceError::new(format!(
            "{} answered HTTP {} for {what}: {}",
            self.base(&img.registry),
            a.status,
            text.trim()
        ))
    }

    /// Upload a blob (monolithic POST + PUT); returns its digest.
    pub(crate) fn push_blob(&self, img: &ImageRef, bytes: &[u8]) -> Result<String, SourceError> {
        let digest = sha256_digest(bytes);
        let post = self
            .agent
            .post(self.url(img, "blobs/uploads/"))
            .send_empty()
            .map_err(map_err)?;
        if post.status().as_u16() != 202 {
            return Err(SourceError::new(format!(
                "blob upload start answered {}",
                post.status()
            )));
        }
        let location = post
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| SourceError::new("blob upload without Location"))?;
        let mut url = if location.starts_with("http") {
            location.to_string()
        } else {
            format!("{}{location}", self.base(&img.registry))
        };
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&format!("digest={digest}"));
        let put = self
            .agent
            .put(&url)
            .header("Content-Type", "application/octet-stream")
            .send(bytes)
            .map_err(map_err)?;
        if put.status().as_u16() != 201 {
            return Err(SourceError::new(format!(
                "blob upload answered {}",
                put.status()
            )));
        }
        Ok(digest)
    }

    /// Upload a manifest under `reference` (tag or digest); returns its digest.
    pub(crate) fn push_manifest(
        &self,
        img: &ImageRef,
        reference: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<String, SourceError> {
        let put = self
            .agent
            .put(self.url(img, &format!("manifests/{reference}")))
            .header("Content-Type", media_type)
            .send(bytes)
            .map_err(map_err)?;
        if put.status().as_u16() != 201 {
            return Err(SourceError::new(format!(
                "manifest upload answered {}",
                put.status()
            )));
        }
        Ok(sha256_digest(bytes))
    }
}

impl Source for Registry {
    fn describe(&self, img: &ImageRef) -> String {
        format!("registry {}", self.base(&img.registry))
    }

    fn resolve(&self, img: &ImageRef, tag: &str, deadline: Instant) -> Res<String> {
        let a = self.request(
            "HEAD",
            img,
            &format!("manifests/{tag}"),
            MANIFEST_ACCEPT,
            deadline,
        )?;
        match a.status {
            200 => match a.digest {
                Some(d) => Ok(Some(d)),
                None => Ok(self.manifest(img, tag, deadline)?.map(|(_, d)| d)),
            },
            404 => Ok(None),
            _ => Err(self.unexpected(img, &format!("tag {tag}"), &a)),
        }
    }

    fn manifest(
        &self,
        img: &ImageRef,
        reference: &str,
        deadline: Instant,
    ) -> Res<(Vec<u8>, String)> {
        let a = self.request(
            "GET",
            img,
            &format!("manifests/{reference}"),
            MANIFEST_ACCEPT,
            deadline,
        )?;
        match a.status {
            200 => {
                let digest = sha256_digest(&a.body);
                if reference.contains(':') && reference != digest {
                    return Err(SourceError::new(format!(
                        "manifest {reference} hashes to {digest}"
                    )));
                }
                Ok(Some((a.body, digest)))
            }
            404 => Ok(None),
            _ => Err(self.unexpected(img, &format!("manifest {reference}"), &a)),
        }
    }

    fn blob(&self, img: &ImageRef, digest: &str, deadline: Instant) -> Res<Vec<u8>> {
        let a = self.request("GET", img, &format!("blobs/{digest}"), "*/*", deadline)?;
        match a.status {
            200 => {
                check_digest(&a.body, digest)?;
                Ok(Some(a.body))
            }
            404 => Ok(None),
            _ => Err(self.unexpected(img, &format!("blob {digest}"), &a)),
        }
    }

    fn referrers(&self, img: &ImageRef, digest: &str, deadline: Instant) -> Res<Vec<Value>> {
        let skip = self
            .no_referrers
            .lock()
            .ok()
            .and_then(|m| m.get(&img.registry).copied());
        if skip.is_some_and(|until| until > Instant::now()) {
            return Ok(None);
        }
        let a = self.request(
            "GET",
            img,
            &format!("referrers/{digest}"),
            "application/vnd.oci.image.index.v1+json",
            deadline,
        )?;
        if a.status != 200 {
            // 404 (and 405 on some proxies): the registry does not implement the referrers API
            // (a registry that does answers 200 with an empty index for an unknown digest).
            if matches!(a.status, 404 | 405) {
                if let Ok(mut m) = self.no_referrers.lock() {
                    m.insert(img.registry.clone(), Instant::now() + REFERRERS_RECHECK);
                }
            }
            return Ok(None);
        }
        let v: Value = serde_json::from_slice(&a.body)
            .map_err(|e| SourceError::new(format!("referrers index: {e}")))?;
        Ok(Some(v["manifests"].as_array().cloned().unwrap_or_default()))
    }
}
