//! [`AdmissionSettings`]: the config's `admission:` section with its defaults applied.

use std::collections::BTreeMap;

use crate::admission_config::{Enforcement, FailureMode, Suppressors};
use crate::config::Config;
use crate::Error;

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
