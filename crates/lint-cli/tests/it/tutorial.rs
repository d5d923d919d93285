//! docs/custom-rules.md cannot rot: its commands run in a copy of examples/custom-policies (only
//! the manifests and the review copied; every other file comes from the page), each shown output
//! line appears in order, and each file shown is the one in examples/.

use std::path::{Path, PathBuf};

use crate::{plumbline_in, root};

enum Block {
    File { path: String, text: String },
    Console(Vec<String>),
}

fn blocks(page: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut lines = page.lines();
    while let Some(line) = lines.next() {
        let Some(info) = line.strip_prefix("```") else {
            continue;
        };
        let body: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
        if info == "console" {
            out.push(Block::Console(body.iter().map(|s| s.to_string()).collect()));
        } else if let Some((_, path)) = info.split_once(" file=") {
            let mut text = body.join("\n");
            text.push('\n');
            out.push(Block::File {
                path: path.to_string(),
                text,
            });
        }
    }
    out
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn custom_rules_tutorial_runs_as_written() {
    let example = root().join("examples/custom-policies");
    let page = std::fs::read_to_string(root().join("docs/custom-rules.md")).unwrap();
    let sandbox = std::env::temp_dir().join(format!("plumbline-tutorial-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&sandbox);
    std::fs::create_dir_all(sandbox.join("manifests")).unwrap();
    for f in ["manifests/odoo.yaml", "review.json"] {
        std::fs::copy(example.join(f), sandbox.join(f)).unwrap();
    }
    let mut shown = Vec::new();
    let mut commands = 0;
    for block in blocks(&page) {
        match block {
            Block::File { path, text } => {
                let in_example = std::fs::read_to_string(example.join(&path)).unwrap();
                assert_eq!(
                    text, in_example,
                    "docs/custom-rules.md shows another {path}"
                );
                let dest = sandbox.join(&path);
                std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
                std::fs::write(dest, text).unwrap();
                shown.push(example.join(&path));
            }
            Block::Console(lines) => {
                let mut i = 0;
                while i < lines.len() {
                    let cmd = lines[i].strip_prefix("$ ").unwrap_or_else(|| {
                        panic!("a console block starts with `$ `: {}", lines[i])
                    });
                    let (cmd, code) = match cmd.split_once("   # exit ") {
                        Some((c, n)) => (c, n.trim().parse::<i32>().unwrap()),
                        None => (cmd, 0),
                    };
                    let args: Vec<&str> = cmd.split_whitespace().collect();
                    assert_eq!(args[0], "plumbline", "{cmd}");
                    let out = plumbline_in(&sandbox, &args[1..], None);
                    let text = format!(
                        "{}{}",
                        String::from_utf8_lossy(&out.stdout),
                        String::from_utf8_lossy(&out.stderr)
                    );
                    assert_eq!(out.status.code(), Some(code), "`{cmd}`:\n{text}");
                    let actual: Vec<&str> = text.lines().map(str::trim_end).collect();
                    let mut at = 0;
                    i += 1;
                    while i < lines.len() && !lines[i].starts_with("$ ") {
                        let want = lines[i].trim_end();
                        i += 1;
                        if want == "…" {
                            continue;
                        }
                        match actual[at..].iter().position(|a| *a == want) {
                            Some(p) => at += p + 1,
                            None => panic!("`{cmd}` did not print, in order:\n{want}\n---\n{text}"),
                        }
                    }
                    commands += 1;
                }
            }
        }
    }
    assert!(commands >= 6, "{commands} commands");
    // Every rule file and the config of the example are shown on the page.
    let mut files = vec![example.join("plumbline.yaml")];
    files_under(&example.join("policies"), &mut files);
    for f in files {
        assert!(
            shown.contains(&f),
            "docs/custom-rules.md does not show {}",
            f.display()
        );
    }
    let _ = std::fs::remove_dir_all(&sandbox);
}
