//! Change-freeze calendars on business time: named freeze windows (date ranges, days of the month,
//! business days around month end, weekly windows) and allowed change windows, in an IANA time
//! zone with holidays. Times are computed with jiff, so DST changes and month lengths are exact.

use std::collections::BTreeSet;

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan, Zoned};
use serde::Deserialize;

use crate::tenancy::Tier;
use crate::Error;

/// The change ticket pattern when `changeControl.ticketPattern` is not set.
pub const DEFAULT_TICKET_PATTERN: &str = "^[A-Z][A-Z0-9]+-[0-9]+$";

/// `changeControl:` in `plumbline.yaml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChangeControlConfig {
    /// Pattern a change ticket must match.
    #[serde(default)]
    pub ticket_pattern: Option<String>,
    /// Tiers whose changes need a ticket.
    #[serde(default)]
    pub ticket_tiers: Option<Vec<Tier>>,
    /// Freeze calendars.
    #[serde(default)]
    pub calendars: Vec<CalendarConfig>,
}

/// One calendar.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CalendarConfig {
    /// Name.
    pub name: String,
    /// IANA time zone.
    pub time_zone: String,
    /// Environments it governs.
    #[serde(default)]
    pub environments: Vec<String>,
    /// Tiers it governs.
    #[serde(default)]
    pub tiers: Vec<Tier>,
    /// Holidays (YYYY-MM-DD).
    #[serde(default)]
    pub holidays: Vec<String>,
    /// Freeze windows.
    #[serde(default)]
    pub freezes: Vec<FreezeConfig>,
    /// Weekly windows outside which changes are frozen.
    #[serde(default)]
    pub change_windows: Vec<WeeklyConfig>,
}

/// A freeze window rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FreezeConfig {
    /// Name.
    pub name: String,
    /// First day (with `to`).
    #[serde(default)]
    pub from: Option<String>,
    /// Last day, inclusive.
    #[serde(default)]
    pub to: Option<String>,
    /// Days of every month.
    #[serde(default)]
    pub monthly_days: Option<DayRange>,
    /// Last N business days of every month.
    #[serde(default)]
    pub last_business_days: Option<u8>,
    /// First N business days of every month.
    #[serde(default)]
    pub first_business_days: Option<u8>,
    /// A weekly window.
    #[serde(default)]
    pub weekly: Option<WeeklyConfig>,
}

/// Days of a month, inclusive.
#[derive(Debug, Clone, Copy, Deserialize)]
#[non_exhaustive]
pub struct DayRange {
    /// First day.
    pub from: i8,
    /// Last day (clamped to the month's length; before `from` wraps into the next month).
    pub to: i8,
}

/// Every week on `days` from `from` to `to` (local time; `to` <= `from` spans midnight).
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct WeeklyConfig {
    /// Optional name.
    #[serde(default)]
    pub name: Option<String>,
    /// `mon` … `sun`.
    pub days: Vec<String>,
    /// HH:MM.
    pub from: String,
    /// HH:MM.
    pub to: String,
}

/// A concrete window in time.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Window {
    /// Calendar name.
    pub calendar: String,
    /// Window name.
    pub name: String,
    /// Start (inclusive).
    pub start: Zoned,
    /// End (exclusive).
    pub end: Zoned,
}

impl Window {
    fn contains(&self, t: Timestamp) -> bool {
        self.start.timestamp() <= t && t < self.end.timestamp()
    }
}

/// RFC 3339 with the zone's offset, e.g. `2026-11-29T00:00:00+01:00`.
pub fn rfc3339(z: &Zoned) -> String {
    z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

#[derive(Debug, Clone)]
enum Rule {
    Range(Date, Date),
    Monthly(DayRange),
    BusinessDays { last: u8, first: u8 },
    Weekly(Weekly),
}

#[derive(Debug, Clone)]
struct Weekly {
    days: Vec<Weekday>,
    from: Time,
    to: Time,
}

#[derive(Debug, Clone)]
struct Calendar {
    name: String,
    tz: TimeZone,
    environments: Vec<String>,
    tiers: Vec<Tier>,
    holidays: BTreeSet<Date>,
    freezes: Vec<(String, Rule)>,
    change_windows: Vec<(String, Weekly)>,
}

/// Compiled calendars.
#[derive(Debug, Clone, Default)]
pub struct Calendars {
    items: Vec<Calendar>,
}

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

impl Calendars {
    /// Compile; `path` names the config file in errors.
    pub fn new(cfg: &ChangeControlConfig, path: &str) -> Result<Calendars, Error> {
        let mut items = Vec::new();
        for c in &cfg.calendars {
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
                let rule = match (f, &f.from, &f.to) {
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
                    ) => Rule::Weekly(parse_weekly(w, &err)?),
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
                };
                freezes.push((f.name.clone(), rule));
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
            items.push(Calendar {
                name: c.name.clone(),
                tz,
                environments: c.environments.clone(),
                tiers: c.tiers.clone(),
                holidays,
                freezes,
                change_windows,
            });
        }
        Ok(Calendars { items })
    }

    /// True when no calendar is configured.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    fn governing<'a>(
        &'a self,
        environment: &'a str,
        tier: Tier,
    ) -> impl Iterator<Item = &'a Calendar> + 'a {
        self.items.iter().filter(move |c| {
            (c.environments.is_empty() && c.tiers.is_empty())
                || c.environments.iter().any(|e| e == environment)
                || c.tiers.contains(&tier)
        })
    }

    /// The freeze windows in force at `t` for an environment.
    pub fn active(&self, environment: &str, tier: Tier, t: Timestamp) -> Vec<Window> {
        let mut out = Vec::new();
        for c in self.governing(environment, tier) {
            let day = t.to_zoned(c.tz.clone()).date();
            let from = day.checked_sub(40.days()).unwrap_or(day);
            let to = day.checked_add(1.days()).unwrap_or(day);
            out.extend(
                c.freeze_windows(from, to)
                    .into_iter()
                    .filter(|w| w.contains(t)),
            );
            if !c.change_windows.is_empty() {
                let lo = day.checked_sub(8.days()).unwrap_or(day);
                let hi = day.checked_add(8.days()).unwrap_or(day);
                let open = c.weekly_windows(&c.change_windows, lo, hi);
                if !open.iter().any(|w| w.contains(t)) {
                    let start = open
                        .iter()
                        .filter(|w| w.end.timestamp() <= t)
                        .map(|w| w.end.clone())
                        .max_by_key(Zoned::timestamp);
                    let end = open
                        .iter()
                        .filter(|w| w.start.timestamp() > t)
                        .map(|w| w.start.clone())
                        .min_by_key(Zoned::timestamp);
                    if let (Some(start), Some(end)) = (start, end) {
                        out.push(Window {
                            calendar: c.name.clone(),
                            name: "outside change windows".into(),
                            start,
                            end,
                        });
                    }
                }
            }
        }
        out.sort_by_key(|w| (w.start.timestamp(), w.end.timestamp()));
        out
    }

    /// Freeze windows that overlap `[from, from + days)` (local dates), for planning releases.
    pub fn upcoming(&self, environment: &str, tier: Tier, from: Date, days: i64) -> Vec<Window> {
        let mut out = Vec::new();
        for c in self.governing(environment, tier) {
            let to = from.checked_add(days.days()).unwrap_or(from);
            let (Ok(lo), Ok(hi)) = (from.to_zoned(c.tz.clone()), to.to_zoned(c.tz.clone())) else {
                continue;
            };
            let before = from.checked_sub(40.days()).unwrap_or(from);
            out.extend(c.freeze_windows(before, to).into_iter().filter(|w| {
                w.end.timestamp() > lo.timestamp() && w.start.timestamp() < hi.timestamp()
            }));
        }
        out.sort_by_key(|w| (w.start.timestamp(), w.end.timestamp()));
        out.dedup();
        out
    }

    /// Names of change windows, per calendar, for display.
    pub fn change_windows(&self, environment: &str, tier: Tier) -> Vec<(String, Vec<String>)> {
        self.governing(environment, tier)
            .filter(|c| !c.change_windows.is_empty())
            .map(|c| {
                (
                    c.name.clone(),
                    c.change_windows.iter().map(|(n, _)| n.clone()).collect(),
                )
            })
            .collect()
    }
}

impl Calendar {
    fn start_of(&self, d: Date) -> Option<Zoned> {
        d.to_zoned(self.tz.clone()).ok()
    }

    fn window(&self, name: &str, first: Date, last_inclusive: Date) -> Option<Window> {
        Some(Window {
            calendar: self.name.clone(),
            name: name.to_string(),
            start: self.start_of(first)?,
            end: self.start_of(last_inclusive.tomorrow().ok()?)?,
        })
    }

    fn is_business_day(&self, d: Date) -> bool {
        !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) && !self.holidays.contains(&d)
    }

    fn business_days(&self, month_first: Date) -> Vec<Date> {
        let mut out = Vec::new();
        let mut d = month_first;
        while d.month() == month_first.month() {
            if self.is_business_day(d) {
                out.push(d);
            }
            match d.tomorrow() {
                Ok(n) => d = n,
                Err(_) => break,
            }
        }
        out
    }

    /// Every freeze window overlapping the local dates `[from, to]`.
    fn freeze_windows(&self, from: Date, to: Date) -> Vec<Window> {
        let mut out = Vec::new();
        let months = months_between(from, to);
        for (name, rule) in &self.freezes {
            match rule {
                Rule::Range(a, b) => {
                    if *a <= to && *b >= from {
                        out.extend(self.window(name, *a, *b));
                    }
                }
                Rule::Monthly(r) => {
                    for m in &months {
                        let dim = m.days_in_month();
                        if r.from > dim {
                            continue;
                        }
                        let start = m.with().day(r.from).build().ok();
                        let end = if r.to >= r.from {
                            m.with().day(r.to.min(dim)).build().ok()
                        } else {
                            m.last_of_month().tomorrow().ok().and_then(|n| {
                                n.with().day(r.to.min(n.days_in_month())).build().ok()
                            })
                        };
                        if let (Some(s), Some(e)) = (start, end) {
                            out.extend(self.window(name, s, e));
                        }
                    }
                }
                Rule::BusinessDays { last, first } => {
                    for m in &months {
                        let this = self.business_days(*m);
                        let next_first = m.last_of_month().tomorrow().ok();
                        let next = next_first
                            .map(|n| self.business_days(n))
                            .unwrap_or_default();
                        let start = if *last > 0 {
                            this.len()
                                .checked_sub(usize::from(*last))
                                .and_then(|i| this.get(i))
                                .copied()
                        } else {
                            this.first().copied()
                        };
                        let end = match (*last > 0, *first > 0) {
                            (true, true) => next.get(usize::from(*first) - 1).copied(),
                            (true, false) => this.last().copied(),
                            (false, _) => this.get(usize::from(*first) - 1).copied(),
                        };
                        if let (Some(s), Some(e)) = (start, end) {
                            out.extend(self.window(name, s, e));
                        }
                    }
                }
                Rule::Weekly(w) => {
                    let mut ws = self.weekly_windows(&[(name.clone(), w.clone())], from, to);
                    out.append(&mut ws);
                }
            }
        }
        out
    }

    fn weekly_windows(&self, weekly: &[(String, Weekly)], from: Date, to: Date) -> Vec<Window> {
        let mut out = Vec::new();
        let mut d = from.yesterday().unwrap_or(from);
        while d <= to {
            for (name, w) in weekly {
                if !w.days.contains(&d.weekday()) {
                    continue;
                }
                let end_day = if w.to > w.from {
                    Some(d)
                } else {
                    d.tomorrow().ok()
                };
                let start = d.to_datetime(w.from).to_zoned(self.tz.clone()).ok();
                let end = end_day.and_then(|e| e.to_datetime(w.to).to_zoned(self.tz.clone()).ok());
                if let (Some(start), Some(end)) = (start, end) {
                    out.push(Window {
                        calendar: self.name.clone(),
                        name: name.clone(),
                        start,
                        end,
                    });
                }
            }
            match d.tomorrow() {
                Ok(n) => d = n,
                Err(_) => break,
            }
        }
        out
    }
}

/// First days of every month touching `[from, to]`, starting one month before `from` (a window
/// that starts in the previous month may reach into it).
fn months_between(from: Date, to: Date) -> Vec<Date> {
    let mut out = Vec::new();
    let mut m = from
        .first_of_month()
        .checked_sub(1.month())
        .unwrap_or(from.first_of_month());
    while m <= to {
        out.push(m);
        match m.checked_add(1.month()) {
            Ok(n) => m = n,
            Err(_) => break,
        }
    }
    out
}

#[cfg(test)]
mod tests;
