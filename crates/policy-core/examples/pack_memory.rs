//! Where the linter's memory floor goes: resident and peak memory after each start-up step
//! (pack read, config checked, pack compiled, one more compiled copy as each extra worker
//! thread makes, copies dropped), with the linter's allocator.
//!
//! Run: `cargo run --release -p plumbline-policy-core --example pack_memory`

#![allow(clippy::unwrap_used)] // a measuring harness: failing loudly is the point

use policy_core::{CompiledPack, Config, PolicyPack};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// One line: the step, then `VmRSS` and `VmHWM` from `/proc/self/status`.
fn status(step: &str) {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        s.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    println!(
        "{step:<22} rss {:>10}  peak {:>10}",
        field("VmRSS:"),
        field("VmHWM:")
    );
}

fn main() {
    status("start");
    let pack = PolicyPack::builtin().unwrap();
    status("pack read");
    let config = Config::default().validate(&pack).unwrap();
    status("config checked");
    let first = CompiledPack::compile(&pack, &config.params, |_| true).unwrap();
    status("compiled (1 copy)");
    let second = CompiledPack::compile(&pack, &config.params, |_| true).unwrap();
    status("compiled (2 copies)");
    drop(second);
    drop(first);
    status("copies dropped");
}
