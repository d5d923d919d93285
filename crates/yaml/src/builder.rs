//! One document's values and positions, built from the parser's events.

use std::collections::HashMap;

use saphyr_parser::{Event, ScalarStyle, Span as ParserSpan, Tag};
use serde_json::map::Entry;
use serde_json::{Map, Value};

use crate::limits::{count_nodes, scalar_bytes, Budget};
use crate::positions::{push_index, push_key};
use crate::scalar::{resolve_key, resolve_scalar};
use crate::{escape, NoteKind, Position, Positions, Span, YamlLimits, YamlNote};

/// A collection being built.
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

/// One document's value, position index and notes, built event by event.
pub(crate) struct Builder {
    first_line: u32,
    limits: YamlLimits,
    stack: Vec<Frame>,
    /// Pointer of the node being built (the parent of the next value).
    pointer: String,
    /// For each open frame: the length of `pointer` before its own segment was pushed, and its
    /// node's number in `positions`.
    pointer_marks: Vec<(usize, usize)>,
    anchors: HashMap<usize, Value>,
    alias_nodes: usize,
    pub(crate) budget: Budget,
    /// Set when the budget ran out (the event that overspent returns an error too).
    pub(crate) over_budget: Option<(Position, String)>,
    positions: Positions,
    notes: Vec<YamlNote>,
    root: Option<Value>,
}

impl Builder {
    /// A builder for a document of about `lines` lines.
    pub(crate) fn new(first_line: u32, limits: YamlLimits, budget: Budget, lines: usize) -> Self {
        Builder {
            first_line,
            limits,
            // Working space, dropped with the builder: room for a usual depth from the start.
            stack: Vec::with_capacity(16),
            pointer: String::with_capacity(256),
            pointer_marks: Vec::with_capacity(16),
            anchors: HashMap::new(),
            alias_nodes: 0,
            budget,
            over_budget: None,
            positions: Positions::with_capacity(lines),
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
        self.budget
            .spend(&self.limits, nodes, bytes)
            .map_err(|message| {
                self.over_budget = Some((pos, message.clone()));
                (pos, message)
            })
    }

    /// Spend `bytes` bytes of JSON pointer of the stream's budget, before they are allocated.
    fn spend_pointer(&mut self, pos: Position, bytes: usize) -> Result<(), (Position, String)> {
        self.budget.spend_pointer(bytes).map_err(|message| {
            self.over_budget = Some((pos, message.clone()));
            (pos, message)
        })
    }

    /// The pointer of the next value inside the top frame, paid for (a note keeps it).
    fn child_pointer(&mut self, pos: Position) -> Result<String, (Position, String)> {
        let len = self.pointer.len();
        self.push_child_segment();
        let pointer = self
            .spend_pointer(pos, self.pointer.len())
            .map(|()| self.pointer.clone());
        self.pointer.truncate(len);
        pointer
    }

    /// Index the node at `pointer` (its bytes paid for first); its number in `positions`.
    fn index(
        &mut self,
        at: Position,
        pos: Position,
        span: (Span, Span),
        literal: bool,
    ) -> Result<usize, (Position, String)> {
        self.spend_pointer(at, self.pointer.len())?;
        let (key, value) = span;
        Ok(self
            .positions
            .insert(&self.pointer, pos, key, value, literal))
    }

    pub(crate) fn pos_of(&self, line: usize, col: usize) -> Position {
        Position {
            line: (line as u32).saturating_add(self.first_line.saturating_sub(1)),
            column: col as u32 + 1,
        }
    }

    pub(crate) fn pos(&self, span: &ParserSpan) -> Position {
        self.pos_of(span.start.line(), span.start.col())
    }

    pub(crate) fn finish(mut self) -> Option<(Value, Positions, Vec<YamlNote>)> {
        // Kept until the document is evaluated: without the growth slack.
        self.positions.seal();
        self.root.map(|v| (v, self.positions, self.notes))
    }

    /// True when the next scalar or alias is the key of the top frame's next entry.
    fn next_is_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { key: None, .. }))
    }

    /// Append the pointer segment of the next value inside the top frame to `pointer` (nothing
    /// at the root, nor when the next scalar is a mapping key).
    fn push_child_segment(&mut self) {
        match self.stack.last() {
            Some(Frame::Seq { items, .. }) => push_index(&mut self.pointer, items.len()),
            Some(Frame::Map {
                key: Some((k, ..)), ..
            }) => push_key(&mut self.pointer, k),
            None | Some(Frame::Map { key: None, .. }) => {}
        }
    }

    pub(crate) fn event(
        &mut self,
        event: Event<'_>,
        span: &ParserSpan,
    ) -> Result<(), (Position, String)> {
        let pos = self.pos(span);
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                self.scalar(&text, style, anchor, tag.as_deref(), pos, span)
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                let is_seq = matches!(event, Event::SequenceStart(..));
                self.collection_start(is_seq, anchor, pos)
            }
            Event::SequenceEnd | Event::MappingEnd => self.collection_end(pos),
            Event::Alias(id) => self.alias(id, pos, span),
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart(_)
            | Event::DocumentEnd => Ok(()),
        }
    }

    /// A scalar: a mapping key, or a value.
    fn scalar(
        &mut self,
        text: &str,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<&Tag>,
        pos: Position,
        span: &ParserSpan,
    ) -> Result<(), (Position, String)> {
        self.spend(pos, 1, text.len())?;
        if self.next_is_key() {
            return self.key(text, style, tag, pos, span);
        }
        let (value, note) = resolve_scalar(text, style, tag);
        if let Some(msg) = note {
            let pointer = self.child_pointer(pos)?;
            self.notes.push(YamlNote {
                pointer,
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

    /// A scalar that is a mapping key: the pending key of the top frame.
    fn key(
        &mut self,
        text: &str,
        style: ScalarStyle,
        tag: Option<&Tag>,
        pos: Position,
        span: &ParserSpan,
    ) -> Result<(), (Position, String)> {
        let (key, note) = resolve_key(text, style, tag);
        if let Some(msg) = note {
            let segment = escape(&key);
            self.spend_pointer(pos, self.pointer.len() + 1 + segment.len())?;
            let pointer = format!("{}/{}", self.pointer, segment);
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
                if let Some(&(_, node)) = self.pointer_marks.last() {
                    self.positions.underline_if_empty(node, kspan);
                }
            }
        }
        Ok(())
    }

    /// The start of a sequence or mapping: index it and open its frame.
    fn collection_start(
        &mut self,
        is_seq: bool,
        anchor: usize,
        pos: Position,
    ) -> Result<(), (Position, String)> {
        self.spend(pos, 1, 0)?;
        if self.stack.len() >= self.limits.max_depth {
            return Err((
                pos,
                format!("nesting deeper than {}", self.limits.max_depth),
            ));
        }
        if self.next_is_key() {
            return Err((
                pos,
                "a mapping or sequence used as a mapping key".to_string(),
            ));
        }
        let entry_span = self.entry_span(pos);
        let entry_pos = self.entry_pos(pos);
        let mark = self.pointer.len();
        self.push_child_segment();
        let node = self.index(pos, entry_pos, (entry_span, entry_span), false)?;
        self.pointer_marks.push((mark, node));
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

    /// The end of a sequence or mapping: close its frame and attach its value to the parent.
    fn collection_end(&mut self, pos: Position) -> Result<(), (Position, String)> {
        let frame = self
            .stack
            .pop()
            .ok_or_else(|| (pos, "unbalanced collection end".to_string()))?;
        let (mark, _) = self.pointer_marks.pop().unwrap_or_default();
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

    /// An alias: a copy of its anchor's value, as a key or a value, within the limits.
    fn alias(
        &mut self,
        id: usize,
        pos: Position,
        span: &ParserSpan,
    ) -> Result<(), (Position, String)> {
        let value = self
            .anchors
            .get(&id)
            .cloned()
            .ok_or_else(|| (pos, "alias to an unknown anchor".to_string()))?;
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
        if self.next_is_key() {
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
        let p = self.entry_pos(pos);
        let key = self.entry_span(pos);
        let len = self.pointer.len();
        self.push_child_segment();
        let node = self.index(pos, p, (key, span), literal);
        self.pointer.truncate(len);
        node?;
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
                let merged_key = match merged.iter().position(|m| *m == k) {
                    Some(i) => {
                        merged.swap_remove(i);
                        true
                    }
                    None => false,
                };
                match map.entry(k) {
                    Entry::Vacant(slot) => {
                        slot.insert(value);
                    }
                    Entry::Occupied(mut slot) => {
                        if !merged_key {
                            let k = slot.key();
                            let segment = escape(k);
                            let bytes = pointer.len() + 1 + segment.len();
                            self.budget.spend_pointer(bytes).map_err(|m| {
                                self.over_budget = Some((kpos, m.clone()));
                                (kpos, m)
                            })?;
                            self.notes.push(YamlNote {
                                pointer: format!("{pointer}/{segment}"),
                                position: kpos,
                                message: format!(
                                    "duplicate key `{k}`: the last value wins here, \
                                     but strict parsers (kubectl apply --validate=strict) reject it"
                                ),
                                kind: NoteKind::DuplicateKey,
                            });
                        }
                        slot.insert(value);
                    }
                }
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
