//! Compiling a policy pack into one RVM program: the pack's libraries and enabled rules, an
//! index of the rules by kind, a generated dispatch module that evaluates every rule of a kind in
//! one execution, the parameters as data, and the program with one entry point per rule and per
//! dispatch group.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use regorus::rvm::Program;
use regorus::Value as RValue;

use super::explain::{explain_engine_error, policy_err};
use super::{CompiledPack, Group};
use crate::pack::{PolicyPack, Rule, RuleMeta};
use crate::Error;

/// Rule indices by kind (`workloads` expanded to the workload kinds), and the rules of every kind.
type KindIndex = (HashMap<String, Vec<usize>>, Vec<usize>);

/// The entry point an empty pack compiles to.
const EMPTY_ENTRY_POINT: &str = "data.plumbline.empty.violation";

impl CompiledPack {
    /// Compile `pack` with `params` as `data.plumbline.params`. Only the rules for which
    /// `enabled` returns true are compiled.
    pub fn compile(
        pack: &PolicyPack,
        params: &serde_json::Value,
        enabled: impl Fn(&RuleMeta) -> bool,
    ) -> Result<CompiledPack, Error> {
        Self::compile_cached(pack, params, enabled, None)
    }

    /// [`Self::compile`], reading the compiled program from the cache directory `cache` when an
    /// earlier run compiled the same libraries, rules and parameters with the same build
    /// (`super::cache`), and writing it there otherwise. The cache is best-effort: a missing,
    /// unreadable or stale entry means compiling, never an error.
    pub fn compile_cached(
        pack: &PolicyPack,
        params: &serde_json::Value,
        enabled: impl Fn(&RuleMeta) -> bool,
        cache: Option<&Path>,
    ) -> Result<CompiledPack, Error> {
        let chosen: Vec<&Rule> = pack.rules.iter().filter(|r| enabled(&r.meta)).collect();
        let key = cache.and_then(|_| super::cache::key(pack, &chosen, params));
        let rules: Vec<RuleMeta> = chosen.iter().map(|r| r.meta.clone()).collect();
        let entry_points: Vec<String> = rules
            .iter()
            .map(|m| format!("data.{}.violation", m.package()))
            .collect();
        let (by_kind, any_kind) = index_by_kind(&rules);
        let (module, groups) = dispatch_module(&rules, &by_kind, &any_kind);
        let data = RValue::from(serde_json::json!({ "plumbline": { "params": params } }));
        let cached = match (cache, &key) {
            (Some(dir), Some(key)) => super::cache::load(dir, key)
                .filter(|p| has_entry_points(p, &entry_points, &groups))
                .map(Arc::new),
            _ => None,
        };
        let program = match cached {
            Some(program) => program,
            None => {
                let mut engine = regorus::Engine::new();
                add_libraries(&mut engine, pack)?;
                add_rules(&mut engine, &chosen)?;
                if !groups.is_empty() {
                    engine
                        .add_policy("dispatch.rego".into(), module)
                        .map_err(|e| policy_err("<generated dispatch.rego>", e))?;
                }
                add_params(&mut engine, &data)?;
                let program = compile_program(engine, &rules, &entry_points, &groups)?;
                if let (Some(dir), Some(key)) = (cache, &key) {
                    super::cache::store(dir, key, &program);
                }
                program
            }
        };
        Ok(CompiledPack {
            slow: rules.iter().map(|_| AtomicBool::new(false)).collect(),
            rule_keys: rule_keys(&rules),
            rules,
            entry_points,
            program,
            data,
            by_kind,
            any_kind,
            groups,
            pool: Mutex::new(Vec::new()),
            deadline: None,
        })
    }
}

/// Each rule's id as an engine string (a copy's own: threads share no reference count).
fn rule_keys(rules: &[RuleMeta]) -> Vec<RValue> {
    rules.iter().map(|m| RValue::from(m.id.as_str())).collect()
}

/// Whether a program read from the cache has every entry point the pack evaluates.
fn has_entry_points(program: &Program, entry_points: &[String], groups: &[Group]) -> bool {
    let has = |e: &str| program.entry_points.contains_key(e);
    entry_points.iter().all(|e| has(e)) && groups.iter().all(|g| has(&g.entry))
}

impl CompiledPack {
    /// An independent copy of the compiled pack for another worker thread: the program
    /// serialized and read back (regorus' binary format), so the copy shares no reference-counted
    /// value with this one (threads sharing them contend on the atomic counts), at a fraction of
    /// the cost of compiling the pack again. `None` when the program does not read back whole;
    /// the caller then compiles.
    pub(crate) fn independent_copy(&self) -> Option<CompiledPack> {
        use regorus::rvm::program::DeserializationResult;
        let bytes = self.program.serialize_binary().ok()?;
        let DeserializationResult::Complete(program) = Program::deserialize_binary(&bytes).ok()?
        else {
            return None;
        };
        let data = RValue::from_json_str(&self.data.to_json_str().ok()?).ok()?;
        Some(CompiledPack {
            slow: self.rules.iter().map(|_| AtomicBool::new(false)).collect(),
            rule_keys: rule_keys(&self.rules),
            rules: self.rules.clone(),
            entry_points: self.entry_points.clone(),
            program: Arc::new(program),
            data,
            by_kind: self.by_kind.clone(),
            any_kind: self.any_kind.clone(),
            groups: self.groups.clone(),
            pool: Mutex::new(Vec::new()),
            deadline: self.deadline,
        })
    }
}

/// Add the pack's shared libraries.
fn add_libraries(engine: &mut regorus::Engine, pack: &PolicyPack) -> Result<(), Error> {
    for (path, text) in &pack.libs {
        engine
            .add_policy(path.clone(), text.clone())
            .map_err(|e| policy_err(path, e))?;
    }
    Ok(())
}

/// Add the chosen rules, each in the package its id names (checked).
fn add_rules(engine: &mut regorus::Engine, chosen: &[&Rule]) -> Result<(), Error> {
    for rule in chosen {
        let pkg = engine
            .add_policy(rule.rego_path.clone(), rule.rego.clone())
            .map_err(|e| policy_err(&rule.rego_path, e))?;
        let expected = format!("data.{}", rule.meta.package());
        if pkg != expected {
            return Err(Error::Policy {
                path: rule.rego_path.clone(),
                message: format!("package is `{pkg}`, expected `{expected}`"),
            });
        }
    }
    Ok(())
}

/// The rules of each kind they name, and the rules for any kind (`*`).
fn index_by_kind(rules: &[RuleMeta]) -> KindIndex {
    let mut by_kind: HashMap<String, Vec<usize>> = HashMap::new();
    let mut any_kind = Vec::new();
    for (i, r) in rules.iter().enumerate() {
        for k in &r.kinds {
            match k.as_str() {
                "*" => any_kind.push(i),
                "workloads" => {
                    for w in crate::pack::WORKLOAD_KINDS {
                        by_kind.entry(w.to_string()).or_default().push(i);
                    }
                }
                other => by_kind.entry(other.to_string()).or_default().push(i),
            }
        }
    }
    for v in by_kind.values_mut() {
        v.sort_unstable();
        v.dedup();
    }
    (by_kind, any_kind)
}

/// The generated dispatch module and its groups.
///
/// One entry point per kind referencing every rule for it: a single VM execution then evaluates
/// them all, and shared helpers (containers, pod_spec …) are computed once per object instead of
/// once per rule. Up to four more groups hold the rules that judge the pod views of custom
/// resources (`crate::workloads`), one per view setting (Pod Security and resources judged or
/// not).
fn dispatch_module(
    rules: &[RuleMeta],
    by_kind: &HashMap<String, Vec<usize>>,
    any_kind: &[usize],
) -> (String, Vec<Group>) {
    let mut groups = Vec::new();
    let mut module = String::from("package plumbline.dispatch\n\nimport rego.v1\n");
    let mut add = |name: &str, members: Vec<usize>, module: &mut String| {
        module.push_str(&format!("\n{name} := {{\n"));
        for &i in &members {
            let r = &rules[i];
            module.push_str(&format!("\t{:?}: data.{}.violation,\n", r.id, r.package()));
        }
        module.push_str("}\n");
        groups.push(Group {
            entry: format!("data.plumbline.dispatch.{name}"),
            members,
        });
    };
    for (kind, members) in dispatch_groups(by_kind, any_kind) {
        if members.is_empty() || !kind.chars().all(|c| c.is_ascii_alphanumeric() || c == '*') {
            continue;
        }
        let name = if kind == "*" {
            "any_kind".to_string()
        } else {
            format!("k_{kind}")
        };
        add(&name, members, &mut module);
    }
    // The rules of a custom resource's view depend on whether it judges Pod Security and
    // resources (`View::judged_by`): one group per setting, so that each view's rules are one
    // execution (without a group of at most twice their number they ran one execution per rule).
    let mut view_groups: Vec<Vec<usize>> = Vec::new();
    for (name, pod_security, resources) in [
        ("workload_views", true, true),
        ("workload_views_no_pod_security", false, true),
        ("workload_views_no_resources", true, false),
        ("workload_views_pod_only", false, false),
    ] {
        let members: Vec<usize> = (0..rules.len())
            .filter(|&i| {
                let r = &rules[i];
                crate::workloads::judges_views(&r.id, &r.kinds, &r.params, pod_security, resources)
            })
            .collect();
        if !members.is_empty() && !view_groups.contains(&members) {
            view_groups.push(members.clone());
            add(name, members, &mut module);
        }
    }
    (module, groups)
}

/// Every kind with its rules and the rules for any kind, plus `*` with the latter alone, sorted.
fn dispatch_groups(
    by_kind: &HashMap<String, Vec<usize>>,
    any_kind: &[usize],
) -> Vec<(String, Vec<usize>)> {
    let mut groups: Vec<(String, Vec<usize>)> = by_kind
        .iter()
        .map(|(k, v)| {
            let mut all = v.clone();
            all.extend(any_kind);
            all.sort_unstable();
            all.dedup();
            (k.clone(), all)
        })
        .collect();
    groups.push(("*".to_string(), any_kind.to_vec()));
    groups.sort();
    groups
}

/// Add `data` (`{"plumbline": {"params": …}}`), the data every VM is given.
fn add_params(engine: &mut regorus::Engine, data: &RValue) -> Result<(), Error> {
    engine.add_data(data.clone()).map_err(|e| Error::Policy {
        path: "params".into(),
        message: e.to_string(),
    })
}

/// Compile the engine into an RVM program with the rules' and the dispatch groups' entry points.
fn compile_program(
    mut engine: regorus::Engine,
    rules: &[RuleMeta],
    entry_points: &[String],
    groups: &[Group],
) -> Result<Arc<Program>, Error> {
    let anchor = anchor_entry_point(&mut engine, entry_points)?;
    let compiled = engine
        .compile_with_entrypoint(&anchor)
        .map_err(|e| Error::Policy {
            path: rules
                .first()
                .map(|r: &RuleMeta| r.id.clone())
                .unwrap_or_default(),
            message: explain_engine_error(e.to_string()),
        })?;
    let mut eps: Vec<&str> = if entry_points.is_empty() {
        vec![EMPTY_ENTRY_POINT]
    } else {
        entry_points.iter().map(String::as_str).collect()
    };
    let mut dispatch_eps: Vec<&str> = groups.iter().map(|g| g.entry.as_str()).collect();
    dispatch_eps.sort_unstable();
    eps.extend(dispatch_eps);
    regorus::languages::rego::compiler::Compiler::compile_from_policy(&compiled, &eps).map_err(
        |e| Error::Policy {
            path: "<pack>".into(),
            message: explain_engine_error(format!("RVM compilation failed: {e}")),
        },
    )
}

/// The entry point the engine compiles from: the first rule's. Every rule must define
/// `violation`; an empty pack compiles a trivial program.
fn anchor_entry_point(
    engine: &mut regorus::Engine,
    entry_points: &[String],
) -> Result<regorus::Rc<str>, Error> {
    Ok(match entry_points.first() {
        Some(e) => e.as_str().into(),
        None => {
            engine
                .add_policy(
                    "empty.rego".into(),
                    "package plumbline.empty\nviolation := set()\n".into(),
                )
                .map_err(|e| policy_err("empty.rego", e))?;
            EMPTY_ENTRY_POINT.into()
        }
    })
}
