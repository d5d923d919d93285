//! The linter's memory is bounded per file by the YAML loader's node and scalar-byte budgets, not
//! only by the file's size; going over is an input error naming the file, document and line.

use crate::{json_of, plumbline};

#[test]
fn alias_copies_of_a_long_string_are_an_input_error() {
    let dir = std::env::temp_dir().join(format!("plumbline-memory-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("copies.yaml");
    // 1 MiB on disk, 100 MiB once the aliases are expanded.
    let text = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c, namespace: acme-dev}}\ndata:\n  big: &s {}\n  copies: [{}]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: after, namespace: acme-dev}}\n",
        "x".repeat(1 << 20),
        vec!["*s"; 100].join(", ")
    );
    std::fs::write(&file, text).unwrap();
    let f = file.to_str().unwrap();
    let out = plumbline(&["lint", f, "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    let v = json_of(&out);
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["file"], f);
    assert_eq!(errors[0]["document"], 0);
    assert_eq!(errors[0]["line"], 6);
    let msg = errors[0]["message"].as_str().unwrap();
    assert!(
        msg.contains("exceed 67108864 bytes") && msg.contains("rest of the file are not read"),
        "{msg}"
    );
    assert_eq!(
        v["summary"]["objects"], 0,
        "nothing of the file is read after the budget"
    );
}
