//! What one review may cost, and how much of it may be in flight: a cost estimate from the raw
//! body (no allocation), two lanes of evaluation slots, and byte budgets for bodies being read.
//!
//! Memory per review is dominated by the parsed object and its copies (serde value, engine input,
//! the VM's intermediate values) and grows with the number of JSON values and string lines far more
//! than with raw bytes: one 1 MiB Ingress of 10,000 paths took the webhook from 24 to 128 MiB.
//! [`Shape`] counts them in one pass over the body; [`Shape::cost`] turns them into an estimate
//! in bytes, calibrated on the release binary (docs/webhook.md, Limits).

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Estimated bytes per body byte (the body, the parsed strings, the engine's copy of them).
pub const BYTE_COST: usize = 6;
/// Estimated bytes per JSON value or key (serde value, engine value, the VM's work on it).
pub const NODE_COST: usize = 1024;
/// Estimated bytes per line inside string values (rules split texts into lines).
pub const LINE_COST: usize = 128;

/// Counts of one body: values and keys, and `\n` escapes inside strings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Shape {
    /// Body length in bytes.
    pub bytes: usize,
    /// JSON values and keys (each `{`, `[`, `,` and `:` outside strings).
    pub nodes: usize,
    /// `\n` escapes inside strings.
    pub lines: usize,
}

impl Shape {
    /// One pass over `body`; no allocation, no validation (the parser does that later).
    pub fn of(body: &[u8]) -> Shape {
        let mut s = Shape {
            bytes: body.len(),
            ..Shape::default()
        };
        let mut in_string = false;
        let mut escaped = false;
        for &b in body {
            if in_string {
                if escaped {
                    escaped = false;
                    if b == b'n' {
                        s.lines += 1;
                    }
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    in_string = false;
                }
            } else {
                match b {
                    b'"' => in_string = true,
                    b'{' | b'[' | b',' | b':' => s.nodes += 1,
                    _ => {}
                }
            }
        }
        s
    }

    /// Estimated peak memory of deciding this review, in bytes.
    pub fn cost(&self) -> usize {
        self.bytes
            .saturating_mul(BYTE_COST)
            .saturating_add(self.nodes.saturating_mul(NODE_COST))
            .saturating_add(self.lines.saturating_mul(LINE_COST))
    }
}

/// Which pool of evaluation slots a review uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Ordinary reviews: `max_concurrent` slots, never taken by large ones.
    Small,
    /// Reviews with a large body or estimated cost: their own few slots.
    Large,
}

impl Lane {
    /// Label for logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Lane::Small => "small",
            Lane::Large => "large",
        }
    }
}

/// Slots and byte budgets of one lane.
#[derive(Debug)]
pub(crate) struct LaneBudget {
    /// Evaluations running at once.
    pub(crate) slots: Arc<Semaphore>,
    /// Bytes of bodies being read or waiting for a slot.
    pub(crate) bodies: Arc<Semaphore>,
    /// Capacity of `bodies`.
    pub(crate) body_capacity: usize,
}

impl LaneBudget {
    pub(crate) fn new(slots: usize, body_bytes: usize) -> LaneBudget {
        let body_capacity = body_bytes.clamp(1, Semaphore::MAX_PERMITS);
        LaneBudget {
            slots: Arc::new(Semaphore::new(slots.max(1))),
            bodies: Arc::new(Semaphore::new(body_capacity)),
            body_capacity,
        }
    }

    /// Reserve `bytes` of body budget (at most the whole budget: one body always fits alone).
    pub(crate) async fn reserve_body(&self, bytes: usize) -> Option<OwnedSemaphorePermit> {
        let n = u32::try_from(bytes.clamp(1, self.body_capacity)).unwrap_or(u32::MAX);
        self.bodies.clone().acquire_many_owned(n).await.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_counts_values_keys_and_lines_outside_and_inside_strings() {
        let s = Shape::of(br#"{"a": [1, 2, {"b": "x,y:{[\"z\n\\n"}], "c": "l1\nl2\n"}"#);
        // `{` `:` `[` `,` `,` `{` `:` `,` `:` — the ones inside strings are not counted.
        assert_eq!(s.nodes, 9, "{s:?}");
        // Two `\n` escapes in "c" and one in "b"; `\\n` is a backslash and an n, not a newline.
        assert_eq!(s.lines, 3, "{s:?}");
        assert!(s.cost() > s.bytes * BYTE_COST);
    }

    #[test]
    fn dense_bodies_cost_more_than_long_strings_of_the_same_size() {
        let dense = format!("[{}0]", "0,".repeat(50_000));
        let text = format!("[\"{}\"]", "a".repeat(100_000));
        assert!(Shape::of(dense.as_bytes()).cost() > 10 * Shape::of(text.as_bytes()).cost());
    }
}
