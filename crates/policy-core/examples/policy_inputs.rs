//! The exact policy input of every object, with the rules that apply to it and the violations
//! regorus produced: the engine's side of the OPA parity check (`scripts/opa-parity.sh`).
//!
//! Run: `cargo run -p plumbline-policy-core --example policy_inputs -- [--config FILE]
//! [--now RFC3339] [--data FILE] PATH...`
//!
//! Writes one JSON line per object to stdout:
//! `{"object": "<kind>/<ns>/<name>", "file", "document", "input": {...}, "rules": [ids],
//! "findings": [{"rule", "path", "msg"}], "problems": [text]}`. `rules` are the enabled rules
//! for the object's kind that judge a CREATE (what the linter evaluates); `findings` are every
//! violation regorus produced for them (suppressed or not, at most 100 per rule); `problems` are
//! rule evaluation failures. With `--data FILE`, the data document the rules read
//! (`{"plumbline": {"params": ...}}`, the defaults merged with the config's `params:`) is written
//! to FILE. Every object is evaluated at `--now` (default: the fixtures' instant), so rules that
//! read `input.now` give the same verdicts on both engines.

use std::io::Write;
use std::path::PathBuf;

use policy_core::fixtures::FIXTURE_NOW;
use policy_core::{objects_from_source, Config, LintOptions, Linter, PolicyPack, Request, Source};
use rayon::prelude::*;
use serde_json::{json, Value};

#[allow(clippy::too_many_lines)] // a test tool's main, one pass read top to bottom
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut config_path: Option<PathBuf> = None;
    let mut data_path: Option<PathBuf> = None;
    let mut now = FIXTURE_NOW.to_string();
    let mut paths: Vec<PathBuf> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--config" => config_path = Some(args.next().ok_or("--config needs a file")?.into()),
            "--data" => data_path = Some(args.next().ok_or("--data needs a file")?.into()),
            "--now" => now = args.next().ok_or("--now needs an RFC 3339 instant")?,
            _ => paths.push(a.into()),
        }
    }
    if paths.is_empty() {
        return Err(
            "usage: policy_inputs [--config FILE] [--now RFC3339] [--data FILE] PATH...".into(),
        );
    }

    let pack = PolicyPack::builtin()?;
    let config = match &config_path {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    }
    .validate(&pack)?;
    let mut options = LintOptions::default();
    options.now = now.parse()?;
    // Every rule named by id: the rules that wait for their configuration (docs/tenancy.md) run,
    // so what is compared is the engine's verdict, not the linter's choice of rules.
    options.select = pack.rules.iter().map(|r| r.meta.id.clone()).collect();
    let linter = Linter::new(pack, config, options)?;

    if let Some(p) = &data_path {
        let data = json!({"plumbline": {"params": linter.config().params}});
        std::fs::write(p, serde_json::to_vec(&data)?)?;
    }

    // The steps of `Linter::lint_sources`: sources → objects → one inventory of them all.
    let (files, problems, _notes) = Source::expand(&paths, false);
    for p in &problems {
        eprintln!("policy_inputs: {p}");
    }
    let sources: Vec<Source> = files
        .iter()
        .filter_map(|f| match Source::read(f) {
            Ok(s) => Some(s),
            Err(p) => {
                eprintln!("policy_inputs: {p}");
                None
            }
        })
        .collect();
    let mut objects = Vec::new();
    for s in &sources {
        let (o, problems) = objects_from_source(s);
        for p in problems {
            eprintln!("policy_inputs: {p}");
        }
        objects.extend(o);
    }
    let inventory = linter.inventory(&objects);
    let request = Request::default();
    let compiled = linter.compiled();

    let lines: Vec<Value> = objects
        .par_iter()
        .map(|o| {
            let rules: Vec<&str> = compiled
                .rules_for_kind(&o.reference.kind)
                .into_iter()
                .map(|i| &compiled.rules()[i])
                .filter(|m| m.operations.iter().any(|op| op == request.operation))
                .map(|m| m.id.as_str())
                .collect();
            let input = linter.build_input(o, &inventory, &request);
            let (findings, problems) = linter.check_object_as(o, &inventory, &request);
            let findings: Vec<Value> = findings
                .iter()
                .map(|f| json!({"rule": f.rule, "path": f.path, "msg": f.message}))
                .collect();
            let problems: Vec<String> = problems.iter().map(ToString::to_string).collect();
            json!({
                "object": format!(
                    "{}/{}/{}",
                    o.reference.kind, o.reference.namespace, o.reference.name
                ),
                "file": &*o.file,
                "document": o.document,
                "input": input,
                "rules": rules,
                "findings": findings,
                "problems": problems,
            })
        })
        .collect();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for line in &lines {
        serde_json::to_writer(&mut out, line)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}
