//! Compiled programs kept on disk between runs.
//!
//! Compiling the built-in pack is a fixed cost of every `plumbline lint` (about 0.07 s of CPU on
//! a 2-core machine, more than half of linting one file); reading the same program back from
//! regorus' binary serialization costs about an eighth of that. An entry is named by the SHA-256
//! of everything the program is compiled from: this build (its version, and the executable's
//! size and modification time), the libraries, the chosen rules (metadata, path and Rego text)
//! and the parameters. A change to any of them is another name, so an entry is never stale; the
//! least recently used beyond [`KEEP`] are removed.
//!
//! The file is `PLUMBLINE-PACK 1\n`, the SHA-256 of the payload, then the payload (the program).
//! A file whose payload does not match its checksum (a torn write, a disk error) or that regorus
//! does not read back whole is ignored and the pack compiled. Writes go to a temporary file
//! renamed into place, so concurrent runs never read a half-written entry.
//!
//! Trust: whoever can write the cache directory can change what the rules decide, as whoever
//! can write the binary or the policy directories can; the directory is the user's own
//! (`$XDG_CACHE_HOME/plumbline` by default in the CLI). The webhook does not use a cache.

use std::io::Write;
use std::path::{Path, PathBuf};

use regorus::rvm::program::DeserializationResult;
use regorus::rvm::Program;
use sha2::{Digest, Sha256};

use crate::pack::{PolicyPack, Rule};

const MAGIC: &[u8] = b"PLUMBLINE-PACK 1\n";

/// Entries kept in a cache directory (an entry of the built-in pack is ~0.7 MB): writing one
/// more removes the least recently used beyond this many.
pub(super) const KEEP: usize = 64;

/// The entry name of the program compiled from `pack`'s libraries, the `chosen` rules and
/// `params` by this build: the running executable's size and modification time stand for the
/// build (a rebuild of the same version, with another engine, is another entry). `None` when
/// the executable cannot be examined: then there is no cache.
pub(super) fn key(
    pack: &PolicyPack,
    chosen: &[&Rule],
    params: &serde_json::Value,
) -> Option<String> {
    let exe = std::fs::metadata(std::env::current_exe().ok()?).ok()?;
    let built = exe
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    let mut h = Sha256::new();
    let mut field = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    field(env!("CARGO_PKG_VERSION").as_bytes());
    field(MAGIC);
    field(&exe.len().to_le_bytes());
    field(&built.as_nanos().to_le_bytes());
    for (path, text) in &pack.libs {
        field(path.as_bytes());
        field(text.as_bytes());
    }
    field(b"rules");
    for rule in chosen {
        field(
            serde_json::to_string(&rule.meta)
                .unwrap_or_default()
                .as_bytes(),
        );
        field(rule.rego_path.as_bytes());
        field(rule.rego.as_bytes());
    }
    field(params.to_string().as_bytes());
    Some(hex(&h.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn entry(dir: &Path, key: &str) -> PathBuf {
    dir.join(format!("pack-{key}.bin"))
}

/// The program cached under `key`, if there is a whole, intact one (then marked as used now).
pub(super) fn load(dir: &Path, key: &str) -> Option<Program> {
    let path = entry(dir, key);
    let bytes = std::fs::read(&path).ok()?;
    let rest = bytes.strip_prefix(MAGIC)?;
    let (sum, payload) = rest.split_at_checked(32)?;
    if Sha256::digest(payload)[..] != *sum {
        return None;
    }
    let DeserializationResult::Complete(program) = Program::deserialize_binary(payload).ok()?
    else {
        return None;
    };
    if let Ok(f) = std::fs::File::options().write(true).open(&path) {
        let _ = f.set_modified(std::time::SystemTime::now());
    }
    Some(program)
}

/// Cache `program` under `key`; a failure (read-only directory, full disk) only costs the next
/// run a compilation.
pub(super) fn store(dir: &Path, key: &str, program: &Program) {
    let Ok(payload) = program.serialize_binary() else {
        return;
    };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let target = entry(dir, key);
    let tmp = dir.join(format!(
        ".pack-{key}.{}.{:?}.tmp",
        std::process::id(),
        std::thread::current().id()
    ));
    let written = std::fs::File::create(&tmp).and_then(|mut f| {
        f.write_all(MAGIC)?;
        f.write_all(&Sha256::digest(&payload))?;
        f.write_all(&payload)
    });
    if written.is_err() || std::fs::rename(&tmp, &target).is_err() {
        let _ = std::fs::remove_file(&tmp);
        return;
    }
    evict(dir);
}

/// Remove the least recently used entries beyond [`KEEP`].
fn evict(dir: &Path) {
    let Ok(list) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<(std::time::SystemTime, PathBuf)> = list
        .flatten()
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.starts_with("pack-") && name.ends_with(".bin")
        })
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    if entries.len() <= KEEP {
        return;
    }
    entries.sort();
    for (_, path) in &entries[..entries.len() - KEEP] {
        let _ = std::fs::remove_file(path);
    }
}

/// The CLI's cache directory: `$PLUMBLINE_CACHE_DIR` (set but empty: no cache), else
/// `$XDG_CACHE_HOME/plumbline`, else `$HOME/.cache/plumbline`.
pub fn default_cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("PLUMBLINE_CACHE_DIR") {
        return (!dir.is_empty()).then(|| PathBuf::from(dir));
    }
    let absolute = |v: std::ffi::OsString| Some(PathBuf::from(v)).filter(|p| p.is_absolute());
    if let Some(xdg) = std::env::var_os("XDG_CACHE_HOME").and_then(absolute) {
        return Some(xdg.join("plumbline"));
    }
    let home = std::env::var_os("HOME").and_then(absolute)?;
    Some(home.join(".cache").join("plumbline"))
}
