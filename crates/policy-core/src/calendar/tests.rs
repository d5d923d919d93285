use super::*;

fn cals(yaml: &str) -> Calendars {
    let v = crate::pack::yaml_value(yaml, "t.yaml").unwrap();
    let cfg: ChangeControlConfig = serde_json::from_value(v).unwrap();
    Calendars::new(&cfg, "t.yaml").unwrap()
}

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

const ERP: &str = r#"
calendars:
- name: erp
  timeZone: Europe/Berlin
  environments: [production]
  holidays: ["2026-12-24", "2026-12-25", "2026-12-31", "2027-01-01"]
  freezes:
  - {name: payroll, monthlyDays: {from: 24, to: 28}}
  - {name: month-end close, lastBusinessDays: 2, firstBusinessDays: 1}
"#;

#[test]
fn payroll_week_in_local_time() {
    let c = cals(ERP);
    // 2026-11-23T23:30Z is 00:30 on the 24th in Berlin (UTC+1): frozen.
    let w = c.active("production", Tier::Dedicated, at("2026-11-23T23:30:00Z"));
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].name, "payroll");
    assert_eq!(rfc3339(&w[0].end), "2026-11-29T00:00:00+01:00");
    assert!(c
        .active("production", Tier::Dedicated, at("2026-11-23T22:30:00Z"))
        .is_empty());
    assert!(c
        .active("staging", Tier::MultiTenant, at("2026-11-25T12:00:00Z"))
        .is_empty());
}

#[test]
fn month_end_close_with_holidays_and_year_end() {
    let c = cals(ERP);
    // December 2026: 31st (Thu) and 24th/25th are holidays; the last two business days are the
    // 29th (Tue) and 30th (Wed); the first business day of January is the 4th (Mon; 1st holiday).
    let w = c.upcoming(
        "production",
        Tier::Dedicated,
        "2026-12-29".parse().unwrap(),
        1,
    );
    let close = w.iter().find(|w| w.name == "month-end close").unwrap();
    assert_eq!(rfc3339(&close.start), "2026-12-29T00:00:00+01:00");
    assert_eq!(rfc3339(&close.end), "2027-01-05T00:00:00+01:00");
    assert!(c
        .active("production", Tier::Dedicated, at("2027-01-04T15:00:00Z"))
        .iter()
        .any(|w| w.name == "month-end close"));
    assert!(c
        .active("production", Tier::Dedicated, at("2027-01-05T00:30:00Z"))
        .is_empty());
}

#[test]
fn short_months_and_leap_years() {
    let c = cals("calendars:\n- name: c\n  timeZone: UTC\n  freezes:\n  - {name: late, monthlyDays: {from: 29, to: 31}}\n  - {name: wrap, monthlyDays: {from: 30, to: 2}}\n");
    // February 2027 has no 29th: no `late` window; 2028 is a leap year: one day.
    assert!(!c
        .active("production", Tier::Dedicated, at("2027-02-28T12:00:00Z"))
        .iter()
        .any(|w| w.name == "late"));
    let leap = c.active("production", Tier::Dedicated, at("2028-02-29T12:00:00Z"));
    let late = leap.iter().find(|w| w.name == "late").unwrap();
    assert_eq!(rfc3339(&late.end), "2028-03-01T00:00:00+00:00");
    // `wrap` runs from the 30th over the month end to the 2nd.
    assert!(c
        .active("production", Tier::Dedicated, at("2026-12-01T08:00:00Z"))
        .iter()
        .any(|w| w.name == "wrap"));
    assert!(c
        .active("production", Tier::Dedicated, at("2027-01-02T23:00:00Z"))
        .iter()
        .any(|w| w.name == "wrap"));
    // February 2027 has no 30th, so no `wrap` window starts in it.
    assert!(!c
        .active("production", Tier::Dedicated, at("2027-03-02T12:00:00Z"))
        .iter()
        .any(|w| w.name == "wrap"));
}

#[test]
fn dst_changes_keep_local_times() {
    // Berlin springs forward on 2026-03-29 (02:00 → 03:00) and falls back on 2026-10-25.
    let c = cals("calendars:\n- name: c\n  timeZone: Europe/Berlin\n  freezes:\n  - name: sunday nights\n    weekly: {days: [sun], from: \"01:00\", to: \"04:00\"}\n");
    let spring = c.upcoming(
        "production",
        Tier::Dedicated,
        "2026-03-29".parse().unwrap(),
        1,
    );
    assert_eq!(rfc3339(&spring[0].start), "2026-03-29T01:00:00+01:00");
    assert_eq!(rfc3339(&spring[0].end), "2026-03-29T04:00:00+02:00");
    assert_eq!(
        spring[0].end.timestamp().as_second() - spring[0].start.timestamp().as_second(),
        2 * 3600
    );
    let fall = c.upcoming(
        "production",
        Tier::Dedicated,
        "2026-10-25".parse().unwrap(),
        1,
    );
    assert_eq!(
        fall[0].end.timestamp().as_second() - fall[0].start.timestamp().as_second(),
        4 * 3600
    );
}

#[test]
fn change_windows_freeze_everything_else() {
    let c = cals("calendars:\n- name: c\n  timeZone: Europe/Berlin\n  tiers: [dedicated]\n  changeWindows:\n  - {name: tuesday maintenance, days: [tue], from: \"22:00\", to: \"02:00\"}\n");
    // Tuesday 2026-11-24 23:00 Berlin (22:00Z) is inside; Wednesday noon is outside.
    assert!(c
        .active("production", Tier::Dedicated, at("2026-11-24T22:00:00Z"))
        .is_empty());
    let w = c.active("production", Tier::Dedicated, at("2026-11-25T11:00:00Z"));
    assert_eq!(w[0].name, "outside change windows");
    assert_eq!(rfc3339(&w[0].end), "2026-12-01T22:00:00+01:00");
}

#[test]
fn bad_time_zone_is_a_config_error() {
    let v =
        crate::pack::yaml_value("calendars:\n- {name: c, timeZone: Mars/Olympus}\n", "t").unwrap();
    let cfg: ChangeControlConfig = serde_json::from_value(v).unwrap();
    assert!(Calendars::new(&cfg, "p.yaml")
        .unwrap_err()
        .to_string()
        .contains("Mars/Olympus"));
}
