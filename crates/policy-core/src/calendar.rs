//! Change-freeze calendars on business time: named freeze windows (date ranges, days of the month,
//! business days around month end, weekly windows) and allowed change windows, in an IANA time
//! zone with holidays. Times are computed with jiff, so DST changes and month lengths are exact.

use std::collections::BTreeSet;

use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan, Zoned};
use serde::Deserialize;

use crate::tenancy::Tier;

mod compile;
mod windows;

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

impl Calendars {
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

#[cfg(test)]
mod tests;
