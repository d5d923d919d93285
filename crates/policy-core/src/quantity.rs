//! Kubernetes resource quantities (`500m`, `1.5Gi`, `2e3`, `+.5k`), following apimachinery's
//! `resource.Quantity` grammar:
//!
//! ```text
//! <quantity>        ::= <signedNumber><suffix>
//! <signedNumber>    ::= <number> | <sign><number>
//! <sign>            ::= "+" | "-"
//! <number>          ::= <digits> | <digits>.<digits> | <digits>. | .<digits>
//! <digits>          ::= <digit> | <digit><digits>
//! <suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI>
//! <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei
//! <decimalSI>       ::= n | u | m | "" | k | M | G | T | P | E
//! <decimalExponent> ::= "e" <signedInteger> | "E" <signedInteger>
//! ```
//!
//! As in apimachinery's parser: `n` and `u` are accepted (the documented grammar omits them), and
//! the exponent is an integer (the documented `<signedNumber>` would allow `1e1.5`, which the Go
//! parser rejects). Unlike the Go parser, a number needs at least one digit: apimachinery reads `-`
//! and `.` as zero, which no manifest means. No white space anywhere.

/// Longest quantity accepted, in bytes (a manifest value, not a number-crunching input).
pub const MAX_QUANTITY_LEN: usize = 256;

/// Why a quantity is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QuantityError {
    /// Not the quantity grammar.
    #[error(
        "quantity `{0}` does not match the Kubernetes quantity format (e.g. 500m, 1.5Gi, 2e3)"
    )]
    Format(String),
    /// Beyond what an f64 holds.
    #[error("quantity `{0}` is out of range")]
    OutOfRange(String),
}

/// Split `s` at the end of its leading ASCII digits.
fn digits(s: &str) -> (&str, &str) {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    s.split_at(n)
}

/// Parse a quantity into its value (`500m` → 0.5, `1Ki` → 1024.0).
///
/// Decimal values are rounded once, correctly (the digits go through Rust's float parser with
/// the suffix as a power of ten); binary suffixes multiply by an exact power of two.
pub fn parse_quantity(s: &str) -> Result<f64, QuantityError> {
    let bad = || QuantityError::Format(s.chars().take(64).collect());
    if s.is_empty() || s.len() > MAX_QUANTITY_LEN {
        return Err(bad());
    }
    let (negative, rest) = match s.as_bytes()[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (int, rest) = digits(rest);
    let (frac, rest) = match rest.strip_prefix('.') {
        Some(r) => digits(r),
        None => ("", rest),
    };
    if int.is_empty() && frac.is_empty() {
        return Err(bad());
    }
    let (exp10, binary): (i64, i32) = match rest {
        "" => (0, 0),
        "n" => (-9, 0),
        "u" => (-6, 0),
        "m" => (-3, 0),
        "k" => (3, 0),
        "M" => (6, 0),
        "G" => (9, 0),
        "T" => (12, 0),
        "P" => (15, 0),
        "E" => (18, 0),
        "Ki" => (0, 10),
        "Mi" => (0, 20),
        "Gi" => (0, 30),
        "Ti" => (0, 40),
        "Pi" => (0, 50),
        "Ei" => (0, 60),
        _ => {
            let e = rest.strip_prefix(['e', 'E']).ok_or_else(bad)?;
            let (neg, e) = match e.as_bytes().first() {
                Some(b'-') => (true, &e[1..]),
                Some(b'+') => (false, &e[1..]),
                _ => (false, e),
            };
            if e.is_empty() || !e.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            // Saturate: 10^±100000 is already ±inf or 0 for an f64.
            let mag = e
                .trim_start_matches('0')
                .parse::<i64>()
                .unwrap_or(if e.trim_start_matches('0').is_empty() {
                    0
                } else {
                    100_000
                })
                .min(100_000);
            (if neg { -mag } else { mag }, 0)
        }
    };
    let int = if int.is_empty() { "0" } else { int };
    let frac = if frac.is_empty() { "0" } else { frac };
    let text = format!("{}{int}.{frac}e{exp10}", if negative { "-" } else { "" });
    let value: f64 = text.parse().map_err(|_| bad())?;
    let value = value * 2f64.powi(binary);
    if value.is_finite() {
        Ok(value)
    } else {
        Err(QuantityError::OutOfRange(s.chars().take(64).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_from_the_kubernetes_docs() {
        let cases: &[(&str, f64)] = &[
            ("0", 0.0),
            ("500m", 0.5),
            ("1", 1.0),
            ("1.5", 1.5),
            ("128974848", 128_974_848.0),
            ("129e6", 129e6),
            ("129M", 129e6),
            ("123Mi", 123.0 * 1024.0 * 1024.0),
            ("1Ki", 1024.0),
            ("1.5Gi", 1.5 * 1024f64.powi(3)),
            ("100n", 100e-9),
            ("2u", 2e-6),
            ("+.5k", 500.0),
            ("-1.", -1.0),
            ("1E3", 1000.0),
            ("1E", 1e18),
            ("1e-3", 0.001),
            ("1e+3", 1000.0),
            ("007", 7.0),
        ];
        for (q, v) in cases {
            let got = parse_quantity(q).unwrap_or_else(|e| panic!("{q}: {e}"));
            assert!((got - v).abs() <= v.abs() * 1e-15, "{q}: {got} != {v}");
        }
    }

    #[test]
    fn rejects_what_apimachinery_rejects() {
        for bad in [
            "", " 1", "1 ", "1Kb", "1KI", "1ki", "1e", "1e1.5", "1.2.3", "--1", "Gi", "1Gi1",
            "1m1", "0x10", "1,5", "1_000", "-", "+", ".", "1ee3", "∞",
        ] {
            assert!(parse_quantity(bad).is_err(), "{bad:?} should be invalid");
        }
        assert!(matches!(
            parse_quantity("1e400"),
            Err(QuantityError::OutOfRange(_))
        ));
        assert_eq!(parse_quantity("1e-400"), Ok(0.0));
        assert_eq!(
            parse_quantity("1e99999999999999999999999"),
            Err(QuantityError::OutOfRange(
                "1e99999999999999999999999".into()
            ))
        );
    }
}
