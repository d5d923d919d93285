//! `plumbline export vap`: the rules that have a CEL form (`cel.yaml` beside their `rule.yaml`)
//! as ValidatingAdmissionPolicies and bindings, a backstop the API server enforces by itself
//! while the webhook is unavailable.
//!
//! A CEL form states the same verdict as the rule's Rego for the configuration it is exported
//! with: the parameters it reads are written into the expressions as literals (`${images.
//! disallowedTags}`), and a rule whose configuration sets a parameter its form does not express
//! (`unexpressedParams`) is left out and listed with why. Rules without a form are listed with
//! the reason their `cel.yaml` gives, or, without one, why none was written.
//!
//! What a policy matches mirrors the webhook: the rule's kinds as API resources, its
//! operations (CREATE and UPDATE), the exempt namespaces and the `plumbline.dev/admission:
//! disabled` label excluded. Bindings follow `admission.enforcement`: one per distinct action,
//! selecting namespaces by the environment label (`Deny`, or `Warn` + `Audit`, or `Audit`); a rule
//! configured at severity warning or info only warns or audits.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Value};

use crate::admission::AdmissionSettings;
use crate::admission_config::Enforcement;
use crate::finding::Severity;
use crate::lint::Linter;
use crate::pack::{RuleMeta, WORKLOAD_KINDS};
use crate::webhookconfig::KIND_RESOURCES;
use crate::Error;

/// Prefix of every generated object's name.
pub const NAME_PREFIX: &str = "plumbline-";

/// A rule's CEL form, as written in its `cel.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct CelForm {
    /// Why the rule has no CEL form (then nothing else is set).
    #[serde(default)]
    pub unavailable: Option<String>,
    /// `baseline`: a Pod Security control, not applied where the namespace's
    /// `pod-security.kubernetes.io/enforce` label is `privileged` (nor at all when
    /// `params.podSecurity.level` is privileged).
    #[serde(default)]
    pub pod_security: Option<String>,
    /// Variables after the standard ones (`podSpec`, `containers`, `runtimeContainers` for
    /// workload rules).
    #[serde(default)]
    pub variables: Vec<NamedExpression>,
    /// Conditions that must all hold for the policy to apply.
    #[serde(default)]
    pub match_conditions: Vec<NamedExpression>,
    /// Validations; each must hold.
    #[serde(default)]
    pub validations: Vec<CelValidation>,
    /// Parameters the form does not express: exported only while each is unset, null, false or
    /// empty.
    #[serde(default)]
    pub unexpressed_params: Vec<String>,
}

/// A named CEL expression.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct NamedExpression {
    /// Name.
    pub name: String,
    /// CEL.
    pub expression: String,
}

/// One validation.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct CelValidation {
    /// Must evaluate to true.
    pub expression: String,
    /// CEL producing the message when it does not.
    #[serde(default)]
    pub message_expression: Option<String>,
    /// A fixed message.
    #[serde(default)]
    pub message: Option<String>,
}

/// The export: policies and bindings, and the rules left out with why.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Export {
    /// ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding objects.
    pub objects: Vec<Value>,
    /// (rule id, why it has no policy).
    pub without: Vec<(String, String)>,
}

/// The standard variables of workload rules: the pod spec of any workload kind and its
/// containers (all, and those that run: without ephemeral containers).
fn workload_variables() -> Vec<Value> {
    vec![
        json!({"name": "podSpec", "expression":
            "object.kind == 'Pod' ? object.spec : (object.kind == 'CronJob' ? object.spec.jobTemplate.spec.template.spec : object.spec.template.spec)"}),
        json!({"name": "runtimeContainers", "expression":
            "(has(variables.podSpec.containers) ? variables.podSpec.containers : []) + (has(variables.podSpec.initContainers) ? variables.podSpec.initContainers : [])"}),
        json!({"name": "containers", "expression":
            "variables.runtimeContainers + (has(variables.podSpec.ephemeralContainers) ? variables.podSpec.ephemeralContainers : [])"}),
    ]
}

/// Parse a `cel.yaml`.
pub fn parse_form(text: &str, path: &str) -> Result<CelForm, Error> {
    let value = crate::pack::yaml_value(text, path)?;
    serde_json::from_value(value).map_err(|e| Error::Policy {
        path: path.into(),
        message: format!("invalid cel.yaml: {e}"),
    })
}

/// The export for the linter's pack, config and active rules; `only` limits it to these rule
/// ids (empty: every active rule).
pub fn export(linter: &Linter, only: &[String]) -> Result<Export, Error> {
    let config = linter.config();
    // The webhook's own namespace is exempt as the webhook exempts it (deploy/ installs it there).
    let settings = AdmissionSettings::from_config(&config.config, Some("plumbline-system"))?;
    let env_label = config
        .config
        .tenancy
        .environment_label
        .clone()
        .unwrap_or_else(|| "plumbline.dev/environment".into());
    let params = &config.params;
    let mut out = Export::default();
    for rule in &linter.pack().rules {
        let meta = &rule.meta;
        if !linter.active_rules().iter().any(|r| r.id == meta.id)
            || (!only.is_empty() && !only.contains(&meta.id))
        {
            continue;
        }
        let Some(text) = &rule.cel else {
            out.without.push((meta.id.clone(), no_form_reason(rule)));
            continue;
        };
        let form = parse_form(text, &format!("{}/cel.yaml", meta.id))?;
        if let Some(why) = &form.unavailable {
            out.without.push((meta.id.clone(), why.clone()));
            continue;
        }
        if let Some(why) = left_out(&form, params) {
            out.without.push((meta.id.clone(), why));
            continue;
        }
        let severity = config
            .config
            .rules
            .severity
            .get(&meta.id)
            .copied()
            .unwrap_or(meta.severity);
        let policy = policy(meta, &form, params, &settings)?;
        out.objects.push(policy);
        out.objects
            .extend(bindings(meta, severity, &settings, &env_label));
    }
    Ok(out)
}

/// Why a rule without a `cel.yaml` has no form, from what its Rego reads.
fn no_form_reason(rule: &crate::pack::Rule) -> String {
    if reads(&rule.rego, &[".signature"]) {
        "needs registry lookups and signature verification, which CEL cannot do".into()
    } else if reads(&rule.rego, &["input.inventory", "\"inventory\""]) {
        "reads other objects (the inventory: namespaces, routes, budgets…), which an admission policy cannot".into()
    } else if reads(
        &rule.rego,
        &["input.change", "input.suppressions", "input.now"],
    ) {
        "reads the current time (freeze windows, expiry dates), which an admission policy cannot"
            .into()
    } else if reads(&rule.rego, &["input.user"]) {
        "judges who makes a change against the config's requesters, which the binding cannot express".into()
    } else if reads(&rule.rego, &["input.tenant", "input.environment"]) {
        "reads the tenant and environment resolved from the config (labels, name patterns), which an admission policy cannot".into()
    } else {
        "no CEL form written yet".into()
    }
}

fn reads(rego: &str, any: &[&str]) -> bool {
    any.iter().any(|w| rego.contains(w))
}

/// Why a form cannot be exported for these params, if it cannot.
fn left_out(form: &CelForm, params: &Value) -> Option<String> {
    if form.pod_security.is_some() && params["podSecurity"]["level"] == "privileged" {
        return Some("params.podSecurity.level is privileged: the control is off".into());
    }
    for p in &form.unexpressed_params {
        let v = lookup(params, p);
        let set = match v {
            None | Some(Value::Null) | Some(Value::Bool(false)) => false,
            Some(Value::Array(a)) => !a.is_empty(),
            Some(Value::Object(o)) => !o.is_empty(),
            Some(Value::String(s)) => !s.is_empty(),
            Some(_) => true,
        };
        if set {
            return Some(format!(
                "params.{p} is set, and the CEL form does not express it"
            ));
        }
    }
    None
}

fn lookup<'a>(params: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(params, |v, k| v.get(k))
}

/// `${a.b}` → the CEL literal of params.a.b (JSON is CEL for strings, numbers, booleans, lists
/// and maps); an unknown path is an error naming it.
fn substitute(expr: &str, params: &Value, rule: &str) -> Result<String, Error> {
    let mut out = String::with_capacity(expr.len());
    let mut rest = expr;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or_else(|| Error::Policy {
            path: format!("{rule}/cel.yaml"),
            message: format!("unclosed ${{ in `{expr}`"),
        })?;
        let path = &after[..end];
        let value = lookup(params, path).ok_or_else(|| Error::Policy {
            path: format!("{rule}/cel.yaml"),
            message: format!("`${{{path}}}` names no parameter (params.{path})"),
        })?;
        out.push_str(&serde_json::to_string(value).unwrap_or_else(|_| "null".into()));
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn resource_rules(meta: &RuleMeta) -> Vec<Value> {
    let operations: Vec<&str> = meta
        .operations
        .iter()
        .map(String::as_str)
        .filter(|o| matches!(*o, "CREATE" | "UPDATE"))
        .collect();
    let mut kinds: Vec<&str> = Vec::new();
    for k in &meta.kinds {
        match k.as_str() {
            "workloads" => kinds.extend(WORKLOAD_KINDS),
            k => kinds.push(k),
        }
    }
    let mut by_groups: BTreeMap<Vec<&str>, Vec<&str>> = BTreeMap::new();
    for k in kinds {
        for kr in KIND_RESOURCES.iter().filter(|kr| kr.kind == k) {
            by_groups
                .entry(kr.groups.to_vec())
                .or_default()
                .push(kr.resource);
        }
    }
    by_groups
        .into_iter()
        .map(|(groups, resources)| {
            json!({"apiGroups": groups, "apiVersions": ["*"], "operations": operations,
                   "resources": resources, "scope": "*"})
        })
        .collect()
}

fn namespace_selector(settings: &AdmissionSettings) -> Value {
    json!({"matchExpressions": [
        {"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": settings.exempt_namespaces},
        {"key": "plumbline.dev/admission", "operator": "NotIn", "values": ["disabled"]},
    ]})
}

fn policy(
    meta: &RuleMeta,
    form: &CelForm,
    params: &Value,
    settings: &AdmissionSettings,
) -> Result<Value, Error> {
    let id = meta.id.as_str();
    let mut variables = Vec::new();
    if meta.kinds.iter().any(|k| k == "workloads") {
        variables.extend(workload_variables());
    }
    for v in &form.variables {
        variables
            .push(json!({"name": v.name, "expression": substitute(&v.expression, params, id)?}));
    }
    let mut conditions = Vec::new();
    if form.pod_security.is_some() {
        conditions.push(json!({"name": "pod-security-not-privileged", "expression":
            "namespaceObject == null || !has(namespaceObject.metadata.labels) || !('pod-security.kubernetes.io/enforce' in namespaceObject.metadata.labels) || namespaceObject.metadata.labels['pod-security.kubernetes.io/enforce'] != 'privileged'"}));
    }
    for c in &form.match_conditions {
        conditions
            .push(json!({"name": c.name, "expression": substitute(&c.expression, params, id)?}));
    }
    let mut validations = Vec::new();
    for v in &form.validations {
        let mut val =
            json!({"expression": substitute(&v.expression, params, id)?, "reason": "Forbidden"});
        if let Some(m) = &v.message_expression {
            val["messageExpression"] = json!(substitute(m, params, id)?);
        }
        if let Some(m) = &v.message {
            val["message"] = json!(m);
        }
        validations.push(val);
    }
    let mut spec = json!({
        "failurePolicy": "Fail",
        "matchConstraints": {
            "resourceRules": resource_rules(meta),
            "namespaceSelector": namespace_selector(settings),
        },
        "validations": validations,
    });
    if !variables.is_empty() {
        spec["variables"] = json!(variables);
    }
    if !conditions.is_empty() {
        spec["matchConditions"] = json!(conditions);
    }
    Ok(json!({
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicy",
        "metadata": {
            "name": format!("{NAME_PREFIX}{id}"),
            "labels": {"app.kubernetes.io/managed-by": "plumbline", "plumbline.dev/rule": id},
            "annotations": {"plumbline.dev/title": meta.title},
        },
        "spec": spec,
    }))
}

fn actions(enforcement: Enforcement, severity: Severity) -> Option<Vec<&'static str>> {
    match (enforcement, severity) {
        (Enforcement::Off, _) => None,
        (Enforcement::Audit, _) | (_, Severity::Info) => Some(vec!["Audit"]),
        (Enforcement::Warn, _) | (_, Severity::Warning) => Some(vec!["Warn", "Audit"]),
        (Enforcement::Deny, Severity::Error) => Some(vec!["Deny"]),
    }
}

/// One binding per distinct action: the environments whose enforcement differs from the
/// default are selected by the environment label; every other namespace gets the default.
fn bindings(
    meta: &RuleMeta,
    severity: Severity,
    settings: &AdmissionSettings,
    env_label: &str,
) -> Vec<Value> {
    let name = format!("{NAME_PREFIX}{}", meta.id);
    let mut special: BTreeMap<Vec<&'static str>, Vec<String>> = BTreeMap::new();
    let mut off: Vec<String> = Vec::new();
    let mut listed: Vec<String> = Vec::new();
    for (env, e) in &settings.enforcement {
        if *e == settings.default_enforcement {
            continue;
        }
        listed.push(env.clone());
        match actions(*e, severity) {
            Some(a) => special.entry(a).or_default().push(env.clone()),
            None => off.push(env.clone()),
        }
    }
    let binding = |suffix: &str, actions: &[&str], selector: Value| {
        json!({
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingAdmissionPolicyBinding",
            "metadata": {
                "name": format!("{name}{suffix}"),
                "labels": {"app.kubernetes.io/managed-by": "plumbline", "plumbline.dev/rule": meta.id},
            },
            "spec": {
                "policyName": name,
                "validationActions": actions,
                "matchResources": {"namespaceSelector": selector},
            },
        })
    };
    let mut out = Vec::new();
    if let Some(a) = actions(settings.default_enforcement, severity) {
        let selector = if listed.is_empty() {
            json!({})
        } else {
            json!({"matchExpressions": [{"key": env_label, "operator": "NotIn", "values": listed}]})
        };
        out.push(binding("", &a, selector));
    }
    for (a, envs) in special {
        let suffix = format!("-{}", a[0].to_ascii_lowercase());
        out.push(binding(
            &suffix,
            &a,
            json!({"matchExpressions": [{"key": env_label, "operator": "In", "values": envs}]}),
        ));
    }
    out
}

#[cfg(test)]
mod tests;
