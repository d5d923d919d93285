//! Rules that wait for their feature (tenancy, change control) until the config or the input
//! turns it on, and the one note per run that names them.

use std::collections::BTreeSet;

use serde_json::Value;

use super::Linter;
use crate::inventory::Inventory;
use crate::pack::RuleMeta;
use crate::problem::Problem;

/// A feature that some rules judge only once it is in use: on unannotated input they would report
/// every object (a change ticket missing on all of them, every Namespace without a tenant).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Feature {
    /// `tenancy:` in plumbline.yaml, or a Namespace in the inventory carrying the tenant label.
    Tenancy,
    /// `changeControl:` in plumbline.yaml.
    ChangeControl,
}

/// The rules that wait for their feature (docs/tenancy.md, "Rules that wait for their
/// configuration"). Naming one by id in `--select` or `rules.select` runs it regardless.
/// The tenancy ones judge only namespaces with a tenant, which without configuration or labels is
/// a guess from the namespace name (`shop-prod` → tenant `shop`).
const FEATURE_RULES: [(&str, Feature); 6] = [
    ("tenant-label-missing", Feature::Tenancy),
    ("tenant-namespace-mismatch", Feature::Tenancy),
    ("cross-tenant-reference", Feature::Tenancy),
    ("namespace-quota-missing", Feature::Tenancy),
    ("namespace-network-policy-missing", Feature::Tenancy),
    ("change-ticket-missing", Feature::ChangeControl),
];

/// Whether some Namespace of `inventory` carries the tenant label: the input set (or the cluster)
/// uses tenancy even when plumbline.yaml does not configure it.
fn labels_tenants(inventory: &Inventory, tenant_label: &str) -> bool {
    inventory.namespaces.values().any(|n| {
        n.labels
            .get(tenant_label)
            .and_then(Value::as_str)
            .is_some_and(|t| !t.trim().is_empty())
    })
}

pub(super) fn selected(meta: &RuleMeta, select: &[String], ignore: &[String]) -> bool {
    let hit = |ids: &[String]| {
        ids.iter()
            .any(|s| s == "*" || *s == meta.id || s == meta.domain.as_str())
    };
    (select.is_empty() || hit(select)) && !hit(ignore)
}

/// The rules of [`FEATURE_RULES`] whose feature `config` leaves off and that neither the config's
/// nor the run's selection names by id.
pub(super) fn waiting_rules(
    config_select: &[String],
    run_select: &[String],
    tenancy: bool,
    change_control: bool,
) -> Vec<(&'static str, Feature)> {
    FEATURE_RULES
        .into_iter()
        .filter(|(id, feature)| {
            let named = config_select.iter().chain(run_select).any(|s| s == id);
            let on = match feature {
                Feature::Tenancy => tenancy,
                Feature::ChangeControl => change_control,
            };
            !named && !on
        })
        .collect()
}

impl Linter {
    /// Rules that wait for their feature and are off for `inventory`.
    pub(super) fn waiting_for(&self, inventory: &Inventory) -> Vec<&'static str> {
        let mut tenant_labels = None;
        self.waiting
            .iter()
            .filter(|(_, f)| match f {
                Feature::ChangeControl => true,
                Feature::Tenancy => !*tenant_labels.get_or_insert_with(|| {
                    labels_tenants(inventory, self.resolver().tenant_label())
                }),
            })
            .map(|(id, _)| *id)
            .collect()
    }

    /// One note per run (not per object) naming the rules that waited for their configuration
    /// and would have judged some object here, and how to turn them on.
    pub(super) fn waiting_note(
        &self,
        kinds: &BTreeSet<String>,
        inventory: &Inventory,
    ) -> Option<Problem> {
        let off = self.waiting_for(inventory);
        let applies = |id: &str| {
            self.pack()
                .rule(id)
                .is_some_and(|m| kinds.iter().any(|k| m.applies_to(k)))
        };
        let group = |feature: Feature| -> Vec<&str> {
            self.waiting
                .iter()
                .filter(|(id, f)| *f == feature && off.contains(id) && applies(id))
                .map(|(id, _)| *id)
                .collect()
        };
        let (tenancy, change) = (group(Feature::Tenancy), group(Feature::ChangeControl));
        let mut parts = Vec::new();
        if !change.is_empty() {
            parts.push(format!("{} (add `changeControl:`)", change.join(", ")));
        }
        if !tenancy.is_empty() {
            parts.push(format!(
                "{} (add `tenancy:`, or label a Namespace {})",
                tenancy.join(", "),
                self.resolver().tenant_label()
            ));
        }
        if parts.is_empty() {
            return None;
        }
        let config = &self.config().config.path;
        let file = if config.is_empty() {
            crate::config::FILE_NAME
        } else {
            config.as_str()
        };
        Some(Problem::file(
            file,
            format!(
                "not run until configured: {} (docs/tenancy.md)",
                parts.join("; ")
            ),
        ))
    }
}
