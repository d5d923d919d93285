//! AdmissionReview bodies as the webhook reads them: parsing, then (when well-formed) the whole
//! decision with the built-in pack — suppression governance, namespace handling, response
//! bounds. Any input: an error value or a response with the request's uid, never a panic.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use policy_core::admission::{decide, parse_request, AdmissionSettings};
use policy_core::{Inventory, Linter};

fn linter() -> &'static (Arc<Linter>, AdmissionSettings) {
    static L: OnceLock<(Arc<Linter>, AdmissionSettings)> = OnceLock::new();
    L.get_or_init(|| {
        let config = policy_core::Config::parse(
            "version: 1\nadmission:\n  suppressors: {groups: [platform-admins]}\n",
            "fuzz.yaml",
        )
        .expect("config");
        let settings =
            AdmissionSettings::from_config(&config, Some("plumbline-system")).expect("settings");
        (policy_core::default_linter().expect("linter"), settings)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(req) = parse_request(data) else {
        return;
    };
    let (linter, settings) = linter();
    let out = decide(linter, settings, &req, &Inventory::default());
    assert_eq!(out.response["response"]["uid"], serde_json::json!(req.uid));
    assert_eq!(
        out.response["response"]["allowed"],
        serde_json::json!(out.allowed)
    );
});
