//! The JSON-pointer → position index of a document, and the spans a finding underlines.

use std::fmt;

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

/// One indexed node: its pointer, `keys[at..end]`, and what the index keeps of it.
#[derive(Debug, Clone, Copy)]
struct Slot {
    at: usize,
    end: usize,
    entry: Entry,
}

/// JSON pointer → position of the node (for a mapping entry, the position of its key) and the
/// spans of its key and value.
///
/// The pointers are kept end to end in one string, and the nodes in a list sorted by pointer that
/// a lookup searches by bisection: building the index costs one sort of a list that document
/// order leaves nearly sorted, where a hash map took an allocation and a few keyed hashes of each
/// pointer, and no input can make a lookup slower than logarithmic.
///
/// A pointer spells out every ancestor's key, so its bytes are not bounded by the file's: the
/// builder pays for each one from [`crate::YamlLimits::max_pointer_bytes`] before indexing it.
#[derive(Clone, Default)]
pub struct Positions {
    /// Every indexed pointer, in the order indexed (a pointer indexed twice is here twice).
    keys: String,
    /// Sorted by pointer, one per pointer (of a pointer indexed twice, the last) once the
    /// document is built; in the order indexed while it is.
    slots: Vec<Slot>,
}

/// The pointer of `slot`.
fn key_of<'a>(keys: &'a str, slot: &Slot) -> &'a str {
    keys.get(slot.at..slot.end).unwrap_or_default()
}

impl fmt::Debug for Positions {
    /// As a map from pointer to entry (in pointer order).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Map<'a>(&'a Positions);
        impl fmt::Debug for Map<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let keys = &self.0.keys;
                f.debug_map()
                    .entries(self.0.slots.iter().map(|s| (key_of(keys, s), &s.entry)))
                    .finish()
            }
        }
        f.debug_struct("Positions")
            .field("map", &Map(self))
            .finish()
    }
}

impl Positions {
    /// Position of the node at `pointer`, if the document had one there.
    pub fn get(&self, pointer: &str) -> Option<Position> {
        self.find(pointer).map(|e| e.pos)
    }

    /// The entry of `pointer` (once the document is built).
    fn find(&self, pointer: &str) -> Option<&Entry> {
        let keys = &self.keys;
        self.slots
            .binary_search_by(|s| key_of(keys, s).cmp(pointer))
            .ok()
            .and_then(|i| self.slots.get(i))
            .map(|s| &s.entry)
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
        let e = self.find(pointer)?;
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
            if let Some(e) = self.find(p) {
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
        let keys = &self.keys;
        // The pointers that start with `prefix` are together in the sorted list, and stay sorted
        // without it.
        let first = self.slots.partition_point(|s| key_of(keys, s) < prefix);
        let mut sub = Positions::default();
        for slot in self.slots.get(first..).unwrap_or_default() {
            let Some(rest) = key_of(keys, slot).strip_prefix(prefix) else {
                break;
            };
            if rest.is_empty() || rest.starts_with('/') {
                sub.push(rest, slot.entry);
            }
        }
        sub
    }

    /// Number of indexed nodes.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// True when no node is indexed.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// An empty index with room for about `nodes` nodes (a document has about one a line), up to
    /// a few thousand: past that, growing costs little next to the nodes themselves.
    pub(crate) fn with_capacity(nodes: usize) -> Positions {
        let nodes = nodes.min(4096);
        Positions {
            keys: String::with_capacity(nodes * 32),
            slots: Vec::with_capacity(nodes),
        }
    }

    fn push(&mut self, pointer: &str, entry: Entry) -> usize {
        let at = self.keys.len();
        self.keys.push_str(pointer);
        self.slots.push(Slot {
            at,
            end: self.keys.len(),
            entry,
        });
        self.slots.len() - 1
    }

    /// Index the node at `pointer`, while the document is built (see [`Positions::seal`]); its
    /// number for [`Positions::underline_if_empty`].
    pub(crate) fn insert(
        &mut self,
        pointer: &str,
        pos: Position,
        key: Span,
        value: Span,
        literal: bool,
    ) -> usize {
        self.push(
            pointer,
            Entry {
                pos,
                key,
                value,
                literal,
            },
        )
    }

    /// The document is built: sort the nodes by pointer, keep the last of a pointer indexed
    /// twice (as a map would), and drop the growth slack (an index is kept until its document is
    /// evaluated).
    pub(crate) fn seal(&mut self) {
        let keys = self.keys.as_bytes();
        let key = |s: &Slot| keys.get(s.at..s.end).unwrap_or_default();
        // Of a pointer indexed twice, the one indexed last (further in `keys`) sorts last.
        self.slots
            .sort_unstable_by(|a, b| key(a).cmp(key(b)).then(a.at.cmp(&b.at)));
        self.slots.dedup_by(|next, kept| {
            let same = key(next) == key(kept);
            if same {
                *kept = *next;
            }
            same
        });
        self.slots.shrink_to_fit();
        self.keys.shrink_to_fit();
    }

    /// Give node number `node` (of [`Positions::insert`]) the span `span` when it has an empty
    /// one.
    pub(crate) fn underline_if_empty(&mut self, node: usize, span: Span) {
        if let Some(Slot { entry: e, .. }) = self.slots.get_mut(node) {
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

/// Append `/index` to a pointer.
pub(crate) fn push_index(pointer: &mut String, mut index: usize) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (index % 10) as u8;
        index /= 10;
        if index == 0 {
            break;
        }
    }
    pointer.push('/');
    pointer.extend(digits[start..].iter().map(|&d| char::from(d)));
}

/// Append `/key`, escaped as a JSON-pointer segment (RFC 6901, as [`escape`]), to a pointer.
pub(crate) fn push_key(pointer: &mut String, key: &str) {
    pointer.push('/');
    let mut rest = key;
    while let Some(i) = rest.bytes().position(|b| b == b'~' || b == b'/') {
        let (text, tail) = rest.split_at(i);
        pointer.push_str(text);
        pointer.push_str(if tail.starts_with('~') { "~0" } else { "~1" });
        rest = &tail[1..];
    }
    pointer.push_str(rest);
}
