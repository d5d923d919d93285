//! Findings kept on disk instead of in memory: a lint run hands each file's findings to a
//! [`Spill`] as soon as the file is judged (in any order, from the worker threads), in a compact
//! binary form ([`Finding::encode`]) in a temporary file. [`Spill::finish`] then writes them again
//! in report order (by file, document, line, column, rule, message) into a second temporary file,
//! keeping those a filter keeps (baselines) and counting them; the outputs read that one, once per
//! format. Peak memory holds one file's findings at a time, whatever the run's total
//! (docs/architecture.md, "Lint pipeline").

use std::cell::RefCell;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Cursor, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use policy_core::{Finding, Severity};

/// Where spilled findings are written: a temporary file, removed as soon as it is open where
/// the system allows (else when dropped); in memory when no temporary file can be made.
enum Backing {
    File(File, Option<PathBuf>),
    Memory(Cursor<Vec<u8>>),
}

impl Backing {
    fn new() -> Backing {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir();
        for _ in 0..16 {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            let n = N.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!(
                "plumbline-findings-{}-{nanos}-{n}",
                std::process::id()
            ));
            let opened = OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&path);
            match opened {
                Ok(file) => {
                    let left = std::fs::remove_file(&path).err().map(|_| path);
                    return Backing::File(file, left);
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(_) => break,
            }
        }
        Backing::Memory(Cursor::new(Vec::new()))
    }
}

impl Drop for Backing {
    fn drop(&mut self) {
        if let Backing::File(_, Some(path)) = self {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Read for Backing {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Backing::File(f, _) => f.read(buf),
            Backing::Memory(c) => c.read(buf),
        }
    }
}

impl Write for Backing {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Backing::File(f, _) => f.write(buf),
            Backing::Memory(c) => c.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Backing::File(f, _) => f.flush(),
            Backing::Memory(c) => c.flush(),
        }
    }
}

impl Seek for Backing {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        match self {
            Backing::File(f, _) => f.seek(pos),
            Backing::Memory(c) => c.seek(pos),
        }
    }
}

/// Findings of one file (or of a run of them, for the tail), where they sit in the spill.
struct Chunk {
    file: String,
    /// The configuration's run (0-based), the source's index in it.
    part: usize,
    index: usize,
    /// Findings of no source (expired config exemptions), reported after the sorted ones.
    tail: bool,
    at: u64,
    len: usize,
    count: usize,
}

struct Writing {
    out: BufWriter<Backing>,
    at: u64,
    chunks: Vec<Chunk>,
    error: Option<io::Error>,
}

/// Findings being spilled, as the files are judged.
pub(crate) struct Spill {
    writing: Mutex<Writing>,
    part: usize,
}

impl Default for Spill {
    fn default() -> Self {
        Spill {
            writing: Mutex::new(Writing {
                out: BufWriter::with_capacity(1 << 16, Backing::new()),
                at: 0,
                chunks: Vec::new(),
                error: None,
            }),
            part: 0,
        }
    }
}

impl Spill {
    /// Findings added from now on belong to the `part`-th configuration's run.
    pub(crate) fn set_part(&mut self, part: usize) {
        self.part = part;
    }

    /// Add the findings of the source at `index`, sorted.
    pub(crate) fn add(&self, index: usize, findings: Vec<Finding>) {
        self.add_chunks(index, false, findings);
    }

    /// Add the findings of no source (config exemptions past their expiry), in their order.
    pub(crate) fn add_tail(&self, findings: Vec<Finding>) {
        self.add_chunks(usize::MAX, true, findings);
    }

    fn add_chunks(&self, index: usize, tail: bool, findings: Vec<Finding>) {
        for same in findings.chunk_by(|a, b| a.file == b.file) {
            let mut bytes = Vec::with_capacity(256 * same.len());
            for f in same {
                f.encode(&mut bytes);
            }
            let mut w = self.writing.lock().unwrap_or_else(PoisonError::into_inner);
            if w.error.is_some() {
                return;
            }
            if let Err(e) = w.out.write_all(&bytes) {
                w.error = Some(e);
                return;
            }
            let at = w.at;
            w.at += bytes.len() as u64;
            w.chunks.push(Chunk {
                file: same[0].file.clone(),
                part: self.part,
                index,
                tail,
                at,
                len: bytes.len(),
                count: same.len(),
            });
        }
    }

    /// The spilled findings in report order, those `keep` keeps (called in that order): sorted by
    /// file, document, line, column, rule and message (ties in source and object order), with the
    /// tail after them unless `sort_tails` (several configurations: the tail sorted in too).
    pub(crate) fn finish(
        self,
        sort_tails: bool,
        mut keep: impl FnMut(&Finding) -> bool,
    ) -> io::Result<Spilled> {
        let w = self
            .writing
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(e) = w.error {
            return Err(e);
        }
        let mut from = w.out.into_inner().map_err(io::IntoInnerError::into_error)?;
        let mut chunks = w.chunks;
        let last = |c: &Chunk| c.tail && !sort_tails;
        // A stable sort: the tail keeps its order.
        fn key(c: &Chunk, after: bool) -> (bool, &str, usize, usize) {
            let file = if after { "" } else { c.file.as_str() };
            (after, file, c.part, c.index)
        }
        chunks.sort_by(|a, b| key(a, last(a)).cmp(&key(b, last(b))));
        let mut out = Spilled::new();
        let mut writer = BufWriter::with_capacity(1 << 16, Backing::new());
        let mut i = 0;
        while i < chunks.len() {
            let first = &chunks[i];
            let n = if last(first) {
                1
            } else {
                chunks[i..]
                    .iter()
                    .take_while(|c| !last(c) && c.file == first.file)
                    .count()
            };
            let mut findings = Vec::new();
            for c in &mut chunks[i..i + n] {
                findings.extend(read_chunk(&mut from, c.at, c.len, c.count)?);
                // The names move to the runs: a large run holds each once.
                c.file = String::new();
            }
            if n > 1 {
                findings.sort_by(|a, b| report_order(a).cmp(&report_order(b)));
            }
            findings.retain(|f| keep(f));
            let file = findings.first().map(|f| f.file.clone()).unwrap_or_default();
            out.push_run(&mut writer, file, &findings)?;
            i += n;
        }
        drop(from);
        out.store = RefCell::new(
            writer
                .into_inner()
                .map_err(io::IntoInnerError::into_error)?,
        );
        Ok(out)
    }
}

/// The order of a report's findings.
fn report_order(f: &Finding) -> (&str, usize, u32, u32, &str, &str) {
    (&f.file, f.document, f.line, f.column, &f.rule, &f.message)
}

/// `count` findings encoded in `len` bytes at `at` of `from`.
fn read_chunk(from: &mut Backing, at: u64, len: usize, count: usize) -> io::Result<Vec<Finding>> {
    from.seek(SeekFrom::Start(at))?;
    let mut bytes = vec![0u8; len];
    from.read_exact(&mut bytes)?;
    let mut rest = bytes.as_slice();
    let mut findings = Vec::with_capacity(count);
    for _ in 0..count {
        let f = Finding::decode(&mut rest)
            .ok_or_else(|| io::Error::other("the spilled findings do not read back"))?;
        findings.push(f);
    }
    Ok(findings)
}

/// Consecutive findings of one file in report order, where they sit in the spill.
pub(crate) struct Run {
    pub(crate) file: String,
    at: u64,
    len: usize,
    count: usize,
}

/// How many findings a run has, by whether they are suppressed and by severity.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Counts {
    /// Unsuppressed findings by severity (`Severity as usize`).
    active: [usize; 3],
    pub(crate) suppressed: usize,
}

impl Counts {
    pub(crate) fn of(findings: &[Finding]) -> Counts {
        let mut c = Counts::default();
        for f in findings {
            c.add(f);
        }
        c
    }

    fn add(&mut self, f: &Finding) {
        if f.suppressed.is_some() {
            self.suppressed += 1;
        } else {
            self.active[f.severity as usize] += 1;
        }
    }

    /// Unsuppressed findings.
    pub(crate) fn active(&self) -> usize {
        self.active.iter().sum()
    }

    /// Unsuppressed findings of `severity`.
    pub(crate) fn at(&self, severity: Severity) -> usize {
        self.active[severity as usize]
    }

    /// Unsuppressed findings at or above `severity`.
    pub(crate) fn at_least(&self, severity: Severity) -> usize {
        Severity::ALL
            .iter()
            .filter(|s| **s >= severity)
            .map(|s| self.at(*s))
            .sum()
    }
}

/// A run's findings in report order, on disk, read back run by run.
pub(crate) struct Spilled {
    store: RefCell<Backing>,
    runs: Vec<Run>,
    counts: Counts,
}

impl Spilled {
    fn new() -> Spilled {
        Spilled {
            store: RefCell::new(Backing::Memory(Cursor::new(Vec::new()))),
            runs: Vec::new(),
            counts: Counts::default(),
        }
    }

    fn push_run(
        &mut self,
        w: &mut BufWriter<Backing>,
        file: String,
        findings: &[Finding],
    ) -> io::Result<()> {
        if findings.is_empty() {
            return Ok(());
        }
        let mut bytes = Vec::with_capacity(256 * findings.len());
        for f in findings {
            f.encode(&mut bytes);
            self.counts.add(f);
        }
        w.write_all(&bytes)?;
        let at = self.runs.last().map_or(0, |r| r.at + r.len as u64);
        self.runs.push(Run {
            file,
            at,
            len: bytes.len(),
            count: findings.len(),
        });
        Ok(())
    }

    /// The runs, in report order.
    pub(crate) fn runs(&self) -> &[Run] {
        &self.runs
    }

    /// The findings of the `i`-th run.
    pub(crate) fn read(&self, i: usize) -> io::Result<Vec<Finding>> {
        let Some(r) = self.runs.get(i) else {
            return Ok(Vec::new());
        };
        read_chunk(&mut self.store.borrow_mut(), r.at, r.len, r.count)
    }

    /// How many findings there are.
    pub(crate) fn counts(&self) -> Counts {
        self.counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use policy_core::Source;

    const TEXT: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec: {containers: [{name: app, image: nginx}, {name: b, image: \"redis:latest\"}]}\n";

    /// Findings of three files, sorted as a report sorts them.
    fn findings() -> Vec<Finding> {
        let linter = policy_core::default_linter().expect("linter");
        let sources = ["b.yaml", "a.yaml", "c/d.yaml"].map(|n| Source::new(n, TEXT));
        linter.lint_sources(&sources).findings
    }

    fn read_all(s: &Spilled) -> Vec<Finding> {
        (0..s.runs().len())
            .flat_map(|i| s.read(i).expect("read"))
            .collect()
    }

    #[test]
    fn spilled_findings_come_back_in_report_order() {
        let all = findings();
        let files: Vec<&[Finding]> = all.chunk_by(|a, b| a.file == b.file).collect();
        assert_eq!(files.len(), 3);
        let spill = Spill::default();
        // Sources handed over out of order, the one of the last file first.
        for (i, run) in files.iter().enumerate().rev() {
            spill.add(i, run.to_vec());
        }
        spill.add_tail(vec![all[0].clone()]);
        let mut kept = 0;
        let spilled = spill
            .finish(false, |_| {
                kept += 1;
                kept % 2 == 1
            })
            .expect("spilled");
        let mut expected: Vec<Finding> = all.clone();
        expected.push(all[0].clone());
        let mut n = 0;
        expected.retain(|_| {
            n += 1;
            n % 2 == 1
        });
        assert_eq!(read_all(&spilled), expected);
        assert_eq!(spilled.counts().active(), expected.len());
        // Several configurations sort the tail in.
        let spill = Spill::default();
        spill.add(0, files[1].to_vec());
        spill.add_tail(vec![all[0].clone()]);
        let spilled = spill.finish(true, |_| true).expect("spilled");
        let mut expected = files[1].to_vec();
        expected.push(all[0].clone());
        expected.sort_by(|a, b| report_order(a).cmp(&report_order(b)));
        assert_eq!(read_all(&spilled), expected);
    }
}
