//! Plumbline's positioned YAML reader: YAML (and JSON) streams to `serde_json` values, with a
//! JSON-pointer → position index per document.
//!
//! No serde YAML crate reports node positions, so this builds `serde_json::Value`s from
//! `saphyr-parser` events in one pass. Plain scalars are resolved the way kubectl resolves them
//! (go-yaml v2, YAML 1.1: `yes`/`on` are booleans, `0755` is octal), and every scalar whose meaning
//! differs between YAML 1.1 and 1.2 is recorded as a [`YamlNote`], because that is where a manifest
//! says something its author did not mean.
//!
//! The stream is split at document markers before parsing, so a broken document is reported with its
//! line and the documents after it are still read.
//!
//! What a caller can rely on:
//!
//! - **Positions.** Every node of a document that parsed strictly has an entry in its
//!   [`Positions`], under its JSON pointer: the line and column of its key (of the node itself in
//!   a sequence or at the root) and the spans of its key and value, so a finding can underline
//!   the exact text. A document that only kubectl's lenient reader accepts is indexed at its first
//!   line, and a note says so.
//! - **Limits.** [`YamlLimits`] bound what one stream may cost: alias expansion, nesting depth
//!   (block and flow, the latter rejected by a linear pre-scan before the parser sees it), nodes,
//!   scalar bytes and the bytes of the JSON pointers the position index keeps (which spell out
//!   every ancestor's key, so a long key over many nodes costs its length per node). A document
//!   over a limit is an error, never an exhausted memory.
//! - **No panics on input.** Any text, however malformed, yields documents or [`YamlError`]s
//!   with a position; the loader is fuzzed (`fuzz/fuzz_targets/yaml_loader.rs`).
#![deny(missing_docs)]

mod builder;
mod documents;
mod events;
mod flow_depth;
mod lenient;
mod limits;
mod positions;
mod scalar;

use std::borrow::Cow;

use serde_json::Value;

use crate::documents::{clamp_to_content, has_content, split_documents};
use crate::events::{parse_chunk, ChunkError};
use crate::flow_depth::flow_too_deep;
use crate::lenient::lenient;
use crate::limits::Budget;

pub use crate::limits::YamlLimits;
pub use crate::positions::Positions;

/// A 1-based line and column in a source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord, Hash)]
pub struct Position {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

/// A range of a source text: `start` inclusive, `end` exclusive (both 1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord, Hash)]
pub struct Span {
    /// First character.
    pub start: Position,
    /// The character after the last one (on the next line's column 1 for a block scalar that
    /// ends with its line).
    pub end: Position,
}

/// Something worth telling about a scalar or key that parsed, but maybe not as meant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlNote {
    /// JSON pointer of the node.
    pub pointer: String,
    /// Where it is.
    pub position: Position,
    /// What is odd about it.
    pub message: String,
    /// Which kind of oddity.
    pub kind: NoteKind,
}

/// What a [`YamlNote`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NoteKind {
    /// A scalar (value or key) that YAML 1.1, as kubectl reads it, resolves differently than
    /// written, or a document read with kubectl's lenient rules.
    Yaml11,
    /// A key repeated in a mapping (the message names the key, never a value).
    DuplicateKey,
    /// A value kubectl rejects (a label or annotation that is not a string).
    Kubernetes,
}

/// One parsed document of a stream.
#[derive(Debug, Clone)]
pub struct YamlDocument {
    /// 0-based index of the document in its stream (empty documents count too).
    pub index: usize,
    /// The document as JSON.
    pub value: Value,
    /// Pointer → position index.
    pub positions: Positions,
    /// Ambiguous scalars, duplicate keys.
    pub notes: Vec<YamlNote>,
}

/// A document that did not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// 0-based index of the document in its stream.
    pub index: usize,
    /// Where the parser gave up.
    pub position: Position,
    /// Why.
    pub message: String,
}

/// Parse every document of a YAML or JSON stream. Broken documents are returned as errors, in
/// stream order with the good ones; empty documents are skipped (as kubectl does).
pub fn parse_stream(text: &str) -> Vec<Result<YamlDocument, YamlError>> {
    parse_stream_with(text, YamlLimits::default())
}

/// [`parse_stream`] with explicit limits.
pub fn parse_stream_with(text: &str, limits: YamlLimits) -> Vec<Result<YamlDocument, YamlError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let mut budget = Budget::new(limits, text.len());
    for (index, chunk) in split_documents(text).into_iter().enumerate() {
        if !has_content(chunk.text) {
            continue;
        }
        // The parser looks ahead to the end of a flow collection before it emits its start (it
        // may be a mapping key), at a cost per token that grows with the nesting: `[[[[…` would
        // take quadratic time before the depth limit is ever seen. Reject it first, in one pass.
        if let Some((line, column)) = flow_too_deep(chunk.text, limits.max_depth) {
            out.push(Err(YamlError {
                index,
                position: Position {
                    line: chunk.first_line.saturating_add(line),
                    column: column.saturating_add(1),
                },
                message: format!(
                    "flow collections (`[`, `{{`) nested deeper than {} levels",
                    limits.max_depth
                ),
            }));
            continue;
        }
        match parse_chunk(chunk.text, chunk.first_line, limits, &mut budget) {
            Err(ChunkError::OverBudget(position, message)) => {
                // Memory is bounded per file: the rest of it is not read, and the error says so.
                out.push(Err(YamlError {
                    index,
                    position,
                    message: format!(
                        "{message}; this document and the rest of the file are not read \
                         (the limit bounds the linter's memory; split the file)"
                    ),
                }));
                break;
            }
            Ok(Some((value, positions, notes))) => {
                if value.is_null() {
                    continue;
                }
                out.push(Ok(YamlDocument {
                    index,
                    value,
                    positions,
                    notes,
                }))
            }
            Ok(None) => {}
            Err(ChunkError::Syntax(position, message)) => {
                let position = clamp_to_content(chunk.text, chunk.first_line, position);
                match lenient(chunk.text, chunk.first_line, position, &message) {
                    Some(doc) => out.push(Ok(YamlDocument { index, ..doc })),
                    None => out.push(Err(YamlError {
                        index,
                        position,
                        message,
                    })),
                }
            }
        }
    }
    out
}

/// Escape a key as a JSON-pointer segment (RFC 6901).
pub fn escape(key: &str) -> Cow<'_, str> {
    if key.contains(['~', '/']) {
        Cow::Owned(key.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(key)
    }
}

#[cfg(test)]
mod tests;
