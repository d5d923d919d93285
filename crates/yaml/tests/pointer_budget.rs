//! Every indexed node keeps its JSON pointer, which spells out its ancestors' keys: one long key
//! over many nodes cost its length once per node (a 108 KB file, a 100 KB key over 2,000 items,
//! took ~198 MB). `YamlLimits::max_pointer_bytes` bounds those bytes per stream, paid before they
//! are allocated; past it the document is an error, like the node and scalar-byte budgets.

use std::time::{Duration, Instant};

use plumbline_yaml::{escape, parse_stream, parse_stream_with, YamlError, YamlLimits};
use serde_json::Value;

/// An explicit key of `key_len` bytes whose value is a sequence of `items` items: the sequence
/// starts on line 3, item `i` is on line `3 + i`.
fn long_key_over_items(key_len: usize, items: usize) -> String {
    let mut text = format!("? {}\n:\n", "k".repeat(key_len));
    for _ in 0..items {
        text.push_str("  - x\n");
    }
    text
}

/// A pointer budget of exactly `max_pointer_bytes`, whatever the stream's length.
fn limits(max_pointer_bytes: usize) -> YamlLimits {
    YamlLimits {
        max_pointer_bytes,
        pointer_bytes_per_input_byte: 0,
        ..YamlLimits::default()
    }
}

/// The only error of `docs`, after `ok` documents that loaded.
fn error_after(docs: &[Result<plumbline_yaml::YamlDocument, YamlError>], ok: usize) -> &YamlError {
    assert_eq!(docs.len(), ok + 1, "nothing after the error: {docs:?}");
    assert!(docs[..ok].iter().all(Result::is_ok), "{docs:?}");
    match &docs[ok] {
        Err(e) => e,
        Ok(d) => panic!("loaded: {} nodes", d.positions.len()),
    }
}

fn assert_pointer_error(e: &YamlError, limit: usize) {
    assert!(
        e.message.contains(&format!(
            "the file's position index exceeds {limit} bytes of JSON pointers (long keys over many nodes)"
        )) && e.message.contains("the rest of the file are not read"),
        "{e:?}"
    );
}

/// The line of the node that passes `limit` in [`long_key_over_items`]: the sequence's pointer is
/// `/key`, item `i`'s `/key/i`.
fn line_over(key_len: usize, limit: usize) -> u32 {
    let mut spent = 1 + key_len;
    let mut i = 0usize;
    loop {
        spent += 1 + key_len + 1 + i.to_string().len();
        if spent > limit {
            return 3 + i as u32;
        }
        i += 1;
    }
}

#[test]
fn a_long_key_over_many_items_is_refused_under_the_default_limit() {
    let limit = YamlLimits::default().max_pointer_bytes;
    assert_eq!(limit, 64 * 1024 * 1024);
    // 108 KB; its index would hold 2,001 pointers of ~100 KB: ~200 MB.
    let text = long_key_over_items(100_000, 2_000);
    let docs = parse_stream(&text);
    let e = error_after(&docs, 0);
    assert_pointer_error(e, limit);
    assert_eq!(e.position.line, line_over(100_000, limit));
    assert_eq!(e.position.column, 5);

    // 1.1 MB: ~20 GB of pointers before the limit; refused after 64 of its 20,000 items.
    let text = long_key_over_items(1_000_000, 20_000);
    let start = Instant::now();
    let docs = parse_stream(&text);
    assert_pointer_error(error_after(&docs, 0), limit);
    assert_eq!(
        docs[0].as_ref().unwrap_err().position.line,
        line_over(1_000_000, limit)
    );
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn a_small_limit_is_kept_exactly_and_earlier_documents_load() {
    let doc = long_key_over_items(1_000, 20);
    // The root mapping (``), the sequence and its 20 items: 1,001 + 10 x 1,003 + 10 x 1,004 bytes.
    let need = 1_001 + 10 * 1_003 + 10 * 1_004;
    let docs = parse_stream_with(&doc, limits(need));
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].as_ref().unwrap().positions.len(), 22);

    let text = format!("kind: A\n---\n{doc}---\nkind: B\n");
    let docs = parse_stream_with(&text, limits(need + 4));
    assert_eq!(
        docs.len(),
        2,
        "the first document fits, and `/kind` costs 5: {docs:?}"
    );
    let e = error_after(&docs, 1);
    assert_pointer_error(e, need + 4);
    assert_eq!((e.index, e.position.line), (1, 24), "the last item");
}

/// An alias used as a key costs its bytes once as a scalar, and once per node under it as a
/// pointer.
#[test]
fn a_long_aliased_key_is_paid_for_under_each_node() {
    let items = vec!["x"; 50].join(", ");
    let text = format!("k: &k {}\n? *k\n: [{items}]\n", "a".repeat(1_000));
    let docs = parse_stream(&text);
    assert_eq!(docs[0].as_ref().unwrap().positions.len(), 53);
    let docs = parse_stream_with(&text, limits(20_000));
    let e = error_after(&docs, 0);
    assert_pointer_error(e, 20_000);
    assert_eq!(e.position.line, 3);
}

/// Notes keep a pointer too: a YAML 1.1 scalar or a duplicate key under a long key pays for it.
#[test]
fn pointers_of_notes_are_paid_for() {
    let key = "k".repeat(1_000);
    let yes = format!("{key}:\n  - yes\n");
    // `/k…`, `/k…/0` and the note's `/k…/0`.
    let fits = 1_001 + 2 * 1_003;
    let docs = parse_stream_with(&yes, limits(fits));
    assert_eq!(docs[0].as_ref().unwrap().notes.len(), 1);
    let docs = parse_stream_with(&yes, limits(fits - 1));
    assert_pointer_error(error_after(&docs, 0), fits - 1);

    let dup = format!("{key}:\n  a: 1\n  a: 2\n");
    // `/k…`, `/k…/a` twice and the note's `/k…/a`.
    let fits = 1_001 + 3 * 1_003;
    assert_eq!(
        parse_stream_with(&dup, limits(fits))[0]
            .as_ref()
            .unwrap()
            .notes
            .len(),
        1
    );
    let docs = parse_stream_with(&dup, limits(fits - 1));
    let e = error_after(&docs, 0);
    assert_pointer_error(e, fits - 1);
    assert_eq!(e.position.line, 3);
}

/// Bytes of the pointers of every node of `v` (the index of a document without aliases).
fn pointer_bytes(v: &Value, len: usize) -> usize {
    len + match v {
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, x)| pointer_bytes(x, len + 1 + i.to_string().len()))
            .sum(),
        Value::Object(m) => m
            .iter()
            .map(|(k, x)| pointer_bytes(x, len + 1 + escape(k).len()))
            .sum(),
        _ => 0,
    }
}

#[test]
fn a_usual_manifest_pays_exactly_its_pointers() {
    let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels: {app.kubernetes.io/name: web}\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.25\n        ports: [{containerPort: 80}]\n";
    let docs = parse_stream(text);
    let d = docs[0].as_ref().unwrap();
    let need = pointer_bytes(&d.value, 0);
    assert_eq!(d.positions.len(), 17);
    let exact = parse_stream_with(text, limits(need));
    let loaded = exact[0].as_ref().unwrap();
    assert_eq!((&loaded.value, loaded.positions.len()), (&d.value, 17));
    let docs = parse_stream_with(text, limits(need - 1));
    assert_pointer_error(error_after(&docs, 0), need - 1);
}

/// A large genuine file is not refused: the budget is at least 4 times the stream's length,
/// more than real manifests need (1.2 to 3.1 times), and a stream's index stays linear in it.
#[test]
fn the_budget_grows_with_the_stream() {
    let item = "- name: container\n  image: registry.example/team/app:1.0\n";
    let items = item.repeat(2_000);
    let text = format!(
        "containers:\n{}",
        items.replace("- ", "  - ").replace("\n  i", "\n    i")
    );
    let tight = YamlLimits {
        max_pointer_bytes: 1_000,
        ..YamlLimits::default()
    };
    let docs = parse_stream_with(&text, tight);
    assert!(docs[0].is_ok(), "{:?}", docs[0].as_ref().err());
    let docs = parse_stream_with(
        &text,
        YamlLimits {
            pointer_bytes_per_input_byte: 0,
            ..tight
        },
    );
    assert_pointer_error(error_after(&docs, 0), 1_000);
    let crafted = long_key_over_items(100_000, 2_000);
    let docs = parse_stream_with(
        &crafted,
        YamlLimits {
            max_pointer_bytes: 0,
            ..YamlLimits::default()
        },
    );
    assert_pointer_error(error_after(&docs, 0), 4 * crafted.len());
}
