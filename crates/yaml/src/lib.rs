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
//!   (block and flow, the latter rejected by a linear pre-scan before the parser sees it), nodes
//!   and scalar bytes. A document over a limit is an error, never an exhausted memory.
//! - **No panics on input.** Any text, however malformed, yields documents or [`YamlError`]s
//!   with a position; the loader is fuzzed (`fuzz/fuzz_targets/yaml_loader.rs`).
#![deny(missing_docs)]

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span as ParserSpan, Tag};
use serde_json::{Map, Number, Value};

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

/// What the index keeps of one node.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// The node's position (for a mapping entry, its key's).
    pos: Position,
    /// Its key (for a sequence item or the root: the node's first character, empty).
    key: Span,
    /// A scalar's value (a collection's: `key`).
    value: Span,
    /// A literal block scalar (`|`): line `n` of the value is line `value.start.line + n` of the
    /// source, at the block's indentation.
    literal: bool,
}

/// JSON pointer → position of the node (for a mapping entry, the position of its key) and the
/// spans of its key and value.
#[derive(Debug, Clone, Default)]
pub struct Positions {
    map: HashMap<Box<str>, Entry>,
}

impl Positions {
    /// Position of the node at `pointer`, if the document had one there.
    pub fn get(&self, pointer: &str) -> Option<Position> {
        self.map.get(pointer).map(|e| e.pos)
    }

    /// Position of `pointer`, or of its nearest ancestor that exists (a finding about a missing
    /// field points at the object that should hold it).
    pub fn nearest(&self, pointer: &str) -> Option<Position> {
        self.nearest_entry(pointer).map(|(_, e)| e.pos)
    }

    /// The span a finding about `pointer` underlines: a scalar value on one line; the key of a
    /// collection or of a value over several lines; for a missing field, the key of its nearest
    /// existing ancestor.
    pub fn nearest_span(&self, pointer: &str) -> Option<Span> {
        self.nearest_entry(pointer).map(|(exact, e)| {
            let one_line = e.value.end.line == e.value.start.line;
            if exact && one_line {
                e.value
            } else {
                e.key
            }
        })
    }

    /// Where line `n` (0-based) of `value`, the string at `pointer`, is in the source, when it
    /// is a literal block scalar, whose lines are the source's lines (`None` otherwise: folded
    /// and quoted scalars join lines).
    pub fn line_in_value(&self, pointer: &str, n: u32, value: &str) -> Option<Span> {
        let e = self.map.get(pointer)?;
        if !e.literal {
            return None;
        }
        // The span starts at the first line with content.
        let leading_blank = value.bytes().take_while(|b| *b == b'\n').count();
        let lines = value.trim_end_matches('\n').split('\n').count();
        let n = usize::try_from(n).ok()?;
        if n < leading_blank || n >= lines {
            return None;
        }
        let line = e
            .value
            .start
            .line
            .checked_add(u32::try_from(n - leading_blank).ok()?)?;
        Some(Span {
            start: Position {
                line,
                column: e.value.start.column,
            },
            end: Position {
                line: line + 1,
                column: 1,
            },
        })
    }

    fn nearest_entry(&self, pointer: &str) -> Option<(bool, Entry)> {
        let mut p = pointer;
        loop {
            if let Some(e) = self.map.get(p) {
                return Some((p.len() == pointer.len(), *e));
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return None,
            }
        }
    }

    /// A copy re-rooted at `prefix` (for the items of a `List`): `prefix/x` becomes `/x`.
    pub fn subtree(&self, prefix: &str) -> Positions {
        let mut map = HashMap::new();
        for (k, v) in &self.map {
            if let Some(rest) = k.strip_prefix(prefix) {
                if rest.is_empty() || rest.starts_with('/') {
                    map.insert(rest.into(), *v);
                }
            }
        }
        Positions { map }
    }

    /// Number of indexed nodes.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when no node is indexed.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    fn insert(&mut self, pointer: &str, pos: Position, key: Span, value: Span, literal: bool) {
        self.map.insert(
            pointer.into(),
            Entry {
                pos,
                key,
                value,
                literal,
            },
        );
    }

    /// Give the node at `pointer` the span `span` when it has an empty one.
    fn underline_if_empty(&mut self, pointer: &str, span: Span) {
        if let Some(e) = self.map.get_mut(pointer) {
            if e.key.start == e.key.end && e.key.start.line == span.start.line {
                e.key = span;
                e.value = span;
            }
        }
    }

    /// An index of one node, the root, at `pos` (for a document whose nodes have no positions of
    /// their own).
    pub fn from_single(pos: Position) -> Positions {
        let mut p = Positions::default();
        let span = Span {
            start: pos,
            end: pos,
        };
        p.insert("", pos, span, span, false);
        p
    }
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
}

impl Default for YamlLimits {
    fn default() -> Self {
        YamlLimits {
            max_alias_nodes: 100_000,
            max_depth: 256,
            max_nodes: 4_000_000,
            max_scalar_bytes: 64 * 1024 * 1024,
        }
    }
}

/// What is left of a stream's [`YamlLimits::max_nodes`] and [`YamlLimits::max_scalar_bytes`].
#[derive(Debug, Clone, Copy)]
struct Budget {
    nodes: usize,
    scalar_bytes: usize,
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
    let mut budget = Budget {
        nodes: limits.max_nodes,
        scalar_bytes: limits.max_scalar_bytes,
    };
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

/// kubectl's YAML reader (go-yaml, like libyaml) accepts some indentation that YAML 1.2 forbids
/// (continuation lines of a quoted scalar at column 0, a flow sequence's `]` under its key). Such a
/// document is read again with libyaml's rules; it then has no per-field positions (findings point
/// at the document) and YAML 1.2 scalars, and a note says so.
fn lenient(
    text: &str,
    first_line: u32,
    strict_pos: Position,
    strict_msg: &str,
) -> Option<YamlDocument> {
    let value: yaml_serde::Value = yaml_serde::from_str(text).ok()?;
    let value = from_yaml_serde(value)?;
    if value.is_null() {
        return None;
    }
    let start = text
        .lines()
        .position(|l| {
            let t = l.trim();
            !(t.is_empty() || t.starts_with('#') || is_document_marker(l))
        })
        .unwrap_or(0) as u32;
    let pos = Position {
        line: first_line + start,
        column: 1,
    };
    Some(YamlDocument {
        index: 0,
        value,
        positions: Positions::from_single(pos),
        notes: vec![YamlNote {
            pointer: String::new(),
            position: strict_pos,
            message: format!(
                "not valid YAML 1.2 ({strict_msg}) but accepted by kubectl's YAML 1.1 reader; \
                 read leniently, so findings in this document point at its first line"
            ),
            kind: NoteKind::Yaml11,
        }],
    })
}

fn from_yaml_serde(v: yaml_serde::Value) -> Option<Value> {
    Some(match v {
        yaml_serde::Value::Null => Value::Null,
        yaml_serde::Value::Bool(b) => Value::Bool(b),
        yaml_serde::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                Number::from_f64(n.as_f64()?).map_or(Value::Null, Value::Number)
            }
        }
        yaml_serde::Value::String(s) => Value::String(s),
        yaml_serde::Value::Sequence(items) => Value::Array(
            items
                .into_iter()
                .map(from_yaml_serde)
                .collect::<Option<_>>()?,
        ),
        yaml_serde::Value::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let key = match k {
                    yaml_serde::Value::String(s) => s,
                    yaml_serde::Value::Bool(b) => b.to_string(),
                    yaml_serde::Value::Number(n) => n.to_string(),
                    yaml_serde::Value::Null => "null".to_string(),
                    _ => return None,
                };
                out.insert(key, from_yaml_serde(v)?);
            }
            Value::Object(out)
        }
        yaml_serde::Value::Tagged(t) => from_yaml_serde(t.value)?,
    })
}

struct Chunk<'a> {
    text: &'a str,
    /// 1-based line of the chunk's first line in the whole stream.
    first_line: u32,
}

/// Split at `---` lines (document starts). A `---` at column 0 always starts a document in YAML,
/// even inside a block scalar, so this split is exact for well-formed streams and lets a broken
/// document be skipped without losing the next ones.
fn split_documents(text: &str) -> Vec<Chunk<'_>> {
    let mut chunks = Vec::new();
    let mut start = 0usize;
    let mut start_line = 1u32;
    let mut offset = 0usize;
    for (line_no, line) in (1u32..).zip(text.split_inclusive('\n')) {
        if offset > start && is_document_marker(line) {
            chunks.push(Chunk {
                text: &text[start..offset],
                first_line: start_line,
            });
            start = offset;
            start_line = line_no;
        }
        offset += line.len();
    }
    chunks.push(Chunk {
        text: &text[start..],
        first_line: start_line,
    });
    chunks
}

fn is_document_marker(line: &str) -> bool {
    match line.strip_prefix("---") {
        Some(rest) => rest.is_empty() || rest.starts_with([' ', '\t', '\n', '\r']),
        None => false,
    }
}

/// Where flow collections (`[…]`, `{…}`) of a document first nest deeper than `max`, as a 0-based
/// line and character column in `text`; one linear pass that follows YAML's scanner just enough to
/// tell structure from content: comments, quoted scalars, block scalars, and plain scalars (in
/// which a bracket or quote in block context, or a quote in flow context, is text).
fn flow_too_deep(text: &str, max: usize) -> Option<(u32, u32)> {
    let mut depth = 0usize;
    // Inside a quoted scalar: its quote byte.
    let mut quote: Option<u8> = None;
    // Inside a block scalar whose parent node is at this column: lines indented more are content.
    let mut block_scalar: Option<usize> = None;
    // Flow context: inside a plain scalar (a quote there is text).
    let mut in_plain = false;
    for (line_no, line) in text.split_inclusive('\n').enumerate() {
        let b = line.as_bytes();
        let indent = b.iter().take_while(|&&c| c == b' ').count();
        if let Some(parent) = block_scalar {
            let blank = b[indent..].iter().all(|c| c.is_ascii_whitespace());
            if blank || indent > parent {
                continue;
            }
            block_scalar = None;
        }
        let at = |i: usize| b.get(i).copied().unwrap_or(b'\n');
        let blank_at = |i: usize| matches!(at(i), b' ' | b'\t' | b'\r' | b'\n');
        let mut i = 0usize;
        // Block context: true where a node may start (after indentation, `- `, `? `, `: `).
        let mut node_start = quote.is_none() && depth == 0;
        // Column of the node owning a block scalar indicator met on this line.
        let mut node_col = indent;
        let mut prev_blank = true;
        while i < b.len() {
            let c = b[i];
            if let Some(q) = quote {
                if q == b'"' && c == b'\\' {
                    i += 2;
                    continue;
                }
                if c == q {
                    if q == b'\'' && at(i + 1) == b'\'' {
                        i += 2;
                        continue;
                    }
                    quote = None;
                    in_plain = false;
                    if depth == 0 {
                        // After a quoted key, `: ` starts its value.
                        i += 1;
                        while matches!(at(i), b' ' | b'\t') {
                            i += 1;
                        }
                        if at(i) == b':' && blank_at(i + 1) {
                            i += 1;
                            node_start = true;
                        } else {
                            break;
                        }
                        continue;
                    }
                }
                i += 1;
                continue;
            }
            if depth > 0 {
                match c {
                    b' ' | b'\t' | b'\r' | b'\n' => {
                        prev_blank = true;
                        i += 1;
                        continue;
                    }
                    b'#' if prev_blank || !in_plain => break,
                    b'[' | b'{' => {
                        depth += 1;
                        if depth > max {
                            return Some((line_no as u32, line[..i].chars().count() as u32));
                        }
                        in_plain = false;
                    }
                    b']' | b'}' => {
                        depth -= 1;
                        in_plain = false;
                        if depth == 0 {
                            // Back in block context: what follows may be `: value` or a comment.
                            node_start = true;
                            prev_blank = false;
                            i += 1;
                            while matches!(at(i), b' ' | b'\t') {
                                i += 1;
                            }
                            if at(i) == b':' && blank_at(i + 1) {
                                i += 1;
                            } else if at(i) != b'#' {
                                break;
                            }
                            continue;
                        }
                    }
                    b',' => in_plain = false,
                    b'"' | b'\'' if !in_plain => quote = Some(c),
                    b':' if !in_plain => {}
                    b':' if blank_at(i + 1)
                        || matches!(at(i + 1), b',' | b'[' | b']' | b'{' | b'}') =>
                    {
                        in_plain = false
                    }
                    b'?' if !in_plain && blank_at(i + 1) => {}
                    b'&' | b'!' | b'*' if !in_plain => {
                        // Anchor, tag or alias: up to a blank, a flow indicator or a quote.
                        i += 1;
                        while !blank_at(i)
                            && !matches!(at(i), b',' | b'[' | b']' | b'{' | b'}' | b'"' | b'\'')
                        {
                            i += 1;
                        }
                        prev_blank = false;
                        continue;
                    }
                    _ => in_plain = true,
                }
                prev_blank = false;
                i += 1;
                continue;
            }
            // Block context.
            if !node_start {
                // Inside a plain scalar or key: `: ` starts a value, ` #` a comment.
                if c == b':' && blank_at(i + 1) {
                    node_start = true;
                } else if c == b'#' && prev_blank {
                    break;
                }
                prev_blank = matches!(c, b' ' | b'\t');
                i += 1;
                continue;
            }
            match c {
                b' ' | b'\t' => {
                    i += 1;
                    continue;
                }
                b'\r' | b'\n' | b'#' => break,
                b'%' if i == 0 => break,
                b'-' | b'.'
                    if i == 0
                        && b.starts_with(if c == b'-' { b"---" } else { b"..." })
                        && blank_at(3) =>
                {
                    i += 3;
                    continue;
                }
                b'-' | b'?' | b':' if blank_at(i + 1) => {
                    node_col = i;
                    i += 1;
                    continue;
                }
                b'[' | b'{' => {
                    depth = 1;
                    if depth > max {
                        return Some((line_no as u32, line[..i].chars().count() as u32));
                    }
                    in_plain = false;
                    prev_blank = false;
                    i += 1;
                    continue;
                }
                b'"' | b'\'' => {
                    quote = Some(c);
                    i += 1;
                    continue;
                }
                b'|' | b'>' => {
                    block_scalar = Some(node_col);
                    break;
                }
                b'&' | b'!' | b'*' => {
                    while !blank_at(i) {
                        i += 1;
                    }
                    continue;
                }
                _ => {
                    // A plain scalar or a key.
                    node_start = false;
                    node_col = i;
                    prev_blank = false;
                    i += 1;
                }
            }
        }
    }
    None
}

/// A parser reports an error where it noticed it, which for an unclosed bracket or quote is the
/// end of the document: point at the last line with content instead, where the mistake is.
fn clamp_to_content(chunk: &str, first_line: u32, pos: Position) -> Position {
    let last = chunk
        .lines()
        .enumerate()
        .filter(|(_, l)| {
            let t = l.trim();
            !(t.is_empty() || t.starts_with('#') || is_document_marker(l) || t == "...")
        })
        .last();
    match last {
        Some((i, l)) if pos.line > first_line + i as u32 => Position {
            line: first_line + i as u32,
            column: (l.len() - l.trim_start().len()) as u32 + 1,
        },
        _ => pos,
    }
}

fn has_content(chunk: &str) -> bool {
    chunk.lines().any(|l| {
        let t = l.trim();
        !(t.is_empty() || t.starts_with('#') || t == "---" || t == "..." || t.starts_with("--- #"))
    })
}

/// Why a document did not load.
enum ChunkError {
    /// Not YAML (or over the depth or alias limits): the lenient reader may still take it.
    Syntax(Position, String),
    /// Over the stream's node or scalar-byte budget: nothing more of the stream is read.
    OverBudget(Position, String),
}

impl From<(Position, String)> for ChunkError {
    fn from((p, m): (Position, String)) -> Self {
        ChunkError::Syntax(p, m)
    }
}

type ChunkResult = Result<Option<(Value, Positions, Vec<YamlNote>)>, ChunkError>;

fn parse_chunk(
    text: &str,
    first_line: u32,
    limits: YamlLimits,
    budget: &mut Budget,
) -> ChunkResult {
    let mut b = Builder::new(first_line, limits, *budget);
    let result = parse_events(text, &mut b);
    *budget = b.budget;
    if let Some(over) = b.over_budget.take() {
        return Err(ChunkError::OverBudget(over.0, over.1));
    }
    result?;
    Ok(b.finish())
}

fn parse_events(text: &str, b: &mut Builder) -> Result<(), (Position, String)> {
    let mut parser = Parser::new_from_str(text);
    let mut docs = 0usize;
    // Byte offset of each line's start, computed when the first quoted scalar needs it.
    let mut line_starts: Option<Vec<usize>> = None;
    while let Some(next) = parser.next_event() {
        let (event, span) = match next {
            Ok(x) => x,
            Err(e) => {
                let m = e.marker();
                return Err((b.pos_of(m.line(), m.col()), e.info().to_string()));
            }
        };
        match event {
            Event::DocumentStart(_) => {
                docs += 1;
                if docs > 1 {
                    return Err((
                        b.pos(&span),
                        "a second document starts without a `---` line".into(),
                    ));
                }
            }
            Event::StreamEnd => break,
            other => {
                let mut span = span;
                if let Event::Scalar(
                    _,
                    style @ (ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted),
                    ..,
                ) = &other
                {
                    // The parser's span of a quoted scalar runs on over a comment after it
                    // (`"a" # b`): end it at its closing quote.
                    let starts = line_starts.get_or_insert_with(|| {
                        std::iter::once(0)
                            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                            .collect()
                    });
                    let single = matches!(style, ScalarStyle::SingleQuoted);
                    if let Some((line, col)) = closing_quote(text, starts, &span, single) {
                        span.end = saphyr_parser::Marker::new(span.end.index(), line, col);
                    }
                }
                b.event(other, &span)?
            }
        }
    }
    Ok(())
}

/// The (1-based line, 0-based column) after the closing quote of the quoted scalar at `span`.
fn closing_quote(
    text: &str,
    starts: &[usize],
    span: &ParserSpan,
    single: bool,
) -> Option<(usize, usize)> {
    let (mut line, mut col) = (span.start.line(), span.start.col());
    let line_start = *starts.get(line.checked_sub(1)?)?;
    let offset = text
        .get(line_start..)?
        .char_indices()
        .nth(col)
        .map(|(i, _)| i)?;
    let mut chars = text.get(line_start + offset..)?.chars().peekable();
    let quote = if single { '\'' } else { '"' };
    if chars.next()? != quote {
        return None;
    }
    col += 1;
    while let Some(c) = chars.next() {
        col += 1;
        match c {
            '\n' => {
                line += 1;
                col = 0;
            }
            '\\' if !single => {
                if chars.next()? == '\n' {
                    line += 1;
                    col = 0;
                } else {
                    col += 1;
                }
            }
            '\'' if single && chars.peek() == Some(&'\'') => {
                chars.next();
                col += 1;
            }
            c if c == quote => return Some((line, col)),
            _ => {}
        }
    }
    None
}

enum Frame {
    Map {
        map: Map<String, Value>,
        /// The pending key, its position and its span.
        key: Option<(String, Position, Span)>,
        anchor: usize,
        /// Keys that came from `<<` merges: an explicit key may override them.
        merged: Vec<String>,
    },
    Seq {
        items: Vec<Value>,
        anchor: usize,
    },
}

struct Builder {
    first_line: u32,
    limits: YamlLimits,
    stack: Vec<Frame>,
    /// Pointer of the node being built (the parent of the next value).
    pointer: String,
    /// Length of `pointer` before each open frame's own segment was pushed.
    pointer_marks: Vec<usize>,
    anchors: HashMap<usize, Value>,
    alias_nodes: usize,
    budget: Budget,
    /// Set when the budget ran out (the event that overspent returns an error too).
    over_budget: Option<(Position, String)>,
    positions: Positions,
    notes: Vec<YamlNote>,
    root: Option<Value>,
}

impl Builder {
    fn new(first_line: u32, limits: YamlLimits, budget: Budget) -> Self {
        Builder {
            first_line,
            limits,
            stack: Vec::new(),
            pointer: String::new(),
            pointer_marks: Vec::new(),
            anchors: HashMap::new(),
            alias_nodes: 0,
            budget,
            over_budget: None,
            positions: Positions::default(),
            notes: Vec::new(),
            root: None,
        }
    }

    /// Spend `nodes` nodes and `bytes` scalar bytes of the stream's budget.
    fn spend(
        &mut self,
        pos: Position,
        nodes: usize,
        bytes: usize,
    ) -> Result<(), (Position, String)> {
        let message = if nodes > self.budget.nodes {
            format!(
                "the file holds more than {} YAML nodes",
                self.limits.max_nodes
            )
        } else if bytes > self.budget.scalar_bytes {
            format!(
                "the file's scalars (aliases expanded) exceed {} bytes",
                self.limits.max_scalar_bytes
            )
        } else {
            self.budget.nodes -= nodes;
            self.budget.scalar_bytes -= bytes;
            return Ok(());
        };
        self.over_budget = Some((pos, message.clone()));
        Err((pos, message))
    }

    fn pos_of(&self, line: usize, col: usize) -> Position {
        Position {
            line: (line as u32).saturating_add(self.first_line.saturating_sub(1)),
            column: col as u32 + 1,
        }
    }

    fn pos(&self, span: &ParserSpan) -> Position {
        self.pos_of(span.start.line(), span.start.col())
    }

    fn finish(mut self) -> Option<(Value, Positions, Vec<YamlNote>)> {
        // Kept until the document is evaluated: without the growth slack.
        self.positions.map.shrink_to_fit();
        self.root.map(|v| (v, self.positions, self.notes))
    }

    /// Pointer segment for the next value inside the top frame, or None when the next scalar is
    /// a mapping key.
    fn child_segment(&self) -> Option<String> {
        match self.stack.last() {
            None => Some(String::new()),
            Some(Frame::Seq { items, .. }) => Some(format!("/{}", items.len())),
            Some(Frame::Map {
                key: Some((k, ..)), ..
            }) => Some(format!("/{}", escape(k))),
            Some(Frame::Map { key: None, .. }) => None,
        }
    }

    fn event(&mut self, event: Event<'_>, span: &ParserSpan) -> Result<(), (Position, String)> {
        let pos = self.pos(span);
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                self.spend(pos, 1, text.len())?;
                if self.child_segment().is_none() {
                    // A mapping key.
                    let (key, note) = resolve_key(&text, style, tag.as_deref());
                    if let Some(msg) = note {
                        let pointer = format!("{}/{}", self.pointer, escape(&key));
                        self.notes.push(YamlNote {
                            pointer,
                            position: pos,
                            message: msg,
                            kind: NoteKind::Yaml11,
                        });
                    }
                    let kspan = self.span(span);
                    if let Some(Frame::Map { key: slot, map, .. }) = self.stack.last_mut() {
                        let first = map.is_empty();
                        *slot = Some((key, pos, kspan));
                        if first {
                            // A mapping in a sequence (`- name: web`) has no key of its own: a
                            // finding about it underlines its first key.
                            self.positions.underline_if_empty(&self.pointer, kspan);
                        }
                    }
                    return Ok(());
                }
                let (value, note) = resolve_scalar(&text, style, tag.as_deref());
                if let Some(msg) = note {
                    let seg = self.child_segment().unwrap_or_default();
                    self.notes.push(YamlNote {
                        pointer: format!("{}{}", self.pointer, seg),
                        position: pos,
                        message: msg,
                        kind: NoteKind::Yaml11,
                    });
                }
                if anchor > 0 {
                    self.anchors.insert(anchor, value.clone());
                }
                let literal = matches!(style, ScalarStyle::Literal);
                self.complete(value, pos, self.span(span), literal)
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                self.spend(pos, 1, 0)?;
                if self.stack.len() >= self.limits.max_depth {
                    return Err((
                        pos,
                        format!("nesting deeper than {}", self.limits.max_depth),
                    ));
                }
                let seg = self.child_segment().ok_or((
                    pos,
                    "a mapping or sequence used as a mapping key".to_string(),
                ))?;
                let entry_span = self.entry_span(pos);
                let pos = self.entry_pos(pos);
                self.pointer_marks.push(self.pointer.len());
                self.pointer.push_str(&seg);
                self.positions
                    .insert(&self.pointer, pos, entry_span, entry_span, false);
                let is_seq = matches!(event, Event::SequenceStart(..));
                self.stack.push(if is_seq {
                    Frame::Seq {
                        items: Vec::new(),
                        anchor,
                    }
                } else {
                    Frame::Map {
                        map: Map::new(),
                        key: None,
                        anchor,
                        merged: Vec::new(),
                    }
                });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let frame = self
                    .stack
                    .pop()
                    .ok_or((pos, "unbalanced collection end".to_string()))?;
                let mark = self.pointer_marks.pop().unwrap_or(0);
                self.pointer.truncate(mark);
                let (value, anchor) = match frame {
                    Frame::Seq { items, anchor } => (Value::Array(items), anchor),
                    Frame::Map { map, anchor, .. } => (Value::Object(map), anchor),
                };
                if anchor > 0 {
                    self.anchors.insert(anchor, value.clone());
                }
                self.attach(value)
            }
            Event::Alias(id) => {
                let value = self
                    .anchors
                    .get(&id)
                    .cloned()
                    .ok_or((pos, "alias to an unknown anchor".to_string()))?;
                let nodes = count_nodes(&value);
                self.alias_nodes += nodes;
                if self.alias_nodes > self.limits.max_alias_nodes {
                    return Err((
                        pos,
                        format!(
                            "aliases expand to more than {} nodes (alias bomb?)",
                            self.limits.max_alias_nodes
                        ),
                    ));
                }
                self.spend(pos, nodes, scalar_bytes(&value))?;
                if self.child_segment().is_none() {
                    // An alias used as a key: kubectl only accepts scalar keys.
                    let key = match &value {
                        Value::String(s) => s.clone(),
                        Value::Object(_) | Value::Array(_) => {
                            return Err((pos, "a mapping or sequence used as a mapping key".into()))
                        }
                        other => other.to_string(),
                    };
                    let kspan = self.span(span);
                    if let Some(Frame::Map { key: slot, .. }) = self.stack.last_mut() {
                        *slot = Some((key, pos, kspan));
                    }
                    return Ok(());
                }
                self.complete(value, pos, self.span(span), false)
            }
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart(_)
            | Event::DocumentEnd => Ok(()),
        }
    }

    /// Position to index for the next value: its key's position inside a mapping.
    fn entry_pos(&self, pos: Position) -> Position {
        match self.stack.last() {
            Some(Frame::Map {
                key: Some((_, kpos, _)),
                ..
            }) => *kpos,
            _ => pos,
        }
    }

    /// Span to underline for a collection starting at `start`: its key inside a mapping, its
    /// first character in a sequence or at the root.
    fn entry_span(&self, start: Position) -> Span {
        match self.stack.last() {
            Some(Frame::Map {
                key: Some((_, _, kspan)),
                ..
            }) => *kspan,
            _ => Span { start, end: start },
        }
    }

    fn span(&self, span: &ParserSpan) -> Span {
        Span {
            start: self.pos(span),
            end: self.pos_of(span.end.line(), span.end.col()),
        }
    }

    /// A finished scalar or alias value: index it and attach it to its parent.
    fn complete(
        &mut self,
        value: Value,
        pos: Position,
        span: Span,
        literal: bool,
    ) -> Result<(), (Position, String)> {
        let seg = self.child_segment().unwrap_or_default();
        let p = self.entry_pos(pos);
        let key = self.entry_span(pos);
        let len = self.pointer.len();
        self.pointer.push_str(&seg);
        self.positions.insert(&self.pointer, p, key, span, literal);
        self.pointer.truncate(len);
        self.attach(value)
    }

    fn attach(&mut self, value: Value) -> Result<(), (Position, String)> {
        let pointer = &self.pointer;
        match self.stack.last_mut() {
            None => {
                self.root = Some(value);
                Ok(())
            }
            Some(Frame::Seq { items, .. }) => {
                items.push(value);
                Ok(())
            }
            Some(Frame::Map {
                map, key, merged, ..
            }) => {
                let Some((k, kpos, _)) = key.take() else {
                    return Err((Position::default(), "mapping value without a key".into()));
                };
                if k == "<<" {
                    merge_into(map, merged, value);
                    return Ok(());
                }
                if let Some(i) = merged.iter().position(|m| *m == k) {
                    merged.swap_remove(i);
                } else if map.contains_key(&k) {
                    self.notes.push(YamlNote {
                        pointer: format!("{}/{}", pointer, escape(&k)),
                        position: kpos,
                        message: format!(
                            "duplicate key `{k}`: the last value wins here, \
                             but strict parsers (kubectl apply --validate=strict) reject it"
                        ),
                        kind: NoteKind::DuplicateKey,
                    });
                }
                map.insert(k, value);
                Ok(())
            }
        }
    }
}

/// YAML merge keys (`<<: *base`, `<<: [*a, *b]`): keys already present win.
fn merge_into(map: &mut Map<String, Value>, merged: &mut Vec<String>, value: Value) {
    let sources = match value {
        Value::Array(items) => items,
        other => vec![other],
    };
    for src in sources {
        if let Value::Object(m) = src {
            for (k, v) in m {
                if !map.contains_key(&k) {
                    merged.push(k.clone());
                    map.insert(k, v);
                }
            }
        }
    }
}

/// Bytes of the strings in `v` (keys included).
fn scalar_bytes(v: &Value) -> usize {
    match v {
        Value::String(s) => s.len(),
        Value::Array(a) => a.iter().map(scalar_bytes).sum(),
        Value::Object(m) => m.iter().map(|(k, v)| k.len() + scalar_bytes(v)).sum(),
        _ => 0,
    }
}

fn count_nodes(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(count_nodes).sum::<usize>(),
        Value::Object(m) => 1 + m.values().map(count_nodes).sum::<usize>(),
        _ => 1,
    }
}

/// Escape a key as a JSON-pointer segment (RFC 6901).
pub fn escape(key: &str) -> Cow<'_, str> {
    if key.contains(['~', '/']) {
        Cow::Owned(key.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(key)
    }
}

fn tag_suffix(tag: Option<&Tag>) -> Option<&str> {
    let t = tag?;
    if t.handle == "tag:yaml.org,2002:" || t.handle == "!!" {
        Some(t.suffix.as_str())
    } else {
        // Local tags (`!foo`) carry no core-schema meaning.
        Some("")
    }
}

/// Resolve a scalar as go-yaml v2 does for kubectl, plus a note when YAML 1.2 would read it
/// differently.
fn resolve_scalar(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> (Value, Option<String>) {
    if let Some(suffix) = tag_suffix(tag) {
        let v = match suffix {
            "str" | "binary" | "timestamp" | "" => Value::String(text.to_string()),
            "null" => Value::Null,
            "bool" => match resolve_plain(text) {
                (v @ Value::Bool(_), _) => v,
                _ => Value::String(text.to_string()),
            },
            "int" | "float" => match resolve_plain(text) {
                (v @ Value::Number(_), _) => v,
                _ => Value::String(text.to_string()),
            },
            _ => Value::String(text.to_string()),
        };
        return (v, None);
    }
    if style != ScalarStyle::Plain {
        return (Value::String(text.to_string()), None);
    }
    resolve_plain(text)
}

fn resolve_key(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> (String, Option<String>) {
    let (value, note) = resolve_scalar(text, style, tag);
    match value {
        Value::String(s) => (s, note),
        Value::Null => (
            "null".to_string(),
            Some(format!(
                "key `{text}` is read as null (stringified to \"null\")"
            )),
        ),
        Value::Bool(b) => (
            b.to_string(),
            Some(format!(
                "key `{text}` is read as the boolean {b} by kubectl (YAML 1.1); quote it"
            )),
        ),
        other => (other.to_string(), note),
    }
}

fn resolve_plain(text: &str) -> (Value, Option<String>) {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return (Value::Null, None),
        "true" | "True" | "TRUE" => return (Value::Bool(true), None),
        "false" | "False" | "FALSE" => return (Value::Bool(false), None),
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => {
            return (Value::Bool(true), Some(yaml11_bool(text, true)))
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => {
            return (Value::Bool(false), Some(yaml11_bool(text, false)))
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF"
        | ".nan" | ".NaN" | ".NAN" => {
            return (
                Value::String(text.to_string()),
                Some(format!(
                    "`{text}` is a non-finite float, which JSON cannot hold; kept as a string"
                )),
            )
        }
        _ => {}
    }
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
        return (Value::String(text.to_string()), None);
    }
    let plain: Cow<'_, str> = if text.contains('_') {
        Cow::Owned(text.replace('_', ""))
    } else {
        Cow::Borrowed(text)
    };
    if let Some((n, radix)) = parse_go_int(&plain) {
        let note = match radix {
            8 if !plain.contains("0o") => Some(format!(
                "`{text}` is read as octal {n} by kubectl (YAML 1.1); YAML 1.2 reads {}; \
                 quote it or write 0o{}",
                plain.trim_start_matches(['+', '-']).trim_start_matches('0'),
                &plain.trim_start_matches(['+', '-'])[1..]
            )),
            _ if text.contains('_') => Some(format!(
                "`{text}` is read as the number {n} by kubectl (YAML 1.1 digit separators); quote it if it is a string"
            )),
            _ => None,
        };
        return (Value::Number(n), note);
    }
    if is_yaml_float(&plain) {
        if let Ok(f) = plain.parse::<f64>() {
            if let Some(n) = Number::from_f64(f) {
                return (Value::Number(n), None);
            }
        }
    }
    (Value::String(text.to_string()), None)
}

fn yaml11_bool(text: &str, b: bool) -> String {
    format!(
        "`{text}` is read as the boolean {b} by kubectl (YAML 1.1) but as a string by YAML 1.2 \
         tools; write {b} or quote it"
    )
}

/// Go's `strconv.ParseInt(s, 0, 64)` then `ParseUint`: decimal, `0x`, `0o`, `0b`, leading-zero octal.
fn parse_go_int(s: &str) -> Option<(Number, u32)> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let (digits, radix) = if let Some(r) = body.strip_prefix("0x").or(body.strip_prefix("0X")) {
        (r, 16)
    } else if let Some(r) = body.strip_prefix("0o").or(body.strip_prefix("0O")) {
        (r, 8)
    } else if let Some(r) = body.strip_prefix("0b").or(body.strip_prefix("0B")) {
        (r, 2)
    } else if body.len() > 1 && body.starts_with('0') {
        (&body[1..], 8)
    } else {
        (body, 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let mag = u64::from_str_radix(digits, radix).ok()?;
    let n = if neg {
        if mag > i64::MAX as u64 + 1 {
            return None;
        }
        Number::from((mag as i128).wrapping_neg() as i64)
    } else {
        Number::from(mag)
    };
    Some((n, radix))
}

/// go-yaml v2's float pattern: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - int_start;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if int_digits == 0 && i == frac_start {
            return false;
        }
    } else if int_digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        let exp_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == exp_start {
            return false;
        }
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn one(text: &str) -> YamlDocument {
        let mut docs = parse_stream(text);
        assert_eq!(docs.len(), 1, "{docs:?}");
        docs.remove(0).unwrap()
    }

    #[test]
    fn positions_point_at_keys_and_items() {
        let d =
            one("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: nginx\n");
        assert_eq!(
            d.positions.get("/kind"),
            Some(Position { line: 2, column: 1 })
        );
        assert_eq!(
            d.positions.get("/spec/containers"),
            Some(Position { line: 4, column: 3 })
        );
        assert_eq!(
            d.positions.get("/spec/containers/0"),
            Some(Position { line: 5, column: 5 })
        );
        assert_eq!(
            d.positions.get("/spec/containers/0/image"),
            Some(Position { line: 6, column: 5 })
        );
        assert_eq!(
            d.positions.nearest("/spec/containers/0/resources/limits"),
            Some(Position { line: 5, column: 5 })
        );
    }

    #[test]
    fn spans_underline_values_on_one_line_and_keys_otherwise() {
        let d = one("spec:\n  image: \"nginx:1.25\"\n  tag: v1 # c\n  conf: |\n\n    a=1\n    b=2\n  folded: >\n    x\n    y\n");
        let span = |p: &str| d.positions.nearest_span(p).unwrap();
        let at = |line, column| Position { line, column };
        // The quoted value, quotes included (and not a comment after it).
        assert_eq!(
            span("/spec/image"),
            Span {
                start: at(2, 10),
                end: at(2, 22)
            }
        );
        let q = one("a: \"x\\\"y\" # c\nb: 'it''s' # c\nc: \"p\n  q\" # c\n");
        let qspan = |p: &str| q.positions.nearest_span(p).unwrap();
        assert_eq!(
            qspan("/a"),
            Span {
                start: at(1, 4),
                end: at(1, 10)
            }
        );
        assert_eq!(
            qspan("/b"),
            Span {
                start: at(2, 4),
                end: at(2, 11)
            }
        );
        // A mapping in a sequence: its first key.
        let l = one("items:\n- name: web\n  image: x\n- {name: db}\n");
        let lspan = |p: &str| l.positions.nearest_span(p).unwrap();
        assert_eq!(
            lspan("/items/0"),
            Span {
                start: at(2, 3),
                end: at(2, 7)
            }
        );
        assert_eq!(
            lspan("/items/0/missing"),
            Span {
                start: at(2, 3),
                end: at(2, 7)
            }
        );
        assert_eq!(
            lspan("/items/1"),
            Span {
                start: at(4, 4),
                end: at(4, 8)
            }
        );
        // A quoted value over two lines: its key.
        assert_eq!(
            qspan("/c"),
            Span {
                start: at(3, 1),
                end: at(3, 2)
            }
        );
        assert_eq!(
            span("/spec/tag"),
            Span {
                start: at(3, 8),
                end: at(3, 10)
            }
        );
        // A collection, a missing field and a multi-line value: the key.
        assert_eq!(
            span("/spec"),
            Span {
                start: at(1, 1),
                end: at(1, 5)
            }
        );
        assert_eq!(
            span("/spec/missing"),
            Span {
                start: at(1, 1),
                end: at(1, 5)
            }
        );
        assert_eq!(
            span("/spec/conf"),
            Span {
                start: at(4, 3),
                end: at(4, 7)
            }
        );
        // Lines of a literal block (which starts with an empty line) are source lines.
        let line = |p: &str, n| {
            let v = d.value.pointer(p).and_then(Value::as_str).unwrap();
            d.positions.line_in_value(p, n, v).map(|s| s.start)
        };
        assert_eq!(line("/spec/conf", 1), Some(at(6, 5)));
        assert_eq!(line("/spec/conf", 2), Some(at(7, 5)));
        assert_eq!(line("/spec/conf", 3), None);
        assert_eq!(line("/spec/conf", 0), None);
        // Folded lines are joined: no line of the source to give.
        assert_eq!(line("/spec/folded", 1), None);
    }

    #[test]
    fn broken_document_does_not_hide_the_next() {
        let docs = parse_stream("a: 1\n---\nb: [1, 2\nc: 3\n---\nd: 4\n");
        assert_eq!(docs.len(), 3);
        assert!(docs[0].is_ok());
        let err = docs[1].as_ref().unwrap_err();
        assert_eq!(err.index, 1);
        assert_eq!(err.position.line, 4, "{err:?}");
        let unclosed = parse_stream("a: 1\n---\nkind: [broken\n\n---\nb: 2\n");
        assert_eq!(unclosed[1].as_ref().unwrap_err().position.line, 3);
        let last = docs[2].as_ref().unwrap();
        assert_eq!(last.value, json!({"d": 4}));
        assert_eq!(last.positions.get("/d").unwrap().line, 6);
    }

    #[test]
    fn yaml11_scalars_like_kubectl_and_noted() {
        let d = one("a: yes\nb: 0755\nc: '0755'\nd: 1_000\ne: 1.5\nf: ~\ng: on\nh: 0x1F\ni: 2021-01-01\nj: 1e3\n");
        assert_eq!(
            d.value,
            json!({"a": true, "b": 493, "c": "0755", "d": 1000, "e": 1.5, "f": null, "g": true,
                   "h": 31, "i": "2021-01-01", "j": 1000.0})
        );
        let noted: Vec<_> = d.notes.iter().map(|n| n.pointer.as_str()).collect();
        assert_eq!(noted, ["/a", "/b", "/d", "/g"]);
    }

    #[test]
    fn keys_like_on_are_stringified_booleans() {
        let d = one("on: push\n\"off\": x\n");
        assert_eq!(d.value, json!({"true": "push", "off": "x"}));
        assert_eq!(d.notes.len(), 1);
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let d = one("base: &b {x: 1, z: 2}\nother:\n  <<: *b\n  z: 3\nlist: [*b]\n");
        assert_eq!(d.value["other"], json!({"x": 1, "z": 3}));
        assert_eq!(d.value["list"], json!([{"x": 1, "z": 2}]));
        assert!(d.notes.is_empty(), "{:?}", d.notes);
    }

    #[test]
    fn alias_bomb_is_an_error_not_an_oom() {
        let mut s = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for c in 'b'..='j' {
            s.push_str(&format!(
                "{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
            prev = c;
        }
        let docs = parse_stream(&s);
        assert!(docs[0].as_ref().unwrap_err().message.contains("alias"));
    }

    #[test]
    fn kubectl_lenient_indentation_is_read_with_a_note() {
        let d = one("kind: ConfigMap\ndata:\n  nginx.conf: '\nevents {\n}\n'\n");
        assert_eq!(d.value["data"]["nginx.conf"], " events { } ");
        assert!(d.notes[0].message.contains("kubectl"), "{:?}", d.notes);
        let d = one("spec:\n  args: [\n      \"-a\", \"b\",\n  ]\n");
        assert_eq!(d.value, json!({"spec": {"args": ["-a", "b"]}}));
    }

    #[test]
    fn duplicate_keys_are_noted() {
        let d = one("a: 1\na: 2\n");
        assert_eq!(d.value, json!({"a": 2}));
        assert!(d.notes[0].message.contains("duplicate key"));
    }

    #[test]
    fn json_and_empty_documents() {
        let docs =
            parse_stream("---\n# only a comment\n---\n{\"kind\": \"Pod\", \"n\": [1]}\n---\n");
        assert_eq!(docs.len(), 1);
        let d = docs[0].as_ref().unwrap();
        assert_eq!(d.index, 1);
        assert_eq!(d.value, json!({"kind": "Pod", "n": [1]}));
    }

    #[test]
    fn pointer_escaping() {
        let d = one("metadata:\n  annotations:\n    example.com/a~b: x\n");
        assert!(d
            .positions
            .get("/metadata/annotations/example.com~1a~0b")
            .is_some());
    }

    /// The flow depth the pre-scan sees: the smallest limit it does not reject.
    fn flow_depth(text: &str) -> usize {
        (0..64).find(|&m| flow_too_deep(text, m).is_none()).unwrap()
    }

    #[test]
    fn flow_prescan_counts_structure_not_content() {
        assert_eq!(flow_depth("a: [[1], {b: [2]}]\n"), 3);
        assert_eq!(
            flow_depth("{\"a\": [1, {\"b\": \"]]\\\"]\"}], \"c\": '[[['}\n"),
            3
        );
        assert_eq!(flow_depth("[a, b\n  ,[c, [d]]\n]\n"), 3);
        // Brackets and quotes inside plain scalars, quoted scalars, comments and block scalars.
        let text =
            "a: x[[[\nb: \"[[[\"\nc: '[[[' # [[[\n# [[[\nd: |\n  [[[[\n  {{{\ne: >-\n    [[[\n\
                    f:\n- |\n  [[[\n- [k]\ng: it's [not\nh: [it's, a\"b, [c]]\n";
        assert_eq!(flow_depth(text), 2);
        // A quoted scalar over several lines, a quoted key, a document marker.
        assert_eq!(flow_depth("a: \"x\n  [[[ \"\n\"k\": [[1]]\n"), 2);
        assert_eq!(flow_depth("--- [[[1]]]\n"), 3);
        // A quote inside a flow plain scalar is text, so brackets after it count.
        assert_eq!(flow_depth("[a\"b, [[c]]]\n"), 3);
        assert_eq!(flow_depth("[a, \"]]\", [b, 'x'']]', [c]]]\n"), 3);
        // A block scalar ends at the first line not more indented than its parent.
        assert_eq!(flow_depth("x:\n  y: |\n    [[[[\n  z: [[1]]\n"), 2);
    }

    #[test]
    fn deep_flow_nesting_fails_fast_with_its_position() {
        let text = format!("kind: Pod\nspec: {}\n", "[".repeat(300));
        let docs = parse_stream(&text);
        let err = docs[0].as_ref().unwrap_err();
        assert!(err.message.contains("nested deeper than 256"), "{err:?}");
        assert_eq!(
            err.position,
            Position {
                line: 2,
                column: 7 + 256
            }
        );
    }

    #[test]
    fn block_scalars_and_quotes_stay_strings() {
        let d = one("a: |\n  yes\n  ---x\nb: \"on\"\nc: !!str 12\n");
        assert_eq!(d.value, json!({"a": "yes\n---x\n", "b": "on", "c": "12"}));
    }
}
