//! `plumbline rules` and `plumbline explain`.

use std::path::Path;

use anyhow::bail;
use serde_json::json;

use super::{load_config, load_pack, PackArgs};
use crate::{ListFormat, EXIT_OK};

pub(crate) fn list(
    format: ListFormat,
    pack: &PackArgs,
    config: Option<&Path>,
) -> anyhow::Result<u8> {
    let pack = load_pack(pack, &load_config(config)?)?;
    match format {
        ListFormat::Json => {
            let builtin = |m: &policy_core::RuleMeta| {
                pack.origins.get(&m.id).is_some_and(|o| o == "<built-in>")
            };
            let rules: Vec<_> = pack
                .rules
                .iter()
                .map(|r| {
                    let m = &r.meta;
                    json!({"id": m.id, "title": m.title, "domain": m.domain, "severity": m.severity,
                           "kinds": m.kinds, "suppressible": m.suppressible, "params": m.params,
                           // A custom rule's page is its folder (`plumbline explain` prints it).
                           "help": if builtin(m) { policy_core::docs::doc_path(m) } else {
                               r.rego_path.trim_end_matches("policy.rego").to_string()
                           },
                           "builtin": builtin(m),
                           "overrides": m.overrides})
                })
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(
                    &json!({"version": 1, "domains": pack.domains(), "rules": rules})
                )?
            );
        }
        ListFormat::Human => {
            let width = pack
                .rules
                .iter()
                .map(|r| r.meta.id.len())
                .max()
                .unwrap_or(10);
            for r in &pack.rules {
                let m = &r.meta;
                println!(
                    "{:<width$}  {:<16}  {:<7}  {}",
                    m.id,
                    m.domain.as_str(),
                    m.severity.as_str(),
                    m.title
                );
            }
        }
    }
    Ok(EXIT_OK)
}

pub(crate) fn explain(rule: &str, pack: &PackArgs, config: Option<&Path>) -> anyhow::Result<u8> {
    let pack = load_pack(pack, &load_config(config)?)?;
    let Some(meta) = pack.rule(rule) else {
        let ids: Vec<&str> = pack.rules.iter().map(|r| r.meta.id.as_str()).collect();
        bail!("unknown rule `{rule}`; rules are: {}", ids.join(", "));
    };
    print!("{}", policy_core::docs::rule_markdown(meta));
    Ok(EXIT_OK)
}
