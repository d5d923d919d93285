//! The compiled policy pack and its evaluation with regorus.
//!
//! The pack is compiled once into a regorus RVM program with one entry point per rule
//! (`data.plumbline.rules.<id>.violation`). Evaluation borrows a VM from a pool, so the compiled
//! state is shared across threads and each object is evaluated only against the rules for its kind.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use regorus::rvm::{Program, RegoVM};
use regorus::Value as RValue;

use crate::pack::{PolicyPack, RuleMeta};
use crate::Error;

/// Instruction budget of one rule evaluation: a runaway rule on hostile input stops here.
const MAX_INSTRUCTIONS: usize = 50_000_000;

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
                message: e.to_string(),
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
                    message: format!("RVM compilation failed: {e}"),
                })?;
        Ok(CompiledPack {
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

    /// Set a wall-clock limit for each rule evaluation.
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
        let mut vm = match self.checkout() {
            Ok(vm) => vm,
            Err(e) => return rules.iter().map(|&r| (r, Err(e.clone()))).collect(),
        };
        self.arm_timer(&mut vm);
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

    fn arm_timer(&self, vm: &mut RegoVM) {
        // The clock is read every 1,024 instructions, not on each one: a read costs about as much
        // as an instruction, and 1,024 instructions take well under a millisecond.
        vm.set_execution_timer_config(self.deadline.map(|limit| {
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
        self.arm_timer(&mut vm);
        vm.set_input(input);
        let mut out = Vec::with_capacity(rules.len());
        for &r in rules {
            let Some(ep) = self.entry_points.get(r) else {
                continue;
            };
            let outcome = match vm.execute_entry_point_by_name(ep) {
                Ok(v) => Ok(violations(&v)),
                Err(e) => Err(e.to_string()),
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
        out.push(Violation {
            msg: s("msg").unwrap_or_else(|| "rule emitted a violation without a `msg`".into()),
            path: s("path").unwrap_or_default(),
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
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
