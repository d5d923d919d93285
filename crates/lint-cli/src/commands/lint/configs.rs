//! Which `plumbline.yaml` judges which file: like ruff and cargo, the nearest one in the file's
//! directory or its parents, else the working directory's (or its parents'); `--config` judges
//! every file. Files under different configs are linted as separate runs, each with its own
//! config, and the report says which config judged how many files.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use policy_core::Config;

/// The files one configuration judges.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ConfigGroup {
    /// The configuration file as shown (relative to the working directory when inside it);
    /// `None`: none was found, the built-in defaults judge.
    pub(crate) path: Option<PathBuf>,
    /// Files, in the order given.
    pub(crate) files: Vec<PathBuf>,
    /// Whether standard input belongs to this group.
    pub(crate) stdin: bool,
}

/// Finds the configuration of each directory once.
struct Discovery {
    cwd: PathBuf,
    cwd_config: Option<PathBuf>,
    by_dir: HashMap<PathBuf, Option<PathBuf>>,
}

impl Discovery {
    fn new(cwd: &Path) -> Discovery {
        Discovery {
            cwd: cwd.to_path_buf(),
            cwd_config: Config::discover(cwd),
            by_dir: HashMap::new(),
        }
    }

    /// The absolute path of `p` (relative to the working directory).
    fn absolute(&self, p: &Path) -> PathBuf {
        let joined = self.cwd.join(p);
        std::path::absolute(&joined).unwrap_or(joined)
    }

    /// The configuration for files in `dir` (absolute): the nearest in it or its parents, else
    /// the working directory's.
    fn for_dir(&mut self, dir: &Path) -> Option<PathBuf> {
        if let Some(found) = self.by_dir.get(dir) {
            return found.clone();
        }
        let found = Config::discover(dir).or_else(|| self.cwd_config.clone());
        self.by_dir.insert(dir.to_path_buf(), found.clone());
        found
    }

    /// A configuration path as shown and loaded: relative to the working directory when inside it.
    fn shown(&self, abs: &Path) -> PathBuf {
        abs.strip_prefix(&self.cwd)
            .map_or_else(|_| abs.to_path_buf(), Path::to_path_buf)
    }
}

/// The groups of files and stdin by configuration, and the configuration files among `files`
/// (a `plumbline.yaml` found by walking is the configuration of its own directory: not a
/// manifest). `explicit` (`--config`) puts everything in one group. `stdin` is the name stdin is
/// reported under, when it is read: a relative file name is placed like a file of that name.
pub(crate) fn group(
    explicit: Option<&Path>,
    files: Vec<PathBuf>,
    stdin: Option<&str>,
    cwd: &Path,
) -> (Vec<ConfigGroup>, Vec<PathBuf>) {
    if let Some(path) = explicit {
        // Other plumbline.yaml files in the tree are still configurations, not manifests.
        let (configs, files) = files.into_iter().partition(|f: &PathBuf| {
            f.file_name()
                .is_some_and(|n| n == policy_core::config::FILE_NAME)
        });
        let group = ConfigGroup {
            path: Some(path.to_path_buf()),
            files,
            stdin: stdin.is_some(),
        };
        return (vec![group], configs);
    }
    let mut d = Discovery::new(cwd);
    let mut groups: Vec<ConfigGroup> = Vec::new();
    let mut configs = Vec::new();
    let mut index: HashMap<Option<PathBuf>, usize> = HashMap::new();
    let mut slot = |config: Option<PathBuf>, groups: &mut Vec<ConfigGroup>| -> usize {
        *index.entry(config.clone()).or_insert_with(|| {
            groups.push(ConfigGroup {
                path: config,
                files: Vec::new(),
                stdin: false,
            });
            groups.len() - 1
        })
    };
    for f in files {
        let abs = d.absolute(&f);
        let dir = abs
            .parent()
            .map_or_else(|| d.cwd.clone(), Path::to_path_buf);
        let config = d.for_dir(&dir);
        if config.as_deref() == Some(abs.as_path()) {
            configs.push(f);
            continue;
        }
        let shown = config.map(|c| d.shown(&c));
        let i = slot(shown, &mut groups);
        groups[i].files.push(f);
    }
    if let Some(name) = stdin {
        let named = Path::new(name);
        let config = if name != "-" && named.is_relative() {
            let abs = d.absolute(named);
            let dir = abs
                .parent()
                .map_or_else(|| d.cwd.clone(), Path::to_path_buf);
            d.for_dir(&dir)
        } else {
            d.cwd_config.clone()
        };
        let shown = config.map(|c| d.shown(&c));
        let i = slot(shown, &mut groups);
        groups[i].stdin = true;
    }
    if groups.is_empty() {
        // Nothing to lint: the working directory's configuration still runs (and is reported).
        let shown = d.cwd_config.clone().map(|c| d.shown(&c));
        slot(shown, &mut groups);
    }
    (groups, configs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_file_gets_its_nearest_config_then_the_working_directorys() {
        let tmp = std::env::temp_dir().join(format!("plumbline-configs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        for d in ["cwd/a/deep", "cwd/b", "elsewhere"] {
            std::fs::create_dir_all(tmp.join(d)).unwrap();
        }
        std::fs::write(tmp.join("cwd/plumbline.yaml"), "version: 1\n").unwrap();
        std::fs::write(tmp.join("cwd/a/plumbline.yaml"), "version: 1\n").unwrap();
        let cwd = tmp.join("cwd");
        let files = vec![
            PathBuf::from("a/deep/x.yaml"),
            PathBuf::from("b/y.yaml"),
            PathBuf::from("a/plumbline.yaml"),
            tmp.join("elsewhere/z.yaml"),
        ];
        let (groups, configs) = group(None, files, Some("a/rendered.yaml"), &cwd);
        assert_eq!(configs, [PathBuf::from("a/plumbline.yaml")]);
        assert_eq!(
            groups,
            [
                ConfigGroup {
                    path: Some("a/plumbline.yaml".into()),
                    files: vec!["a/deep/x.yaml".into()],
                    stdin: true,
                },
                ConfigGroup {
                    path: Some("plumbline.yaml".into()),
                    files: vec!["b/y.yaml".into(), tmp.join("elsewhere/z.yaml")],
                    stdin: false,
                },
            ]
        );
        // --config judges everything.
        let (groups, configs) = group(
            Some(Path::new("x.yaml")),
            vec!["a/plumbline.yaml".into(), "b/y.yaml".into()],
            None,
            &cwd,
        );
        assert_eq!(configs, [PathBuf::from("a/plumbline.yaml")]);
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].files, [PathBuf::from("b/y.yaml")]);
        // Nowhere a config: the defaults, still reported as one group.
        let (groups, _) = group(None, Vec::new(), None, &tmp.join("elsewhere"));
        assert_eq!(groups[0].path, None);
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}
