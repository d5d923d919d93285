//! The compiled policy pack and its evaluation with regorus.
//!
//! The pack is compiled once into a regorus RVM program with one entry point per rule
//! (`data.plumbline.rules.<id>.violation`). Evaluation borrows a VM from a pool, so the compiled
//! state is shared across threads and each object is evaluated only against the rules for its kind.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use regorus::rvm::{Program, RegoVM};
use regorus::Value as RValue;

use crate::pack::{PolicyPack, RuleMeta};
use crate::Error;

/// Instruction budget of one execution (every rule of an object, or one rule alone): a runaway
/// rule on hostile input stops here.
pub(crate) const MAX_INSTRUCTIONS: usize = 50_000_000;

/// A violation as a rule emitted it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Violation {
    /// Message.
    pub msg: String,
    /// JSON pointer into the object.
    pub path: String,
    /// Rule-specific details.
    pub details: serde_json::Value,
    /// A cap on the finding's severity (e.g. "unverifiable" is at most a warning).
    pub severity: Option<crate::Severity>,
}

/// The outcome of evaluating one rule on one input.
pub type RuleOutcome = Result<Vec<Violation>, String>;

/// A compiled, thread-safe policy pack.
pub struct CompiledPack {
    rules: Vec<RuleMeta>,
    entry_points: Vec<String>,
    program: Arc<Program>,
    data: RValue,
    by_kind: HashMap<String, Vec<usize>>,
    any_kind: Vec<usize>,
    /// Entry point evaluating every rule of a kind in one execution, by kind (`*` for the rest).
    dispatch: HashMap<String, String>,
    pool: Mutex<Vec<RegoVM>>,
    deadline: Option<Duration>,
    /// Rules that exceeded their budget once: objects of their kinds are then evaluated rule by
    /// rule, so the slow rule no longer stalls the single execution of all rules.
    slow: Vec<AtomicBool>,
}

impl std::fmt::Debug for CompiledPack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledPack")
            .field("rules", &self.rules.len())
            .finish()
    }
}

impl CompiledPack {
    /// Compile `pack` with `params` as `data.plumbline.params`. Only the rules for which
    /// `enabled` returns true are compiled.
    pub fn compile(
        pack: &PolicyPack,
        params: &serde_json::Value,
        enabled: impl Fn(&RuleMeta) -> bool,
    ) -> Result<CompiledPack, Error> {
        let mut engine = regorus::Engine::new();
        for (path, text) in &pack.libs {
            engine
                .add_policy(path.clone(), text.clone())
                .map_err(|e| policy_err(path, e))?;
        }
        let mut rules = Vec::new();
        let mut entry_points = Vec::new();
        for rule in pack.rules.iter().filter(|r| enabled(&r.meta)) {
            let pkg = engine
                .add_policy(rule.rego_path.clone(), rule.rego.clone())
                .map_err(|e| policy_err(&rule.rego_path, e))?;
            let expected = format!("data.{}", rule.meta.package());
            if pkg != expected {
                return Err(Error::Policy {
                    path: rule.rego_path.clone(),
                    message: format!("package is `{pkg}`, expected `{expected}`"),
                });
            }
            entry_points.push(format!("{expected}.violation"));
            rules.push(rule.meta.clone());
        }
        let mut by_kind: HashMap<String, Vec<usize>> = HashMap::new();
        let mut any_kind = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            for k in &r.kinds {
                match k.as_str() {
                    "*" => any_kind.push(i),
                    "workloads" => {
                        for w in crate::pack::WORKLOAD_KINDS {
                            by_kind.entry(w.to_string()).or_default().push(i);
                        }
                    }
                    other => by_kind.entry(other.to_string()).or_default().push(i),
                }
            }
        }
        for v in by_kind.values_mut() {
            v.sort_unstable();
            v.dedup();
        }
        // One entry point per kind referencing every rule for it: a single VM execution then
        // evaluates them all, and shared helpers (containers, pod_spec …) are computed once per
        // object instead of once per rule.
        let mut dispatch = HashMap::new();
        let mut module = String::from("package plumbline.dispatch\n\nimport rego.v1\n");
        let mut groups: Vec<(String, Vec<usize>)> = by_kind
            .iter()
            .map(|(k, v)| {
                let mut all = v.clone();
                all.extend(&any_kind);
                all.sort_unstable();
                all.dedup();
                (k.clone(), all)
            })
            .collect();
        groups.push(("*".to_string(), any_kind.clone()));
        groups.sort();
        for (kind, members) in &groups {
            if members.is_empty() || !kind.chars().all(|c| c.is_ascii_alphanumeric() || c == '*') {
                continue;
            }
            let name = if kind == "*" {
                "any_kind".to_string()
            } else {
                format!("k_{kind}")
            };
            module.push_str(&format!("\n{name} := {{\n"));
            for &i in members {
                let r = &rules[i];
                module.push_str(&format!("\t{:?}: data.{}.violation,\n", r.id, r.package()));
            }
            module.push_str("}\n");
            dispatch.insert(kind.clone(), format!("data.plumbline.dispatch.{name}"));
        }
        if !dispatch.is_empty() {
            engine
                .add_policy("dispatch.rego".into(), module)
                .map_err(|e| policy_err("<generated dispatch.rego>", e))?;
        }
        let data = serde_json::json!({ "plumbline": { "params": params } });
        let data = RValue::from(data);
        engine.add_data(data.clone()).map_err(|e| Error::Policy {
            path: "params".into(),
            message: e.to_string(),
        })?;
        // Every rule must define `violation`; an empty pack compiles a trivial program.
        let anchor: regorus::Rc<str> = match entry_points.first() {
            Some(e) => e.as_str().into(),
            None => {
                engine
                    .add_policy(
                        "empty.rego".into(),
                        "package plumbline.empty\nviolation := set()\n".into(),
                    )
                    .map_err(|e| policy_err("empty.rego", e))?;
                "data.plumbline.empty.violation".into()
            }
        };
        let compiled = engine
            .compile_with_entrypoint(&anchor)
            .map_err(|e| Error::Policy {
                path: rules
                    .first()
                    .map(|r: &RuleMeta| r.id.clone())
                    .unwrap_or_default(),
                message: explain_engine_error(e.to_string()),
            })?;
        let mut eps: Vec<&str> = if entry_points.is_empty() {
            vec!["data.plumbline.empty.violation"]
        } else {
            entry_points.iter().map(String::as_str).collect()
        };
        let mut dispatch_eps: Vec<&String> = dispatch.values().collect();
        dispatch_eps.sort();
        eps.extend(dispatch_eps.into_iter().map(String::as_str));
        let program =
            regorus::languages::rego::compiler::Compiler::compile_from_policy(&compiled, &eps)
                .map_err(|e| Error::Policy {
                    path: "<pack>".into(),
                    message: explain_engine_error(format!("RVM compilation failed: {e}")),
                })?;
        let slow = rules.iter().map(|_| AtomicBool::new(false)).collect();
        Ok(CompiledPack {
            slow,
            rules,
            entry_points,
            program,
            data,
            by_kind,
            any_kind,
            dispatch,
            pool: Mutex::new(Vec::new()),
            deadline: None,
        })
    }

    /// Data paths the compiled program looks up as whole virtual documents. regorus' RVM builds
    /// such a document by evaluating every rule under the path on each lookup, which made the pack
    /// ~10x slower; it happens when a rule (not a function) of another package is referenced
    /// through an import alias (`k8s.containers`), so rules use full paths
    /// (`data.plumbline.lib.k8s.containers`). A test keeps this list empty.
    pub fn whole_document_lookups(&self) -> Vec<String> {
        use regorus::rvm::instructions::LiteralOrRegister;
        let p = &self.program;
        p.instruction_data
            .virtual_data_document_lookup_params
            .iter()
            .map(|params| {
                params
                    .path_components
                    .iter()
                    .map(|c| match c {
                        LiteralOrRegister::Literal(i) => {
                            p.literals.get(usize::from(*i)).map_or_else(
                                || "?".to_string(),
                                |v| v.to_string().trim_matches('"').to_string(),
                            )
                        }
                        LiteralOrRegister::Register(r) => format!("<r{r}>"),
                    })
                    .collect::<Vec<_>>()
                    .join(".")
            })
            .collect()
    }

    /// Set the wall-clock limit of one object's evaluation. It is also each rule's budget: when
    /// the execution of every rule of a kind fails, each rule is evaluated alone within half of
    /// it, and the rule that exceeds that (or [`MAX_INSTRUCTIONS`]) fails with
    /// [`BUDGET_EXCEEDED`], naming it (see [`budget_exceeded_rule`]).
    pub fn set_deadline(&mut self, deadline: Option<Duration>) {
        self.deadline = deadline;
    }

    /// Metadata of the compiled rules (indices are rule indices).
    pub fn rules(&self) -> &[RuleMeta] {
        &self.rules
    }

    /// Indices of the rules that apply to `kind`, in rule order.
    pub fn rules_for_kind(&self, kind: &str) -> Vec<usize> {
        let mut v: Vec<usize> = self.by_kind.get(kind).cloned().unwrap_or_default();
        if !self.any_kind.is_empty() {
            v.extend(&self.any_kind);
            v.sort_unstable();
            v.dedup();
        }
        v
    }

    fn checkout(&self) -> Result<RegoVM, String> {
        if let Some(vm) = self.pool.lock().map_err(|_| "VM pool poisoned")?.pop() {
            return Ok(vm);
        }
        let mut vm = RegoVM::new();
        vm.load_program(self.program.clone());
        // The RVM's default budget (25,000 instructions) is too small for rules that scan large
        // ConfigMaps; the wall-clock deadline (set_deadline) is the bound that matters.
        vm.set_max_instructions(MAX_INSTRUCTIONS);
        vm.set_data(self.data.clone()).map_err(|e| e.to_string())?;
        Ok(vm)
    }

    fn checkin(&self, vm: RegoVM) {
        if let Ok(mut pool) = self.pool.lock() {
            pool.push(vm);
        }
    }

    /// Evaluate every rule for `kind` (as [`Self::rules_for_kind`] lists them) in one execution;
    /// if that fails, each rule alone, so one failing rule does not hide the others' verdicts.
    pub fn evaluate_kind(&self, input: RValue, kind: &str) -> Vec<(usize, RuleOutcome)> {
        let rules = self.rules_for_kind(kind);
        let key = if self.by_kind.contains_key(kind) {
            kind
        } else {
            "*"
        };
        let Some(entry) = self.dispatch.get(key) else {
            return self.evaluate(input, &rules);
        };
        if rules.is_empty() {
            return Vec::new();
        }
        if rules
            .iter()
            .any(|&r| self.slow.get(r).is_some_and(|s| s.load(Ordering::Relaxed)))
        {
            return self.evaluate(input, &rules);
        }
        let mut vm = match self.checkout() {
            Ok(vm) => vm,
            Err(e) => return rules.iter().map(|&r| (r, Err(e.clone()))).collect(),
        };
        self.arm_timer(&mut vm, self.deadline);
        vm.set_input(input.clone());
        let result = vm.execute_entry_point_by_name(entry);
        self.checkin(vm);
        match result {
            Ok(all) => rules
                .iter()
                .map(|&r| (r, Ok(violations(&all[self.rules[r].id.as_str()]))))
                .collect(),
            Err(_) => self.evaluate(input, &rules),
        }
    }

    fn arm_timer(&self, vm: &mut RegoVM, limit: Option<Duration>) {
        // The clock is read every 1,024 instructions, not on each one: a read costs about as much
        // as an instruction, and 1,024 instructions take well under a millisecond.
        vm.set_execution_timer_config(limit.map(|limit| {
            regorus::utils::limits::ExecutionTimerConfig {
                limit,
                check_interval: std::num::NonZeroU32::new(1024)
                    .unwrap_or(std::num::NonZeroU32::MIN),
            }
        }));
    }

    /// Evaluate `rules` (indices) against `input`, each in its own execution.
    pub fn evaluate(&self, input: RValue, rules: &[usize]) -> Vec<(usize, RuleOutcome)> {
        if rules.is_empty() {
            return Vec::new();
        }
        let mut vm = match self.checkout() {
            Ok(vm) => vm,
            Err(e) => return rules.iter().map(|&r| (r, Err(e.clone()))).collect(),
        };
        // Each rule alone gets half of the object's limit: after a failed execution of all rules
        // (at most the whole limit), the slow rule is named within 1.5 times the limit.
        let budget = self.deadline.map(|d| (d / 2).max(Duration::from_millis(1)));
        self.arm_timer(&mut vm, budget);
        vm.set_input(input);
        let mut out = Vec::with_capacity(rules.len());
        for &r in rules {
            let Some(ep) = self.entry_points.get(r) else {
                continue;
            };
            let outcome = match vm.execute_entry_point_by_name(ep) {
                Ok(v) => Ok(violations(&v)),
                Err(e) => {
                    let e = e.to_string();
                    if e.contains("exceeded time limit") || e.contains("instruction limit") {
                        if let Some(s) = self.slow.get(r) {
                            s.store(true, Ordering::Relaxed);
                        }
                        Err(format!(
                            "{BUDGET_EXCEEDED} ({}; the rule was stopped): {e}",
                            match budget {
                                Some(b) => format!(
                                    "{} ms or {MAX_INSTRUCTIONS} instructions",
                                    b.as_millis()
                                ),
                                None => format!("{MAX_INSTRUCTIONS} instructions"),
                            }
                        ))
                    } else {
                        Err(e)
                    }
                }
            };
            out.push((r, outcome));
        }
        self.checkin(vm);
        out
    }
}

/// Violations read of one rule on one object. Beyond it the object is hostile or broken either
/// way, and each further finding costs ~3 KiB of copies (message, details, finding, response
/// line): a 1.4 MiB ConfigMap of sslmode lines made 24,000 findings and took the webhook from 24
/// to 131 MiB.
pub(crate) const MAX_VIOLATIONS_PER_RULE: usize = 100;

/// How the error of a rule that exceeded its evaluation budget begins.
pub const BUDGET_EXCEEDED: &str = "evaluation budget exceeded";

/// The rule named by a rule failure (`rule `<id>` failed on …`, as the linter reports engine
/// errors) when the failure is an exceeded budget: what the webhook counts per rule.
pub fn budget_exceeded_rule(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("rule `")?;
    let (id, rest) = rest.split_once('`')?;
    rest.contains(BUDGET_EXCEEDED).then_some(id)
}

/// The message of a violation without a string `msg` (`plumbline test` fails it).
pub(crate) const NO_MSG: &str = "rule emitted a violation without a `msg`";
/// Appended to the message of a violation without a string `path`.
pub(crate) const NO_PATH: &str = " (the rule emitted no `path`)";

/// Read `violation` set members (at most [`MAX_VIOLATIONS_PER_RULE`]); malformed members become a
/// violation that says so.
fn violations(v: &RValue) -> Vec<Violation> {
    let mut out = Vec::new();
    let items: Vec<&RValue> = match v {
        RValue::Set(s) => s.iter().take(MAX_VIOLATIONS_PER_RULE).collect(),
        RValue::Array(a) => a.iter().take(MAX_VIOLATIONS_PER_RULE).collect(),
        _ => return out,
    };
    for item in items {
        // A match, not `as_string()`: its error for a missing key is an anyhow error, which
        // captured a backtrace per finding (~70K instructions) in some builds.
        let s = |key: &str| -> Option<String> {
            match &item[key] {
                RValue::String(s) => Some(s.to_string()),
                _ => None,
            }
        };
        let details = to_json(&item["details"]);
        let path = s("path");
        let mut msg = s("msg").unwrap_or_else(|| NO_MSG.into());
        if path.is_none() {
            msg.push_str(NO_PATH);
        }
        out.push(Violation {
            msg,
            path: path.unwrap_or_default(),
            details,
            severity: s("severity").and_then(|x| x.parse().ok()),
        });
    }
    out.sort_by(|a, b| (&a.path, &a.msg).cmp(&(&b.path, &b.msg)));
    out
}

/// A rule's value as JSON, converted directly (no JSON text round trip): sets become arrays and
/// non-string object keys their JSON text, as regorus' own serializer writes them; undefined is null.
pub(crate) fn to_json(v: &RValue) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        RValue::Null | RValue::Undefined => J::Null,
        RValue::Bool(b) => J::Bool(*b),
        RValue::String(s) => J::String(s.to_string()),
        RValue::Number(n) => {
            if let Some(u) = n.as_u64() {
                J::from(u)
            } else if let Some(i) = n.as_i64() {
                J::from(i)
            } else {
                // Big or fractional: through its decimal text, as regorus serializes it.
                serde_json::to_value(n).unwrap_or(J::Null)
            }
        }
        RValue::Array(a) => J::Array(a.iter().map(to_json).collect()),
        RValue::Set(s) => J::Array(s.iter().map(to_json).collect()),
        RValue::Object(o) => J::Object(
            o.iter()
                .map(|(k, v)| {
                    let key = match k {
                        RValue::String(s) => s.to_string(),
                        other => serde_json::to_string(other).unwrap_or_default(),
                    };
                    (key, to_json(v))
                })
                .collect(),
        ),
    }
}

fn policy_err(path: &str, e: impl std::fmt::Display) -> Error {
    Error::Policy {
        path: path.to_string(),
        message: explain_engine_error(e.to_string()),
    }
}

/// The builtin functions of OPA v1.22.4 (the version `scripts/opa-parity.sh` pins), from `opa
/// capabilities --current`, operators left out: to tell a rule author whether a function regorus
/// lacks exists in OPA.
const OPA_BUILTINS: &[&str] = &[
    "abs",
    "all",
    "any",
    "array.concat",
    "array.flatten",
    "array.reverse",
    "array.slice",
    "base64.decode",
    "base64.encode",
    "base64.is_valid",
    "base64url.decode",
    "base64url.encode",
    "base64url.encode_no_pad",
    "bits.and",
    "bits.lsh",
    "bits.negate",
    "bits.or",
    "bits.rsh",
    "bits.xor",
    "cast_array",
    "cast_boolean",
    "cast_null",
    "cast_object",
    "cast_set",
    "cast_string",
    "ceil",
    "concat",
    "contains",
    "count",
    "crypto.hmac.equal",
    "crypto.hmac.md5",
    "crypto.hmac.sha1",
    "crypto.hmac.sha256",
    "crypto.hmac.sha512",
    "crypto.md5",
    "crypto.parse_private_keys",
    "crypto.sha1",
    "crypto.sha256",
    "crypto.x509.parse_and_verify_certificates",
    "crypto.x509.parse_and_verify_certificates_with_options",
    "crypto.x509.parse_certificate_request",
    "crypto.x509.parse_certificates",
    "crypto.x509.parse_keypair",
    "crypto.x509.parse_rsa_private_key",
    "endswith",
    "floor",
    "format_int",
    "glob.match",
    "glob.quote_meta",
    "graph.reachable",
    "graph.reachable_paths",
    "graphql.is_valid",
    "graphql.parse",
    "graphql.parse_and_verify",
    "graphql.parse_query",
    "graphql.parse_schema",
    "graphql.schema_is_valid",
    "hex.decode",
    "hex.encode",
    "http.send",
    "indexof",
    "indexof_n",
    "intersection",
    "io.jwt.decode",
    "io.jwt.decode_verify",
    "io.jwt.encode_sign",
    "io.jwt.encode_sign_raw",
    "io.jwt.verify_eddsa",
    "io.jwt.verify_es256",
    "io.jwt.verify_es384",
    "io.jwt.verify_es512",
    "io.jwt.verify_hs256",
    "io.jwt.verify_hs384",
    "io.jwt.verify_hs512",
    "io.jwt.verify_ps256",
    "io.jwt.verify_ps384",
    "io.jwt.verify_ps512",
    "io.jwt.verify_rs256",
    "io.jwt.verify_rs384",
    "io.jwt.verify_rs512",
    "is_array",
    "is_boolean",
    "is_null",
    "is_number",
    "is_object",
    "is_set",
    "is_string",
    "json.filter",
    "json.is_valid",
    "json.marshal",
    "json.marshal_with_options",
    "json.match_schema",
    "json.patch",
    "json.remove",
    "json.unmarshal",
    "json.verify_schema",
    "lower",
    "max",
    "min",
    "net.cidr_contains",
    "net.cidr_contains_matches",
    "net.cidr_expand",
    "net.cidr_intersects",
    "net.cidr_is_valid",
    "net.cidr_merge",
    "net.cidr_overlap",
    "net.lookup_ip_addr",
    "numbers.range",
    "numbers.range_step",
    "object.filter",
    "object.get",
    "object.keys",
    "object.remove",
    "object.subset",
    "object.union",
    "object.union_n",
    "opa.runtime",
    "print",
    "product",
    "providers.aws.sign_req",
    "rand.intn",
    "re_match",
    "regex.find_all_string_submatch_n",
    "regex.find_n",
    "regex.globs_match",
    "regex.is_valid",
    "regex.match",
    "regex.replace",
    "regex.split",
    "regex.template_match",
    "rego.metadata.chain",
    "rego.metadata.rule",
    "rego.parse_module",
    "replace",
    "round",
    "semver.compare",
    "semver.is_valid",
    "set_diff",
    "sort",
    "split",
    "sprintf",
    "startswith",
    "strings.any_prefix_match",
    "strings.any_suffix_match",
    "strings.count",
    "strings.render_template",
    "strings.replace_n",
    "strings.reverse",
    "strings.split_n",
    "substring",
    "sum",
    "time.add_date",
    "time.clock",
    "time.date",
    "time.diff",
    "time.format",
    "time.now_ns",
    "time.parse_duration_ns",
    "time.parse_ns",
    "time.parse_rfc3339_ns",
    "time.weekday",
    "to_number",
    "trace",
    "trim",
    "trim_left",
    "trim_prefix",
    "trim_right",
    "trim_space",
    "trim_suffix",
    "type_name",
    "union",
    "units.parse",
    "units.parse_bytes",
    "upper",
    "uri.is_valid",
    "uri.parse",
    "urlquery.decode",
    "urlquery.decode_object",
    "urlquery.encode",
    "urlquery.encode_object",
    "uuid.parse",
    "uuid.rfc4122",
    "walk",
    "yaml.is_valid",
    "yaml.marshal",
    "yaml.unmarshal",
];

/// An engine error with a note when it is about a function regorus does not know: whether OPA
/// has it (Rego that runs under OPA but not here) or not (a typo, or a function of another
/// package referenced without its path).
pub(crate) fn explain_engine_error(message: String) -> String {
    let name = ["Unknown function: '", "could not find function "]
        .iter()
        .find_map(|marker| {
            let rest = &message[message.find(marker)? + marker.len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
                .unwrap_or(rest.len());
            Some(rest[..end].to_string())
        });
    match name {
        Some(n) if OPA_BUILTINS.contains(&n.as_str()) => format!(
            "{message}\nnote: `{n}` is an OPA builtin that the engine Plumbline runs does not provide \
             (regorus {REGORUS_VERSION}, built with the builtin groups {REGORUS_BUILTIN_GROUPS}): \
             the rule would run under OPA but cannot run here; write it without `{n}`"
        ),
        Some(n) if !n.is_empty() => format!(
            "{message}\nnote: `{n}` is neither a regorus builtin nor an OPA v1.22.4 builtin: a typo, \
             or a function of another package referenced without its full path \
             (data.plumbline.lib.…) or an import"
        ),
        _ => message,
    }
}

/// The regorus version the pack runs on (Cargo.lock pins it).
const REGORUS_VERSION: &str = "0.14.1";

/// The optional builtin groups the workspace enables in regorus (Cargo.toml): without time,
/// crypto, JWT, YAML, hex, HTTP, UUID, URL-query or graph builtins, 94 of OPA v1.22.4's 186
/// non-operator builtins are unavailable here (counted by compiling a call to each).
const REGORUS_BUILTIN_GROUPS: &str = "base64, glob, net, regex, semver";

#[cfg(test)]
mod tests {
    use super::*;

    /// A rule that exceeds its budget fails alone, named, while the other rules of the object
    /// keep their verdicts; later objects of its kind are evaluated rule by rule.
    #[test]
    fn a_runaway_rule_fails_alone_within_its_budget() {
        let meta = |id: &str| {
            format!(
                "id: {id}\ntitle: t\ndomain: acme\nseverity: warning\nkinds: [ConfigMap]\n\
                 description: d\nremediation: r\nexample: e\n"
            )
        };
        let runaway = "package plumbline.rules.runaway\nimport rego.v1\nviolation contains v if {\n\
            n := count([x | some x in numbers.range(1, 100000); some y in numbers.range(1, 100000); x != y])\n\
            n > 0\nv := {\"msg\": \"never\", \"path\": \"\"}\n}\n";
        let quick = "package plumbline.rules.quick\nimport rego.v1\n\
            violation contains {\"msg\": \"quick\", \"path\": \"/metadata\"} if true\n";
        let pack = PolicyPack::from_files(
            [
                ("acme/runaway/rule.yaml".to_string(), meta("runaway")),
                ("acme/runaway/policy.rego".to_string(), runaway.to_string()),
                ("acme/quick/rule.yaml".to_string(), meta("quick")),
                ("acme/quick/policy.rego".to_string(), quick.to_string()),
            ],
            "test",
        )
        .unwrap();
        let mut compiled = CompiledPack::compile(&pack, &serde_json::json!({}), |_| true).unwrap();
        compiled.set_deadline(Some(Duration::from_millis(200)));
        let input = RValue::from(serde_json::json!({"object": {"kind": "ConfigMap"}}));
        for round in 0..2 {
            let started = std::time::Instant::now();
            let out = compiled.evaluate_kind(input.clone(), "ConfigMap");
            let took = started.elapsed();
            let by_id = |id: &str| {
                out.iter()
                    .find(|(i, _)| compiled.rules()[*i].id == id)
                    .map(|(_, o)| o.clone())
                    .unwrap()
            };
            let e = by_id("runaway").unwrap_err();
            assert!(e.starts_with(BUDGET_EXCEEDED), "{e}");
            assert_eq!(by_id("quick").unwrap().len(), 1);
            // Round 0: the execution of both (200 ms) then the rule alone (100 ms); round 1:
            // the rule alone only.
            let bound = if round == 0 { 2000 } else { 1000 };
            assert!(
                took < Duration::from_millis(bound),
                "round {round}: {took:?}"
            );
        }
        let msg = format!("rule `runaway` failed on ConfigMap/a/b: {BUDGET_EXCEEDED} (100 ms)");
        assert_eq!(budget_exceeded_rule(&msg), Some("runaway"));
        assert_eq!(
            budget_exceeded_rule("rule `x` failed on C/a/b: other"),
            None
        );
    }

    /// A function regorus lacks is named, and whether OPA has it is said; load errors of a
    /// custom rule point at file:line:column.
    #[test]
    fn load_errors_name_the_file_position_and_missing_builtins() {
        let pack_with = |rego: &str| {
            let meta = "id: r\ntitle: t\ndomain: acme\nseverity: warning\nkinds: [Pod]\n\
                        description: d\nremediation: r\nexample: e\n";
            PolicyPack::from_files(
                [
                    ("acme/r/rule.yaml".to_string(), meta.to_string()),
                    ("acme/r/policy.rego".to_string(), rego.to_string()),
                ],
                "custom",
            )
            .unwrap()
        };
        let compile = |rego: &str| {
            CompiledPack::compile(&pack_with(rego), &serde_json::json!({}), |_| true)
                .unwrap_err()
                .to_string()
        };
        let head = "package plumbline.rules.r\n\nimport rego.v1\n\n";
        let e = compile(&format!(
            "{head}violation contains v if {{\n\tx := json.patch({{}}, [])\n\tv := {{\"msg\": \"m\", \"path\": \"\"}}\n}}\n"
        ));
        assert!(e.contains("json.patch") && e.contains("OPA builtin"), "{e}");
        let e = compile(&format!(
            "{head}violation contains v if {{\n\tx := jsn.marshal(1)\n\tv := {{\"msg\": x, \"path\": \"\"}}\n}}\n"
        ));
        assert!(e.contains("neither a regorus builtin nor an OPA"), "{e}");
        let e = compile(&format!("{head}violation contains v if {{\n\tv := \n}}\n"));
        assert!(e.contains("acme/r/policy.rego:6:"), "{e}");
        let e = compile("package acme.r\n\nimport rego.v1\n\nviolation := set()\n");
        assert!(
            e.contains("package is `data.acme.r`, expected `data.plumbline.rules.r`"),
            "{e}"
        );
    }

    /// The direct conversion gives what the JSON text round trip it replaced gave.
    #[test]
    fn to_json_matches_the_serializer() {
        let texts = [
            r#"{"a": [1, -2, 3.5, 1e300, 18446744073709551615, 0.1], "b": null, "c": true, "d": "x\"y", "e": {}}"#,
            r#"[{"k": [[], {"z": 1.0}]}, "s", false, -9223372036854775808]"#,
        ];
        for t in texts {
            let v = RValue::from_json_str(t).expect("value");
            let old: serde_json::Value =
                serde_json::from_str(&v.to_json_str().expect("text")).expect("json");
            assert_eq!(to_json(&v), old, "{t}");
        }
        let mut set = std::collections::BTreeSet::new();
        set.insert(RValue::from("b"));
        set.insert(RValue::from(2u64));
        let v = RValue::from(set);
        let old: serde_json::Value =
            serde_json::from_str(&v.to_json_str().expect("text")).expect("json");
        assert_eq!(to_json(&v), old);
        assert_eq!(to_json(&RValue::Undefined), serde_json::Value::Null);
    }
}
