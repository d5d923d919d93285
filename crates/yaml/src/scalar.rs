//! Scalars resolved as kubectl's go-yaml v2 resolves them (YAML 1.1), with a note where YAML 1.2
//! reads them otherwise.

use std::borrow::Cow;

use saphyr_parser::{ScalarStyle, Tag};
use serde_json::{Number, Value};

fn tag_suffix(tag: Option<&Tag>) -> Option<&str> {
    let t = tag?;
    if t.handle == "tag:yaml.org,2002:" || t.handle == "!!" {
        Some(t.suffix.as_str())
    } else {
        // Local tags (`!foo`) carry no core-schema meaning.
        Some("")
    }
}

/// Resolve a scalar as go-yaml v2 does for kubectl, plus a note when YAML 1.2 would read it
/// differently.
pub(crate) fn resolve_scalar(
    text: &str,
    style: ScalarStyle,
    tag: Option<&Tag>,
) -> (Value, Option<String>) {
    if let Some(suffix) = tag_suffix(tag) {
        let v = match suffix {
            "str" | "binary" | "timestamp" | "" => Value::String(text.to_string()),
            "null" => Value::Null,
            "bool" => match resolve_plain(text) {
                (v @ Value::Bool(_), _) => v,
                _ => Value::String(text.to_string()),
            },
            "int" | "float" => match resolve_plain(text) {
                (v @ Value::Number(_), _) => v,
                _ => Value::String(text.to_string()),
            },
            _ => Value::String(text.to_string()),
        };
        return (v, None);
    }
    if style != ScalarStyle::Plain {
        return (Value::String(text.to_string()), None);
    }
    resolve_plain(text)
}

pub(crate) fn resolve_key(
    text: &str,
    style: ScalarStyle,
    tag: Option<&Tag>,
) -> (String, Option<String>) {
    let (value, note) = resolve_scalar(text, style, tag);
    match value {
        Value::String(s) => (s, note),
        Value::Null => (
            "null".to_string(),
            Some(format!(
                "key `{text}` is read as null (stringified to \"null\")"
            )),
        ),
        Value::Bool(b) => (
            b.to_string(),
            Some(format!(
                "key `{text}` is read as the boolean {b} by kubectl (YAML 1.1); quote it"
            )),
        ),
        other => (other.to_string(), note),
    }
}

fn resolve_plain(text: &str) -> (Value, Option<String>) {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return (Value::Null, None),
        "true" | "True" | "TRUE" => return (Value::Bool(true), None),
        "false" | "False" | "FALSE" => return (Value::Bool(false), None),
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => {
            return (Value::Bool(true), Some(yaml11_bool(text, true)))
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => {
            return (Value::Bool(false), Some(yaml11_bool(text, false)))
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF"
        | ".nan" | ".NaN" | ".NAN" => {
            return (
                Value::String(text.to_string()),
                Some(format!(
                    "`{text}` is a non-finite float, which JSON cannot hold; kept as a string"
                )),
            )
        }
        _ => {}
    }
    let first = text.as_bytes()[0];
    if !(first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.') {
        return (Value::String(text.to_string()), None);
    }
    let plain: Cow<'_, str> = if text.contains('_') {
        Cow::Owned(text.replace('_', ""))
    } else {
        Cow::Borrowed(text)
    };
    if let Some((n, radix)) = parse_go_int(&plain) {
        let note = match radix {
            8 if !plain.contains("0o") => Some(format!(
                "`{text}` is read as octal {n} by kubectl (YAML 1.1); YAML 1.2 reads {}; \
                 quote it or write 0o{}",
                plain.trim_start_matches(['+', '-']).trim_start_matches('0'),
                &plain.trim_start_matches(['+', '-'])[1..]
            )),
            _ if text.contains('_') => Some(format!(
                "`{text}` is read as the number {n} by kubectl (YAML 1.1 digit separators); quote it if it is a string"
            )),
            _ => None,
        };
        return (Value::Number(n), note);
    }
    if is_yaml_float(&plain) {
        if let Ok(f) = plain.parse::<f64>() {
            if let Some(n) = Number::from_f64(f) {
                return (Value::Number(n), None);
            }
        }
    }
    (Value::String(text.to_string()), None)
}

fn yaml11_bool(text: &str, b: bool) -> String {
    format!(
        "`{text}` is read as the boolean {b} by kubectl (YAML 1.1) but as a string by YAML 1.2 \
         tools; write {b} or quote it"
    )
}

/// Go's `strconv.ParseInt(s, 0, 64)` then `ParseUint`: decimal, `0x`, `0o`, `0b`, leading-zero octal.
fn parse_go_int(s: &str) -> Option<(Number, u32)> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let (digits, radix) = if let Some(r) = body.strip_prefix("0x").or(body.strip_prefix("0X")) {
        (r, 16)
    } else if let Some(r) = body.strip_prefix("0o").or(body.strip_prefix("0O")) {
        (r, 8)
    } else if let Some(r) = body.strip_prefix("0b").or(body.strip_prefix("0B")) {
        (r, 2)
    } else if body.len() > 1 && body.starts_with('0') {
        (&body[1..], 8)
    } else {
        (body, 10)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let mag = u64::from_str_radix(digits, radix).ok()?;
    let n = if neg {
        if mag > i64::MAX as u64 + 1 {
            return None;
        }
        Number::from((mag as i128).wrapping_neg() as i64)
    } else {
        Number::from(mag)
    };
    Some((n, radix))
}

/// go-yaml v2's float pattern: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - int_start;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if int_digits == 0 && i == frac_start {
            return false;
        }
    } else if int_digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        let exp_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == exp_start {
            return false;
        }
    }
    i == b.len()
}
