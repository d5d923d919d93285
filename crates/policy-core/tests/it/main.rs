//! policy-core integration tests: the policy pack's fixtures, pack invariants, the corpus.

mod docs;
mod fixtures;
