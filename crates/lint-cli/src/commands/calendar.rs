//! `plumbline calendar`: the freeze windows ahead, per environment.

use std::path::PathBuf;

use anyhow::bail;
use clap::Args;
use policy_core::calendar::{rfc3339, Calendars};
use policy_core::tenancy::Resolver;

use crate::EXIT_OK;

#[derive(Args)]
pub(crate) struct CalendarArgs {
    /// Configuration file (default: plumbline.yaml in the current directory or its parents).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Only this environment (default: every configured environment).
    #[arg(long)]
    environment: Option<String>,
    /// First day (YYYY-MM-DD; default today, UTC).
    #[arg(long)]
    from: Option<String>,
    /// How many days ahead.
    #[arg(long, default_value_t = 31)]
    days: u32,
}

pub(crate) fn run(args: CalendarArgs) -> anyhow::Result<u8> {
    let config = super::start(args.config.as_deref(), &super::PackArgs::default())?.config;
    let resolver = Resolver::new(&config.config.tenancy, &config.params, &config.config.path)?;
    let calendars = Calendars::new(&config.config.change_control, &config.config.path)?;
    let from = match &args.from {
        Some(d) => match d.parse::<jiff::civil::Date>() {
            Ok(d) => d,
            Err(e) => bail!("--from `{d}` is not a date (YYYY-MM-DD): {e}"),
        },
        None => jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date(),
    };
    let envs = match &args.environment {
        Some(e) => match resolver.canonical(e) {
            Some((name, _)) => vec![name],
            None => bail!(
                "unknown environment `{e}`; known: {}",
                resolver.environment_names().join(", ")
            ),
        },
        None => resolver.environment_names(),
    };
    if calendars.is_empty() {
        println!("no freeze calendars configured (changeControl.calendars in plumbline.yaml)");
        return Ok(EXIT_OK);
    }
    for env in envs {
        let Some((_, tier)) = resolver.canonical(&env) else {
            continue;
        };
        println!("{env} ({tier}), {} days from {from}:", args.days);
        let windows = calendars.upcoming(&env, tier, from, i64::from(args.days));
        if windows.is_empty() {
            println!("  no freeze windows");
        }
        for w in windows {
            println!(
                "  {}  →  {}  {} (calendar {})",
                rfc3339(&w.start),
                rfc3339(&w.end),
                w.name,
                w.calendar
            );
        }
        for (cal, names) in calendars.change_windows(&env, tier) {
            println!(
                "  outside these windows changes are frozen (calendar {cal}): {}",
                names.join(", ")
            );
        }
        println!();
    }
    Ok(EXIT_OK)
}
