//! The JSON-pointer → position index of a document, and the spans a finding underlines.

use std::collections::HashMap;

use crate::{Position, Span};

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

    /// Drop the map's growth slack (an index is kept until its document is evaluated).
    pub(crate) fn shrink_to_fit(&mut self) {
        self.map.shrink_to_fit();
    }

    pub(crate) fn insert(
        &mut self,
        pointer: &str,
        pos: Position,
        key: Span,
        value: Span,
        literal: bool,
    ) {
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
    pub(crate) fn underline_if_empty(&mut self, pointer: &str, span: Span) {
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
