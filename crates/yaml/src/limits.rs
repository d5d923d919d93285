//! What one stream may cost: the limits, the budget a stream spends, and what a node costs.

use serde_json::Value;

/// Limits that keep hostile input (alias bombs, huge nesting, huge files) from exhausting memory.
#[derive(Debug, Clone, Copy)]
pub struct YamlLimits {
    /// Maximum nodes produced by alias expansion in one document.
    pub max_alias_nodes: usize,
    /// Maximum nesting depth.
    pub max_depth: usize,
    /// Maximum nodes (scalars, keys, mappings, sequences, alias expansions included) in one
    /// stream: the loaded form of a node costs a few hundred bytes, so this, not the file size,
    /// bounds the memory a file takes.
    pub max_nodes: usize,
    /// Maximum bytes of scalars (keys and values, alias expansions included) in one stream: an
    /// alias of a long string copies it, which `max_alias_nodes` alone does not bound.
    pub max_scalar_bytes: usize,
    /// Maximum bytes of JSON pointers the position index (and the notes) of one stream hold, or
    /// `pointer_bytes_per_input_byte` times the stream's length if that is more: every node's
    /// pointer spells out its ancestors' keys, so one long key over many nodes would cost its
    /// length once per node (a 100 KB key over 2,000 items: 200 MB) although each key counts
    /// once in `max_scalar_bytes`. Real manifests need 1.2 to 3.1 times their size, so a large
    /// genuine file is never refused, and the index stays linear in the input.
    pub max_pointer_bytes: usize,
    /// The pointer budget of a stream is at least this many times its length (default 4; see
    /// `max_pointer_bytes`).
    pub pointer_bytes_per_input_byte: usize,
}

impl Default for YamlLimits {
    fn default() -> Self {
        YamlLimits {
            max_alias_nodes: 100_000,
            max_depth: 256,
            max_nodes: 4_000_000,
            max_scalar_bytes: 64 * 1024 * 1024,
            max_pointer_bytes: 64 * 1024 * 1024,
            pointer_bytes_per_input_byte: 4,
        }
    }
}

/// What is left of a stream's [`YamlLimits::max_nodes`], [`YamlLimits::max_scalar_bytes`] and
/// [`YamlLimits::max_pointer_bytes`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
    nodes: usize,
    scalar_bytes: usize,
    pointer_bytes: usize,
    /// The stream's whole pointer budget, for the message.
    max_pointer_bytes: usize,
}

impl Budget {
    /// The whole budget of a stream of `len` bytes read under `limits`.
    pub(crate) fn new(limits: YamlLimits, len: usize) -> Self {
        let pointer_bytes = limits
            .max_pointer_bytes
            .max(len.saturating_mul(limits.pointer_bytes_per_input_byte));
        Budget {
            nodes: limits.max_nodes,
            scalar_bytes: limits.max_scalar_bytes,
            pointer_bytes,
            max_pointer_bytes: pointer_bytes,
        }
    }

    /// Spend `bytes` bytes of JSON pointer (before they are allocated), or say that they would
    /// pass the limit (and spend nothing).
    pub(crate) fn spend_pointer(&mut self, bytes: usize) -> Result<(), String> {
        match self.pointer_bytes.checked_sub(bytes) {
            Some(left) => {
                self.pointer_bytes = left;
                Ok(())
            }
            None => Err(format!(
                "the file's position index exceeds {} bytes of JSON pointers (long keys over \
                 many nodes)",
                self.max_pointer_bytes
            )),
        }
    }

    /// Spend `nodes` nodes and `bytes` scalar bytes, or say which limit they would pass (and
    /// spend nothing).
    pub(crate) fn spend(
        &mut self,
        limits: &YamlLimits,
        nodes: usize,
        bytes: usize,
    ) -> Result<(), String> {
        if nodes > self.nodes {
            Err(format!(
                "the file holds more than {} YAML nodes",
                limits.max_nodes
            ))
        } else if bytes > self.scalar_bytes {
            Err(format!(
                "the file's scalars (aliases expanded) exceed {} bytes",
                limits.max_scalar_bytes
            ))
        } else {
            self.nodes -= nodes;
            self.scalar_bytes -= bytes;
            Ok(())
        }
    }
}

/// Bytes of the strings in `v` (keys included).
pub(crate) fn scalar_bytes(v: &Value) -> usize {
    match v {
        Value::String(s) => s.len(),
        Value::Array(a) => a.iter().map(scalar_bytes).sum(),
        Value::Object(m) => m.iter().map(|(k, v)| k.len() + scalar_bytes(v)).sum(),
        _ => 0,
    }
}

/// Nodes of `v` (itself included).
pub(crate) fn count_nodes(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(count_nodes).sum::<usize>(),
        Value::Object(m) => 1 + m.values().map(count_nodes).sum::<usize>(),
        _ => 1,
    }
}
