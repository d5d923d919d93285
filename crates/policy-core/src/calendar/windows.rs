//! The windows of one calendar between two local dates: freezes by their rule, weekly windows,
//! and the business days they count.

use jiff::civil::{Date, Weekday};
use jiff::{ToSpan, Zoned};

use super::{Calendar, Rule, Weekly, Window};

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
    pub(super) fn freeze_windows(&self, from: Date, to: Date) -> Vec<Window> {
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

    pub(super) fn weekly_windows(
        &self,
        weekly: &[(String, Weekly)],
        from: Date,
        to: Date,
    ) -> Vec<Window> {
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
