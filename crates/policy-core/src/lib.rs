//! Plumbline's policy engine.
//!
//! Reads Kubernetes manifests with source positions, evaluates a compiled Rego policy pack with
//! `regorus`, and returns findings as data. The linter CLI and the admission webhook are thin
//! shells over this crate.
//!
//! ```
//! use policy_core::{default_linter, Source};
//!
//! let linter = default_linter().unwrap();
//! let src = Source::new("pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n  - name: web\n    image: nginx:latest\n");
//! let report = linter.lint_sources(&[src]);
//! let f = report.findings.iter().find(|f| f.rule == "image-tag-latest").unwrap();
//! assert_eq!((f.line, f.path.as_str()), (7, "/spec/containers/0/image"));
//! ```
#![deny(missing_docs)]

pub mod admission;
mod admission_config;
pub mod calendar;
pub mod config;
pub mod docs;
pub mod emergency;
mod engine;
mod eval;
mod finding;
pub mod fixtures;
pub mod image;
pub mod imagefacts;
mod inventory;
mod lint;
#[cfg(test)]
mod module_graph;
mod object;
mod pack;
mod problem;
/// The built-in rules' ids as constants, generated from `policies/<domain>/<id>/rule.yaml` at
/// build time (`build.rs`): Rust code names a rule through them, so renaming or removing a rule
/// that code depends on fails the build.
pub mod rule_ids {
    include!(concat!(env!("OUT_DIR"), "/rule_ids.rs"));
}
pub mod scan;
mod source;
pub mod startup;
pub mod suppress;
pub mod tenancy;
pub mod vap;
pub mod webhookconfig;
pub mod workloads;

/// YAML and JSON streams with positions: the `plumbline-yaml` crate, under its old path.
pub use plumbline_yaml as yaml;

pub use config::{Config, ValidConfig};
pub use engine::{
    budget_exceeded_rule, default_cache_dir, CompiledPack, RuleOutcome, Violation, BUDGET_EXCEEDED,
};
pub use eval::{pod_spec_pointer, Request};
pub use finding::{Domain, Finding, RelatedLocation, Severity, Suppression, SuppressionKind};
pub use imagefacts::{ImageContext, ImageFact, ImageFacts, SignatureFact, SignatureState};
pub use inventory::{Inventory, InventoryBuilder, InventoryKind, NamespaceInfo, INVENTORY_KINDS};
pub use lint::{default_linter, LintOptions, Linter, Report};
pub use object::{is_sensitive_pointer, objects_from_source, Object, ObjectRef};
pub use pack::{PackSources, PolicyPack, Rule, RuleMeta, WORKLOAD_KINDS};
pub use problem::Problem;
pub use source::{expand_paths, is_manifest_name, Source, MAX_FILE_BYTES};

/// Errors that stop a run (bad config, broken policy pack, bad usage). Input problems are not
/// errors: they are [`Problem`]s in the [`Report`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is invalid.
    #[error("{path}:{line}: {message}")]
    Config {
        /// Config file.
        path: String,
        /// 1-based line (0 when unknown).
        line: u32,
        /// What is wrong.
        message: String,
    },
    /// The policy pack does not load or compile.
    #[error("policy {path}: {message}")]
    Policy {
        /// File in the pack.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// Invalid usage (unknown rule id, …).
    #[error("{0}")]
    Usage(String),
}
