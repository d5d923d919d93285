//! Exceptions: in-object suppression annotations (judged, then governed) and config exemptions
//! (matched, and reported when expired).

use std::collections::BTreeMap;

use serde_json::json;

use super::{severity, Evaluator, Request};
use crate::config::glob_match;
use crate::finding::{Finding, Suppression, SuppressionKind};
use crate::object::Object;
use crate::pack::RuleMeta;
use crate::suppress;

impl Evaluator {
    /// Config exemptions past their expiry (or with an impossible date) no longer apply; they are
    /// reported as `suppression-invalid` findings on the config line, so they get renewed or removed.
    pub(crate) fn expired_exemptions(&self) -> Vec<Finding> {
        let Some(meta) = self
            .compiled
            .rules()
            .iter()
            .find(|m| m.id == crate::rule_ids::SUPPRESSION_INVALID)
        else {
            return Vec::new();
        };
        let today = self.today_at(None);
        let cfg = &self.config.config;
        cfg.exemptions
            .iter()
            .enumerate()
            .filter_map(|(i, ex)| {
                let d = ex.expires.as_deref()?;
                let problem = if !suppress::is_date(d) {
                    format!("has expiry `{d}`, which is not a date")
                } else if d < today.as_str() {
                    format!("expired on {d}")
                } else {
                    return None;
                };
                Some(Finding {
                    rule: meta.id.clone(),
                    domain: meta.domain,
                    severity: severity::of_config_finding(meta),
                    message: format!(
                        "exemption for {} ({}) {problem}; it no longer applies: renew it with a reason or remove it",
                        ex.rules.join(", "),
                        ex.reason
                    ),
                    object: crate::ObjectRef {
                        api_version: "plumbline.dev/v1".into(),
                        kind: "PlumblineConfig".into(),
                        namespace: String::new(),
                        name: format!("exemptions[{i}]"),
                        ..crate::ObjectRef::default()
                    },
                    file: cfg.path.clone(),
                    document: 0,
                    item: None,
                    line: ex.line,
                    column: 1,
                    end_line: ex.line,
                    end_column: 1,
                    path: format!("/exemptions/{i}/expires"),
                    related: Vec::new(),
                    details: json!({"exemption": i}),
                    suppressed: None,
                })
            })
            .collect()
    }

    /// The UTC date of `now` (default: the linter's instant). The webhook passes each request's
    /// instant, so an expiry passes while the process runs.
    pub(super) fn today_at(&self, now: Option<jiff::Timestamp>) -> String {
        now.unwrap_or(self.settings.now)
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date()
            .to_string()
    }

    /// The object's suppression annotations, judged: reason, expiry, known rule, then governance
    /// (rules not suppressible in-object; in admission, requesters not allowed to suppress).
    pub(super) fn suppressions(
        &self,
        object: &Object,
        today: &str,
        request: &Request<'_>,
    ) -> BTreeMap<String, suppress::Annotation> {
        let mut s = suppress::read(&object.value, today, |r| self.pack.named(r));
        suppress::govern(
            &mut s,
            today,
            |r| self.pack.rule(r).is_none_or(|m| m.suppressible),
            request.governance.as_ref(),
        );
        s
    }

    /// What suppresses finding `f` of `meta`, if anything: a valid in-object annotation (unless
    /// the rule is not suppressible or the run is strict), else the first config exemption that
    /// matches its rule, object and image and has not expired.
    pub(super) fn suppression_for(
        &self,
        f: &Finding,
        meta: &RuleMeta,
        annotations: &BTreeMap<String, suppress::Annotation>,
        today: &str,
    ) -> Option<Suppression> {
        if meta.suppressible && !self.settings.strict {
            if let Some(a) = annotations.get(&meta.id).filter(|a| a.is_valid()) {
                return Some(Suppression {
                    kind: SuppressionKind::Annotation,
                    reason: a.reason.clone(),
                    expires: a.expires.clone(),
                });
            }
        }
        let image = f.details["image"].as_str();
        self.config
            .config
            .exemptions
            .iter()
            .find(|ex| {
                let rule_ok = ex
                    .rules
                    .iter()
                    .any(|r| r == "*" || *r == meta.id || r == meta.domain.as_str());
                let date_ok = ex.expires.as_deref().is_none_or(|d| d >= today);
                let glob = |pat: &Option<String>, val: &str| {
                    pat.as_deref().is_none_or(|p| glob_match(p, val))
                };
                let image_ok = match (&ex.image, image) {
                    (None, _) => true,
                    (Some(p), Some(i)) => glob_match(p, i),
                    (Some(_), None) => false,
                };
                rule_ok
                    && date_ok
                    && image_ok
                    && glob(&ex.namespace, &f.object.namespace)
                    && glob(&ex.name, &f.object.name)
                    && ex.kind.as_deref().is_none_or(|k| k == f.object.kind)
            })
            .map(|ex| Suppression {
                kind: SuppressionKind::Exemption,
                reason: ex.reason.clone(),
                expires: ex.expires.clone(),
            })
    }
}
