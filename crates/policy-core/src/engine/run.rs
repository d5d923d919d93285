//! Evaluating the compiled pack: VMs borrowed from a pool, one execution of every rule of a kind,
//! and rule by rule within a budget when that fails.

use std::sync::atomic::Ordering;
use std::time::Duration;

use regorus::rvm::RegoVM;
use regorus::Value as RValue;

use super::violations::violations;
use super::{CompiledPack, RuleOutcome, MAX_INSTRUCTIONS};

/// How the error of a rule that exceeded its evaluation budget begins.
pub const BUDGET_EXCEEDED: &str = "evaluation budget exceeded";

/// The rule named by a rule failure (``rule `<id>` failed on …``, as the linter reports engine
/// errors) when the failure is an exceeded budget: what the webhook counts per rule.
pub fn budget_exceeded_rule(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("rule `")?;
    let (id, rest) = rest.split_once('`')?;
    rest.contains(BUDGET_EXCEEDED).then_some(id)
}

impl CompiledPack {
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

    /// Evaluate every rule for `kind` (as [`Self::rules_for_kind`] lists them).
    pub fn evaluate_kind(&self, input: RValue, kind: &str) -> Vec<(usize, RuleOutcome)> {
        self.evaluate_rules(input, &self.rules_for_kind(kind))
    }

    /// Evaluate `rules` (indices) against `input` in one execution of the smallest dispatch
    /// group that holds them all, when there is one at most twice their number; otherwise, or
    /// if that execution fails, each rule alone ([`Self::evaluate`]), so one failing rule does
    /// not hide the others' verdicts. One execution computes the helpers the rules share
    /// (containers, the pod spec …) once instead of once per rule.
    pub fn evaluate_rules(&self, input: RValue, rules: &[usize]) -> Vec<(usize, RuleOutcome)> {
        if rules.is_empty() {
            return Vec::new();
        }
        let Some(group) = self.group_for(rules) else {
            return self.evaluate(input, rules);
        };
        let mut vm = match self.checkout() {
            Ok(vm) => vm,
            Err(e) => return rules.iter().map(|&r| (r, Err(e.clone()))).collect(),
        };
        self.arm_timer(&mut vm, self.deadline);
        vm.set_input(input.clone());
        let result = vm.execute_entry_point_by_name(&group.entry);
        self.checkin(vm);
        match result {
            Ok(all) => rules
                .iter()
                .map(|&r| (r, Ok(violations(&all[&self.rule_keys[r]]))))
                .collect(),
            Err(_) => self.evaluate(input, rules),
        }
    }

    /// The smallest dispatch group holding every rule of `rules` and at most twice as many,
    /// none of whose members has exceeded its budget before (a slow rule is run alone, so it no
    /// longer stalls the others).
    pub(super) fn group_for(&self, rules: &[usize]) -> Option<&super::Group> {
        let slow = |r: &usize| self.slow.get(*r).is_some_and(|s| s.load(Ordering::Relaxed));
        let candidate = |g: &&super::Group| {
            (rules.len()..=2 * rules.len()).contains(&g.members.len())
                && rules.iter().all(|r| g.members.binary_search(r).is_ok())
        };
        // A group of exactly these rules first (every rule of the object's kind, the usual
        // case), without comparing the others.
        let exact = self
            .groups
            .iter()
            .filter(|g| g.members.len() == rules.len())
            .find(candidate);
        let group = match exact {
            Some(g) => g,
            None => self
                .groups
                .iter()
                .filter(candidate)
                .min_by_key(|g| g.members.len())?,
        };
        (!group.members.iter().any(slow)).then_some(group)
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
