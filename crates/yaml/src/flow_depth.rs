//! The flow-depth pre-scan: a document whose flow collections (`[…]`, `{…}`) nest deeper than the
//! limit is rejected in one linear pass, before the parser sees it.
//!
//! The parser looks ahead to the end of a flow collection before it emits its start (it may be a
//! mapping key), at a cost per token that grows with the nesting: `[[[[…` would take quadratic
//! time before the parser's own depth limit is ever reached.

use crate::documents::count_bytes;

/// Where flow collections (`[…]`, `{…}`) of a document first nest deeper than `max`, as a 0-based
/// line and character column in `text`; one linear pass that follows YAML's scanner just enough to
/// tell structure from content: comments, quoted scalars, block scalars, and plain scalars (in
/// which a bracket or quote in block context, or a quote in flow context, is text).
pub(crate) fn flow_too_deep(text: &str, max: usize) -> Option<(u32, u32)> {
    // Each level of flow nesting opens at a `[` or `{`: with no more of them than `max` the text
    // cannot nest deeper, whatever the scan would make of them. One pass the compiler vectorizes:
    // `[` (0x5B) and `{` (0x7B) are the only bytes that are `{` with bit 0x20 set.
    let openings = count_bytes(text.as_bytes(), |b| b | 0x20 == b'{');
    if openings <= max {
        return None;
    }
    let mut scan = Scan {
        max,
        depth: 0,
        quote: None,
        block_scalar: None,
        in_plain: false,
    };
    for (line_no, line) in text.split_inclusive('\n').enumerate() {
        if let Some(i) = scan.line(line.as_bytes()) {
            return Some((line_no as u32, line[..i].chars().count() as u32));
        }
    }
    None
}

#[cfg(test)]
mod tests;

/// What the scan carries from one line to the next.
struct Scan {
    max: usize,
    /// Flow nesting depth.
    depth: usize,
    /// Inside a quoted scalar: its quote byte.
    quote: Option<u8>,
    /// Inside a block scalar whose parent node is at this column: lines indented more are content.
    block_scalar: Option<usize>,
    /// Flow context: inside a plain scalar (a quote there is text).
    in_plain: bool,
}

/// Where the scan is on one line.
struct Line<'a> {
    b: &'a [u8],
    /// The next byte to read.
    i: usize,
    /// Block context: true where a node may start (after indentation, `- `, `? `, `: `).
    node_start: bool,
    /// Column of the node owning a block scalar indicator met on this line.
    node_col: usize,
    prev_blank: bool,
}

impl Line<'_> {
    /// The byte at `i` (a line break past the end).
    fn at(&self, i: usize) -> u8 {
        self.b.get(i).copied().unwrap_or(b'\n')
    }

    fn blank_at(&self, i: usize) -> bool {
        matches!(self.at(i), b' ' | b'\t' | b'\r' | b'\n')
    }

    fn skip_spaces(&mut self) {
        while matches!(self.at(self.i), b' ' | b'\t') {
            self.i += 1;
        }
    }

    /// After a quoted key or a flow collection in block context: its `: ` starts a value.
    fn colon_follows(&self) -> bool {
        self.at(self.i) == b':' && self.blank_at(self.i + 1)
    }
}

/// What a step of the scan tells the line loop.
enum Step {
    /// Go on at the line's `i`.
    Go,
    /// The rest of the line is no structure (a comment, a block scalar's header …).
    EndLine,
    /// A flow collection opens deeper than the limit at this byte.
    TooDeep(usize),
}

impl Scan {
    /// Scan one line; the byte where flow collections first nest too deep, if they do.
    fn line(&mut self, b: &[u8]) -> Option<usize> {
        let indent = b.iter().take_while(|&&c| c == b' ').count();
        if let Some(parent) = self.block_scalar {
            let blank = b[indent..].iter().all(|c| c.is_ascii_whitespace());
            if blank || indent > parent {
                return None;
            }
            self.block_scalar = None;
        }
        let mut l = Line {
            b,
            i: 0,
            node_start: self.quote.is_none() && self.depth == 0,
            node_col: indent,
            prev_blank: true,
        };
        while l.i < b.len() {
            let step = if let Some(q) = self.quote {
                self.in_quoted(q, &mut l)
            } else if self.depth > 0 {
                self.in_flow(&mut l)
            } else if !l.node_start {
                Self::in_block_plain(&mut l)
            } else {
                self.at_block_node(&mut l)
            };
            match step {
                Step::Go => {}
                Step::EndLine => return None,
                Step::TooDeep(i) => return Some(i),
            }
        }
        None
    }

    /// Inside a quoted scalar whose quote is `q`.
    fn in_quoted(&mut self, q: u8, l: &mut Line<'_>) -> Step {
        let c = l.b[l.i];
        if q == b'"' && c == b'\\' {
            l.i += 2;
            return Step::Go;
        }
        if c == q {
            if q == b'\'' && l.at(l.i + 1) == b'\'' {
                l.i += 2;
                return Step::Go;
            }
            self.quote = None;
            self.in_plain = false;
            if self.depth == 0 {
                // After a quoted key, `: ` starts its value.
                l.i += 1;
                l.skip_spaces();
                if !l.colon_follows() {
                    return Step::EndLine;
                }
                l.i += 1;
                l.node_start = true;
                return Step::Go;
            }
        }
        l.i += 1;
        Step::Go
    }

    /// Inside a flow collection, outside quotes.
    fn in_flow(&mut self, l: &mut Line<'_>) -> Step {
        let c = l.b[l.i];
        let next = l.at(l.i + 1);
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => {
                l.prev_blank = true;
                l.i += 1;
                return Step::Go;
            }
            b'#' if l.prev_blank || !self.in_plain => return Step::EndLine,
            b'[' | b'{' => {
                self.depth += 1;
                if self.depth > self.max {
                    return Step::TooDeep(l.i);
                }
                self.in_plain = false;
            }
            b']' | b'}' => {
                self.depth -= 1;
                self.in_plain = false;
                if self.depth == 0 {
                    return Self::flow_closed(l);
                }
            }
            b',' => self.in_plain = false,
            b'"' | b'\'' if !self.in_plain => self.quote = Some(c),
            b':' if !self.in_plain => {}
            b':' if l.blank_at(l.i + 1) || matches!(next, b',' | b'[' | b']' | b'{' | b'}') => {
                self.in_plain = false
            }
            b'?' if !self.in_plain && l.blank_at(l.i + 1) => {}
            b'&' | b'!' | b'*' if !self.in_plain => {
                Self::skip_flow_property(l);
                return Step::Go;
            }
            _ => self.in_plain = true,
        }
        l.prev_blank = false;
        l.i += 1;
        Step::Go
    }

    /// An anchor, tag or alias in flow context: up to a blank, a flow indicator or a quote.
    fn skip_flow_property(l: &mut Line<'_>) {
        l.i += 1;
        while !l.blank_at(l.i)
            && !matches!(l.at(l.i), b',' | b'[' | b']' | b'{' | b'}' | b'"' | b'\'')
        {
            l.i += 1;
        }
        l.prev_blank = false;
    }

    /// The outermost flow collection just closed at `i`: back in block context, what follows may
    /// be `: value` or a comment.
    fn flow_closed(l: &mut Line<'_>) -> Step {
        l.node_start = true;
        l.prev_blank = false;
        l.i += 1;
        l.skip_spaces();
        if l.colon_follows() {
            l.i += 1;
        } else if l.at(l.i) != b'#' {
            return Step::EndLine;
        }
        Step::Go
    }

    /// Block context, inside a plain scalar or key: `: ` starts a value, ` #` a comment.
    fn in_block_plain(l: &mut Line<'_>) -> Step {
        let c = l.b[l.i];
        if c == b':' && l.blank_at(l.i + 1) {
            l.node_start = true;
        } else if c == b'#' && l.prev_blank {
            return Step::EndLine;
        }
        l.prev_blank = matches!(c, b' ' | b'\t');
        l.i += 1;
        Step::Go
    }

    /// Block context, where a node may start.
    fn at_block_node(&mut self, l: &mut Line<'_>) -> Step {
        let c = l.b[l.i];
        let i = l.i;
        match c {
            b' ' | b'\t' => l.i += 1,
            b'\r' | b'\n' | b'#' => return Step::EndLine,
            b'%' if i == 0 => return Step::EndLine,
            b'-' | b'.'
                if i == 0
                    && l.b.starts_with(if c == b'-' { b"---" } else { b"..." })
                    && l.blank_at(3) =>
            {
                l.i += 3
            }
            b'-' | b'?' | b':' if l.blank_at(i + 1) => {
                l.node_col = i;
                l.i += 1;
            }
            b'[' | b'{' => {
                self.depth = 1;
                if self.depth > self.max {
                    return Step::TooDeep(i);
                }
                self.in_plain = false;
                l.prev_blank = false;
                l.i += 1;
            }
            b'"' | b'\'' => {
                self.quote = Some(c);
                l.i += 1;
            }
            b'|' | b'>' => {
                self.block_scalar = Some(l.node_col);
                return Step::EndLine;
            }
            b'&' | b'!' | b'*' => {
                while !l.blank_at(l.i) {
                    l.i += 1;
                }
            }
            _ => {
                // A plain scalar or a key.
                l.node_start = false;
                l.node_col = i;
                l.prev_blank = false;
                l.i += 1;
            }
        }
        Step::Go
    }
}
