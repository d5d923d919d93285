//! Every finding's severity, decided in one place.

use crate::config::ValidConfig;
use crate::finding::{Domain, Severity};
use crate::pack::RuleMeta;
use crate::tenancy::Tier;

/// Domains whose errors are lowered to warnings in sandboxes unless the config says otherwise.
const SANDBOX_LENIENT: [Domain; 4] = [
    Domain::PinnedTags,
    Domain::Resources,
    Domain::Availability,
    Domain::ChangeControl,
];

/// The severity of a finding of `meta` on an object in `tier`: the rule's default or its
/// `rules.severity` override, then the tier's (`rules.tiers`, by rule id or domain), else
/// lowered to a warning in sandboxes for the lenient domains unless the rule's severity is
/// configured; and never above the violation's own cap (`cap`, e.g. "unverifiable" is at most a
/// warning).
pub(super) fn of_violation(
    config: &ValidConfig,
    meta: &RuleMeta,
    tier: Tier,
    cap: Option<Severity>,
) -> Severity {
    let severity = in_tier(config, meta, tier);
    cap.map_or(severity, |cap| severity.min(cap))
}

/// The severity of a finding about the config file itself (an expired exemption): the rule's
/// default, since it concerns no object, tier or violation.
pub(super) fn of_config_finding(meta: &RuleMeta) -> Severity {
    meta.severity
}

/// Effective severity of a rule's finding in a tier, before a violation's own cap.
fn in_tier(config: &ValidConfig, meta: &RuleMeta, tier: Tier) -> Severity {
    let rules = &config.config.rules;
    let base = rules
        .severity
        .get(&meta.id)
        .copied()
        .unwrap_or(meta.severity);
    if let Some(t) = rules.tiers.get(tier.as_str()) {
        if let Some(s) = t.get(&meta.id).or_else(|| t.get(meta.domain.as_str())) {
            return *s;
        }
    }
    if tier == Tier::Sandbox
        && SANDBOX_LENIENT.contains(&meta.domain)
        && !rules.severity.contains_key(&meta.id)
    {
        return base.min(Severity::Warning);
    }
    base
}
