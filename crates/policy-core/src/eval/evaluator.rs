//! The [`Evaluator`]: one object, one inventory, one request → findings and problems.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use rayon::prelude::*;
use serde_json::Value;

use super::images::images_of;
use super::input::{ChangeInput, EnvironmentInput, NamespaceInput, PolicyInput};
use super::{severity, Evaluator, Request, Settings};
use crate::calendar::Calendars;
use crate::config::ValidConfig;
use crate::engine::{CompiledPack, RuleOutcome};
use crate::finding::Finding;
use crate::imagefacts::ImageContext;
use crate::inventory::Inventory;
use crate::object::Object;
use crate::pack::{PolicyPack, RuleMeta};
use crate::problem::Problem;
use crate::suppress::Annotation;
use crate::tenancy::{Resolved, Resolver, Tier};
use crate::Error;

impl Evaluator {
    /// Compile the rules of `pack` for which `enabled` holds, with `config`'s parameters, tenancy
    /// and change control; `settings.environment` must name a known environment.
    pub(crate) fn new(
        pack: PolicyPack,
        config: ValidConfig,
        enabled: impl Fn(&RuleMeta) -> bool,
        settings: Settings,
    ) -> Result<Evaluator, Error> {
        let cache = settings.compile_cache.as_deref();
        let compiled = CompiledPack::compile_cached(&pack, &config.params, enabled, cache)?;
        let threads = rayon::current_num_threads().clamp(1, 8);
        let per_thread = (1..threads).map(|_| OnceLock::new()).collect();
        let path = config.config.path.clone();
        let resolver = Resolver::new(&config.config.tenancy, &config.params, &path)?;
        if let Some(env) = &settings.environment {
            if resolver.canonical(env).is_none() {
                return Err(Error::Usage(format!(
                    "unknown environment `{env}`; known: {}",
                    resolver.environment_names().join(", ")
                )));
            }
        }
        let cc = &config.config.change_control;
        let calendars = Calendars::new(cc, &path)?;
        let ticket_pattern = cc
            .ticket_pattern
            .clone()
            .unwrap_or_else(|| crate::calendar::DEFAULT_TICKET_PATTERN.to_string());
        regex::Regex::new(&ticket_pattern).map_err(|e| Error::Config {
            path: path.clone(),
            line: 0,
            message: format!("changeControl.ticketPattern: {e}"),
        })?;
        let ticket_tiers = cc
            .ticket_tiers
            .clone()
            .unwrap_or_else(|| vec![Tier::Dedicated]);
        let workloads = crate::workloads::WorkloadTable::new(&config.config.workloads, &path)?;
        Ok(Evaluator {
            pack,
            compiled,
            per_thread,
            config,
            settings,
            resolver,
            calendars,
            ticket_pattern,
            ticket_tiers,
            workloads,
        })
    }

    /// The pack (all rules, selected or not).
    pub(crate) fn pack(&self) -> &PolicyPack {
        &self.pack
    }

    /// The compiled pack shared by every thread.
    pub(crate) fn compiled(&self) -> &CompiledPack {
        &self.compiled
    }

    /// The compiled pack shared by every thread, to change its evaluation deadline.
    pub(crate) fn compiled_mut(&mut self) -> &mut CompiledPack {
        &mut self.compiled
    }

    /// The configuration.
    pub(crate) fn config(&self) -> &ValidConfig {
        &self.config
    }

    /// The tenant/environment resolver.
    pub(crate) fn resolver(&self) -> &Resolver {
        &self.resolver
    }

    /// The freeze calendars.
    pub(crate) fn calendars(&self) -> &Calendars {
        &self.calendars
    }

    /// The environment every object is evaluated as in, if one is forced.
    pub(crate) fn forced_environment(&self) -> Option<&str> {
        self.settings.environment.as_deref()
    }

    /// Tenant, environment and tier of an object.
    pub(crate) fn resolve(&self, object: &Object, inventory: &Inventory) -> Resolved {
        let ns = namespace_of(object);
        let labels = inventory.namespaces.get(ns).map(|n| &n.labels);
        let labels = if object.reference.kind == "Namespace" {
            object.value["metadata"]["labels"].as_object().or(labels)
        } else {
            labels
        };
        self.resolver
            .resolve(ns, labels, self.settings.environment.as_deref())
    }

    /// Evaluate one object within a request: the rules for its kind and operation.
    pub(crate) fn check(
        &self,
        object: &Object,
        inventory: &Inventory,
        request: &Request<'_>,
    ) -> (Vec<Finding>, Vec<Problem>) {
        let views = self.workloads.views(&object.value);
        if !views.is_empty() {
            return self.check_custom_resource(object, inventory, request, &views);
        }
        let mut rules = self.compiled.rules_for_kind(&object.reference.kind);
        let all = self.compiled.rules();
        rules.retain(|&i| all[i].operations.iter().any(|o| o == request.operation));
        if rules.is_empty() {
            return (Vec::new(), Vec::new());
        }
        let today = self.today_at(request.now);
        let suppressions = self.suppressions(object, &today, request);
        let resolved = match &request.resolved {
            Some(r) => r.clone(),
            None => self.resolve(object, inventory),
        };
        let input = self
            .input(object, inventory, &suppressions, &resolved, request)
            .to_value();
        let pack = self.pack_for_this_thread();
        let outcomes = pack.evaluate_rules(input, &rules);
        let judged = Judged {
            object,
            inventory,
            tier: resolved.tier,
            suppressions: &suppressions,
            today: &today,
        };
        self.findings(&judged, outcomes)
    }

    /// The policy input of `object`, as JSON (for inspection: the same value evaluation builds
    /// in the engine's value type, converted back).
    pub(crate) fn input_json(
        &self,
        object: &Object,
        inventory: &Inventory,
        request: &Request<'_>,
    ) -> Value {
        let today = self.today_at(request.now);
        let suppressions = self.suppressions(object, &today, request);
        let resolved = self.resolve(object, inventory);
        let input = self.input(object, inventory, &suppressions, &resolved, request);
        crate::engine::to_json(&input.to_value())
    }

    /// The policy input of `object` with its judged suppressions and resolution.
    pub(super) fn input<'a>(
        &'a self,
        object: &'a Object,
        inventory: &'a Inventory,
        suppressions: &'a BTreeMap<String, Annotation>,
        resolved: &'a Resolved,
        request: &'a Request<'_>,
    ) -> PolicyInput<'a> {
        let ns_name = namespace_of(object);
        let known = inventory.namespaces.get(ns_name);
        let namespace = match known {
            Some(ns) => NamespaceInput {
                name: &ns.name,
                labels: Some(&ns.labels),
                annotations: Some(&ns.annotations),
                known: true,
            },
            None => NamespaceInput {
                name: ns_name,
                labels: None,
                annotations: None,
                known: false,
            },
        };
        let now = request.now.unwrap_or(self.settings.now);
        let windows = match &request.windows {
            Some(w) => Cow::Borrowed(w.as_slice()),
            None => Cow::Owned(
                self.calendars
                    .active(&resolved.environment, resolved.tier, now),
            ),
        };
        let ctx = ImageContext {
            tenant: &resolved.tenant,
            environment: &resolved.environment,
            tier: resolved.tier.as_str(),
            namespace: ns_name,
        };
        let images = images_of(
            &object.value,
            &object.reference.kind,
            self.settings.image_facts.as_deref(),
            &ctx,
        );
        PolicyInput {
            operation: request.operation,
            namespace,
            tenant: &resolved.tenant,
            environment: EnvironmentInput {
                name: &resolved.environment,
                tier: resolved.tier,
                source: resolved.source,
            },
            pod_security_level: self.pod_security_level(known.map(|ns| &ns.labels), resolved.tier),
            pod_security_version: self.pod_security_version(known.map(|ns| &ns.labels)),
            images,
            suppressions,
            change: ChangeInput {
                windows,
                ticket_required: self.ticket_tiers.contains(&resolved.tier),
                ticket_pattern: &self.ticket_pattern,
            },
            now,
            user: &request.user,
            object: &object.value,
            old_object: request.old_object,
            inventory,
            custom_resource: None,
        }
    }

    /// The Pod Security level, read as Pod Security Admission reads it: the Namespace's
    /// `pod-security.kubernetes.io/enforce` label when set (a value other than privileged,
    /// baseline or restricted counts as restricted, as PSA fails closed), else
    /// `params.podSecurity.level`, else restricted in dedicated tiers and baseline elsewhere.
    fn pod_security_level(
        &self,
        labels: Option<&serde_json::Map<String, Value>>,
        tier: Tier,
    ) -> &str {
        let configured_level = self.config.config.params["podSecurity"]["level"].as_str();
        let tier_level = if tier == Tier::Dedicated {
            "restricted"
        } else {
            "baseline"
        };
        let label_level = labels.and_then(|l| l.get("pod-security.kubernetes.io/enforce"));
        match label_level.map(Value::as_str) {
            Some(Some("privileged")) => "privileged",
            Some(Some("baseline")) => "baseline",
            Some(_) => "restricted",
            None => configured_level.unwrap_or(tier_level),
        }
    }

    /// The Pod Security policy version (`latest` or `v1.N`), read as Pod Security Admission
    /// reads it: the Namespace's `pod-security.kubernetes.io/enforce-version` label when set (a
    /// value PSA cannot parse counts as latest), else `params.podSecurity.version`, else latest.
    fn pod_security_version<'a>(
        &'a self,
        labels: Option<&'a serde_json::Map<String, Value>>,
    ) -> &'a str {
        let configured = self.config.config.params["podSecurity"]["version"]
            .as_str()
            .filter(|v| valid_pod_security_version(v))
            .unwrap_or("latest");
        match labels.and_then(|l| l.get("pod-security.kubernetes.io/enforce-version")) {
            Some(v) => v
                .as_str()
                .filter(|v| valid_pod_security_version(v))
                .unwrap_or("latest"),
            None => configured,
        }
    }

    /// Findings (with severity and suppression) and problems from the rules' outcomes.
    pub(super) fn findings(
        &self,
        judged: &Judged<'_>,
        outcomes: Vec<(usize, RuleOutcome)>,
    ) -> (Vec<Finding>, Vec<Problem>) {
        let object = judged.object;
        let mut findings = Vec::new();
        let mut problems = Vec::new();
        for (idx, outcome) in outcomes {
            let meta = &self.compiled.rules()[idx];
            match outcome {
                Ok(violations) => {
                    for v in violations {
                        let span = object.span_of(&v.path, &v.details);
                        let related =
                            super::related::related(&meta.id, &v.details, judged.inventory);
                        let mut f = Finding {
                            rule: meta.id.clone(),
                            domain: meta.domain,
                            severity: severity::of_violation(
                                &self.config,
                                meta,
                                judged.tier,
                                v.severity,
                            ),
                            message: v.msg,
                            object: object.reference.clone(),
                            file: object.file.to_string(),
                            document: object.document,
                            item: object.item,
                            line: span.start.line,
                            column: span.start.column,
                            end_line: span.end.line,
                            end_column: span.end.column,
                            path: v.path,
                            related,
                            details: v.details,
                            suppressed: None,
                        };
                        f.suppressed =
                            self.suppression_for(&f, meta, judged.suppressions, judged.today);
                        findings.push(f);
                    }
                }
                Err(e) => {
                    let pos = object.position();
                    problems.push(Problem::at(
                        &object.file,
                        object.document,
                        pos.line,
                        pos.column,
                        format!("rule `{}` failed on {}: {e}", meta.id, object.reference),
                    ));
                }
            }
        }
        (findings, problems)
    }

    /// Compile the extra worker threads' pack copies now, in parallel (a lint run does it while
    /// the files parse, not when each worker meets its first object, which left one thread
    /// evaluating alone meanwhile).
    pub(crate) fn compile_thread_copies(&self) {
        let extra = rayon::current_num_threads()
            .saturating_sub(1)
            .min(self.per_thread.len());
        self.per_thread[..extra].par_iter().for_each(|slot| {
            self.copy_in(slot);
        });
    }

    /// The compiled copy of the current rayon worker (compiled now on its first use).
    pub(super) fn pack_for_this_thread(&self) -> &CompiledPack {
        match rayon::current_thread_index() {
            Some(i) if i > 0 && !self.per_thread.is_empty() => {
                self.copy_in(&self.per_thread[(i - 1) % self.per_thread.len()])
            }
            _ => &self.compiled,
        }
    }

    /// The pack copy in `slot`, made on first use: the shared program read back from its
    /// serialized form, or compiled again if that fails (the shared one if that fails too).
    fn copy_in<'a>(&'a self, slot: &'a OnceLock<Option<CompiledPack>>) -> &'a CompiledPack {
        slot.get_or_init(|| {
            self.compiled.independent_copy().or_else(|| {
                let enabled = |m: &RuleMeta| self.compiled.rules().iter().any(|r| r.id == m.id);
                CompiledPack::compile(&self.pack, &self.config.params, enabled).ok()
            })
        })
        .as_ref()
        .unwrap_or(&self.compiled)
    }
}

/// What a violation of one object is judged by: its tier (severity), its suppression
/// annotations and the date (exceptions).
pub(super) struct Judged<'a> {
    pub(super) object: &'a Object,
    pub(super) inventory: &'a Inventory,
    pub(super) tier: Tier,
    pub(super) suppressions: &'a BTreeMap<String, Annotation>,
    pub(super) today: &'a str,
}

/// The namespace an object is evaluated in: its own, or a Namespace's name.
pub(super) fn namespace_of(object: &Object) -> &str {
    if object.reference.kind == "Namespace" && object.reference.namespace.is_empty() {
        &object.reference.name
    } else {
        &object.reference.namespace
    }
}

/// Whether `v` is a Pod Security policy version as PSA parses it: `latest` or `v1.N` (N without
/// leading zeros; at most 6 digits here, far beyond any Kubernetes minor).
pub(crate) fn valid_pod_security_version(v: &str) -> bool {
    v == "latest"
        || v.strip_prefix("v1.").is_some_and(|minor| {
            (1..=6).contains(&minor.len())
                && minor.bytes().all(|b| b.is_ascii_digit())
                && (minor == "0" || !minor.starts_with('0'))
        })
}
