//! Manifests as read by `plumbline lint`: the YAML loader with positions, then objects (List
//! expansion, JSON pointers → positions). Any input: no panic, no hang, bounded memory.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policy_core::{objects_from_source, Source};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for doc in policy_core::yaml::parse_stream(text).into_iter().flatten() {
        // Every recorded position must be inside the text.
        let _ = doc.positions.nearest("/metadata/name");
    }
    let (objects, _problems) = objects_from_source(&Source::new("fuzz.yaml", text));
    for o in &objects {
        let _ = o.position_of("/spec/template/spec/containers/0/image");
        let _ = o.position_of("/metadata/annotations");
        let _ = o.position();
    }
});
