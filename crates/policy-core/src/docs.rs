//! Rule documentation generated from `rule.yaml`: `plumbline explain`, `docs/rules/*.md`, SARIF help.

use std::fmt::Write;

use crate::finding::Domain;
use crate::pack::{PolicyPack, RuleMeta, UpdateMode};

/// Relative path of a rule's generated doc page in the repository.
pub fn doc_path(meta: &RuleMeta) -> String {
    format!("docs/rules/{}.md", meta.id)
}

/// The Markdown page of one rule.
pub fn rule_markdown(meta: &RuleMeta) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# `{}`: {}\n", meta.id, meta.title);
    let _ = writeln!(
        s,
        "| domain | default severity | applies to | suppressible in-object |\n|---|---|---|---|\n| {} | {} | {} | {} |\n",
        meta.domain,
        meta.severity,
        meta.kinds.join(", "),
        if meta.suppressible { "yes" } else { "no" }
    );
    let _ = writeln!(s, "## Why it matters\n\n{}\n", meta.description.trim());
    let _ = writeln!(s, "## How to fix\n\n{}\n", meta.remediation.trim());
    let _ = writeln!(
        s,
        "## Example\n\n```yaml\n{}\n```\n",
        meta.example.trim_end()
    );
    if !meta.params.is_empty() {
        let _ = writeln!(s, "## Parameters\n");
        for p in &meta.params {
            let _ = writeln!(s, "- `params.{p}` in `plumbline.yaml`");
        }
        s.push('\n');
    }
    if let Some(section) = update_section(meta) {
        s.push_str(&section);
    }
    let _ = writeln!(
        s,
        "## Suppressing\n\nIn the object (reason mandatory, expiry optional):\n\n```yaml\nmetadata:\n  annotations:\n    ignore.plumbline.dev/{}: \"<reason>; expires=YYYY-MM-DD\"\n```\n\nor with an `exemptions` entry in `plumbline.yaml`.\n",
        meta.id
    );
    if !meta.references.is_empty() {
        let _ = writeln!(s, "## References\n");
        for r in &meta.references {
            let _ = writeln!(s, "- <{r}>");
        }
        s.push('\n');
    }
    let _ = writeln!(
        s,
        "<!-- generated from policies/{}/{}/rule.yaml; do not edit -->",
        meta.domain, meta.id
    );
    s
}

/// The "On UPDATE (admission)" section of a rule whose `update:` is not `always`.
fn update_section(meta: &RuleMeta) -> Option<String> {
    let text = match meta.update {
        UpdateMode::Significant => {
            "A Pod's UPDATE is judged only when Pod Security Admission would evaluate it: an \
             image, a seccomp annotation, the number of containers or init containers, or an \
             ephemeral container changed. Other kinds are judged on every UPDATE."
        }
        UpdateMode::Skip => {
            "UPDATE requests are not judged, as Gatekeeper's template skips them (the fields are \
             immutable in a Pod); CREATE is."
        }
        _ => return None,
    };
    Some(format!(
        "## On UPDATE (admission)\n\n`update: {}`. {text} Change it with `rules.update` in \
         `plumbline.yaml` (`always`, `significant`, `skip`); docs/webhook.md, \"UPDATE \
         requests\".\n\n",
        meta.update.as_str()
    ))
}

/// The index page listing every rule by domain.
pub fn index_markdown(pack: &PolicyPack) -> String {
    let mut s = String::from("# Rules\n\nGenerated from each rule's `rule.yaml`; `plumbline explain <id>` prints the same text.\n\n");
    for d in Domain::ALL {
        let rules: Vec<_> = pack.rules.iter().filter(|r| r.meta.domain == d).collect();
        if rules.is_empty() {
            continue;
        }
        let _ = writeln!(s, "## {d}\n\n| id | severity | title |\n|---|---|---|");
        for r in rules {
            let _ = writeln!(
                s,
                "| [`{0}`]({0}.md) | {1} | {2} |",
                r.meta.id, r.meta.severity, r.meta.title
            );
        }
        s.push('\n');
    }
    s.push_str("<!-- generated; do not edit -->\n");
    s
}
