//! Container image references, parsed as the container runtime does (distribution/reference with
//! Docker's normalisation: `nginx` is `docker.io/library/nginx`).

use serde::Serialize;

/// A parsed image reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageRef {
    /// Registry host (and port), e.g. `docker.io`, `ghcr.io`, `localhost:5000`.
    pub registry: String,
    /// Repository path inside the registry, e.g. `library/nginx`.
    pub repository: String,
    /// Tag, if any.
    pub tag: Option<String>,
    /// Digest (`algorithm:hex`), if any.
    pub digest: Option<String>,
}

impl ImageRef {
    /// `registry/repository`, the name without tag or digest.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }
}

/// Why an image reference is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid image reference `{reference}`: {reason}")]
pub struct ImageRefError {
    /// The reference as written.
    pub reference: String,
    /// What is wrong with it.
    pub reason: String,
}

const DEFAULT_REGISTRY: &str = "docker.io";

/// Parse an image reference, normalising Docker Hub short names.
pub fn parse_image(reference: &str) -> Result<ImageRef, ImageRefError> {
    let err = |reason: &str| ImageRefError {
        reference: reference.to_string(),
        reason: reason.to_string(),
    };
    if reference.is_empty() {
        return Err(err("empty"));
    }
    if reference.len() > 4096 {
        return Err(err("longer than 4096 characters"));
    }
    if reference
        .chars()
        .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(err("contains white space"));
    }
    let (rest, digest) = match reference.split_once('@') {
        Some((r, d)) => {
            validate_digest(d).map_err(|e| err(&e))?;
            (r, Some(d.to_string()))
        }
        None => (reference, None),
    };
    // The tag is after the last ':' that follows the last '/' (a ':' before it is a port).
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].rfind(':') {
        Some(i) => {
            let t = &rest[last_slash + i + 1..];
            validate_tag(t).map_err(|e| err(&e))?;
            (&rest[..last_slash + i], Some(t.to_string()))
        }
        None => (rest, None),
    };
    if name.is_empty() {
        return Err(err("no repository name"));
    }
    let (registry, path) = split_domain(name);
    if let Some(r) = registry {
        validate_domain(r).map_err(|e| err(&e))?;
    }
    validate_path(path).map_err(|e| err(&e))?;
    let registry = registry.unwrap_or(DEFAULT_REGISTRY).to_string();
    let registry = if registry == "index.docker.io" {
        DEFAULT_REGISTRY.to_string()
    } else {
        registry
    };
    let repository = if registry == DEFAULT_REGISTRY && !path.contains('/') {
        format!("library/{path}")
    } else {
        path.to_string()
    };
    Ok(ImageRef {
        registry,
        repository,
        tag,
        digest,
    })
}

/// Docker's rule: the first component is a registry when it has a `.` or `:`, is `localhost`,
/// or has upper-case letters.
fn split_domain(name: &str) -> (Option<&str>, &str) {
    match name.split_once('/') {
        Some((first, rest))
            if first.contains(['.', ':'])
                || first == "localhost"
                || first.chars().any(|c| c.is_ascii_uppercase()) =>
        {
            (Some(first), rest)
        }
        _ => (None, name),
    }
}

fn validate_domain(d: &str) -> Result<(), String> {
    let (host, port) = if d.starts_with('[') {
        // IPv6 literal: [::1]:5000
        let end = d.find(']').ok_or("unterminated IPv6 registry address")?;
        let rest = &d[end + 1..];
        (&d[..=end], rest.strip_prefix(':'))
    } else {
        match d.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (d, None),
        }
    };
    if let Some(p) = port {
        if p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()) {
            return Err(format!("registry port `{p}` is not a number"));
        }
    }
    if host.starts_with('[') {
        return Ok(());
    }
    for label in host.split('.') {
        let ok = !label.is_empty()
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !ok {
            return Err(format!("registry host `{host}` is not a valid host name"));
        }
    }
    Ok(())
}

/// Path components: `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`, separated by `/`.
fn validate_path(path: &str) -> Result<(), String> {
    for comp in path.split('/') {
        if comp.is_empty() {
            return Err("empty path component".into());
        }
        let b = comp.as_bytes();
        let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
        if !alnum(b[0]) || !alnum(b[b.len() - 1]) {
            return Err(format!(
                "path component `{comp}` must start and end with a lower-case letter or digit"
            ));
        }
        let mut i = 0;
        while i < b.len() {
            if alnum(b[i]) {
                i += 1;
                continue;
            }
            // A separator run: '.', '_', '__', or one or more '-'.
            let start = i;
            while i < b.len() && !alnum(b[i]) {
                i += 1;
            }
            let sep = &comp[start..i];
            let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|c| c == b'-');
            if !ok {
                return Err(format!(
                    "path component `{comp}` has an invalid separator `{sep}`"
                ));
            }
        }
    }
    Ok(())
}

/// Tags: `[\w][\w.-]{0,127}`.
fn validate_tag(t: &str) -> Result<(), String> {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut chars = t.chars();
    let ok = match chars.next() {
        Some(c) if word(c) => t.len() <= 128 && chars.all(|c| word(c) || c == '.' || c == '-'),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "tag `{t}` is not valid ([A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}})"
        ))
    }
}

/// Digests: `algorithm:hex`; sha256 must have 64 and sha512 128 lower-case hex digits.
fn validate_digest(d: &str) -> Result<(), String> {
    let (alg, hex) = d
        .split_once(':')
        .ok_or_else(|| format!("digest `{d}` has no algorithm"))?;
    let alg_ok = !alg.is_empty()
        && alg
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+._-".contains(c));
    let hex_ok = hex.len() >= 32 && hex.chars().all(|c| c.is_ascii_hexdigit());
    let len_ok = match alg {
        "sha256" => hex.len() == 64 && !hex.chars().any(|c| c.is_ascii_uppercase()),
        "sha512" => hex.len() == 128 && !hex.chars().any(|c| c.is_ascii_uppercase()),
        _ => true,
    };
    if alg_ok && hex_ok && len_ok {
        Ok(())
    } else {
        Err(format!("digest `{d}` is not valid"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> ImageRef {
        parse_image(s).unwrap()
    }

    #[test]
    fn docker_hub_normalisation() {
        let r = p("nginx");
        assert_eq!(
            (r.registry.as_str(), r.repository.as_str()),
            ("docker.io", "library/nginx")
        );
        assert_eq!(r.tag, None);
        let r = p("bitnami/redis:7.2");
        assert_eq!(r.repository, "bitnami/redis");
        assert_eq!(r.tag.as_deref(), Some("7.2"));
        assert_eq!(p("index.docker.io/library/odoo:17").registry, "docker.io");
    }

    #[test]
    fn registry_with_port_is_not_a_tag() {
        let r = p("localhost:5000/odoo");
        assert_eq!(r.registry, "localhost:5000");
        assert_eq!(r.tag, None);
        let r = p("registry.example.com:443/team/odoo:17.0");
        assert_eq!(r.registry, "registry.example.com:443");
        assert_eq!(r.repository, "team/odoo");
        assert_eq!(r.tag.as_deref(), Some("17.0"));
    }

    #[test]
    fn digests() {
        let d = "sha256:".to_string() + &"a".repeat(64);
        let r = p(&format!("ghcr.io/acme/app:1.0@{d}"));
        assert_eq!(r.digest.as_deref(), Some(d.as_str()));
        assert_eq!(r.tag.as_deref(), Some("1.0"));
        assert!(parse_image("app@sha256:abc").is_err());
        assert!(parse_image(&format!("app@sha256:{}", "A".repeat(64))).is_err());
    }

    #[test]
    fn invalid_references() {
        for bad in [
            "",
            "Nginx",
            "nginx:",
            "nginx:-x",
            "a//b",
            "UPPER/x:1 ",
            "host:port/x",
            "a/b_-c",
        ] {
            assert!(parse_image(bad).is_err(), "{bad} should be invalid");
        }
        assert_eq!(p("MyRegistry/app").registry, "MyRegistry");
    }
}
