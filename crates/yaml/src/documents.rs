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
    let bytes = text.as_bytes();
    let mut chunks = Vec::new();
    let (mut start, mut start_line) = (0usize, 1u32);
    // The line number of the line that starts at `counted` (wrapping, as counting lines one by
    // one in a u32 does in a release build).
    let (mut counted, mut line) = (0usize, 1u32);
    let mut from = 0;
    // Every line but the first: a document marker there ends the chunk before it.
    while let Some(newline) = next_newline(bytes, from) {
        let at = newline + 1;
        from = at;
        let marker = bytes.get(at..).is_some_and(|rest| rest.starts_with(b"---"))
            && matches!(bytes.get(at + 3), None | Some(b' ' | b'\t' | b'\n' | b'\r'));
        if !marker {
            continue;
        }
        let newlines = bytes.get(counted..at).unwrap_or_default();
        line = line.wrapping_add(count_bytes(newlines, |b| b == b'\n') as u32);
        counted = at;
        chunks.push(Chunk {
            text: text.get(start..at).unwrap_or_default(),
            first_line: start_line,
        });
        start = at;
        start_line = line;
    }
    chunks.push(Chunk {
        text: text.get(start..).unwrap_or_default(),
        first_line: start_line,
    });
    chunks
}

/// How many bytes of `bytes` `is` holds for: counted in runs short enough for a byte counter,
/// which the compiler turns into vector code (sixteen bytes or more at a time).
pub(crate) fn count_bytes(bytes: &[u8], is: impl Fn(u8) -> bool) -> usize {
    bytes
        .chunks(255)
        .map(|run| usize::from(run.iter().fold(0u8, |n, &b| n + u8::from(is(b)))))
        .sum()
}

/// The index of the first `\n` of `bytes` at or after `from`: eight bytes at a time (most lines
/// hold many words), then byte by byte in the word that has one.
pub(crate) fn next_newline(bytes: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let rest = bytes.get(from..)?;
    let mut skipped = 0;
    for word in rest.chunks_exact(8) {
        let word = <[u8; 8]>::try_from(word).ok()?;
        // Zero where a byte is a line feed; a word has a zero byte iff this is not 0.
        let x = u64::from_le_bytes(word) ^ (ONES * u64::from(b'\n'));
        if x.wrapping_sub(ONES) & !x & HIGHS != 0 {
            break;
        }
        skipped += 8;
    }
    let i = rest.get(skipped..)?.iter().position(|&b| b == b'\n')?;
    Some(from + skipped + i)
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

#[cfg(test)]
mod tests {
    use super::{count_bytes, next_newline, split_documents};

    #[test]
    fn newlines_and_counts_agree_with_a_byte_by_byte_scan() {
        for len in 0..40 {
            for at in [0, 1, 7, 8, 9, 15, 16, 17, 31, 39] {
                let mut bytes = vec![b'x'; len];
                if at < len {
                    bytes[at] = b'\n';
                }
                for from in 0..=len + 1 {
                    let expected = bytes
                        .get(from..)
                        .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
                        .map(|i| from + i);
                    assert_eq!(next_newline(&bytes, from), expected, "{len} {at} {from}");
                }
            }
        }
        let text = "[{".repeat(300) + "x\n";
        assert_eq!(count_bytes(text.as_bytes(), |b| b | 0x20 == b'{'), 600);
        assert_eq!(count_bytes(text.as_bytes(), |b| b == b'\n'), 1);
    }

    #[test]
    fn documents_start_at_marker_lines_after_the_first() {
        let chunks = split_documents("---\na: 1\n---\n--- x\n---y\n  ---\n---");
        let got: Vec<_> = chunks.iter().map(|c| (c.text, c.first_line)).collect();
        assert_eq!(
            got,
            [
                ("---\na: 1\n", 1),
                ("---\n", 3),
                ("--- x\n---y\n  ---\n", 4),
                ("---", 7)
            ]
        );
    }
}
