//! AdmissionReview v1 in, AdmissionReview v1 out: the webhook's decision as a pure function.
//!
//! The webhook (`plumbline-webhook`) and the offline replay (`plumbline admit review.json`) both call
//! [`review`], so the replay prints exactly what the webhook would answer. No I/O, no clock beyond
//! the linter's, no logging: the caller decides what to record.
//!
//! The AdmissionReview types are plain serde structs (`kube::core::admission` would pull
//! `k8s-openapi`, minutes of build time for the handful of fields used here).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::config::Config;
use crate::finding::{Finding, Severity};
use crate::object::Object;
use crate::Error;
use crate::{Inventory, Linter};

/// The only AdmissionReview version served.
pub const API_VERSION: &str = "admission.k8s.io/v1";
/// Key of the audit annotation recording an honoured emergency change.
pub const AUDIT_EMERGENCY: &str = "emergency-change";
/// Key of the audit annotation recording a refused emergency change.
pub const AUDIT_EMERGENCY_REFUSED: &str = "emergency-refused";
/// Key of the audit annotation recording a failed evaluation (fail-open).
pub const AUDIT_EVALUATION_ERROR: &str = "evaluation-error";

/// An audit annotation key: the API server stores each one as `<webhook name>/<key>` and drops
/// (with only a log line) any whose result is not a qualified name, so a key has no `/` and is
/// at most 63 characters of `[A-Za-z0-9._-]`, starting and ending alphanumeric.
pub fn audit_key(name: &str) -> String {
    let mut key: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .take(63)
        .collect();
    while key.ends_with(|c: char| !c.is_ascii_alphanumeric()) {
        key.pop();
    }
    while key.starts_with(|c: char| !c.is_ascii_alphanumeric()) {
        key.remove(0);
    }
    if key.is_empty() {
        key.push_str("finding");
    }
    key
}
/// Most warnings returned (kubectl prints each one).
pub const MAX_WARNINGS: usize = 20;
/// Longest warning, in characters.
pub const MAX_WARNING_CHARS: usize = 256;
/// Most bytes of all warnings together.
pub const MAX_WARNING_BYTES: usize = 4096;
/// Longest deny message or audit annotation value, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4096;

/// What happens to findings in an environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Enforcement {
    /// Error findings deny; warnings warn; info is audited.
    #[default]
    Deny,
    /// Error and warning findings warn; info is audited.
    Warn,
    /// Every finding is only audited.
    Audit,
    /// Nothing is evaluated.
    Off,
}

impl Enforcement {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Enforcement::Deny => "deny",
            Enforcement::Warn => "warn",
            Enforcement::Audit => "audit",
            Enforcement::Off => "off",
        }
    }
}

/// What to answer when the evaluation fails or runs out of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum FailureMode {
    /// Allow the request (with a warning and an audit annotation).
    FailOpen,
    /// Deny the request.
    #[default]
    FailClosed,
}

/// The `admission:` section of `plumbline.yaml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AdmissionConfig {
    /// Enforcement per environment name (default `deny`).
    #[serde(default)]
    pub enforcement: BTreeMap<String, Enforcement>,
    /// Namespaces never evaluated (default: `kube-system` and the webhook's own namespace).
    #[serde(default)]
    pub exempt_namespaces: Option<Vec<String>>,
    /// Answer on evaluation timeout or error (default `fail-closed`).
    #[serde(default)]
    pub failure_mode: Option<FailureMode>,
    /// Who may add or change in-object suppressions (default: nobody).
    #[serde(default)]
    pub suppressors: Suppressors,
    /// Mutual TLS: the CA and subjects of allowed callers (read by the webhook binary).
    #[serde(default)]
    pub client_auth: Option<ClientAuthConfig>,
    /// Who may declare emergency changes through a freeze, and for how long.
    #[serde(default)]
    pub emergency: EmergencyConfig,
}

/// `admission.emergency`: governance of `change.plumbline.dev/emergency`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EmergencyConfig {
    /// Who may declare an emergency change (default: nobody).
    #[serde(default)]
    pub requesters: Suppressors,
    /// Longest validity of an emergency's `expires=`, in hours (default 24).
    #[serde(default)]
    pub max_hours: Option<u32>,
}

/// `admission.clientAuth`: mutual TLS settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ClientAuthConfig {
    /// PEM bundle of the CA(s) issuing callers' certificates.
    #[serde(rename = "caFile")]
    pub ca_file: String,
    /// Allowed subject common names or DNS names (empty: any certificate from the CA).
    #[serde(default)]
    pub subjects: Vec<String>,
}

/// Users and groups allowed to suppress findings in-object (`admission.suppressors`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Suppressors {
    /// Usernames (exact), e.g. `system:serviceaccount:argocd:argocd-application-controller`.
    #[serde(default)]
    pub users: Vec<String>,
    /// Groups (exact), e.g. `platform-admins`.
    #[serde(default)]
    pub groups: Vec<String>,
}

impl Suppressors {
    /// Whether the requester of `userInfo` (`{"username": …, "groups": […]}`) may suppress.
    pub fn allows(&self, user: &Value) -> bool {
        let name = user["username"].as_str().unwrap_or_default();
        let in_groups = user["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .any(|g| self.groups.iter().any(|a| a == g));
        (!name.is_empty() && self.users.iter().any(|u| u == name)) || in_groups
    }
}

/// Admission settings: the config's `admission:` section with defaults applied and patterns compiled.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AdmissionSettings {
    /// Enforcement per environment name.
    pub enforcement: BTreeMap<String, Enforcement>,
    /// Enforcement of environments not listed.
    pub default_enforcement: Enforcement,
    /// Namespaces never evaluated.
    pub exempt_namespaces: Vec<String>,
    /// Answer on evaluation timeout or error.
    pub failure_mode: FailureMode,
    /// Who may add or change in-object suppressions.
    pub suppressors: Suppressors,
    /// Who may declare emergency changes (`change.plumbline.dev/emergency`).
    pub emergency_requesters: Suppressors,
    /// Longest validity of an emergency, in hours.
    pub emergency_max_hours: u32,
    /// The instant to evaluate at; None: the wall clock at each request (`plumbline admit --at`
    /// sets it).
    pub now: Option<jiff::Timestamp>,
}

impl Default for AdmissionSettings {
    fn default() -> Self {
        AdmissionSettings {
            enforcement: BTreeMap::new(),
            default_enforcement: Enforcement::Deny,
            exempt_namespaces: vec!["kube-system".into()],
            failure_mode: FailureMode::FailClosed,
            suppressors: Suppressors::default(),
            emergency_requesters: Suppressors::default(),
            emergency_max_hours: crate::emergency::DEFAULT_MAX_HOURS,
            now: None,
        }
    }
}

impl AdmissionSettings {
    /// Settings from a config; `own_namespace` (the webhook's) is exempt unless the config lists
    /// the exemptions itself.
    pub fn from_config(
        config: &Config,
        own_namespace: Option<&str>,
    ) -> Result<AdmissionSettings, Error> {
        let a = &config.admission;
        let mut s = AdmissionSettings {
            enforcement: a.enforcement.clone(),
            suppressors: a.suppressors.clone(),
            emergency_requesters: a.emergency.requesters.clone(),
            emergency_max_hours: a
                .emergency
                .max_hours
                .unwrap_or(crate::emergency::DEFAULT_MAX_HOURS),
            ..AdmissionSettings::default()
        };
        match &a.exempt_namespaces {
            Some(list) => s.exempt_namespaces = list.clone(),
            None => s
                .exempt_namespaces
                .extend(own_namespace.map(str::to_string)),
        }
        if let Some(m) = a.failure_mode {
            s.failure_mode = m;
        }
        Ok(s)
    }

    /// Enforcement of an environment.
    pub fn enforcement_of(&self, environment: &str) -> Enforcement {
        self.enforcement
            .get(environment)
            .copied()
            .unwrap_or(self.default_enforcement)
    }
}

/// A malformed AdmissionReview (the webhook answers HTTP 400 with this reason).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AdmissionError {
    /// Not JSON, or not the shape of an AdmissionReview.
    #[error("malformed AdmissionReview: {0}")]
    Malformed(String),
    /// `apiVersion` other than `admission.k8s.io/v1`.
    #[error("unsupported apiVersion `{0}`: only admission.k8s.io/v1 is served")]
    ApiVersion(String),
    /// `kind` other than `AdmissionReview`.
    #[error("unsupported kind `{0}`: expected AdmissionReview")]
    Kind(String),
    /// A required field is missing or empty.
    #[error("AdmissionReview is missing `{0}`")]
    Missing(&'static str),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReviewIn {
    #[serde(default)]
    api_version: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    request: Option<RequestIn>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RequestIn {
    #[serde(default)]
    uid: String,
    #[serde(default)]
    kind: Option<Gvk>,
    #[serde(default)]
    sub_resource: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    operation: String,
    #[serde(default)]
    user_info: Value,
    #[serde(default)]
    object: Option<Value>,
    #[serde(default)]
    old_object: Option<Value>,
    #[serde(default)]
    dry_run: Option<bool>,
}

#[derive(Deserialize, Default)]
struct Gvk {
    #[serde(default)]
    kind: String,
}

/// A well-formed admission request, ready to decide.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AdmissionRequest {
    /// Request uid (echoed in every answer).
    pub uid: String,
    /// `CREATE`, `UPDATE`, `DELETE` or `CONNECT`.
    pub operation: String,
    /// Kind of the object (`request.kind.kind`, else the object's `kind`).
    pub kind: String,
    /// Namespace (empty for cluster-scoped objects).
    pub namespace: String,
    /// Name (may be empty on CREATE with generateName).
    pub name: String,
    /// Subresource, empty for the main resource.
    pub sub_resource: String,
    /// Dry run: no side effects.
    pub dry_run: bool,
    /// The new object (CREATE, UPDATE).
    pub object: Option<Value>,
    /// The old object (UPDATE, DELETE).
    pub old_object: Option<Value>,
    /// `userInfo`.
    pub user: Value,
}

impl AdmissionRequest {
    /// `Kind/namespace/name` for logs.
    pub fn display_object(&self) -> String {
        if self.namespace.is_empty() {
            format!("{}/{}", self.kind, self.name)
        } else {
            format!("{}/{}/{}", self.kind, self.namespace, self.name)
        }
    }
}

/// Parse and check an AdmissionReview v1 body.
pub fn parse_request(body: &[u8]) -> Result<AdmissionRequest, AdmissionError> {
    let review: ReviewIn =
        serde_json::from_slice(body).map_err(|e| AdmissionError::Malformed(e.to_string()))?;
    match review.api_version.as_deref() {
        Some(API_VERSION) => {}
        Some(other) => return Err(AdmissionError::ApiVersion(other.to_string())),
        None => return Err(AdmissionError::Missing("apiVersion")),
    }
    match review.kind.as_deref() {
        Some("AdmissionReview") => {}
        Some(other) => return Err(AdmissionError::Kind(other.to_string())),
        None => return Err(AdmissionError::Missing("kind")),
    }
    let r = review.request.ok_or(AdmissionError::Missing("request"))?;
    if r.uid.is_empty() {
        return Err(AdmissionError::Missing("request.uid"));
    }
    let operation = r.operation;
    match operation.as_str() {
        "CREATE" | "UPDATE" => {
            if !r.object.as_ref().is_some_and(Value::is_object) {
                return Err(AdmissionError::Missing("request.object"));
            }
        }
        "DELETE" | "CONNECT" => {}
        "" => return Err(AdmissionError::Missing("request.operation")),
        other => {
            return Err(AdmissionError::Malformed(format!(
                "unknown operation `{other}` (expected CREATE, UPDATE, DELETE or CONNECT)"
            )))
        }
    }
    let gvk = r.kind.unwrap_or_default();
    let kind = if gvk.kind.is_empty() {
        r.object
            .as_ref()
            .and_then(|o| o["kind"].as_str())
            .unwrap_or_default()
            .to_string()
    } else {
        gvk.kind
    };
    let name = r
        .name
        .filter(|n| !n.is_empty())
        .or_else(|| {
            r.object
                .as_ref()
                .and_then(|o| o["metadata"]["name"].as_str().map(str::to_string))
        })
        .unwrap_or_default();
    Ok(AdmissionRequest {
        uid: r.uid,
        operation,
        kind,
        namespace: r.namespace.unwrap_or_default(),
        name,
        sub_resource: r.sub_resource.unwrap_or_default(),
        dry_run: r.dry_run.unwrap_or(false),
        object: r.object,
        old_object: r.old_object,
        user: r.user_info,
    })
}

/// What was decided and why, beside the response itself (for logs and metrics).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Outcome {
    /// The full AdmissionReview response.
    pub response: Value,
    /// Allowed or not.
    pub allowed: bool,
    /// `allow`, `deny`, `warn`, `audit`, `skip` (not evaluated), `error` (failure mode applied).
    pub decision: &'static str,
    /// Environment resolved for the namespace.
    pub environment: String,
    /// Enforcement applied.
    pub enforcement: Enforcement,
    /// Unsuppressed findings that counted.
    pub findings: Vec<Finding>,
    /// Findings suppressed by an honoured annotation or a config exemption (recorded, not counted).
    pub suppressed: Vec<Finding>,
    /// Why the request was not evaluated, if it was not.
    pub skipped: Option<&'static str>,
    /// Rule errors (the failure mode was applied).
    pub errors: Vec<String>,
}

/// Decide an AdmissionReview body: the full AdmissionReview v1 response, or why the body is malformed.
pub fn review(
    linter: &Linter,
    settings: &AdmissionSettings,
    body: &[u8],
    namespaces: &Inventory,
) -> Result<Value, AdmissionError> {
    let req = parse_request(body)?;
    Ok(decide(linter, settings, &req, namespaces).response)
}

fn skip(
    req: &AdmissionRequest,
    env: String,
    enforcement: Enforcement,
    why: &'static str,
) -> Outcome {
    Outcome {
        response: envelope(json!({"uid": req.uid, "allowed": true})),
        allowed: true,
        decision: "skip",
        environment: env,
        enforcement,
        findings: Vec::new(),
        suppressed: Vec::new(),
        skipped: Some(why),
        errors: Vec::new(),
    }
}

/// How strict an enforcement is (Off < Audit < Warn < Deny).
fn strictness(e: Enforcement) -> u8 {
    match e {
        Enforcement::Off => 0,
        Enforcement::Audit => 1,
        Enforcement::Warn => 2,
        Enforcement::Deny => 3,
    }
}

/// The rule whose findings an honoured emergency change lets through.
const FREEZE_RULE: &str = "change-freeze-active";

/// Decide a parsed request.
pub fn decide(
    linter: &Linter,
    settings: &AdmissionSettings,
    req: &AdmissionRequest,
    namespaces: &Inventory,
) -> Outcome {
    // A Namespace request is about the namespace it names (its request.namespace may be empty).
    let ns_name = if req.kind == "Namespace" && req.namespace.is_empty() {
        req.name.as_str()
    } else {
        req.namespace.as_str()
    };
    // The one resolver (DESIGN.md §3): Namespace labels when the cache knows the namespace, else
    // namespace-name patterns, else the default environment.
    let labels = namespaces.namespaces.get(ns_name).map(|n| &n.labels);
    let resolved = linter.resolver().resolve(ns_name, labels, None);
    let mut env = resolved.environment.clone();
    let mut enforcement = settings.enforcement_of(&env);
    // A Namespace's own labels choose its environment, so a change of them is judged by the
    // strictest of the stored labels, the new ones and the cache's: relabelling a namespace into
    // a lenient environment cannot lower the enforcement of that very change.
    if req.kind == "Namespace" {
        for o in [req.old_object.as_ref(), req.object.as_ref()]
            .into_iter()
            .flatten()
        {
            if let Some(l) = o["metadata"]["labels"].as_object() {
                let r = linter.resolver().resolve(ns_name, Some(l), None);
                let e = settings.enforcement_of(&r.environment);
                if strictness(e) > strictness(enforcement) {
                    enforcement = e;
                    env = r.environment;
                }
            }
        }
    }
    if !ns_name.is_empty() && settings.exempt_namespaces.iter().any(|n| n == ns_name) {
        return skip(req, env, enforcement, "exempt namespace");
    }
    // `pods/ephemeralcontainers` carries the whole Pod with its new ephemeral containers: judge
    // it as the Pod (a privileged debug container is a privileged container). Other subresources
    // (status, scale, binding, eviction…) are not judged.
    let ephemeral = req.sub_resource == "ephemeralcontainers"
        && (req.kind == "Pod"
            || req.object.as_ref().and_then(|o| o["kind"].as_str()) == Some("Pod"));
    if !req.sub_resource.is_empty() && !ephemeral {
        return skip(req, env, enforcement, "subresource");
    }
    if enforcement == Enforcement::Off {
        return skip(req, env, enforcement, "enforcement off");
    }
    // CREATE and UPDATE judge the new object; DELETE judges the object being deleted, with only
    // the rules that opt in to DELETE (change-freeze-active); CONNECT is not judged.
    let subject = match req.operation.as_str() {
        "CREATE" | "UPDATE" => req.object.clone(),
        "DELETE" => req.old_object.clone(),
        _ => None,
    };
    let Some(value) = subject else {
        return skip(req, env, enforcement, "operation not evaluated");
    };
    let mut value = value;
    // The request's namespace is authoritative (CREATE often omits metadata.namespace).
    if !req.namespace.is_empty() && req.kind != "Namespace" {
        if let Some(meta) = value.as_object_mut().map(|o| {
            o.entry("metadata")
                .or_insert_with(|| Value::Object(Map::new()))
        }) {
            if let Some(m) = meta.as_object_mut() {
                m.insert("namespace".into(), Value::String(req.namespace.clone()));
            }
        }
    }
    let now = settings.now.unwrap_or_else(jiff::Timestamp::now);
    let requester = req.user["username"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    // Rules that judge the requester (namespace-labels-protected) must never mistake an admission
    // request for an offline lint, where the requester is empty.
    let mut user = req.user.clone();
    if requester.is_empty() {
        match user.as_object_mut() {
            Some(u) => {
                u.insert("username".into(), Value::String("(unknown)".into()));
            }
            None => user = json!({"username": "(unknown)", "groups": []}),
        }
    }
    // An emergency is judged for this request (requester, ticket, bounded validity). One that is
    // not honoured is taken out of the evaluated copy, so the freeze rule judges the change as
    // if it were absent (and an unhonoured emergency ticket is no change ticket either).
    let emergency = crate::emergency::annotation(&value).map(|v| {
        let pattern = linter
            .config()
            .config
            .change_control
            .ticket_pattern
            .clone()
            .unwrap_or_else(|| crate::calendar::DEFAULT_TICKET_PATTERN.to_string());
        crate::emergency::judge(
            v,
            &crate::emergency::Rules {
                requester: &requester,
                requester_allowed: settings.emergency_requesters.allows(&req.user),
                ticket_pattern: &pattern,
                now,
                max_hours: settings.emergency_max_hours,
            },
        )
    });
    if emergency.as_ref().is_some_and(|e| !e.honoured()) {
        if let Some(a) = value["metadata"]["annotations"].as_object_mut() {
            a.remove(crate::emergency::ANNOTATION);
        }
    }
    let object = Object::from_value(value, &format!("admission:{}", req.uid));
    // In-object suppressions are honoured only for requesters allowed to suppress: a validating
    // webhook cannot know whether a suppression the stored object carries was ever approved.
    let governance = crate::suppress::Governance {
        requester: requester.clone(),
        allowed: settings.suppressors.allows(&req.user),
        previous: match req.operation.as_str() {
            "UPDATE" => req.old_object.as_ref(),
            _ => None,
        },
    };
    let request = crate::Request {
        operation: &req.operation,
        old_object: req.old_object.as_ref(),
        user,
        now: Some(now),
        governance: Some(governance),
    };
    let (mut findings, problems) = linter.check_object_as(&object, namespaces, &request);
    // Record every emergency met during a freeze: honoured ones let the change through, refused
    // ones say why in the freeze finding.
    let mut extra_audits = Vec::new();
    if let Some(e) = &emergency {
        let windows = linter
            .calendars()
            .active(&resolved.environment, resolved.tier, now);
        if !windows.is_empty() {
            let names: Vec<String> = windows
                .iter()
                .map(|w| format!("{} ({})", w.name, w.calendar))
                .collect();
            match &e.problem {
                None if !findings.iter().any(|f| f.rule == FREEZE_RULE) => {
                    let until = e.expires.map(|t| t.to_string()).unwrap_or_default();
                    extra_audits.push((
                        AUDIT_EMERGENCY.to_string(),
                        format!(
                            "ticket {} by {} until {until} during freeze: {}",
                            e.ticket,
                            if requester.is_empty() {
                                "(unknown)"
                            } else {
                                &requester
                            },
                            names.join(", ")
                        ),
                    ));
                }
                None => {}
                Some(problem) => {
                    for f in findings.iter_mut().filter(|f| f.rule == FREEZE_RULE) {
                        f.message.push_str(&format!(
                            " Its {} annotation ({:?}) is not honoured: {problem}.",
                            crate::emergency::ANNOTATION,
                            e.text
                        ));
                    }
                    extra_audits.push((
                        AUDIT_EMERGENCY_REFUSED.to_string(),
                        format!("{:?} during freeze {}: {problem}", e.text, names.join(", ")),
                    ));
                }
            }
        }
    }
    // The ephemeral-containers subresource changes nothing but the ephemeral containers: only
    // findings about them count (the rest of the Pod was judged when it was created).
    if ephemeral {
        findings.retain(|f| f.path.starts_with("/spec/ephemeralContainers"));
    }
    let (suppressed, findings): (Vec<Finding>, Vec<Finding>) =
        findings.into_iter().partition(|f| f.suppressed.is_some());
    let errors: Vec<String> = problems.into_iter().map(|p| p.message).collect();
    if !errors.is_empty() {
        let mut o = failure(settings, &req.uid, &errors.join("; "));
        o.environment = env;
        o.enforcement = enforcement;
        o.findings = findings;
        o.suppressed = suppressed;
        o.errors = errors;
        return o;
    }
    respond(req, env, enforcement, findings, suppressed, extra_audits)
}

fn respond(
    req: &AdmissionRequest,
    env: String,
    enforcement: Enforcement,
    findings: Vec<Finding>,
    suppressed: Vec<Finding>,
    extra_audits: Vec<(String, String)>,
) -> Outcome {
    let mut denials = Vec::new();
    let mut warnings = Vec::new();
    let mut audits: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in extra_audits {
        audits.entry(k).or_default().push(v);
    }
    for f in &findings {
        let line = format!("[{}] {}: {}", f.rule, display_path(&f.path), f.message);
        match (enforcement, f.severity) {
            (Enforcement::Deny, Severity::Error) => denials.push(line),
            (Enforcement::Deny | Enforcement::Warn, Severity::Error | Severity::Warning) => {
                warnings.push(line)
            }
            _ => audits.entry(audit_key(&f.rule)).or_default().push(format!(
                "{}: {}",
                display_path(&f.path),
                f.message
            )),
        }
    }
    // Findings decide `audit`; the record of honoured suppressions below does not.
    let judged_audit = !audits.is_empty();
    for f in &suppressed {
        if let Some(sup) = &f.suppressed {
            let kind = match sup.kind {
                crate::finding::SuppressionKind::Annotation => "annotation",
                crate::finding::SuppressionKind::Exemption => "exemption",
            };
            let expires = sup
                .expires
                .as_deref()
                .map(|d| format!("; expires={d}"))
                .unwrap_or_default();
            let line = format!("{kind}: {}{expires}", sup.reason);
            let entry = audits
                .entry(audit_key(&format!("suppressed-{}", f.rule)))
                .or_default();
            if !entry.contains(&line) {
                entry.push(line);
            }
        }
    }
    let allowed = denials.is_empty();
    let mut response = Map::new();
    response.insert("uid".into(), Value::String(req.uid.clone()));
    response.insert("allowed".into(), Value::Bool(allowed));
    if !allowed {
        let message = truncate(
            &format!(
                "plumbline denied {} ({} violation{}): {}",
                req.display_object(),
                denials.len(),
                if denials.len() == 1 { "" } else { "s" },
                denials.join("; ")
            ),
            MAX_MESSAGE_CHARS,
        );
        response.insert(
            "status".into(),
            json!({"code": 403, "reason": "Forbidden", "message": message}),
        );
    }
    let warnings = bound_warnings(&warnings);
    if !warnings.is_empty() {
        response.insert("warnings".into(), json!(warnings));
    }
    if !audits.is_empty() {
        let a: Map<String, Value> = audits
            .into_iter()
            .map(|(k, v)| (k, Value::String(truncate(&v.join("; "), MAX_MESSAGE_CHARS))))
            .collect();
        response.insert("auditAnnotations".into(), Value::Object(a));
    }
    let decision = if !allowed {
        "deny"
    } else if !warnings.is_empty() {
        "warn"
    } else if judged_audit {
        "audit"
    } else {
        "allow"
    };
    Outcome {
        response: envelope(Value::Object(response)),
        allowed,
        decision,
        environment: env,
        enforcement,
        findings,
        suppressed,
        skipped: None,
        errors: Vec::new(),
    }
}

/// The answer when evaluation failed or timed out, following the failure mode.
pub fn failure(settings: &AdmissionSettings, uid: &str, reason: &str) -> Outcome {
    let reason = truncate(reason, MAX_MESSAGE_CHARS);
    let (allowed, response) = match settings.failure_mode {
        FailureMode::FailOpen => (
            true,
            json!({
                "uid": uid, "allowed": true,
                "warnings": [truncate(&format!("plumbline: policy evaluation failed, allowed (fail-open): {reason}"), MAX_WARNING_CHARS)],
                "auditAnnotations": {AUDIT_EVALUATION_ERROR: reason},
            }),
        ),
        FailureMode::FailClosed => (
            false,
            json!({
                "uid": uid, "allowed": false,
                "status": {"code": 500, "reason": "InternalError",
                           "message": format!("plumbline: policy evaluation failed, denied (fail-closed): {reason}")},
            }),
        ),
    };
    Outcome {
        response: envelope(response),
        allowed,
        decision: "error",
        environment: String::new(),
        enforcement: Enforcement::Deny,
        findings: Vec::new(),
        suppressed: Vec::new(),
        skipped: None,
        errors: vec![reason],
    }
}

fn envelope(response: Value) -> Value {
    json!({"apiVersion": API_VERSION, "kind": "AdmissionReview", "response": response})
}

fn display_path(pointer: &str) -> String {
    if pointer.is_empty() {
        return "(object)".into();
    }
    // /spec/containers/0/image → spec.containers[0].image
    let mut out = String::new();
    for seg in pointer.trim_start_matches('/').split('/') {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&seg);
        }
    }
    out
}

/// At most `max` characters, control characters replaced, `…` marking a cut.
fn truncate(s: &str, max: usize) -> String {
    let clean = s.chars().map(|c| if c.is_control() { ' ' } else { c });
    let mut out: String = clean.clone().take(max).collect();
    if clean.count() > max {
        out.pop();
        out.push('…');
    }
    out
}

fn bound_warnings(lines: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut total = 0;
    for (i, l) in lines.iter().enumerate() {
        let w = truncate(&format!("plumbline: {l}"), MAX_WARNING_CHARS);
        if out.len() + 1 == MAX_WARNINGS && i + 1 < lines.len()
            || total + w.len() > MAX_WARNING_BYTES
        {
            out.push(format!(
                "plumbline: {} more finding(s) not shown",
                lines.len() - i
            ));
            break;
        }
        total += w.len();
        out.push(w);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The API server keeps an audit annotation only when `<webhook name>/<key>` is a qualified
    /// name (k8s.io/apiserver `checkKeyFormat`): one `/`, a name part of at most 63 characters of
    /// `[A-Za-z0-9._-]` starting and ending alphanumeric. `plumbline.dev/<rule>` never was one.
    #[test]
    fn audit_keys_are_qualified_name_parts() {
        let re = regex::Regex::new(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$").unwrap();
        for key in [
            audit_key("image-tag-latest"),
            audit_key("suppressed-namespace-network-policy-missing"),
            audit_key(&format!("suppressed-{}", "x".repeat(80))),
            audit_key("custom/rule id!"),
            audit_key("-"),
            AUDIT_EMERGENCY.to_string(),
            AUDIT_EMERGENCY_REFUSED.to_string(),
            AUDIT_EVALUATION_ERROR.to_string(),
        ] {
            assert!(re.is_match(&key), "{key:?}");
        }
        assert_eq!(audit_key("image-tag-latest"), "image-tag-latest");
        assert_eq!(audit_key("custom/rule id!"), "custom-rule-id");
    }

    #[test]
    fn warnings_are_bounded() {
        let lines: Vec<String> = (0..100)
            .map(|i| format!("{i} {}", "x".repeat(400)))
            .collect();
        let w = bound_warnings(&lines);
        assert!(w.len() <= MAX_WARNINGS, "{}", w.len());
        assert!(w.iter().all(|l| l.chars().count() <= MAX_WARNING_CHARS));
        assert!(w.iter().map(String::len).sum::<usize>() <= MAX_WARNING_BYTES + 64);
        assert!(w.last().is_some_and(|l| l.contains("more finding")));
        assert_eq!(
            bound_warnings(&["a".into()]),
            vec!["plumbline: a".to_string()]
        );
    }

    #[test]
    fn paths_read_like_fields() {
        assert_eq!(
            display_path("/spec/containers/0/image"),
            "spec.containers[0].image"
        );
        assert_eq!(display_path(""), "(object)");
    }

    #[test]
    fn review_denies_with_403_and_uid() {
        let linter = crate::default_linter().unwrap();
        let body = serde_json::to_vec(&json!({
            "apiVersion": API_VERSION, "kind": "AdmissionReview",
            "request": {"uid": "u1", "operation": "CREATE", "namespace": "shop",
                "kind": {"group": "", "version": "v1", "kind": "Pod"},
                "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                    "spec": {"containers": [{"name": "c", "image": "nginx:latest"}]}}}
        }))
        .unwrap();
        let v = review(
            &linter,
            &AdmissionSettings::default(),
            &body,
            &Inventory::default(),
        )
        .unwrap();
        assert_eq!(v["response"]["uid"], "u1");
        assert_eq!(v["response"]["allowed"], false);
        assert_eq!(v["response"]["status"]["code"], 403);
        let msg = v["response"]["status"]["message"].as_str().unwrap();
        assert!(
            msg.contains("[image-tag-latest] spec.containers[0].image"),
            "{msg}"
        );
        let mut exempt = AdmissionSettings::default();
        exempt.exempt_namespaces.push("shop".into());
        let v = review(&linter, &exempt, &body, &Inventory::default()).unwrap();
        assert_eq!(v["response"]["allowed"], true);
    }

    /// Inside a freeze window a change is denied naming the window, an emergency change with a
    /// ticket is let through and recorded, and a DELETE is judged too (issue: change control).
    #[test]
    fn freeze_windows_deny_and_emergencies_are_recorded() {
        let config = Config::parse(
            "version: 1\nrules: {select: [change-freeze-active]}\nadmission: {emergency: {requesters: {groups: [oncall]}}}\nchangeControl:\n  calendars:\n  - name: erp\n    timeZone: Europe/Berlin\n    environments: [production]\n    freezes:\n    - {name: payroll, monthlyDays: {from: 24, to: 28}}\n",
            "p.yaml",
        )
        .unwrap();
        let mut settings = AdmissionSettings::from_config(&config, None).unwrap();
        settings.now = Some("2026-11-25T10:00:00Z".parse().unwrap());
        let pack = crate::PolicyPack::builtin().unwrap();
        let linter = Linter::new(
            pack,
            config
                .validate(&crate::PolicyPack::builtin().unwrap())
                .unwrap(),
            crate::LintOptions::default(),
        )
        .unwrap();
        let review_of = |op: &str, annotations: Value| {
            let obj = json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "odoo-conf", "annotations": annotations}, "data": {}});
            let (object, old) = if op == "DELETE" {
                (Value::Null, obj)
            } else {
                (obj, Value::Null)
            };
            serde_json::to_vec(
                &json!({"apiVersion": API_VERSION, "kind": "AdmissionReview",
                "request": {"uid": "u", "operation": op, "namespace": "acme-prod",
                    "kind": {"group": "", "version": "v1", "kind": "ConfigMap"},
                    "userInfo": {"username": "bob", "groups": ["oncall"]},
                    "object": object, "oldObject": old}}),
            )
            .unwrap()
        };
        let v = review(
            &linter,
            &settings,
            &review_of("CREATE", json!({})),
            &Inventory::default(),
        )
        .unwrap();
        assert_eq!(v["response"]["allowed"], false, "{v}");
        let msg = v["response"]["status"]["message"].as_str().unwrap();
        assert!(
            msg.contains("payroll") && msg.contains("2026-11-29T00:00:00+01:00"),
            "{msg}"
        );
        let v = review(
            &linter,
            &settings,
            &review_of("DELETE", json!({})),
            &Inventory::default(),
        )
        .unwrap();
        assert_eq!(
            v["response"]["allowed"], false,
            "a DELETE in a freeze is denied too: {v}"
        );
        let emergency =
            json!({"change.plumbline.dev/emergency": "INC-4711; expires=2026-11-25T18:00:00Z"});
        let v = review(
            &linter,
            &settings,
            &review_of("UPDATE", emergency),
            &Inventory::default(),
        )
        .unwrap();
        assert_eq!(v["response"]["allowed"], true, "{v}");
        let audit = v["response"]["auditAnnotations"][AUDIT_EMERGENCY]
            .as_str()
            .unwrap();
        assert!(
            audit.contains("INC-4711") && audit.contains("payroll"),
            "{audit}"
        );
        settings.now = Some("2026-11-20T10:00:00Z".parse().unwrap());
        let v = review(
            &linter,
            &settings,
            &review_of("CREATE", json!({})),
            &Inventory::default(),
        )
        .unwrap();
        assert_eq!(v["response"]["allowed"], true, "outside the window: {v}");
    }

    #[test]
    fn settings_from_config() {
        let c = Config::parse(
            "version: 1\nadmission:\n  enforcement: {dev: warn}\n",
            "p.yaml",
        )
        .unwrap();
        let s = AdmissionSettings::from_config(&c, Some("plumbline-system")).unwrap();
        assert_eq!(s.enforcement_of("dev"), Enforcement::Warn);
        assert_eq!(s.enforcement_of("production"), Enforcement::Deny);
        assert_eq!(s.exempt_namespaces, ["kube-system", "plumbline-system"]);
        assert_eq!(s.failure_mode, FailureMode::FailClosed);
        let bad = Config::parse("admission: {failureMode: maybe}\n", "p.yaml").unwrap_err();
        assert!(bad.to_string().contains("fail-open"), "{bad}");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for body in [
            &b""[..],
            b"{",
            b"[]",
            b"null",
            b"{\"apiVersion\":1}",
            b"{\"request\":{}}",
        ] {
            assert!(parse_request(body).is_err());
        }
        let e =
            parse_request(br#"{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview"}"#);
        assert!(matches!(e, Err(AdmissionError::ApiVersion(_))));
    }
}
