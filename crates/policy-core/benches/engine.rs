#![allow(clippy::unwrap_used)] // benchmarks: a panic is a broken setup
//! Evaluation cost and lint throughput.
//!
//! `cargo bench -p plumbline-policy-core --bench engine`
//! - `corpus/full-pack` vs `corpus/parse-only`: the whole ../shared/corpus (read into memory first)
//!   linted with every rule, and the same run with every rule off (parse, positions, inventory);
//! - `corpus/full-pack-{1,2}-thread`: the full-pack run on rayon pools of 1 and 2 threads;
//! - `object/deployment`: one Deployment through the full pack (input build + evaluation).

use std::path::Path;

/// The binaries' allocator, so the figures are theirs.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use policy_core::{
    expand_paths, objects_from_source, Config, Inventory, LintOptions, Linter, PolicyPack, Source,
};

fn corpus() -> Vec<Source> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    let (files, _) = expand_paths(&[dir]);
    files.iter().filter_map(|f| Source::read(f).ok()).collect()
}

fn linter(select: &[&str], ignore: &[&str]) -> Linter {
    let pack = PolicyPack::builtin().expect("pack");
    let config = Config::default().validate(&pack).expect("config");
    let mut opts = LintOptions::default();
    opts.select = select.iter().map(|s| s.to_string()).collect();
    opts.ignore = ignore.iter().map(|s| s.to_string()).collect();
    Linter::new(pack, config, opts).expect("linter")
}

const DEPLOYMENT: &str = include_str!("../../../examples/erp-stack/odoo.yaml");

fn benches(c: &mut Criterion) {
    let sources = corpus();
    let objects: usize = sources.iter().map(|s| objects_from_source(s).0.len()).sum();
    let full = linter(&[], &[]);
    let none = linter(&[], &["*"]);
    assert!(none.active_rules().is_empty());

    let mut g = c.benchmark_group("corpus");
    g.sample_size(10);
    g.throughput(Throughput::Elements(objects as u64));
    g.bench_function("full-pack", |b| b.iter(|| full.lint_sources(&sources)));
    g.bench_function("parse-only", |b| b.iter(|| none.lint_sources(&sources)));
    // Parallel scaling: the same full-pack run on rayon pools of 1 and 2 threads.
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        g.bench_function(format!("full-pack-{threads}-thread"), |b| {
            b.iter(|| pool.install(|| full.lint_sources(&sources)))
        });
    }
    g.finish();

    let (objs, _) = objects_from_source(&Source::new("odoo.yaml", DEPLOYMENT));
    let deployment = objs
        .into_iter()
        .find(|o| o.reference.kind == "Deployment")
        .expect("deployment");
    let inv = Inventory::default();
    let mut g = c.benchmark_group("object");
    g.throughput(Throughput::Elements(1));
    g.bench_function("deployment", |b| {
        b.iter(|| full.check_object(&deployment, &inv))
    });
    g.finish();
}

criterion_group!(engine, benches);
criterion_main!(engine);
