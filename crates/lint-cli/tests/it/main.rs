//! End-to-end tests of the `plumbline` binary: exit codes, formats, errors, stdin, the corpus.
#![allow(clippy::unwrap_used)] // a panic in a test is a failure with a message

mod ci;
mod cli;
mod configs;
mod corpus;
mod custom;
mod examples;
mod formats;
mod memory;
mod output;
mod related;
mod secrets;
mod symlinks;
mod tutorial;
mod usability;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub(crate) fn plumbline(args: &[&str]) -> Output {
    plumbline_stdin(args, None)
}

pub(crate) fn plumbline_stdin(args: &[&str], stdin: Option<&str>) -> Output {
    plumbline_in(&root(), args, stdin)
}

/// `plumbline` run in `cwd`, with `stdin` piped in when given.
pub(crate) fn plumbline_in(cwd: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_plumbline"));
    cmd.args(args).current_dir(cwd).env("NO_COLOR", "1");
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn plumbline");
    if let Some(text) = stdin {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    child.wait_with_output().unwrap()
}

pub(crate) fn json_of(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}
