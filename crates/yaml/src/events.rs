//! One document's text through the parser: its events, with the spans of quoted scalars ended at
//! their closing quote, into the [`Builder`].

use saphyr_parser::{Event, Parser, ScalarStyle, Span as ParserSpan};
use serde_json::Value;

use crate::builder::Builder;
use crate::documents::{count_bytes, next_newline};
use crate::limits::Budget;
use crate::{Position, Positions, YamlLimits, YamlNote};

/// Why a document did not load.
pub(crate) enum ChunkError {
    /// Not YAML (or over the depth or alias limits): the lenient reader may still take it.
    Syntax(Position, String),
    /// Over the stream's node, scalar-byte or pointer-byte budget: nothing more of the stream is
    /// read.
    OverBudget(Position, String),
}

impl From<(Position, String)> for ChunkError {
    fn from((p, m): (Position, String)) -> Self {
        ChunkError::Syntax(p, m)
    }
}

pub(crate) type ChunkResult = Result<Option<(Value, Positions, Vec<YamlNote>)>, ChunkError>;

pub(crate) fn parse_chunk(
    text: &str,
    first_line: u32,
    limits: YamlLimits,
    budget: &mut Budget,
) -> ChunkResult {
    let lines = count_bytes(text.as_bytes(), |b| b == b'\n') + 1;
    let mut b = Builder::new(first_line, limits, *budget, lines);
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
    // Byte offset of each line's start, found as far as quoted scalars need them.
    let mut line_starts = LineStarts { starts: vec![0] };
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
                    let single = matches!(style, ScalarStyle::SingleQuoted);
                    let line_start = span
                        .start
                        .line()
                        .checked_sub(1)
                        .and_then(|line| line_starts.of(text, line));
                    let closing = line_start.and_then(|at| closing_quote(text, at, &span, single));
                    if let Some((line, col)) = closing {
                        span.end = saphyr_parser::Marker::new(span.end.index(), line, col);
                    }
                }
                b.event(other, &span)?
            }
        }
    }
    Ok(())
}

/// The byte offset where each line of a text starts (the first is 0), found as far as asked.
struct LineStarts {
    starts: Vec<usize>,
}

impl LineStarts {
    /// Where 0-based line `line` of `text` starts, if it has that many lines.
    fn of(&mut self, text: &str, line: usize) -> Option<usize> {
        while self.starts.len() <= line {
            let last = *self.starts.last()?;
            let newline = next_newline(text.as_bytes(), last)?;
            self.starts.push(newline + 1);
        }
        self.starts.get(line).copied()
    }
}

/// The (1-based line, 0-based column) after the closing quote of the quoted scalar at `span`,
/// whose line starts at byte `line_start`.
fn closing_quote(
    text: &str,
    line_start: usize,
    span: &ParserSpan,
    single: bool,
) -> Option<(usize, usize)> {
    let (mut line, mut col) = (span.start.line(), span.start.col());
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
