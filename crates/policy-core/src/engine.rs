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
        let compiled = engine.compile_with_entrypoint(&anchor).map_err(|e| Error::Policy {
            path: rules.first().map(|r: &RuleMeta| r.id.clone()).unwrap_or_default(),
            message: e.to_string(),
        })?;
        let eps: Vec<&str> = if entry_points.is_empty() {
            vec!["data.plumbline.empty.violation"]
        } else {
            entry_points.iter().map(String::as_str).collect()
        };
        let program = regorus::languages::rego::compiler::Compiler::compile_from_policy(&compiled, &eps)
            .map_err(|e| Error::Policy {
                path: "<pack>".into(),
                message: format!("RVM compilation failed: {e}"),
            })?;
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
        Ok(CompiledPack {
            rules,
            entry_points,
            program,
            data,
            by_kind,
            any_kind,
            pool: Mutex::new(Vec::new()),
            deadline: None,
        })
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

    /// Evaluate `rules` (indices) against `input`.
    pub fn evaluate(&self, input: RValue, rules: &[usize]) -> Vec<(usize, RuleOutcome)> {
        if rules.is_empty() {
            return Vec::new();
        }
        let mut vm = match self.checkout() {
            Ok(vm) => vm,
            Err(e) => return rules.iter().map(|&r| (r, Err(e.clone()))).collect(),
        };
        vm.set_execution_timer_config(self.deadline.map(|limit| {
            regorus::utils::limits::ExecutionTimerConfig {
                limit,
                check_interval: std::num::NonZeroU32::MIN,
            }
        }));
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

/// Read `violation` set members; malformed members become a violation that says so.
fn violations(v: &RValue) -> Vec<Violation> {
    let mut out = Vec::new();
    let items: Vec<&RValue> = match v {
        RValue::Set(s) => s.iter().collect(),
        RValue::Array(a) => a.iter().collect(),
        _ => return out,
    };
    for item in items {
        let s = |key: &str| -> Option<String> {
            item[key].as_string().ok().map(|s| s.to_string())
        };
        let details = match &item["details"] {
            RValue::Undefined | RValue::Null => serde_json::Value::Null,
            d => d
                .to_json_str()
                .ok()
                .and_then(|j| serde_json::from_str(&j).ok())
                .unwrap_or(serde_json::Value::Null),
        };
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

fn policy_err(path: &str, e: impl std::fmt::Display) -> Error {
    Error::Policy {
        path: path.to_string(),
        message: e.to_string(),
    }
}
