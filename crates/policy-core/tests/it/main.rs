//! policy-core integration tests: the policy pack's fixtures, pack invariants, the corpus.
#![allow(clippy::unwrap_used)] // a panic in a test is a failure with a message

mod docs;
mod fixtures;
mod fuzz_regressions;
mod governance;
mod grammar;
mod layout;
mod pss;
mod regorus_patches;
mod source_sizes;
mod webhook_config;
mod workloads;
mod yaml_limits;
