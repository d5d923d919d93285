use super::*;
use crate::pack::PolicyPack;

/// A rule that exceeds its budget fails alone, named, while the other rules of the object
/// keep their verdicts; later objects of its kind are evaluated rule by rule.
#[test]
fn a_runaway_rule_fails_alone_within_its_budget() {
    let meta = |id: &str| {
        format!(
            "id: {id}\ntitle: t\ndomain: acme\nseverity: warning\nkinds: [ConfigMap]\n\
             description: d\nremediation: r\nexample: e\n"
        )
    };
    let runaway = "package plumbline.rules.runaway\nimport rego.v1\nviolation contains v if {\n\
        n := count([x | some x in numbers.range(1, 100000); some y in numbers.range(1, 100000); x != y])\n\
        n > 0\nv := {\"msg\": \"never\", \"path\": \"\"}\n}\n";
    let quick = "package plumbline.rules.quick\nimport rego.v1\n\
        violation contains {\"msg\": \"quick\", \"path\": \"/metadata\"} if true\n";
    let pack = PolicyPack::from_files(
        [
            ("acme/runaway/rule.yaml".to_string(), meta("runaway")),
            ("acme/runaway/policy.rego".to_string(), runaway.to_string()),
            ("acme/quick/rule.yaml".to_string(), meta("quick")),
            ("acme/quick/policy.rego".to_string(), quick.to_string()),
        ],
        "test",
    )
    .unwrap();
    let mut compiled = CompiledPack::compile(&pack, &serde_json::json!({}), |_| true).unwrap();
    compiled.set_deadline(Some(Duration::from_millis(200)));
    let input = RValue::from(serde_json::json!({"object": {"kind": "ConfigMap"}}));
    for round in 0..2 {
        let started = std::time::Instant::now();
        let out = compiled.evaluate_kind(input.clone(), "ConfigMap");
        let took = started.elapsed();
        let by_id = |id: &str| {
            out.iter()
                .find(|(i, _)| compiled.rules()[*i].id == id)
                .map(|(_, o)| o.clone())
                .unwrap()
        };
        let e = by_id("runaway").unwrap_err();
        assert!(e.starts_with(BUDGET_EXCEEDED), "{e}");
        assert_eq!(by_id("quick").unwrap().len(), 1);
        // Round 0: the execution of both (200 ms) then the rule alone (100 ms); round 1:
        // the rule alone only.
        let bound = if round == 0 { 2000 } else { 1000 };
        assert!(
            took < Duration::from_millis(bound),
            "round {round}: {took:?}"
        );
    }
    let msg = format!("rule `runaway` failed on ConfigMap/a/b: {BUDGET_EXCEEDED} (100 ms)");
    assert_eq!(budget_exceeded_rule(&msg), Some("runaway"));
    assert_eq!(
        budget_exceeded_rule("rule `x` failed on C/a/b: other"),
        None
    );
}

/// A function regorus lacks is named, and whether OPA has it is said; load errors of a
/// custom rule point at file:line:column.
#[test]
fn load_errors_name_the_file_position_and_missing_builtins() {
    let pack_with = |rego: &str| {
        let meta = "id: r\ntitle: t\ndomain: acme\nseverity: warning\nkinds: [Pod]\n\
                    description: d\nremediation: r\nexample: e\n";
        PolicyPack::from_files(
            [
                ("acme/r/rule.yaml".to_string(), meta.to_string()),
                ("acme/r/policy.rego".to_string(), rego.to_string()),
            ],
            "custom",
        )
        .unwrap()
    };
    let compile = |rego: &str| {
        CompiledPack::compile(&pack_with(rego), &serde_json::json!({}), |_| true)
            .unwrap_err()
            .to_string()
    };
    let head = "package plumbline.rules.r\n\nimport rego.v1\n\n";
    let e = compile(&format!(
        "{head}violation contains v if {{\n\tx := json.patch({{}}, [])\n\tv := {{\"msg\": \"m\", \"path\": \"\"}}\n}}\n"
    ));
    assert!(e.contains("json.patch") && e.contains("OPA builtin"), "{e}");
    let e = compile(&format!(
        "{head}violation contains v if {{\n\tx := jsn.marshal(1)\n\tv := {{\"msg\": x, \"path\": \"\"}}\n}}\n"
    ));
    assert!(e.contains("neither a regorus builtin nor an OPA"), "{e}");
    let e = compile(&format!("{head}violation contains v if {{\n\tv := \n}}\n"));
    assert!(e.contains("acme/r/policy.rego:6:"), "{e}");
    let e = compile("package acme.r\n\nimport rego.v1\n\nviolation := set()\n");
    assert!(
        e.contains("package is `data.acme.r`, expected `data.plumbline.rules.r`"),
        "{e}"
    );
}

/// The direct conversion gives what the JSON text round trip it replaced gave.
#[test]
fn to_json_matches_the_serializer() {
    let texts = [
        r#"{"a": [1, -2, 3.5, 1e300, 18446744073709551615, 0.1], "b": null, "c": true, "d": "x\"y", "e": {}}"#,
        r#"[{"k": [[], {"z": 1.0}]}, "s", false, -9223372036854775808]"#,
    ];
    for t in texts {
        let v = RValue::from_json_str(t).expect("value");
        let old: serde_json::Value =
            serde_json::from_str(&v.to_json_str().expect("text")).expect("json");
        assert_eq!(to_json(&v), old, "{t}");
    }
    let mut set = std::collections::BTreeSet::new();
    set.insert(RValue::from("b"));
    set.insert(RValue::from(2u64));
    let v = RValue::from(set);
    let old: serde_json::Value =
        serde_json::from_str(&v.to_json_str().expect("text")).expect("json");
    assert_eq!(to_json(&v), old);
    assert_eq!(to_json(&RValue::Undefined), serde_json::Value::Null);
}

/// The built-in pack compiled with the default parameters, and a Deployment's policy input.
fn builtin_and_deployment() -> (CompiledPack, RValue) {
    let pack = PolicyPack::builtin().unwrap();
    let config = crate::Config::default().validate(&pack).unwrap();
    let compiled = CompiledPack::compile(&pack, &config.params, |_| true).unwrap();
    let input = RValue::from(serde_json::json!({
        "operation": "CREATE",
        "namespace": {"name": "erp", "labels": {}, "annotations": {}, "known": false},
        "object": {
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "odoo", "namespace": "erp"},
            "spec": {"replicas": 1, "template": {"metadata": {"labels": {"app": "odoo"}},
                "spec": {"hostNetwork": true, "containers": [
                    {"name": "odoo", "image": "odoo:latest",
                     "securityContext": {"privileged": true}},
                    {"name": "sidecar", "image": "busybox"}
                ]}}}
        }
    }));
    (compiled, input)
}

/// Sorted (rule id, outcome) pairs, to compare two evaluations.
fn by_id(pack: &CompiledPack, out: Vec<(usize, RuleOutcome)>) -> Vec<(String, RuleOutcome)> {
    let mut v: Vec<_> = out
        .into_iter()
        .map(|(i, o)| (pack.rules()[i].id.clone(), o))
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// One execution of a dispatch group gives each rule the verdict it gets alone: for every
/// rule of a kind, and for a subset of the workload rules (a custom resource's pod view), which
/// runs the smallest group holding it.
#[test]
fn a_dispatch_group_gives_the_verdicts_of_rules_run_alone() {
    let (pack, input) = builtin_and_deployment();
    let rules = pack.rules_for_kind("Deployment");
    let grouped = by_id(&pack, pack.evaluate_kind(input.clone(), "Deployment"));
    let alone = by_id(&pack, pack.evaluate(input.clone(), &rules));
    assert_eq!(grouped, alone);
    assert!(grouped
        .iter()
        .any(|(_, o)| o.as_ref().is_ok_and(|v| !v.is_empty())));
    // The rules of a view, for each setting a view can have: a group of exactly those.
    let mut entries = std::collections::BTreeSet::new();
    for (pod_security, resources) in [(true, true), (false, true), (true, false), (false, false)] {
        let workload: Vec<usize> = (0..pack.rules().len())
            .filter(|&i| {
                let r = &pack.rules()[i];
                crate::workloads::judges_views(&r.id, &r.kinds, &r.params, pod_security, resources)
            })
            .collect();
        let group = pack
            .group_for(&workload)
            .expect("a group holds the rules of a view");
        assert_eq!(group.members, workload, "{}", group.entry);
        entries.insert(group.entry.clone());
        let grouped = by_id(&pack, pack.evaluate_rules(input.clone(), &workload));
        let alone = by_id(&pack, pack.evaluate(input.clone(), &workload));
        assert_eq!(grouped.len(), workload.len());
        assert_eq!(grouped, alone);
        // One rule is not worth a group of many: it runs alone.
        assert!(pack.group_for(&workload[..1]).is_none());
    }
    assert_eq!(entries.len(), 4, "{entries:?}");
}

/// A worker thread's copy, read back from the serialized program, judges as the original.
#[test]
fn an_independent_copy_judges_as_the_original() {
    let (pack, input) = builtin_and_deployment();
    let copy = pack
        .independent_copy()
        .expect("the program reads back whole");
    assert_eq!(copy.rules(), pack.rules());
    assert_eq!(
        by_id(&copy, copy.evaluate_kind(input.clone(), "Deployment")),
        by_id(&pack, pack.evaluate_kind(input, "Deployment"))
    );
}

/// A program compiled once is read back from the cache directory and judges as a fresh
/// compilation; a damaged entry is ignored (compiled again), and other parameters are another
/// entry.
#[test]
fn the_compile_cache_reads_back_what_it_wrote_and_ignores_damage() {
    let (fresh, input) = builtin_and_deployment();
    let pack = PolicyPack::builtin().unwrap();
    let params = crate::Config::default().validate(&pack).unwrap().params;
    let dir = std::env::temp_dir().join(format!("plumbline-cache-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let verdicts = |p: &CompiledPack| by_id(p, p.evaluate_kind(input.clone(), "Deployment"));
    let first = CompiledPack::compile_cached(&pack, &params, |_| true, Some(&dir)).unwrap();
    let entries: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
    let chosen: Vec<&crate::pack::Rule> = pack.rules.iter().collect();
    let key = cache::key(&pack, &chosen, &params).unwrap();
    assert!(cache::load(&dir, &key).is_some());
    let second = CompiledPack::compile_cached(&pack, &params, |_| true, Some(&dir)).unwrap();
    assert_eq!(verdicts(&first), verdicts(&fresh));
    assert_eq!(verdicts(&second), verdicts(&fresh));
    // A flipped byte in the payload: the checksum refuses it, the pack compiles anyway.
    let path = entries[0].path();
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&path, &bytes).unwrap();
    assert!(cache::load(&dir, &key).is_none());
    let third = CompiledPack::compile_cached(&pack, &params, |_| true, Some(&dir)).unwrap();
    assert_eq!(verdicts(&third), verdicts(&fresh));
    assert!(
        cache::load(&dir, &key).is_some(),
        "the entry is written again"
    );
    let mut other = params.clone();
    other["labels"] = serde_json::json!({"required": [{"key": "team"}]});
    assert_ne!(cache::key(&pack, &chosen, &other).unwrap(), key);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Writing an entry beyond the cache's size removes the least recently used ones.
#[test]
fn the_compile_cache_keeps_the_most_recently_used_entries() {
    let dir = std::env::temp_dir().join(format!("plumbline-cache-lru-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let old = std::time::SystemTime::now() - Duration::from_secs(3600);
    for i in 0..cache::KEEP + 3 {
        let path = dir.join(format!("pack-{i:04}.bin"));
        std::fs::write(&path, b"x").unwrap();
        let age = Duration::from_secs(u64::try_from(i).unwrap());
        let f = std::fs::File::options().write(true).open(&path).unwrap();
        f.set_modified(old + age).unwrap();
    }
    std::fs::write(dir.join("unrelated.txt"), b"kept").unwrap();
    let pack = PolicyPack::from_files(Vec::<(String, String)>::new(), "empty").unwrap();
    let compiled = CompiledPack::compile(&pack, &serde_json::json!({}), |_| true).unwrap();
    cache::store(&dir, "new", &compiled.program);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), cache::KEEP + 1, "{names:?}");
    assert!(names.contains(&"unrelated.txt".to_string()));
    assert!(names.contains(&"pack-new.bin".to_string()));
    for gone in [
        "pack-0000.bin",
        "pack-0001.bin",
        "pack-0002.bin",
        "pack-0003.bin",
    ] {
        assert!(!names.contains(&gone.to_string()), "{gone} was the oldest");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
