//! A stream split into its documents, and what a document's lines say about it.

use crate::Position;

/// One document's text in the stream.
pub(crate) struct Chunk<'a> {
    pub(crate) text: &'a str,
    /// 1-based line of the chunk's first line in the whole stream.
    pub(crate) first_line: u32,
}

/// Split at `---` lines (document starts). A `---` at column 0 always starts a document in YAML,
/// even inside a block scalar, so this split is exact for well-formed streams and lets a broken
/// document be skipped without losing the next ones.
pub(crate) fn split_documents(text: &str) -> Vec<Chunk<'_>> {
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

pub(crate) fn is_document_marker(line: &str) -> bool {
    match line.strip_prefix("---") {
        Some(rest) => rest.is_empty() || rest.starts_with([' ', '\t', '\n', '\r']),
        None => false,
    }
}

/// A parser reports an error where it noticed it, which for an unclosed bracket or quote is the
/// end of the document: point at the last line with content instead, where the mistake is.
pub(crate) fn clamp_to_content(chunk: &str, first_line: u32, pos: Position) -> Position {
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

pub(crate) fn has_content(chunk: &str) -> bool {
    chunk.lines().any(|l| {
        let t = l.trim();
        !(t.is_empty() || t.starts_with('#') || t == "---" || t == "..." || t.starts_with("--- #"))
    })
}
