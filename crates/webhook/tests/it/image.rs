//! The Dockerfile's dependency layer copies every workspace member's manifest: cargo refuses to
//! load a workspace with a member missing, so a crate added to `[workspace] members` without its
//! `COPY` line breaks the image build (and the end-to-end tests, which run that build stage).

use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn the_dockerfile_copies_every_workspace_member_manifest() {
    let cargo = std::fs::read_to_string(root().join("Cargo.toml")).expect("Cargo.toml");
    let members_line = cargo
        .lines()
        .find(|l| l.trim_start().starts_with("members"))
        .expect("a members line in the workspace Cargo.toml");
    let members: Vec<&str> = members_line.split('"').skip(1).step_by(2).collect();
    assert!(members.len() >= 5, "{members:?}");
    let dockerfile = std::fs::read_to_string(root().join("Dockerfile")).expect("Dockerfile");
    for m in members {
        let copy = format!("COPY {m}/Cargo.toml {m}/");
        assert!(
            dockerfile.lines().any(|l| l.trim() == copy),
            "the Dockerfile lacks `{copy}` for workspace member {m}"
        );
    }
}
