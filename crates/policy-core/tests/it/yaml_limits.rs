//! Hostile YAML is rejected in time linear in its size: flow collections nested deeper than the
//! limit (`[[[[…`, `{a: {a: …`) are caught by a pre-scan before the parser, whose look-ahead
//! costs quadratic time on them; the pre-scan agrees with the parser on valid documents.

use std::time::{Duration, Instant};

use policy_core::yaml::{parse_stream, parse_stream_with, YamlLimits};
use proptest::prelude::*;

/// Parses `text`, which must fail with a depth error, within a generous bound (a debug build on
/// a shared 2-core machine; the quadratic parse took ~30 s on 200 KB).
fn rejected_quickly(text: &str) {
    let start = Instant::now();
    let docs = parse_stream(text);
    let took = start.elapsed();
    let err = docs
        .iter()
        .find_map(|d| d.as_ref().err())
        .unwrap_or_else(|| panic!("no error for {}…", &text[..40]));
    assert!(err.message.contains("deeper than"), "{err:?}");
    assert!(
        took < Duration::from_secs(5),
        "{took:?} to reject {} bytes starting {}",
        text.len(),
        &text[..40]
    );
}

#[test]
fn deep_flow_nesting_of_200_kb_is_rejected_quickly() {
    rejected_quickly(&"[".repeat(200_000));
    rejected_quickly(&"{a: ".repeat(50_000));
    rejected_quickly(&format!(
        "apiVersion: v1\nkind: ConfigMap\ndata: {}",
        "{\"a\": ".repeat(33_000)
    ));
    // Closing brackets inside quoted scalars do not lower the count.
    rejected_quickly(&"[\"]\", ".repeat(40_000));
    rejected_quickly(&"['x'']', ".repeat(20_000));
    // Spread over lines, with comments.
    rejected_quickly(&"[ # ]\n".repeat(40_000));
}

#[test]
fn deep_block_nesting_of_200_kb_is_rejected_quickly() {
    rejected_quickly(&"- ".repeat(100_000));
    rejected_quickly(&format!("a: {}", "[x, ".repeat(300)).repeat(100));
}

/// A flow value and its nesting depth.
fn flow_value() -> impl Strategy<Value = (String, usize)> {
    let noise = "[\\[\\]{}\"',#: a-z\\\\]{0,8}";
    let leaf = prop_oneof![
        "[a-z][a-z0-9]{0,5}".prop_map(|s| (s, 0)),
        noise.prop_map(|s| (
            format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")),
            0
        )),
        noise.prop_map(|s| (format!("'{}'", s.replace('\'', "''")), 0)),
    ];
    leaf.prop_recursive(12, 64, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|items| {
                let depth = 1 + items.iter().map(|(_, d)| *d).max().unwrap_or(0);
                let texts: Vec<String> = items.into_iter().map(|(t, _)| t).collect();
                (format!("[{}]", texts.join(", ")), depth)
            }),
            prop::collection::vec(inner, 0..4).prop_map(|items| {
                let depth = 1 + items.iter().map(|(_, d)| *d).max().unwrap_or(0);
                let texts: Vec<String> = items
                    .into_iter()
                    .enumerate()
                    .map(|(i, (t, _))| format!("k{i}: {t}"))
                    .collect();
                (format!("{{{}}}", texts.join(",\n  ")), depth)
            }),
        ]
    })
}

proptest! {
    /// Valid documents within the limit parse; one level less and the pre-scan rejects them.
    #[test]
    fn prescan_agrees_with_the_parser((value, depth) in flow_value(), noise in "[\\[\\]{}\"'a-z ]{0,12}") {
        let text = format!(
            "note: |\n  {noise}\n# {noise}\nkind: x{noise}\nspec: {value} # {noise}\n"
        );
        let ok = parse_stream_with(&text, YamlLimits { max_depth: depth + 1, ..YamlLimits::default() });
        prop_assert!(ok.len() == 1 && ok[0].is_ok(), "{text}\n{ok:?}");
        if depth > 0 {
            let limits = YamlLimits { max_depth: depth - 1, ..YamlLimits::default() };
            let err = parse_stream_with(&text, limits);
            let e = err[0].as_ref().err();
            prop_assert!(
                e.is_some_and(|e| e.message.contains("flow collections")),
                "{text}\n{err:?}"
            );
        }
    }
}

/// A file's loaded form is bounded by nodes, not bytes: past the budget the document is an error
/// and the rest of the file is not read (and the error says so).
#[test]
fn node_budget_bounds_a_file() {
    let doc = format!("kind: List\nitems: [{}]\n", vec!["1"; 398].join(", "));
    let text = [doc.as_str(); 4].join("---\n");
    let limits = YamlLimits {
        max_nodes: 1000,
        ..YamlLimits::default()
    };
    let docs = parse_stream_with(&text, limits);
    assert_eq!(docs.len(), 3, "nothing after the error: {docs:?}");
    assert!(docs[0].is_ok() && docs[1].is_ok());
    let err = docs[2].as_ref().unwrap_err();
    assert_eq!(err.index, 2);
    assert_eq!(err.position.line, 8);
    assert!(
        err.message.contains("more than 1000 YAML nodes")
            && err.message.contains("the rest of the file are not read"),
        "{err:?}"
    );
}

/// Aliases of a long string copy it: 100 aliases of 1 MiB would be 100 MiB from a 1 MiB file.
#[test]
fn aliases_of_a_long_string_are_bounded_in_bytes() {
    let text = format!(
        "kind: ConfigMap\nbig: &s {}\ncopies: [{}]\n",
        "x".repeat(1 << 20),
        vec!["*s"; 100].join(", ")
    );
    let docs = parse_stream(&text);
    let err = docs[0].as_ref().unwrap_err();
    assert!(err.message.contains("bytes"), "{err:?}");
    assert_eq!(err.position.line, 3);
}
