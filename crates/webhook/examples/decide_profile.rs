//! The in-process phases of one `/validate` (parse_request, decide, serialising the response)
//! run N times on the load benchmark's production Deployment review, for a profiler:
//!
//! ```sh
//! cargo build --release -p plumbline-webhook --example decide_profile
//! valgrind --tool=callgrind --callgrind-out-file=cg.out target/release/examples/decide_profile 200
//! callgrind_annotate --inclusive=yes cg.out | grep -E 'decide|parse_request|to_vec'
//! ```
//!
//! Arguments: iterations (default 200), then `full` (the default config) or `none` (every rule
//! off: the no-rules floor). Run with 0 iterations to count the setup alone; the difference
//! divided by N is the cost of one review.

#![allow(clippy::unwrap_used)] // a profiling harness: failing loudly is the point

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[allow(dead_code)]
#[path = "../benches/load/review.rs"]
mod review;

use policy_core::admission::{self, AdmissionSettings};
use policy_core::{Config, LintOptions, Linter, PolicyPack};

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let rules = args.next().unwrap_or_else(|| "full".into());
    let images = review::unsigned_images();
    let body = review::deployment_review("bench-0000", [&images[0], &images[1]]);
    let pack = PolicyPack::builtin().unwrap();
    let mut config = Config::default();
    if rules == "none" {
        config =
            Config::parse(r#"{"version": 1, "rules": {"ignore": ["*"]}}"#, "none.yaml").unwrap();
    }
    let settings = AdmissionSettings::from_config(&config, Some("plumbline-system")).unwrap();
    let valid = config.validate(&pack).unwrap();
    let linter = Linter::new(pack, valid, LintOptions::default()).unwrap();
    let inventory = policy_core::Inventory::unknown();
    let mut bytes = 0;
    for _ in 0..n {
        let req = admission::parse_request(&body).unwrap();
        let out = admission::decide(&linter, &settings, &req, &inventory);
        bytes += serde_json::to_vec(&out.response).unwrap().len();
    }
    println!(
        "{n} reviews, {} rules active, {bytes} response bytes",
        linter.active_rules().len()
    );
}
