use super::flow_too_deep;

/// The flow depth the pre-scan sees: the smallest limit it does not reject.
fn flow_depth(text: &str) -> usize {
    (0..64).find(|&m| flow_too_deep(text, m).is_none()).unwrap()
}

#[test]
fn flow_prescan_counts_structure_not_content() {
    assert_eq!(flow_depth("a: [[1], {b: [2]}]\n"), 3);
    assert_eq!(
        flow_depth("{\"a\": [1, {\"b\": \"]]\\\"]\"}], \"c\": '[[['}\n"),
        3
    );
    assert_eq!(flow_depth("[a, b\n  ,[c, [d]]\n]\n"), 3);
    // Brackets and quotes inside plain scalars, quoted scalars, comments and block scalars.
    let text = "a: x[[[\nb: \"[[[\"\nc: '[[[' # [[[\n# [[[\nd: |\n  [[[[\n  {{{\ne: >-\n    [[[\n\
                f:\n- |\n  [[[\n- [k]\ng: it's [not\nh: [it's, a\"b, [c]]\n";
    assert_eq!(flow_depth(text), 2);
    // A quoted scalar over several lines, a quoted key, a document marker.
    assert_eq!(flow_depth("a: \"x\n  [[[ \"\n\"k\": [[1]]\n"), 2);
    assert_eq!(flow_depth("--- [[[1]]]\n"), 3);
    // A quote inside a flow plain scalar is text, so brackets after it count.
    assert_eq!(flow_depth("[a\"b, [[c]]]\n"), 3);
    assert_eq!(flow_depth("[a, \"]]\", [b, 'x'']]', [c]]]\n"), 3);
    // A block scalar ends at the first line not more indented than its parent.
    assert_eq!(flow_depth("x:\n  y: |\n    [[[[\n  z: [[1]]\n"), 2);
}
