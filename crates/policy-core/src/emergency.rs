//! Emergency changes during a freeze: `change.plumbline.dev/emergency: "<ticket>; expires=<RFC 3339>"`.
//!
//! An emergency lets a change through an active freeze window, so in admission it is governed
//! like an in-object suppression (a tenant writes the annotation on its own object):
//!
//! - the requester of *this* request (`userInfo.username` or one of its groups) must be listed in
//!   `admission.emergency.requesters` (default: nobody);
//! - the ticket (the text before the first `;`) must match `changeControl.ticketPattern`;
//! - `expires=` must be an RFC 3339 instant after now and at most `admission.emergency.maxHours`
//!   (default 24) ahead of it. The annotation is judged again on every request, so it stops working
//!   for later UPDATEs and the DELETE once it expires, and never works for another requester.
//!
//! Offline (`plumbline lint`) the requester and the clock of the change are unknown; the pack's
//! `change-freeze-active` honours an emergency whose ticket matches the pattern.

use serde_json::Value;

/// The emergency annotation key.
pub const ANNOTATION: &str = "change.plumbline.dev/emergency";

/// Longest validity of an emergency when `admission.emergency.maxHours` is not set.
pub const DEFAULT_MAX_HOURS: u32 = 24;

/// An emergency annotation, judged for one admission request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verdict {
    /// The annotation as written (control characters replaced), for the record.
    pub text: String,
    /// The ticket (text before the first `;`, trimmed).
    pub ticket: String,
    /// The `expires=` instant, when it parses.
    pub expires: Option<jiff::Timestamp>,
    /// Why it is not honoured; None: honoured.
    pub problem: Option<String>,
}

impl Verdict {
    /// Whether the emergency lets the change through a freeze.
    pub fn honoured(&self) -> bool {
        self.problem.is_none()
    }
}

/// What an emergency is judged against.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Rules<'a> {
    /// The requester's username, for messages.
    pub requester: &'a str,
    /// Whether the requester may declare emergencies (`admission.emergency.requesters`).
    pub requester_allowed: bool,
    /// The change ticket pattern (`changeControl.ticketPattern`).
    pub ticket_pattern: &'a str,
    /// Now.
    pub now: jiff::Timestamp,
    /// Longest validity, in hours.
    pub max_hours: u32,
}

/// The emergency annotation of an object, if it has one.
pub fn annotation(object: &Value) -> Option<&Value> {
    object["metadata"]["annotations"].get(ANNOTATION)
}

/// Judge an emergency annotation's value. Every problem found is listed, so one denial tells
/// the requester everything to fix.
pub fn judge(value: &Value, rules: &Rules<'_>) -> Verdict {
    let raw = value.as_str().unwrap_or_default();
    let text: String = raw
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(256)
        .collect();
    let mut parts = raw.split(';');
    let ticket = parts.next().unwrap_or_default().trim().to_string();
    let mut expires_text = None;
    for p in parts {
        if let Some(e) = p.trim().strip_prefix("expires=") {
            expires_text = Some(e.trim().to_string());
        }
    }
    let mut problems = Vec::new();
    if !rules.requester_allowed {
        let who = if rules.requester.is_empty() {
            "(unknown)"
        } else {
            rules.requester
        };
        problems.push(format!(
            "requester {who} may not declare emergency changes (admission.emergency.requesters)"
        ));
    }
    let pattern_ok = regex::Regex::new(rules.ticket_pattern)
        .map(|re| re.is_match(&ticket))
        .unwrap_or(false);
    if ticket.is_empty() {
        problems.push("it names no ticket".to_string());
    } else if !pattern_ok {
        problems.push(format!(
            "its ticket {ticket:?} does not match the ticket pattern {:?}",
            rules.ticket_pattern
        ));
    }
    let max = jiff::SignedDuration::from_hours(i64::from(rules.max_hours));
    let expires = match expires_text.as_deref() {
        None => {
            problems.push(format!(
                "it has no expires=<RFC 3339 instant> (at most {} hours ahead)",
                rules.max_hours
            ));
            None
        }
        Some(e) => match e.parse::<jiff::Timestamp>() {
            Err(_) => {
                problems.push(format!(
                    "its expires={e} is not an RFC 3339 instant (e.g. 2026-11-25T18:00:00Z)"
                ));
                None
            }
            Ok(t) => {
                if t <= rules.now {
                    problems.push(format!("it expired at {t}"));
                } else if rules.now.duration_until(t) > max {
                    problems.push(format!(
                        "its expiry {t} is more than {} hours ahead (admission.emergency.maxHours)",
                        rules.max_hours
                    ));
                }
                Some(t)
            }
        },
    };
    Verdict {
        text,
        ticket,
        expires,
        problem: (!problems.is_empty()).then(|| problems.join("; ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rules(allowed: bool) -> Rules<'static> {
        Rules {
            requester: "alice",
            requester_allowed: allowed,
            ticket_pattern: "^[A-Z][A-Z0-9]+-[0-9]+$",
            now: "2026-11-25T10:00:00Z".parse().unwrap_or_default(),
            max_hours: 24,
        }
    }

    #[test]
    fn requester_ticket_and_validity() {
        let ok = judge(
            &json!("INC-4711; expires=2026-11-25T18:00:00Z"),
            &rules(true),
        );
        assert!(ok.honoured(), "{ok:?}");
        assert_eq!(ok.ticket, "INC-4711");
        let offset = judge(
            &json!("INC-1; expires=2026-11-26T09:00:00+01:00"),
            &rules(true),
        );
        assert!(offset.honoured(), "{offset:?}");
        for (value, allowed, expect) in [
            (
                "INC-4711; expires=2026-11-25T18:00:00Z",
                false,
                "requester alice may not",
            ),
            (
                "x; expires=2026-11-25T18:00:00Z",
                true,
                "does not match the ticket pattern",
            ),
            ("; expires=2026-11-25T18:00:00Z", true, "names no ticket"),
            ("INC-4711", true, "has no expires="),
            (
                "INC-4711; expires=tomorrow",
                true,
                "not an RFC 3339 instant",
            ),
            ("INC-4711; expires=2026-11-25T09:59:59Z", true, "expired at"),
            (
                "INC-4711; expires=2026-11-26T10:00:01Z",
                true,
                "more than 24 hours ahead",
            ),
        ] {
            let v = judge(&json!(value), &rules(allowed));
            let p = v.problem.unwrap_or_default();
            assert!(p.contains(expect), "{value}: {p}");
        }
        let none = judge(&json!(42), &rules(false));
        assert!(none.problem.unwrap_or_default().contains("names no ticket"));
    }
}
