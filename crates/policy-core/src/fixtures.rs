//! The policy pack's fixture suite, shared by `plumbline test` and the test suite.
//!
//! Layout: `<fixtures>/<domain>/<rule-id>/` holds `pass*.yaml` and `fail*.yaml`, and optionally a
//! `plumbline.yaml` used for that rule's cases. Expectations, checked with only that rule enabled:
//! - in a `fail*` file, every object the rule applies to gets at least one finding of the rule,
//!   located at a field that exists in the object (or the parent of a missing field);
//! - in a `pass*` file, no object gets one;
//! - objects annotated `plumbline.dev/fixture: context` (a Namespace, a Middleware the case needs)
//!   are not judged;
//! - no rule fails to evaluate on any fixture.
//!
//! Completeness: every rule has pass and fail files; a rule on workloads has, among both its pass
//! and its fail objects, a Pod and a pod controller.
//!
//! A fixture folder with a `layout/` directory (an OCI image layout of images and signatures) is
//! run with image facts from a verifier built by the suite's [`FactsFactory`] from the folder's
//! `signing:` config and that layout, so signature rules prove both verdicts without a registry.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::imagefacts::ImageFacts;

/// Builds image facts for a fixture folder: (signing config, folder, layout dir).
pub type FactsFactory<'a> =
    &'a dyn Fn(&serde_json::Value, &Path, &Path) -> Result<Arc<dyn ImageFacts>, String>;

use crate::config::Config;
use crate::lint::{LintOptions, Linter};
use crate::object::{objects_from_source, Object};
use crate::pack::{PolicyPack, RuleMeta, WORKLOAD_KINDS};
use crate::source::Source;

/// Annotation that marks a fixture object as context, not judged.
pub const CONTEXT_ANNOTATION: &str = "plumbline.dev/fixture";

/// The instant fixtures are evaluated at, so expiry dates in fixtures are stable.
pub const FIXTURE_NOW: &str = "2026-11-22T12:00:00Z";

/// The outcome of one fixture file, suite case or Rego unit test.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CaseResult {
    /// Rule id.
    pub rule: String,
    /// The case: the fixture or sample file name, or the Rego test rule (`test_…`).
    pub name: String,
    /// Fixture file.
    pub file: PathBuf,
    /// Objects judged.
    pub judged: usize,
    /// What went wrong (empty when the case passed).
    pub failures: Vec<String>,
}

/// The outcome of a whole suite.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct SuiteReport {
    /// One entry per fixture file.
    pub cases: Vec<CaseResult>,
    /// Completeness failures (a rule without fixtures, …).
    pub incomplete: Vec<String>,
}

impl SuiteReport {
    /// True when every case passed and the suite is complete.
    pub fn ok(&self) -> bool {
        self.incomplete.is_empty() && self.cases.iter().all(|c| c.failures.is_empty())
    }
}

/// Run the fixtures of every rule of `pack` (or only `only`, when given).
pub fn run_suite(pack: &PolicyPack, fixtures: &Path, only: Option<&str>) -> SuiteReport {
    run_suite_with(pack, fixtures, only, None)
}

/// [`run_suite`] with a factory for image facts (signature verification).
pub fn run_suite_with(
    pack: &PolicyPack,
    fixtures: &Path,
    only: Option<&str>,
    facts: Option<FactsFactory<'_>>,
) -> SuiteReport {
    let mut report = SuiteReport::default();
    for rule in &pack.rules {
        let meta = &rule.meta;
        if only.is_some_and(|o| o != meta.id && o != meta.domain.as_str()) {
            continue;
        }
        let dir = fixtures.join(meta.domain.as_str()).join(&meta.id);
        run_rule(pack, meta, &dir, facts, &mut report);
    }
    report
}

fn run_rule(
    pack: &PolicyPack,
    meta: &RuleMeta,
    dir: &Path,
    facts: Option<FactsFactory<'_>>,
    report: &mut SuiteReport,
) {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.flatten().map(|e| e.path()).collect(),
        Err(_) => {
            report
                .incomplete
                .push(format!("{}: no fixture folder {}", meta.id, dir.display()));
            return;
        }
    };
    files.sort();
    let config = match dir.join("plumbline.yaml") {
        p if p.is_file() => Config::load(&p),
        _ => Ok(Config::default()),
    };
    let layout = dir.join("layout");
    let linter = config.and_then(|c| c.validate(pack)).and_then(|c| {
        let image_facts = match facts {
            Some(make) if layout.is_dir() => {
                Some(make(&c.config.signing, dir, &layout).map_err(crate::Error::Usage)?)
            }
            _ => None,
        };
        let opts = LintOptions {
            select: vec![meta.id.clone()],
            now: FIXTURE_NOW
                .parse()
                .unwrap_or_else(|_| jiff::Timestamp::now()),
            image_facts,
            ..LintOptions::default()
        };
        Linter::new(pack.clone(), c, opts)
    });
    if layout.is_dir() && facts.is_none() {
        report.incomplete.push(format!(
            "{}: fixtures need image facts from {} but no verifier was given",
            meta.id,
            layout.display()
        ));
        return;
    }
    let linter = match linter {
        Ok(l) => l,
        Err(e) => {
            report.incomplete.push(format!("{}: {e}", meta.id));
            return;
        }
    };
    let mut kinds = [Vec::new(), Vec::new()]; // [pass, fail]
    for file in files {
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let expect_fail = if name.starts_with("fail") {
            true
        } else if name.starts_with("pass") {
            false
        } else {
            continue;
        };
        if !name.ends_with(".yaml") && !name.ends_with(".yml") && !name.ends_with(".json") {
            continue;
        }
        let case = run_case(
            &linter,
            meta,
            &file,
            expect_fail,
            &mut kinds[usize::from(expect_fail)],
        );
        report.cases.push(case);
    }
    for (i, which) in ["pass", "fail"].iter().enumerate() {
        if kinds[i].is_empty() {
            report.incomplete.push(format!(
                "{}: no {which} fixture with a judged object",
                meta.id
            ));
        } else if meta.kinds.iter().any(|k| k == "workloads") {
            let has_pod = kinds[i].iter().any(|k| k == "Pod");
            let has_controller = kinds[i]
                .iter()
                .any(|k| k != "Pod" && WORKLOAD_KINDS.contains(&k.as_str()));
            if !(has_pod && has_controller) {
                report.incomplete.push(format!(
                    "{}: {which} fixtures need a Pod and a pod controller (have {:?})",
                    meta.id, kinds[i]
                ));
            }
        }
    }
}

/// Read and lint one sample file; unreadable files, input problems and rule errors become
/// failures (`None` when the file cannot be read at all).
fn lint_file(
    linter: &Linter,
    file: &Path,
    failures: &mut Vec<String>,
) -> Option<(Vec<Object>, crate::lint::Report)> {
    let source = match Source::read(file) {
        Ok(s) => s,
        Err(p) => {
            failures.push(p.to_string());
            return None;
        }
    };
    let (objects, problems) = objects_from_source(&source);
    for p in problems {
        failures.push(format!("input problem: {p}"));
    }
    let report = linter.lint_objects(&objects);
    for p in &report.problems {
        failures.push(format!("rule error: {p}"));
    }
    Some((objects, report))
}

fn is_context(o: &Object) -> bool {
    o.value["metadata"]["annotations"][CONTEXT_ANNOTATION].as_str() == Some("context")
}

fn run_case(
    linter: &Linter,
    meta: &RuleMeta,
    file: &Path,
    expect_fail: bool,
    kinds: &mut Vec<String>,
) -> CaseResult {
    let mut result = CaseResult {
        rule: meta.id.clone(),
        name: file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        file: file.to_path_buf(),
        judged: 0,
        failures: Vec::new(),
    };
    let Some((objects, report)) = lint_file(linter, file, &mut result.failures) else {
        return result;
    };
    for o in objects.iter().filter(|o| !is_context(o)) {
        if !meta.applies_to(&o.reference.kind) {
            result.failures.push(format!(
                "{} is not a kind `{}` applies to; annotate it `{CONTEXT_ANNOTATION}: context` if it is context",
                o.reference, meta.id
            ));
            continue;
        }
        result.judged += 1;
        kinds.push(o.reference.kind.clone());
        let found: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.rule == meta.id && f.object == o.reference && f.document == o.document)
            .collect();
        if expect_fail && found.is_empty() {
            result.failures.push(format!(
                "{} (document {}): expected a `{}` finding, got none",
                o.reference, o.document, meta.id
            ));
        }
        if !expect_fail {
            for f in &found {
                result.failures.push(format!(
                    "{} (line {}): unexpected finding: {}",
                    o.reference, f.line, f.message
                ));
            }
        }
        for f in &found {
            let exists = o.positions.get(&f.path).is_some()
                || f.path
                    .rfind('/')
                    .is_some_and(|i| o.positions.get(&f.path[..i]).is_some());
            if !exists {
                result.failures.push(format!(
                    "{}: finding path `{}` is neither a field of the object nor the parent of one",
                    o.reference, f.path
                ));
            }
            if let Some(bad) = malformed(&f.message) {
                result.failures.push(format!("{}: {bad}", o.reference));
            }
        }
    }
    result
}

/// What is wrong with a violation the rule emitted, read from the finding's message: the engine
/// marks a violation without a string `msg` or `path` (engine.rs, `violations`). This is checked
/// when rules are tested (`plumbline test`, the fixture suite), not at load time: whether a
/// rule emits them shows only on an input that makes it fire.
fn malformed(message: &str) -> Option<String> {
    if message.trim().is_empty() {
        Some("empty message".into())
    } else if message.contains(crate::engine::NO_MSG) {
        Some("the rule emitted a violation without a string `msg`".into())
    } else if message.contains(crate::engine::NO_PATH) {
        Some("the rule emitted a violation without a string `path` (a JSON pointer)".into())
    } else {
        None
    }
}

/// A rule folder's own suite: `suite.yaml` beside `policy.rego`, with sample manifests.
///
/// ```yaml
/// cases:
///   - file: samples/fail.yaml        # relative to the rule folder
///     config: samples/plumbline.yaml # optional config for this case
///     expect:
///       - object: Deployment/odoo    # name, Kind/name or Kind/namespace/name
///         count: 1                   # findings of the rule on it (default: at least one)
///         message: allow-list        # a fragment of one finding's message
///         path: /spec/template/metadata/annotations   # one finding's exact JSON pointer
///   - file: samples/pass.yaml
///     expect: []                     # no object may get a finding
/// ```
///
/// Objects a case does not list must get no finding of the rule; objects annotated
/// `plumbline.dev/fixture: context` are not judged.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SuiteFile {
    cases: Vec<SuiteCase>,
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SuiteCase {
    file: String,
    #[serde(default)]
    config: Option<String>,
    #[serde(default)]
    expect: Vec<Expectation>,
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Expectation {
    object: String,
    #[serde(default)]
    rule: Option<String>,
    #[serde(default)]
    count: Option<usize>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    path: Option<String>,
}

/// Name of a rule folder's suite file.
pub const SUITE_FILE: &str = "suite.yaml";

/// Run `suite.yaml` of the rule `rule` in `dir` (its folder) against `pack`. A suite that cannot
/// be read is one failed case naming the file and line.
pub fn run_rule_suite(pack: &PolicyPack, rule: &str, dir: &Path) -> Vec<CaseResult> {
    let suite_path = dir.join(SUITE_FILE);
    let fail = |name: &str, file: &Path, msg: String| CaseResult {
        rule: rule.to_string(),
        name: name.to_string(),
        file: file.to_path_buf(),
        judged: 0,
        failures: vec![msg],
    };
    let text = match std::fs::read_to_string(&suite_path) {
        Ok(t) => t,
        Err(e) => {
            return vec![fail(
                SUITE_FILE,
                &suite_path,
                format!("cannot read it: {e}"),
            )]
        }
    };
    let suite: SuiteFile = match crate::pack::yaml_value(&text, &suite_path.display().to_string())
        .and_then(|v| {
            serde_json::from_value(v).map_err(|e| crate::Error::Policy {
                path: suite_path.display().to_string(),
                message: format!(
                    "invalid suite: {e} (expected `cases: [{{file, config?, expect: [{{object, \
                     rule?, count?, message?, path?}}]}}]`)"
                ),
            })
        }) {
        Ok(s) => s,
        Err(e) => return vec![fail(SUITE_FILE, &suite_path, e.to_string())],
    };
    if suite.cases.is_empty() {
        return vec![fail(SUITE_FILE, &suite_path, "no cases".into())];
    }
    suite
        .cases
        .iter()
        .map(|case| run_suite_case(pack, rule, dir, case))
        .collect()
}

fn run_suite_case(pack: &PolicyPack, rule: &str, dir: &Path, case: &SuiteCase) -> CaseResult {
    let file = dir.join(&case.file);
    let mut result = CaseResult {
        rule: rule.to_string(),
        name: case.file.clone(),
        file: file.clone(),
        judged: 0,
        failures: Vec::new(),
    };
    let mut rules: Vec<String> = vec![rule.to_string()];
    for e in &case.expect {
        if let Some(r) = &e.rule {
            if pack.rule(r).is_none() {
                result
                    .failures
                    .push(format!("expectation for {}: unknown rule `{r}`", e.object));
                return result;
            }
            if !rules.contains(r) {
                rules.push(r.clone());
            }
        }
    }
    let config = match &case.config {
        Some(c) => Config::load(&dir.join(c)),
        None => Ok(Config::default()),
    };
    let linter = config.and_then(|c| c.validate(pack)).and_then(|c| {
        let opts = LintOptions {
            select: rules.clone(),
            now: FIXTURE_NOW
                .parse()
                .unwrap_or_else(|_| jiff::Timestamp::now()),
            ..LintOptions::default()
        };
        Linter::new(pack.clone(), c, opts)
    });
    let linter = match linter {
        Ok(l) => l,
        Err(e) => {
            result.failures.push(e.to_string());
            return result;
        }
    };
    let Some((objects, report)) = lint_file(&linter, &file, &mut result.failures) else {
        return result;
    };
    let judged: Vec<&Object> = objects.iter().filter(|o| !is_context(o)).collect();
    result.judged = judged.len();
    let matches = |o: &Object, want: &str| {
        let r = &o.reference;
        want == r.name
            || want == format!("{}/{}", r.kind, r.name)
            || want == format!("{}/{}/{}", r.kind, r.namespace, r.name)
    };
    let mut listed = vec![false; judged.len()];
    for e in &case.expect {
        let hits: Vec<usize> = (0..judged.len())
            .filter(|&i| matches(judged[i], &e.object))
            .collect();
        let i = match hits.as_slice() {
            [i] => *i,
            [] => {
                result.failures.push(format!(
                    "expectation for `{}`: no such object in {} (objects: {})",
                    e.object,
                    case.file,
                    judged
                        .iter()
                        .map(|o| format!("{}/{}", o.reference.kind, o.reference.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                continue;
            }
            _ => {
                result.failures.push(format!(
                    "expectation for `{}`: {} objects match; write Kind/namespace/name",
                    e.object,
                    hits.len()
                ));
                continue;
            }
        };
        let o = judged[i];
        let want_rule = e.rule.as_deref().unwrap_or(rule);
        if want_rule == rule {
            listed[i] = true;
        }
        let found: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.rule == want_rule && f.object == o.reference && f.document == o.document)
            .collect();
        let ok_count = match e.count {
            Some(n) => found.len() == n,
            None => !found.is_empty(),
        };
        if !ok_count {
            result.failures.push(format!(
                "{}: expected {} `{want_rule}` finding(s), got {}{}",
                e.object,
                e.count
                    .map_or("at least one".to_string(), |n| n.to_string()),
                found.len(),
                found
                    .iter()
                    .map(|f| format!("\n        {} at {}: {}", f.line, f.path, f.message))
                    .collect::<String>()
            ));
        }
        if let Some(m) = &e.message {
            if !found.iter().any(|f| f.message.contains(m.as_str())) {
                result.failures.push(format!(
                    "{}: no `{want_rule}` finding's message contains {m:?}",
                    e.object
                ));
            }
        }
        if let Some(p) = &e.path {
            if !found.iter().any(|f| &f.path == p) {
                result.failures.push(format!(
                    "{}: no `{want_rule}` finding at path {p} (paths: {})",
                    e.object,
                    found
                        .iter()
                        .map(|f| f.path.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        for f in &found {
            if let Some(bad) = malformed(&f.message) {
                result.failures.push(format!("{}: {bad}", e.object));
            }
        }
    }
    for (i, o) in judged.iter().enumerate() {
        if listed[i] {
            continue;
        }
        for f in report
            .findings
            .iter()
            .filter(|f| f.rule == rule && f.object == o.reference && f.document == o.document)
        {
            result.failures.push(format!(
                "{}/{} (line {}): unexpected `{rule}` finding (list the object in `expect` if it \
                 is meant): {}",
                o.reference.kind, o.reference.name, f.line, f.message
            ));
        }
    }
    result
}

/// Run the Rego unit tests of rule `rule`: every rule named `test_…` in `test_files` ((path,
/// source) pairs, e.g. the rule folder's `policy_test.rego`), evaluated with regorus'
/// interpreter over the pack's libraries, the rule's policy and the pack's default parameters
/// as `data.plumbline.params`. A test passes when it is `true`; `with input as …` and
/// `with data.… as …` replace documents as in OPA. The interpreter, not the RVM the pack runs
/// on: regorus 0.14.1's RVM compiler rejects `with` ("not supported by the compiler yet"), so
/// suites (samples, fixtures) are what prove the RVM's verdicts.
pub fn run_rego_tests(
    pack: &PolicyPack,
    rule: &str,
    test_files: &[(PathBuf, String)],
) -> Vec<CaseResult> {
    let case = |file: &Path, name: &str, failures: Vec<String>| CaseResult {
        rule: rule.to_string(),
        name: name.to_string(),
        file: file.to_path_buf(),
        judged: 0,
        failures,
    };
    let Some(r) = pack.rules.iter().find(|r| r.meta.id == rule) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (path, text) in test_files {
        let mut engine = regorus::Engine::new();
        let mut setup = || -> Result<String, String> {
            for (p, t) in &pack.libs {
                engine
                    .add_policy(p.clone(), t.clone())
                    .map_err(|e| e.to_string())?;
            }
            engine
                .add_policy(r.rego_path.clone(), r.rego.clone())
                .map_err(|e| e.to_string())?;
            let pkg = engine
                .add_policy(path.display().to_string(), text.clone())
                .map_err(|e| e.to_string())?;
            let data = serde_json::json!({"plumbline": {"params": pack.default_params}});
            engine
                .add_data(regorus::Value::from(data))
                .map_err(|e| e.to_string())?;
            Ok(pkg)
        };
        let pkg = match setup() {
            Ok(p) => p,
            Err(e) => {
                out.push(case(path, "load", vec![e]));
                continue;
            }
        };
        let names = test_rule_names(text);
        if names.is_empty() {
            out.push(case(
                path,
                "load",
                vec![
                    "no test rules: name them `test_…` (e.g. `test_latest_denied if { … }`)".into(),
                ],
            ));
            continue;
        }
        for name in names {
            let failures = match engine.eval_rule(format!("{pkg}.{name}")) {
                Ok(regorus::Value::Bool(true)) => Vec::new(),
                Ok(regorus::Value::Undefined) => {
                    vec!["undefined: an expression in its body was false".into()]
                }
                Ok(v) => vec![format!("expected true, got {v}")],
                Err(e) => vec![format!("error: {e}")],
            };
            out.push(case(path, &name, failures));
        }
    }
    out
}

/// Names of the rules `test_…` defined in a Rego source (at the start of a line).
fn test_rule_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in text.lines() {
        if !line.starts_with("test_") {
            continue;
        }
        let name: String = line
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The policy input the engine builds for every object of examples/ and of every fixture
    /// folder (with the folder's config), offline and as an UPDATE in admission, is valid
    /// against `schemas/policy-input.schema.json`; and the schema rejects a wrong field.
    #[test]
    fn policy_inputs_match_the_input_schema() {
        use crate::config::{FILE_NAME, INPUT_SCHEMA};
        use crate::{objects_from_source, Request};
        use serde_json::Value;
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let schema: Value = serde_json::from_str(INPUT_SCHEMA).unwrap();
        assert!(schema["$id"].as_str().unwrap().ends_with("/v1.json"));
        let validator = jsonschema::validator_for(&schema).unwrap();
        let pack = PolicyPack::builtin().unwrap();
        // (config, paths): examples with the default config, each fixture folder with its own.
        let mut runs: Vec<(Option<PathBuf>, Vec<PathBuf>)> =
            vec![(None, vec![root.join("examples")])];
        for domain in std::fs::read_dir(root.join("tests/fixtures"))
            .unwrap()
            .flatten()
        {
            for rule in std::fs::read_dir(domain.path()).unwrap().flatten() {
                let cfg = rule.path().join(FILE_NAME);
                runs.push((cfg.is_file().then_some(cfg), vec![rule.path()]));
            }
        }
        let mut checked = 0;
        let mut errors = Vec::new();
        for (cfg, paths) in runs {
            let config = match &cfg {
                Some(p) => Config::load(p).unwrap(),
                None => Config::default(),
            };
            let linter = Linter::new(
                pack.clone(),
                config.validate(&pack).unwrap(),
                LintOptions::default(),
            )
            .unwrap();
            let (files, _, _) = Source::expand(&paths, false);
            let mut objects = Vec::new();
            for f in files {
                let Ok(source) = Source::read(&f) else {
                    continue;
                };
                objects.extend(objects_from_source(&source).0);
            }
            let inventory = linter.inventory(&objects);
            for o in &objects {
                let update = Request {
                    operation: "UPDATE",
                    old_object: Some(&o.value),
                    user: serde_json::json!({"username": "alice", "groups": ["dev"]}),
                    ..Request::default()
                };
                for request in [Request::default(), update] {
                    let input = linter.build_input(o, &inventory, &request);
                    checked += 1;
                    for e in validator.iter_errors(&input) {
                        errors.push(format!(
                            "{} {}: {}: {e}",
                            o.file,
                            o.reference,
                            e.instance_path()
                        ));
                    }
                }
            }
        }
        assert!(checked > 500, "{checked} inputs");
        assert!(
            errors.is_empty(),
            "{}",
            errors[..errors.len().min(20)].join("\n")
        );
        let bad = serde_json::json!({"operation": "PATCH"});
        assert!(!validator.is_valid(&bad));
    }

    #[test]
    fn test_rules_are_found_at_line_starts() {
        let text =
            "package x\n\ntest_a if { true }\n\n# test_b\ntest_a if { 1 == 1 }\ntest_c := true\n";
        assert_eq!(test_rule_names(text), ["test_a", "test_c"]);
    }
}
