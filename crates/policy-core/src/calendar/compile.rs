//! Compiling the calendars of `changeControl:` from their configuration: time zones, dates,
//! freeze rules and weekly windows parsed once, with config errors naming the calendar.

use std::collections::BTreeSet;

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;

use super::{
    Calendar, CalendarConfig, Calendars, ChangeControlConfig, FreezeConfig, Rule, Weekly,
    WeeklyConfig,
};
use crate::Error;

impl Calendars {
    /// Compile; `path` names the config file in errors.
    pub fn new(cfg: &ChangeControlConfig, path: &str) -> Result<Calendars, Error> {
        let items = cfg
            .calendars
            .iter()
            .map(|c| compile_calendar(c, path))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Calendars { items })
    }
}

/// One calendar compiled; `path` names the config file in errors.
fn compile_calendar(c: &CalendarConfig, path: &str) -> Result<Calendar, Error> {
    let err = |m: String| Error::Config {
        path: path.to_string(),
        line: 0,
        message: format!("changeControl calendar `{}`: {m}", c.name),
    };
    let tz = TimeZone::get(&c.time_zone)
        .map_err(|e| err(format!("time zone `{}`: {e}", c.time_zone)))?;
    let date = |s: &str| {
        s.parse::<Date>()
            .map_err(|e| err(format!("`{s}` is not a date: {e}")))
    };
    let holidays = c
        .holidays
        .iter()
        .map(|h| date(h))
        .collect::<Result<BTreeSet<_>, _>>()?;
    let mut freezes = Vec::new();
    for f in &c.freezes {
        freezes.push((f.name.clone(), freeze_rule(f, &date, &err)?));
    }
    let change_windows = c
        .change_windows
        .iter()
        .map(|w| {
            Ok((
                w.name.clone().unwrap_or_else(|| "change window".into()),
                parse_weekly(w, &err)?,
            ))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(Calendar {
        name: c.name.clone(),
        tz,
        environments: c.environments.clone(),
        tiers: c.tiers.clone(),
        holidays,
        freezes,
        change_windows,
    })
}

/// The rule of freeze `f`: a date range, days of the month, a weekly window, or business days
/// around the month's end, in that order of precedence.
fn freeze_rule(
    f: &FreezeConfig,
    date: &dyn Fn(&str) -> Result<Date, Error>,
    err: &dyn Fn(String) -> Error,
) -> Result<Rule, Error> {
    Ok(match (f, &f.from, &f.to) {
        (_, Some(a), Some(b)) => {
            let (a, b) = (date(a)?, date(b)?);
            if b < a {
                return Err(err(format!("freeze `{}` ends before it starts", f.name)));
            }
            Rule::Range(a, b)
        }
        (
            FreezeConfig {
                monthly_days: Some(r),
                ..
            },
            _,
            _,
        ) => Rule::Monthly(*r),
        (
            FreezeConfig {
                weekly: Some(w), ..
            },
            _,
            _,
        ) => Rule::Weekly(parse_weekly(w, err)?),
        (
            FreezeConfig {
                last_business_days: l,
                first_business_days: fi,
                ..
            },
            _,
            _,
        ) if l.is_some() || fi.is_some() => Rule::BusinessDays {
            last: l.unwrap_or(0),
            first: fi.unwrap_or(0),
        },
        _ => {
            return Err(err(format!(
                "freeze `{}` has no from/to, monthlyDays, business days or weekly",
                f.name
            )))
        }
    })
}

/// A weekly window: its days and local times of day.
fn parse_weekly(w: &WeeklyConfig, err: &dyn Fn(String) -> Error) -> Result<Weekly, Error> {
    let days = w
        .days
        .iter()
        .map(|d| match d.as_str() {
            "mon" => Ok(Weekday::Monday),
            "tue" => Ok(Weekday::Tuesday),
            "wed" => Ok(Weekday::Wednesday),
            "thu" => Ok(Weekday::Thursday),
            "fri" => Ok(Weekday::Friday),
            "sat" => Ok(Weekday::Saturday),
            "sun" => Ok(Weekday::Sunday),
            other => Err(err(format!("`{other}` is not a weekday (mon … sun)"))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let time = |s: &str| -> Result<Time, Error> {
        format!("{s}:00")
            .parse::<Time>()
            .map_err(|e| err(format!("`{s}` is not a time of day (HH:MM): {e}")))
    };
    Ok(Weekly {
        days,
        from: time(&w.from)?,
        to: time(&w.to)?,
    })
}
