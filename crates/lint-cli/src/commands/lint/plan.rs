//! Each configuration's start-up: the configuration of a group of files, read and checked
//! with its pack through `policy_core::startup`, `--select`/`--ignore` checked against the pack
//! in between; and `--show-config`, which prints them.

use anyhow::{bail, Context};
use policy_core::startup::{self, Startup};
use policy_core::{Domain, PolicyPack, ValidConfig};

use super::configs;
use super::LintArgs;
use crate::emit::human::count;
use crate::EXIT_OK;

/// One group of files with its configuration loaded and validated, and its pack.
pub(super) struct Plan {
    pub(super) group: configs::ConfigGroup,
    pub(super) config: ValidConfig,
    pub(super) pack: PolicyPack,
    pub(super) image_facts: Option<std::sync::Arc<dyn policy_core::imagefacts::ImageFacts>>,
}

impl Plan {
    pub(super) fn load(args: &LintArgs, group: configs::ConfigGroup) -> anyhow::Result<Plan> {
        let config = startup::read_config(group.path.as_deref())?;
        let unchecked = Startup::begin(config, &args.pack.choice())?;
        check_rule_ids(&unchecked.pack, "--select", &args.select)?;
        check_rule_ids(&unchecked.pack, "--ignore", &args.ignore)?;
        let Startup { pack, config, .. } = unchecked.check()?;
        let image_facts = if args.verify_signatures || args.signatures_from.is_some() {
            Some(crate::commands::verifier(
                &config,
                args.signatures_from.as_deref(),
            )?)
        } else {
            None
        };
        Ok(Plan {
            group,
            config,
            pack,
            image_facts,
        })
    }
}

/// `--show-config`: for each configuration, a comment naming it and what it judges, then the
/// effective configuration (the file's sections, `params` with every rule default merged) as
/// JSON; several are separated by `---`, so the output is one YAML stream.
pub(super) fn show_config(plans: &[Plan]) -> anyhow::Result<u8> {
    let mut out = String::new();
    for (i, plan) in plans.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        let g = &plan.group;
        let what = {
            let mut w = count(g.files.len(), "file");
            if g.stdin {
                w.push_str(" and standard input");
            }
            w
        };
        let mut effective = match &g.path {
            Some(p) => {
                out.push_str(&format!("# config: {} (judges {what})\n", p.display()));
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("reading {}", p.display()))?;
                policy_core::yaml::parse_stream(&text)
                    .into_iter()
                    .find_map(Result::ok)
                    .map_or_else(|| serde_json::json!({}), |d| d.value)
            }
            None => {
                out.push_str(&format!(
                    "# config: none found, built-in defaults (judges {what}); `plumbline init` writes one\n"
                ));
                serde_json::json!({})
            }
        };
        if !effective.is_object() {
            effective = serde_json::json!({});
        }
        effective["params"] = plan.config.params.clone();
        out.push_str(&serde_json::to_string_pretty(&effective)?);
        out.push('\n');
    }
    print!("{out}");
    Ok(EXIT_OK)
}

/// Every id of `--select`/`--ignore` is a rule id, a domain or `*`; a typo gets the closest one.
fn check_rule_ids(pack: &PolicyPack, flag: &str, ids: &[String]) -> anyhow::Result<()> {
    for id in ids {
        if id == "*" || pack.has_domain(id) || pack.rule(id).is_some() {
            continue;
        }
        if let Some(now) = pack.renamed(id) {
            bail!("{flag}: unknown rule or domain `{id}`: renamed `{now}`, use that id");
        }
        let mut candidates: Vec<&str> = pack.rules.iter().map(|r| r.meta.id.as_str()).collect();
        for d in Domain::ALL.into_iter().chain(pack.domains()) {
            candidates.push(d.as_str());
        }
        let candidates = candidates.into_iter();
        let best = candidates
            .map(|c| (policy_core::config::edit_distance(id, c), c))
            .min()
            .filter(|(d, c)| *d <= 3.max(c.chars().count() / 3));
        match best {
            Some((_, c)) => bail!(
                "{flag}: unknown rule or domain `{id}`; did you mean `{c}`? (`plumbline rules` lists them)"
            ),
            None => bail!("{flag}: unknown rule or domain `{id}`; `plumbline rules` lists them"),
        }
    }
    Ok(())
}
