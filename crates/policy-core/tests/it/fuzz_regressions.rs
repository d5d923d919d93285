//! Replays fuzz/regressions/<target>/* (crash reproducers kept from fuzzing) and a sample of the
//! fuzz corpus through the same code as the fuzz targets in fuzz/fuzz_targets, without libFuzzer.

use std::path::PathBuf;

use policy_core::admission::{decide, parse_request, AdmissionSettings};
use policy_core::{objects_from_source, Config, Inventory, PolicyPack, Source};

fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// Regression inputs, then up to `sample` corpus inputs, of a target.
fn inputs(target: &str, sample: usize) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for (dir, limit) in [("regressions", usize::MAX), ("corpus", sample)] {
        let Ok(entries) = std::fs::read_dir(fuzz_dir().join(dir).join(target)) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for p in paths.into_iter().filter(|p| p.is_file()).take(limit) {
            let bytes = std::fs::read(&p).unwrap();
            out.push((p, bytes));
        }
    }
    out
}

fn yaml_loader(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for doc in policy_core::yaml::parse_stream(text).into_iter().flatten() {
        let _ = doc.positions.nearest("/metadata/name");
    }
    let (objects, _) = objects_from_source(&Source::new("fuzz.yaml", text));
    for o in &objects {
        let _ = o.position_of("/spec/template/spec/containers/0/image");
        let _ = o.position_of("/metadata/annotations");
        let _ = o.position();
    }
}

fn config_loader(data: &[u8], pack: &PolicyPack) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(config) = Config::parse(text, "fuzz.yaml") else {
        return;
    };
    let _ = AdmissionSettings::from_config(&config, Some("plumbline-system"));
    let Ok(valid) = config.validate(pack) else {
        return;
    };
    let path = valid.config.path.clone();
    let _ = policy_core::tenancy::Resolver::new(&valid.config.tenancy, &valid.params, &path);
    let _ = policy_core::calendar::Calendars::new(&valid.config.change_control, &path);
}

#[test]
fn fuzz_regressions_and_corpus_sample_replay() {
    for (p, data) in inputs("yaml_loader", 40) {
        eprintln!("yaml_loader {}", p.display());
        yaml_loader(&data);
    }
    let pack = PolicyPack::builtin().unwrap();
    for (p, data) in inputs("config_loader", 40) {
        eprintln!("config_loader {}", p.display());
        config_loader(&data, &pack);
    }
    let config = Config::parse(
        "version: 1\nadmission:\n  suppressors: {groups: [platform-admins]}\n",
        "fuzz.yaml",
    )
    .unwrap();
    let settings = AdmissionSettings::from_config(&config, Some("plumbline-system")).unwrap();
    let linter = policy_core::default_linter().unwrap();
    for (p, data) in inputs("admission_review", 20) {
        eprintln!("admission_review {}", p.display());
        if let Ok(req) = parse_request(&data) {
            let out = decide(&linter, &settings, &req, &Inventory::default());
            assert_eq!(out.response["response"]["uid"], serde_json::json!(req.uid));
        }
    }
}
