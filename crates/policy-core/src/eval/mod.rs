//! Evaluation of one object: the typed policy input, its one conversion to the engine's value,
//! and the [`Evaluator`] that checks an object against an inventory and a request.
//!
//! - [`Request`]: the admission request around the object (the linter's is a CREATE);
//! - `input`: `PolicyInput`, what the rules read as `input`, field by field, and its
//!   conversion to a regorus value (built directly, without a JSON intermediate);
//! - `images`: `input.images`, every container image parsed, with digest and signature facts;
//! - `severity`: every finding's severity, decided in one place;
//! - `suppression`: in-object suppressions and config exemptions, judged and matched;
//! - `related`: the other places a finding is about (the other claimant of a host);
//! - `evaluator`: the rules for the object's kind and operation, run on the per-thread pack copy,
//!   their violations turned into findings;
//! - `custom`: custom resources of the workloads table, judged as themselves and through their
//!   pod views.
//!
//! The linter (`lint`) is the driver over it: sources → objects → inventory → [`Evaluator`] →
//! report.

mod custom;
mod evaluator;
mod images;
mod input;
mod related;
mod request;
mod severity;
mod suppression;
#[cfg(test)]
mod tests;

use std::sync::{Arc, OnceLock};

pub use images::pod_spec_pointer;
pub use request::Request;

use crate::calendar::Calendars;
use crate::config::ValidConfig;
use crate::engine::CompiledPack;
use crate::imagefacts::ImageFacts;
use crate::pack::PolicyPack;
use crate::tenancy::{Resolver, Tier};

/// What an evaluation depends on beyond the config file (from the linter's options).
#[derive(Clone)]
pub(crate) struct Settings {
    /// The instant to evaluate as of, unless a request names its own.
    pub(crate) now: jiff::Timestamp,
    /// Ignore in-object suppression annotations.
    pub(crate) strict: bool,
    /// Evaluate every object as in this environment (`--environment`).
    pub(crate) environment: Option<String>,
    /// Digest and signature facts about images, if configured.
    pub(crate) image_facts: Option<Arc<dyn ImageFacts>>,
    /// Where compiled programs are kept between runs, if anywhere.
    pub(crate) compile_cache: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("now", &self.now)
            .field("strict", &self.strict)
            .field("environment", &self.environment)
            .finish_non_exhaustive()
    }
}

/// Checks one object against an inventory and a request: the compiled pack (one copy per worker
/// thread), the config, the tenancy resolver and the change-control settings.
#[derive(Debug)]
pub(crate) struct Evaluator {
    pack: PolicyPack,
    compiled: CompiledPack,
    /// One more compiled copy per extra rayon worker thread, compiled while a lint run parses
    /// (or on the worker's first object, whichever comes first): regorus values are
    /// reference-counted with atomics, so threads sharing one program's literals contend on their
    /// counters. Callers that never evaluate on rayon workers (the webhook) never compile them.
    /// `None`: compiling failed, use `compiled`.
    per_thread: Vec<OnceLock<Option<CompiledPack>>>,
    config: ValidConfig,
    settings: Settings,
    resolver: Resolver,
    calendars: Calendars,
    /// `changeControl.ticketPattern` (checked to compile).
    ticket_pattern: String,
    /// `changeControl.ticketTiers`: where a change ticket is required.
    ticket_tiers: Vec<Tier>,
    /// Custom resources judged as workloads (built-in table and `workloads.customResources`).
    workloads: crate::workloads::WorkloadTable,
}
