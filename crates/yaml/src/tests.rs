use super::*;
use serde_json::json;

fn one(text: &str) -> YamlDocument {
    let mut docs = parse_stream(text);
    assert_eq!(docs.len(), 1, "{docs:?}");
    docs.remove(0).unwrap()
}

#[test]
fn positions_point_at_keys_and_items() {
    let d = one("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    image: nginx\n");
    assert_eq!(
        d.positions.get("/kind"),
        Some(Position { line: 2, column: 1 })
    );
    assert_eq!(
        d.positions.get("/spec/containers"),
        Some(Position { line: 4, column: 3 })
    );
    assert_eq!(
        d.positions.get("/spec/containers/0"),
        Some(Position { line: 5, column: 5 })
    );
    assert_eq!(
        d.positions.get("/spec/containers/0/image"),
        Some(Position { line: 6, column: 5 })
    );
    assert_eq!(
        d.positions.nearest("/spec/containers/0/resources/limits"),
        Some(Position { line: 5, column: 5 })
    );
}

fn at(line: u32, column: u32) -> Position {
    Position { line, column }
}

/// The span from `start` to `end`, each a (line, column).
fn span(start: (u32, u32), end: (u32, u32)) -> Span {
    Span {
        start: at(start.0, start.1),
        end: at(end.0, end.1),
    }
}

/// What a finding at `pointer` underlines in `d`.
fn underline(d: &YamlDocument, pointer: &str) -> Span {
    d.positions.nearest_span(pointer).unwrap()
}

const SPEC: &str =
    "spec:\n  image: \"nginx:1.25\"\n  tag: v1 # c\n  conf: |\n\n    a=1\n    b=2\n  folded: >\n    x\n    y\n";

#[test]
fn spans_underline_quoted_values_up_to_their_closing_quote() {
    // The quoted value, quotes included (and not a comment after it).
    assert_eq!(underline(&one(SPEC), "/spec/image"), span((2, 10), (2, 22)));
    let q = one("a: \"x\\\"y\" # c\nb: 'it''s' # c\nc: \"p\n  q\" # c\n");
    assert_eq!(underline(&q, "/a"), span((1, 4), (1, 10)));
    assert_eq!(underline(&q, "/b"), span((2, 4), (2, 11)));
    // A quoted value over two lines: its key.
    assert_eq!(underline(&q, "/c"), span((3, 1), (3, 2)));
}

#[test]
fn spans_of_a_mapping_in_a_sequence_underline_its_first_key() {
    let l = one("items:\n- name: web\n  image: x\n- {name: db}\n");
    assert_eq!(underline(&l, "/items/0"), span((2, 3), (2, 7)));
    assert_eq!(underline(&l, "/items/0/missing"), span((2, 3), (2, 7)));
    assert_eq!(underline(&l, "/items/1"), span((4, 4), (4, 8)));
}

#[test]
fn spans_underline_values_on_one_line_and_keys_otherwise() {
    let d = one(SPEC);
    assert_eq!(underline(&d, "/spec/tag"), span((3, 8), (3, 10)));
    // A collection, a missing field and a multi-line value: the key.
    assert_eq!(underline(&d, "/spec"), span((1, 1), (1, 5)));
    assert_eq!(underline(&d, "/spec/missing"), span((1, 1), (1, 5)));
    assert_eq!(underline(&d, "/spec/conf"), span((4, 3), (4, 7)));
}

#[test]
fn lines_of_a_literal_block_are_source_lines() {
    let d = one(SPEC);
    let line = |p: &str, n| {
        let v = d.value.pointer(p).and_then(Value::as_str).unwrap();
        d.positions.line_in_value(p, n, v).map(|s| s.start)
    };
    // The block starts with an empty line.
    assert_eq!(line("/spec/conf", 1), Some(at(6, 5)));
    assert_eq!(line("/spec/conf", 2), Some(at(7, 5)));
    assert_eq!(line("/spec/conf", 3), None);
    assert_eq!(line("/spec/conf", 0), None);
    // Folded lines are joined: no line of the source to give.
    assert_eq!(line("/spec/folded", 1), None);
}

#[test]
fn broken_document_does_not_hide_the_next() {
    let docs = parse_stream("a: 1\n---\nb: [1, 2\nc: 3\n---\nd: 4\n");
    assert_eq!(docs.len(), 3);
    assert!(docs[0].is_ok());
    let err = docs[1].as_ref().unwrap_err();
    assert_eq!(err.index, 1);
    assert_eq!(err.position.line, 4, "{err:?}");
    let unclosed = parse_stream("a: 1\n---\nkind: [broken\n\n---\nb: 2\n");
    assert_eq!(unclosed[1].as_ref().unwrap_err().position.line, 3);
    let last = docs[2].as_ref().unwrap();
    assert_eq!(last.value, json!({"d": 4}));
    assert_eq!(last.positions.get("/d").unwrap().line, 6);
}

#[test]
fn yaml11_scalars_like_kubectl_and_noted() {
    let d = one("a: yes\nb: 0755\nc: '0755'\nd: 1_000\ne: 1.5\nf: ~\ng: on\nh: 0x1F\ni: 2021-01-01\nj: 1e3\n");
    assert_eq!(
        d.value,
        json!({"a": true, "b": 493, "c": "0755", "d": 1000, "e": 1.5, "f": null, "g": true,
               "h": 31, "i": "2021-01-01", "j": 1000.0})
    );
    let noted: Vec<_> = d.notes.iter().map(|n| n.pointer.as_str()).collect();
    assert_eq!(noted, ["/a", "/b", "/d", "/g"]);
}

#[test]
fn keys_like_on_are_stringified_booleans() {
    let d = one("on: push\n\"off\": x\n");
    assert_eq!(d.value, json!({"true": "push", "off": "x"}));
    assert_eq!(d.notes.len(), 1);
}

#[test]
fn anchors_aliases_and_merge_keys() {
    let d = one("base: &b {x: 1, z: 2}\nother:\n  <<: *b\n  z: 3\nlist: [*b]\n");
    assert_eq!(d.value["other"], json!({"x": 1, "z": 3}));
    assert_eq!(d.value["list"], json!([{"x": 1, "z": 2}]));
    assert!(d.notes.is_empty(), "{:?}", d.notes);
}

#[test]
fn alias_bomb_is_an_error_not_an_oom() {
    let mut s = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    let mut prev = 'a';
    for c in 'b'..='j' {
        s.push_str(&format!(
            "{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
        ));
        prev = c;
    }
    let docs = parse_stream(&s);
    assert!(docs[0].as_ref().unwrap_err().message.contains("alias"));
}

#[test]
fn kubectl_lenient_indentation_is_read_with_a_note() {
    let d = one("kind: ConfigMap\ndata:\n  nginx.conf: '\nevents {\n}\n'\n");
    assert_eq!(d.value["data"]["nginx.conf"], " events { } ");
    assert!(d.notes[0].message.contains("kubectl"), "{:?}", d.notes);
    let d = one("spec:\n  args: [\n      \"-a\", \"b\",\n  ]\n");
    assert_eq!(d.value, json!({"spec": {"args": ["-a", "b"]}}));
}

#[test]
fn duplicate_keys_are_noted() {
    let d = one("a: 1\na: 2\n");
    assert_eq!(d.value, json!({"a": 2}));
    assert!(d.notes[0].message.contains("duplicate key"));
}

#[test]
fn json_and_empty_documents() {
    let docs = parse_stream("---\n# only a comment\n---\n{\"kind\": \"Pod\", \"n\": [1]}\n---\n");
    assert_eq!(docs.len(), 1);
    let d = docs[0].as_ref().unwrap();
    assert_eq!(d.index, 1);
    assert_eq!(d.value, json!({"kind": "Pod", "n": [1]}));
}

#[test]
fn pointer_escaping() {
    let d = one("metadata:\n  annotations:\n    example.com/a~b: x\n");
    assert!(d
        .positions
        .get("/metadata/annotations/example.com~1a~0b")
        .is_some());
}

#[test]
fn deep_flow_nesting_fails_fast_with_its_position() {
    let text = format!("kind: Pod\nspec: {}\n", "[".repeat(300));
    let docs = parse_stream(&text);
    let err = docs[0].as_ref().unwrap_err();
    assert!(err.message.contains("nested deeper than 256"), "{err:?}");
    assert_eq!(
        err.position,
        Position {
            line: 2,
            column: 7 + 256
        }
    );
}

#[test]
fn block_scalars_and_quotes_stay_strings() {
    let d = one("a: |\n  yes\n  ---x\nb: \"on\"\nc: !!str 12\n");
    assert_eq!(d.value, json!({"a": "yes\n---x\n", "b": "on", "c": "12"}));
}
