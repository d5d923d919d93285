//! The CI integration the docs offer exists and fits together: the workflow, the setup action and
//! the pre-commit hook parse, the release builds the assets the action downloads, and every
//! `plumbline` command of docs/ci.md and the hook parses with the real CLI. (The workflows
//! themselves run only on GitHub.)

use std::path::Path;

use crate::{plumbline, root};

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn yaml(path: &str) -> serde_json::Value {
    let mut docs = policy_core::yaml::parse_stream(&read(path));
    assert_eq!(docs.len(), 1, "{path}: one document");
    match docs.remove(0) {
        Ok(d) => d.value,
        Err(e) => panic!("{path}:{}: {}", e.position.line, e.message),
    }
}

/// Shell words of one command line (quotes and backslash continuations as sh reads them; no
/// expansions).
fn words(command: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut started = false;
    for c in command.replace("\\\n", " ").chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                started = true;
            }
            (None, c) if c.is_whitespace() => {
                if started {
                    out.push(std::mem::take(&mut cur));
                    started = false;
                }
            }
            (None, c) => {
                cur.push(c);
                started = true;
            }
        }
    }
    if started {
        out.push(cur);
    }
    out
}

/// The `plumbline …` commands of a Markdown text: in fenced code blocks (a pipeline's
/// `plumbline` stage included, continuation lines joined) and in inline code.
fn commands_in_markdown(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_block = false;
    let mut joined = String::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if !in_block {
            // Inline code in the prose: `plumbline lint k8s/ --output plumbline.sarif`.
            for (i, span) in line.split('`').enumerate() {
                if i % 2 == 1 && span.starts_with("plumbline ") {
                    out.push(span.to_string());
                }
            }
            continue;
        }
        joined.push_str(line.trim_end().trim_end_matches('\\'));
        joined.push(' ');
        if line.trim_end().ends_with('\\') || line.trim_end().ends_with('|') {
            continue;
        }
        let command = std::mem::take(&mut joined);
        for stage in command.split(['|', ';']) {
            let stage = stage.trim().trim_start_matches("run:").trim();
            if stage.starts_with("plumbline ") {
                out.push(stage.to_string());
            }
        }
    }
    out
}

#[test]
fn workflow_action_and_hook_parse_and_agree() {
    let release = yaml(".github/workflows/release.yml");
    let action = yaml(".github/actions/setup-plumbline/action.yml");
    let hooks = yaml(".pre-commit-hooks.yaml");
    // The linter reads YAML as kubectl does (1.1): the key `on` is the boolean true.
    let on = release.get("on").or_else(|| release.get("true")).unwrap();
    assert_eq!(on["push"]["tags"], serde_json::json!(["v*"]));
    assert_eq!(action["runs"]["using"], "composite");
    // The release builds the package whose binary is `plumbline`.
    let build = release["jobs"]["build"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["run"].as_str())
        .find(|r| r.contains("cargo build"))
        .unwrap();
    assert!(build.contains("-p plumbline-lint-cli"), "{build}");
    let manifest = read("crates/lint-cli/Cargo.toml");
    assert!(
        manifest.contains("name = \"plumbline-lint-cli\"")
            && manifest.contains("name = \"plumbline\"")
    );
    // Every target the release builds is one the action downloads, and the reverse.
    let built: Vec<String> = release["jobs"]["build"]["strategy"]["matrix"]["include"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["target"].as_str().unwrap().to_string())
        .collect();
    let script = action["runs"]["steps"][0]["run"].as_str().unwrap();
    let downloaded: Vec<String> = script
        .lines()
        .filter_map(|l| l.split_once("target=")?.1.split([' ', ';']).next())
        .map(str::to_string)
        .collect();
    assert_eq!(built.len(), 4);
    assert_eq!(
        built.iter().collect::<std::collections::BTreeSet<_>>(),
        downloaded.iter().collect()
    );
    // Both name the asset alike.
    let package = release["jobs"]["build"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["run"].as_str())
        .find(|r| r.contains("tar czf"))
        .unwrap();
    assert!(
        package.contains("asset=\"plumbline-${GITHUB_REF_NAME}-${{ matrix.target }}.tar.gz\""),
        "{package}"
    );
    assert!(
        script.contains("asset=\"plumbline-${version}-${target}.tar.gz\""),
        "{script}"
    );
    assert!(package.contains(".sha256") && script.contains("shasum -a 256 -c"));
    // The hook runs a command that exists.
    assert_eq!(hooks[0]["id"], "plumbline");
    assert_eq!(hooks[0]["entry"], "plumbline lint");
}

#[test]
fn every_plumbline_command_in_the_ci_docs_parses() {
    let mut commands = commands_in_markdown(&read("docs/ci.md"));
    assert!(commands.len() >= 8, "{commands:#?}");
    commands.push(
        yaml(".pre-commit-hooks.yaml")[0]["entry"]
            .as_str()
            .unwrap()
            .to_string(),
    );
    for command in &commands {
        let mut args = words(command);
        assert_eq!(args.remove(0), "plumbline", "{command}");
        // Checked without linting: --show-config parses every flag and loads the
        // configuration, then prints it and exits 0.
        if args.first().map(String::as_str) == Some("lint") {
            if !args.iter().any(|a| a == "--show-config") {
                args.push("--show-config".into());
            }
        } else {
            args.push("--help".into());
        }
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = plumbline(&argv);
        assert_eq!(
            out.status.code(),
            Some(0),
            "`{command}` does not parse: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Rendered output is piped in: every --stdin-filename comes with `-`.
    for command in commands.iter().filter(|c| c.contains("--stdin-filename")) {
        assert!(words(command).iter().any(|w| w == "-"), "{command}");
    }
    assert!(Path::new(&root().join(".github/actions/setup-plumbline/action.yml")).is_file());
}

#[test]
fn shell_words_are_split_like_sh() {
    assert_eq!(
        words("plumbline lint - 'a b' \"c\" \\\n  --x"),
        ["plumbline", "lint", "-", "a b", "c", "--x"]
    );
}
