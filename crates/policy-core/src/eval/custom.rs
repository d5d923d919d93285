//! Custom resources of the workloads table (`crate::workloads`): the resource judged by the rules
//! for its own kind, each of its pod views by the workload rules, findings located at the
//! resource's own fields.

use super::evaluator::{namespace_of, Judged};
use super::{Evaluator, Request};
use crate::engine::{CompiledPack, RuleOutcome};
use crate::finding::Finding;
use crate::imagefacts::ImageContext;
use crate::inventory::Inventory;
use crate::object::Object;
use crate::problem::Problem;

use super::input::PolicyInput;

impl Evaluator {
    /// A custom resource of the workloads table: the rules for its own kind judge the resource;
    /// the workload rules judge each of its views (`crate::workloads`: a pod template, or the
    /// pod its operator builds from its fields) as they judge a Deployment's template, their
    /// findings located at the resource's own fields. A finding several views share (a
    /// metadata label) is kept once.
    pub(super) fn check_custom_resource(
        &self,
        object: &Object,
        inventory: &Inventory,
        request: &Request<'_>,
        views: &[crate::workloads::View],
    ) -> (Vec<Finding>, Vec<Problem>) {
        let all = self.compiled.rules();
        let for_operation = |i: &usize| all[*i].operations.iter().any(|o| o == request.operation);
        let today = self.today_at(request.now);
        let suppressions = self.suppressions(object, &today, request);
        let resolved = match &request.resolved {
            Some(r) => r.clone(),
            None => self.resolve(object, inventory),
        };
        let pack = self.pack_for_this_thread();
        let judged = Judged {
            object,
            inventory,
            tier: resolved.tier,
            suppressions: &suppressions,
            today: &today,
        };
        let mut findings: Vec<Finding> = Vec::new();
        let mut problems = Vec::new();
        let own: Vec<usize> = self
            .compiled
            .rules_for_kind(&object.reference.kind)
            .into_iter()
            .filter(for_operation)
            .collect();
        if !own.is_empty() {
            let input = self
                .input(object, inventory, &suppressions, &resolved, request)
                .to_value();
            let (f, p) = self.findings(&judged, pack.evaluate_rules(input, &own));
            findings.extend(f);
            problems.extend(p);
        }
        let ctx = ImageContext {
            tenant: &resolved.tenant,
            environment: &resolved.environment,
            tier: resolved.tier.as_str(),
            namespace: namespace_of(object),
        };
        for view in views {
            let rules: Vec<usize> = (0..all.len())
                .filter(|&i| view.judged_by(&all[i].id, &all[i].kinds, &all[i].params))
                .filter(for_operation)
                .collect();
            if rules.is_empty() {
                continue;
            }
            let input = self.input(object, inventory, &suppressions, &resolved, request);
            let outcomes = self.view_outcomes(pack, view, &rules, input, &ctx);
            let (f, p) = self.findings(&judged, outcomes);
            for f in f {
                let seen = findings
                    .iter()
                    .any(|g| g.rule == f.rule && g.path == f.path && g.message == f.message);
                if !seen {
                    findings.push(f);
                }
            }
            problems.extend(p);
        }
        (findings, problems)
    }

    /// The rules' outcomes on one view of a custom resource: `input` (the resource's) with the
    /// view as its object and the view's images; violations the view does not keep are dropped,
    /// the others located at the resource's own fields.
    fn view_outcomes<'a>(
        &self,
        pack: &CompiledPack,
        view: &'a crate::workloads::View,
        rules: &[usize],
        mut input: PolicyInput<'a>,
        ctx: &ImageContext<'_>,
    ) -> Vec<(usize, RuleOutcome)> {
        input.object = &view.object;
        input.custom_resource = Some(&view.info);
        input.images = super::images::images_in(
            view.object.pointer(crate::workloads::VIEW_POD_SPEC),
            self.settings.image_facts.as_deref(),
            ctx,
        );
        let mut outcomes = pack.evaluate_rules(input.to_value(), rules);
        for (_, outcome) in &mut outcomes {
            if let Ok(violations) = outcome {
                violations.retain(|v| view.keeps(&v.details));
                for v in violations.iter_mut() {
                    v.path = view.resource_pointer(&v.path);
                }
            }
        }
        outcomes
    }
}
