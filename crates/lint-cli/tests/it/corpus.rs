//! The linter over every file of ../shared/corpus (real manifests from public projects): no crash,
//! no parse error on valid YAML, and the one document that really is two manifests glued together
//! reported as such.

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
    // One file of the corpus really holds two ConfigMaps glued without `---` (upstream
    // local-path-provisioner's examples/quota): an input error naming where (exit 2), not a merged
    // object. Nothing else may be an input error.
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(code, Some(2), "{}", v["errors"]);
    assert_eq!(errors.len(), 1, "{}", v["errors"]);
    let e = &errors[0];
    assert!(
        e["file"]
            .as_str()
            .unwrap()
            .ends_with("local-path-provisioner/examples/quota/local-path-storage.yaml"),
        "{e}"
    );
    assert_eq!(
        (&e["document"], &e["line"]),
        (&8.into(), &186.into()),
        "{e}"
    );
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("two manifests joined without a `---` line"),
        "{e}"
    );
    assert!(
        v["summary"]["objects"].as_u64().unwrap() >= 3900,
        "{}",
        v["summary"]
    );
}
