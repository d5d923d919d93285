//! Pretty JSON written as it is produced: a report's findings are serialized one at a time into
//! the output instead of as one value tree and one buffer (which took ~60x the input in memory on
//! large runs). The bytes are exactly those of `serde_json::to_writer_pretty` on the whole tree.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Write};
use std::sync::OnceLock;

use serde_json::Value;

/// Where a streamed array goes in the document: a string value made of a per-process random
/// nonce (no input can guess it, so no message or file name can stand for it) and the array's
/// position in the list given to [`write_pretty`].
fn slot_prefix() -> &'static str {
    static PREFIX: OnceLock<String> = OnceLock::new();
    PREFIX.get_or_init(|| {
        let r = || RandomState::new().build_hasher().finish();
        format!("\u{1}plumbline-stream-slot-{:016x}{:016x}-", r(), r())
    })
}

/// A string value to put in the document where the `i`-th streamed array goes.
pub(crate) fn slot(i: usize) -> Value {
    Value::String(format!("{}{i}", slot_prefix()))
}

/// Write `doc` pretty-printed, with `arrays[i]` written element by element in place of the value
/// [`slot`]`(i)`.
pub(crate) fn write_pretty(
    out: &mut dyn Write,
    doc: &Value,
    arrays: Vec<Box<dyn Iterator<Item = io::Result<Value>> + '_>>,
) -> io::Result<()> {
    let text = serde_json::to_string_pretty(doc)?;
    let mut rest = text.as_str();
    for (i, items) in arrays.into_iter().enumerate() {
        let needle = serde_json::to_string(&slot(i))?;
        let Some(at) = rest.find(&needle) else {
            return Err(io::Error::other(format!("no slot {i} in the document")));
        };
        let (before, after) = rest.split_at(at);
        out.write_all(before.as_bytes())?;
        let line_start = before.rfind('\n').map_or(0, |n| n + 1);
        let indent = before[line_start..].len() - before[line_start..].trim_start().len();
        write_array(out, items, indent)?;
        rest = &after[needle.len()..];
    }
    out.write_all(rest.as_bytes())
}

/// `[`, the items each pretty-printed two spaces deeper than `indent`, `]` (or `[]`), as
/// serde_json's pretty formatter writes an array at that indentation.
fn write_array(
    out: &mut dyn Write,
    items: Box<dyn Iterator<Item = io::Result<Value>> + '_>,
    indent: usize,
) -> io::Result<()> {
    let pad = " ".repeat(indent + 2);
    let mut first = true;
    for item in items {
        let item = item?;
        out.write_all(if first { b"[\n" } else { b",\n" })?;
        first = false;
        // JSON strings hold no raw newline, so every line of the item is re-indented.
        let text = serde_json::to_string_pretty(&item)?;
        for (n, line) in text.split('\n').enumerate() {
            if n > 0 {
                out.write_all(b"\n")?;
            }
            out.write_all(pad.as_bytes())?;
            out.write_all(line.as_bytes())?;
        }
    }
    if first {
        out.write_all(b"[]")
    } else {
        write!(out, "\n{}]", " ".repeat(indent))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn same_bytes_as_the_whole_tree() {
        let items = [
            json!({"a": [1, {"b": "x\ny"}], "c": {}}),
            json!([]),
            json!(3),
        ];
        for n in [0, 1, 3] {
            let whole = json!({"z": 1, "list": items[..n], "m": {"inner": items[..n], "k": []}});
            let doc = json!({"z": 1, "list": slot(0), "m": {"inner": slot(1), "k": []}});
            let mut out = Vec::new();
            let a = Box::new(items[..n].iter().cloned().map(Ok));
            let b = Box::new(items[..n].iter().cloned().map(Ok));
            write_pretty(&mut out, &doc, vec![a, b]).unwrap();
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string_pretty(&whole).unwrap()
            );
        }
    }
}
