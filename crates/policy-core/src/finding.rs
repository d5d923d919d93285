//! Findings: what a rule found, where, and how bad it is.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::object::ObjectRef;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Should be fixed.
    Warning,
    /// Must be fixed.
    Error,
}

impl Severity {
    /// All severities, lowest first.
    pub const ALL: [Severity; 3] = [Severity::Info, Severity::Warning, Severity::Error];

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "info" => Ok(Severity::Info),
            "warning" => Ok(Severity::Warning),
            "error" => Ok(Severity::Error),
            _ => Err(format!(
                "unknown severity `{s}` (expected error, warning or info)"
            )),
        }
    }
}

/// The policy domains. Every rule belongs to exactly one: one of the eight built-in domains, whose
/// governance (in-object suppression, sandbox leniency) the engine knows, or a custom one named by
/// a custom rule's `rule.yaml` (`domain: odoo`), which gets no special treatment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Domain {
    /// Signed provenance and trusted registries.
    ImageSigning,
    /// Immutable image references.
    PinnedTags,
    /// Requests, limits, quotas.
    Resources,
    /// Keeping tenants apart, including Pod Security Standards.
    TenantIsolation,
    /// What is reachable from outside.
    NetworkExposure,
    /// Encryption in transit and at rest, secrets handling.
    Encryption,
    /// Freeze windows and change tickets.
    ChangeControl,
    /// Replicas, disruption budgets, probes.
    Availability,
    /// A domain of custom rules (kebab-case, not a built-in name). Names are interned: each
    /// distinct name is allocated once per process, so the type stays `Copy`.
    Custom(&'static str),
}

impl Domain {
    /// Every built-in domain.
    pub const ALL: [Domain; 8] = [
        Domain::ImageSigning,
        Domain::PinnedTags,
        Domain::Resources,
        Domain::TenantIsolation,
        Domain::NetworkExposure,
        Domain::Encryption,
        Domain::ChangeControl,
        Domain::Availability,
    ];

    /// Kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Domain::ImageSigning => "image-signing",
            Domain::PinnedTags => "pinned-tags",
            Domain::Resources => "resources",
            Domain::TenantIsolation => "tenant-isolation",
            Domain::NetworkExposure => "network-exposure",
            Domain::Encryption => "encryption",
            Domain::ChangeControl => "change-control",
            Domain::Availability => "availability",
            Domain::Custom(name) => name,
        }
    }

    /// Whether this is one of the eight built-in domains.
    pub fn is_builtin(self) -> bool {
        !matches!(self, Domain::Custom(_))
    }

    /// The domain named `name`: a built-in one, else a custom domain. A custom name is 1 to 63
    /// characters of `a-z`, `0-9` and `-`, starting with a letter.
    pub fn named(name: &str) -> Result<Domain, String> {
        if let Ok(d) = name.parse::<Domain>() {
            return Ok(d);
        }
        let valid = (1..=63).contains(&name.len())
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid {
            return Err(format!(
                "invalid domain `{name}`: a custom domain is 1-63 characters of a-z, 0-9 and -, \
                 starting with a letter (built-in domains: {})",
                Domain::ALL.map(Domain::as_str).join(", ")
            ));
        }
        Ok(Domain::Custom(intern(name)))
    }
}

/// One `&'static str` per distinct custom domain name (a handful per process).
fn intern(name: &str) -> &'static str {
    use std::collections::BTreeSet;
    use std::sync::{Mutex, OnceLock};
    static NAMES: OnceLock<Mutex<BTreeSet<&'static str>>> = OnceLock::new();
    let mut names = NAMES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(n) = names.get(name) {
        return n;
    }
    let n: &'static str = Box::leak(name.to_owned().into_boxed_str());
    names.insert(n);
    n
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parses a built-in domain only (so a typo in `--select` is not taken for a custom domain);
/// [`Domain::named`] also accepts custom names.
impl FromStr for Domain {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Domain::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| format!("unknown domain `{s}`"))
    }
}

impl Serialize for Domain {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Domain {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Domain::named(&name).map_err(serde::de::Error::custom)
    }
}

/// Why a finding does not count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Suppression {
    /// `annotation` (in the object) or `exemption` (in the config).
    pub kind: SuppressionKind,
    /// The reason given.
    pub reason: String,
    /// Expiry date (YYYY-MM-DD), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// Where a suppression was declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SuppressionKind {
    /// `ignore.plumbline.dev/<rule>` annotation on the object.
    Annotation,
    /// An `exemptions` entry in `plumbline.yaml`.
    Exemption,
}

/// A rule violation on one object.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Finding {
    /// Rule id.
    pub rule: String,
    /// Rule domain.
    pub domain: Domain,
    /// Effective severity (after configuration).
    pub severity: Severity,
    /// What is wrong, naming the field and value.
    pub message: String,
    /// The object.
    pub object: ObjectRef,
    /// File.
    pub file: String,
    /// 0-based document index.
    pub document: usize,
    /// 0-based index in the `items` of a `List` document, when the object is one of them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<usize>,
    /// 1-based line where the offending text starts: a scalar value on one line, else the key
    /// of the offending field (or of its nearest existing ancestor); for a match inside a literal
    /// block scalar, the line of the match.
    pub line: u32,
    /// 1-based column where the offending text starts.
    pub column: u32,
    /// 1-based line where the offending text ends.
    pub end_line: u32,
    /// 1-based column after the offending text's last character (`column` when only a position
    /// is known; column 1 of the next line when the text ends with its line).
    pub end_column: u32,
    /// JSON pointer of the offending field within the object.
    pub path: String,
    /// Other places the finding is about (the other Ingress claiming the same host); only
    /// objects read from a file have one, so findings of the webhook and of `audit` have none.
    /// Not written when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<RelatedLocation>,
    /// Rule-specific details.
    #[serde(skip_serializing_if = "serde_json::Value::is_null")]
    pub details: Value,
    /// Set when the finding is suppressed (it then does not count toward the exit code).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppression>,
}

/// Another place a finding is about: the field of another object, in its file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RelatedLocation {
    /// What this place is to the finding ("the other Ingress claiming host shop.example").
    pub message: String,
    /// The other object.
    pub object: ObjectRef,
    /// Its file.
    pub file: String,
    /// 0-based document index in that file.
    pub document: usize,
    /// 0-based index in the `items` of a `List` document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<usize>,
    /// 1-based line where the field starts.
    pub line: u32,
    /// 1-based column where the field starts.
    pub column: u32,
    /// 1-based line where the field ends.
    pub end_line: u32,
    /// 1-based column after the field's last character.
    pub end_column: u32,
    /// JSON pointer of the field within the other object.
    pub path: String,
}

impl Finding {
    /// A fingerprint stable across unrelated edits: rule, file, object identity (group, kind,
    /// namespace, name) and field path — not the line, column or document index, so reordering
    /// documents or shifting lines keeps it. 16 hex digits (FNV-1a 64).
    pub fn fingerprint(&self) -> String {
        let group = self.object.group();
        let parts = [
            self.rule.as_str(),
            self.file.as_str(),
            group,
            self.object.kind.as_str(),
            self.object.namespace.as_str(),
            self.object.name.as_str(),
            self.path.as_str(),
        ];
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for p in parts {
            for b in p.bytes().chain(std::iter::once(0)) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        }
        format!("{h:016x}")
    }

    /// Sort key: file, document, line, column, rule.
    pub(crate) fn sort_key(&self) -> (&str, usize, u32, u32, &str, &str) {
        (
            &self.file,
            self.document,
            self.line,
            self.column,
            &self.rule,
            &self.message,
        )
    }
}
