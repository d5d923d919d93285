//! No import circle among the crate's modules: every `crate::…` path in `src/**/*.rs` (`use`
//! lines and inline paths, tests included) is an edge from the top-level module of its file to
//! the top-level module it names; items re-exported at the crate root (`pub use x::{A, B}` in
//! lib.rs) count as their defining module, and the root's own items (`Error`) as a leaf node
//! `lib`. The graph must be acyclic, so each module can be read after the ones it uses.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Graph = BTreeMap<String, BTreeSet<String>>;

/// Source files under `dir` as (top-level module, text).
fn sources(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("src readable")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            sources(root, &p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            let rel = p.strip_prefix(root).expect("under src");
            let first = rel.components().next().expect("a component");
            let name = first.as_os_str().to_string_lossy();
            let module = name.trim_end_matches(".rs").to_string();
            out.push((
                module,
                std::fs::read_to_string(&p).expect("source readable"),
            ));
        }
    }
}

/// The text without `//` comments (doc comments name paths that are no imports).
fn code(text: &str) -> String {
    text.lines()
        .map(|l| l.split_once("//").map_or(l, |(c, _)| c))
        .collect::<Vec<_>>()
        .join("\n")
}

fn ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The first segment of every `crate::` path: `crate::a::b` → a; `crate::{a, b::c}` → a, b.
fn crate_paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in code.match_indices("crate::") {
        let before = code[..i].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | ':' | '$')) {
            continue; // `$crate::`, `some_crate::`, `super::crate`
        }
        let rest = code[i + "crate::".len()..].trim_start();
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0usize;
            let mut item_start = true;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && !c.is_whitespace() => {
                        out.push(ident(&group[j..]).to_string());
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            out.push(ident(rest).to_string());
        }
    }
    out.retain(|s| !s.is_empty() && s != "self");
    out
}

/// `pub use module::{A, B};` and `pub use module::A;` of lib.rs: item → module.
fn reexports(lib: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for stmt in code(lib).split(';') {
        let Some(path) = stmt.trim().strip_prefix("pub use ") else {
            continue;
        };
        let Some((module, items)) = path.split_once("::") else {
            continue;
        };
        for item in items.trim_matches(|c| c == '{' || c == '}').split(',') {
            let name = item.rsplit(" as ").next().unwrap_or(item).trim();
            let name = name.rsplit("::").next().unwrap_or(name);
            if !name.is_empty() {
                out.insert(name.to_string(), module.trim().to_string());
            }
        }
    }
    out
}

fn graph(files: &[(String, String)]) -> Graph {
    let modules: BTreeSet<&str> = files.iter().map(|(m, _)| m.as_str()).collect();
    let lib = files
        .iter()
        .find(|(m, _)| m == "lib")
        .map_or("", |(_, t)| t.as_str());
    let reexported = reexports(lib);
    let mut g = Graph::new();
    for (module, text) in files.iter().filter(|(m, _)| m != "lib") {
        let edges = g.entry(module.clone()).or_default();
        for first in crate_paths(&code(text)) {
            let target = if modules.contains(first.as_str()) {
                first
            } else {
                reexported
                    .get(&first)
                    .cloned()
                    .unwrap_or_else(|| "lib".to_string())
            };
            if &target != module {
                edges.insert(target);
            }
        }
    }
    g
}

/// A cycle of `g`, if it has one, as the path that closes it.
fn cycle(g: &Graph) -> Option<Vec<String>> {
    fn visit(
        g: &Graph,
        n: &str,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match state.get(n) {
            Some(2) => return None,
            Some(1) => {
                let from = path.iter().position(|p| p == n).unwrap_or(0);
                let mut c = path[from..].to_vec();
                c.push(n.to_string());
                return Some(c);
            }
            _ => {}
        }
        state.insert(n.to_string(), 1);
        path.push(n.to_string());
        for m in g.get(n).into_iter().flatten() {
            if let Some(c) = visit(g, m, state, path) {
                return Some(c);
            }
        }
        path.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    g.keys()
        .find_map(|n| visit(g, n, &mut state, &mut Vec::new()))
}

#[test]
fn module_imports_have_no_circle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &src, &mut files);
    let g = graph(&files);
    // The parser sees the edges it must (or the check proves nothing).
    for (from, to) in [
        ("admission", "config"),
        ("admission", "lint"),
        ("config", "admission_config"),
        ("config", "pack"),
        ("lint", "engine"),
        ("pack", "lib"),
    ] {
        assert!(g[from].contains(to), "{from} -> {to} not seen: {g:#?}");
    }
    if let Some(c) = cycle(&g) {
        panic!("import circle: {}\n{g:#?}", c.join(" -> "));
    }
}

#[test]
fn the_check_finds_circles_and_reads_groups() {
    let files = [
        (
            "lib".to_string(),
            "pub use b::{B, Bee as C};\npub use c::D;\n".to_string(),
        ),
        (
            "a".to_string(),
            "use crate::{b::x, D};\n// crate::c in a comment\n".to_string(),
        ),
        ("b".to_string(), "fn f() { crate::c::g() }".to_string()),
        (
            "c".to_string(),
            "use crate::{\n    Error,\n    C,\n};".to_string(),
        ),
    ];
    let g = graph(&files);
    assert_eq!(
        g["a"],
        ["b", "c"]
            .iter()
            .map(|s| s.to_string())
            .collect::<BTreeSet<_>>()
    );
    assert_eq!(
        cycle(&g).map(|c| c.join(" -> ")).as_deref(),
        Some("b -> c -> b")
    );
    let acyclic = graph(&files[..3]);
    assert_eq!(cycle(&acyclic), None);
}
