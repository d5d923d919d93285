//! The linter over every file of ../shared/corpus (real manifests from public projects): no crash,
//! no parse error on valid YAML, exit 0 or 1.

use crate::{json_of, plumbline, root};

#[test]
fn corpus_lints_without_input_errors() {
    let corpus = root().join("../shared/corpus");
    if !corpus.is_dir() {
        eprintln!("skipped: {} not present", corpus.display());
        return;
    }
    let out = plumbline(&[
        "lint",
        corpus.to_str().unwrap(),
        "--format",
        "json",
        "--fail-on",
        "error",
    ]);
    let code = out.status.code();
    let v = json_of(&out);
    assert!(
        matches!(code, Some(0 | 1)),
        "exit {code:?}; errors: {}",
        v["errors"]
    );
    assert_eq!(v["errors"].as_array().unwrap().len(), 0, "{}", v["errors"]);
    assert!(
        v["summary"]["objects"].as_u64().unwrap() >= 3900,
        "{}",
        v["summary"]
    );
}
