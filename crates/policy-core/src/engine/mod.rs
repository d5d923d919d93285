//! The compiled policy pack and its evaluation with regorus.
//!
//! The pack is compiled once into a regorus RVM program with one entry point per rule
//! (`data.plumbline.rules.<id>.violation`). Evaluation borrows a VM from a pool, so the compiled
//! state is shared across threads and each object is evaluated only against the rules for its kind.

mod cache;
mod compile;
mod explain;
mod run;
#[cfg(test)]
mod tests;
mod violations;

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use regorus::rvm::{Program, RegoVM};
use regorus::Value as RValue;

use crate::pack::RuleMeta;

pub use cache::default_cache_dir;
pub use run::{budget_exceeded_rule, BUDGET_EXCEEDED};
pub(crate) use violations::{number_to_rego, to_json, NO_MSG, NO_PATH};

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

/// A dispatch group: an entry point of the generated `plumbline.dispatch` package whose value
/// maps each member rule's id to its violations.
#[derive(Debug, Clone)]
struct Group {
    entry: String,
    /// Rule indices, sorted.
    members: Vec<usize>,
}

/// A compiled, thread-safe policy pack.
pub struct CompiledPack {
    rules: Vec<RuleMeta>,
    entry_points: Vec<String>,
    program: Arc<Program>,
    data: RValue,
    by_kind: HashMap<String, Vec<usize>>,
    any_kind: Vec<usize>,
    /// Entry points evaluating a set of rules in one execution: every rule of a kind, and the
    /// workload rules alone.
    groups: Vec<Group>,
    /// Each rule's id as an engine string: the key of its violations in a group's result (a key
    /// built from a `&str` on each lookup is an allocation).
    rule_keys: Vec<RValue>,
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
    /// it, and the rule that exceeds that (or its instruction budget, `MAX_INSTRUCTIONS`) fails with
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
}
