//! `plumbline.yaml` as the linter and the webhook load it: YAML, JSON Schema validation with line
//! numbers, typed config, checks against the built-in pack, admission settings, the tenancy
//! resolver's patterns and the freeze calendars. Any input: Ok or a config error, never a panic.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use policy_core::admission::AdmissionSettings;
use policy_core::{Config, PolicyPack};

fn pack() -> &'static PolicyPack {
    static P: OnceLock<PolicyPack> = OnceLock::new();
    P.get_or_init(|| PolicyPack::builtin().expect("pack"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(config) = Config::parse(text, "fuzz.yaml") else {
        return;
    };
    let _ = AdmissionSettings::from_config(&config, Some("plumbline-system"));
    let Ok(valid) = config.validate(pack()) else {
        return;
    };
    let path = valid.config.path.clone();
    let _ = policy_core::tenancy::Resolver::new(&valid.config.tenancy, &valid.params, &path);
    let _ = policy_core::calendar::Calendars::new(&valid.config.change_control, &path);
});
