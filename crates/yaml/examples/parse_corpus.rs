//! Parse every `*.yaml`, `*.yml` and `*.json` file under a directory with [`parse_stream`], the
//! entry point the linter uses, and print how many documents, errors and indexed nodes it got: a
//! fixed workload for measuring the reader's cost, e.g. in instructions:
//!
//! ```text
//! cargo build --release -p plumbline-yaml --example parse_corpus
//! valgrind --tool=callgrind target/release/examples/parse_corpus /work/shared/corpus
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use plumbline_yaml::parse_stream;

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json")
        ) {
            out.push(path);
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: parse_corpus DIR");
        return ExitCode::FAILURE;
    };
    let mut files = Vec::new();
    if let Err(e) = collect(Path::new(&dir), &mut files) {
        eprintln!("{}: {e}", Path::new(&dir).display());
        return ExitCode::FAILURE;
    }
    files.sort();
    let (mut docs, mut errors, mut nodes) = (0usize, 0usize, 0usize);
    for file in &files {
        // Files that are not UTF-8 are skipped, as the linter reports them without parsing.
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        for doc in parse_stream(&text) {
            match doc {
                Ok(d) => {
                    docs += 1;
                    nodes += d.positions.len();
                }
                Err(_) => errors += 1,
            }
        }
    }
    println!(
        "{} files, {docs} documents, {errors} errors, {nodes} nodes",
        files.len()
    );
    ExitCode::SUCCESS
}
