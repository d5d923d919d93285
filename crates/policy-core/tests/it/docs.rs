//! docs/rules/*.md are generated from rule.yaml and committed; this test keeps them fresh.
//! `PLUMBLINE_UPDATE_DOCS=1 cargo test -p plumbline-policy-core --test it docs` rewrites them.

use policy_core::docs::{index_markdown, rule_markdown};
use policy_core::PolicyPack;

use crate::fixtures::root;

#[test]
fn generated_rule_docs_are_fresh() {
    let pack = PolicyPack::from_dir(&root().join("policies")).unwrap();
    let dir = root().join("docs/rules");
    let update = std::env::var_os("PLUMBLINE_UPDATE_DOCS").is_some();
    let mut expected = vec![("README.md".to_string(), index_markdown(&pack))];
    for r in &pack.rules {
        expected.push((format!("{}.md", r.meta.id), rule_markdown(&r.meta)));
    }
    if update {
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            std::fs::remove_file(entry.path()).unwrap();
        }
        for (name, text) in &expected {
            std::fs::write(dir.join(name), text).unwrap();
        }
        return;
    }
    let mut stale = Vec::new();
    for (name, text) in &expected {
        match std::fs::read_to_string(dir.join(name)) {
            Ok(t) if t == *text => {}
            _ => stale.push(name.clone()),
        }
    }
    let on_disk = std::fs::read_dir(&dir).map(|rd| rd.count()).unwrap_or(0);
    assert!(
        stale.is_empty() && on_disk == expected.len(),
        "docs/rules is stale ({stale:?}; {on_disk} files for {} expected); run PLUMBLINE_UPDATE_DOCS=1 cargo test -p plumbline-policy-core --test it docs",
        expected.len()
    );
}
