//! The `admission:` section of `plumbline.yaml` as written: a leaf module (serde only), so
//! `config` can hold it without importing `admission`, which reads the config (no import circle).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

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

    /// How strict it is (Off < Audit < Warn < Deny).
    pub(crate) fn strictness(self) -> u8 {
        match self {
            Enforcement::Off => 0,
            Enforcement::Audit => 1,
            Enforcement::Warn => 2,
            Enforcement::Deny => 3,
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
