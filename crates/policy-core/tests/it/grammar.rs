//! Property tests: image references against the distribution/reference grammar, quantities
//! against apimachinery's resource.Quantity grammar. Valid inputs are generated from the
//! grammar and must parse to their generated parts; mutations must never panic, and whatever
//! parses must be in the grammar.

use std::cell::RefCell;

use policy_core::image::parse_image;
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------
// distribution/reference (reference/regexp.go):
//   reference       := name [ ":" tag ] [ "@" digest ]
//   name            := [domain '/'] remote-name
//   domain          := host [':' port-number]
//   host            := domain-name | IPv4address | \[ IPv6address \]
//   domain-name     := domain-component ['.' domain-component]*
//   domain-component:= /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
//   port-number     := /[0-9]+/
//   path-component  := alpha-numeric [separator alpha-numeric]*
//   alpha-numeric   := /[a-z0-9]+/
//   separator       := /[_.]|__|[-]+/
//   tag             := /[\w][\w.-]{0,127}/
//   digest          := algorithm ":" encoded   (sha256: 64 lower-case hex)

fn domain_component() -> impl Strategy<Value = String> {
    prop_oneof!["[a-zA-Z0-9]", "[a-zA-Z0-9][a-zA-Z0-9-]{0,10}[a-zA-Z0-9]",]
}

/// A domain Docker recognises as a registry: with a dot, a port, or `localhost`.
fn dotted() -> impl Strategy<Value = String> {
    (
        domain_component(),
        prop::collection::vec(domain_component(), 1..3),
    )
        .prop_map(|(first, rest)| format!("{first}.{}", rest.join(".")))
}

fn domain() -> impl Strategy<Value = String> {
    let host = prop_oneof![dotted(), Just("localhost".to_string())];
    prop_oneof![
        dotted(),
        (host, 1u32..65536).prop_map(|(h, p)| format!("{h}:{p}")),
        "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}(:[0-9]{1,5})?",
    ]
    .prop_filter("Docker Hub aliases are normalised", |d| {
        d != "index.docker.io"
    })
}

fn path_component() -> impl Strategy<Value = String> {
    let sep = prop_oneof![
        Just(".".to_string()),
        Just("_".to_string()),
        Just("__".to_string()),
        "-{1,3}"
    ];
    (
        "[a-z0-9]{1,8}",
        prop::collection::vec((sep, "[a-z0-9]{1,6}"), 0..3),
    )
        .prop_map(|(head, tail)| {
            let mut s = head;
            for (sep, an) in tail {
                s.push_str(&sep);
                s.push_str(&an);
            }
            s
        })
}

fn tag() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_][A-Za-z0-9_.-]{0,40}"
}

fn digest() -> impl Strategy<Value = String> {
    "[a-f0-9]{64}".prop_map(|h| format!("sha256:{h}"))
}

#[derive(Debug, Clone)]
struct Generated {
    domain: Option<String>,
    path: Vec<String>,
    tag: Option<String>,
    digest: Option<String>,
}

impl Generated {
    fn text(&self) -> String {
        let mut s = String::new();
        if let Some(d) = &self.domain {
            s.push_str(d);
            s.push('/');
        }
        s.push_str(&self.path.join("/"));
        if let Some(t) = &self.tag {
            s.push(':');
            s.push_str(t);
        }
        if let Some(d) = &self.digest {
            s.push('@');
            s.push_str(d);
        }
        s
    }
}

fn reference() -> impl Strategy<Value = Generated> {
    (
        prop::option::of(domain()),
        prop::collection::vec(path_component(), 1..4),
        prop::option::of(tag()),
        prop::option::of(digest()),
    )
        .prop_map(|(domain, path, tag, digest)| Generated {
            domain,
            path,
            tag,
            digest,
        })
        // Without a domain, a first component that looks like one would be read as a registry.
        .prop_filter("first path component must not look like a domain", |g| {
            g.domain.is_some()
                || !(g.path[0].contains('.') || g.path[0] == "localhost")
                || g.path.len() == 1
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn valid_references_parse_to_their_parts(g in reference()) {
        let text = g.text();
        let r = parse_image(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        let path = g.path.join("/");
        match &g.domain {
            Some(d) => {
                prop_assert_eq!(&r.registry, d);
                prop_assert_eq!(&r.repository, &path);
            }
            None => {
                prop_assert_eq!(r.registry.as_str(), "docker.io");
                let expected = if g.path.len() == 1 { format!("library/{path}") } else { path };
                prop_assert_eq!(&r.repository, &expected);
            }
        }
        prop_assert_eq!(&r.tag, &g.tag);
        prop_assert_eq!(&r.digest, &g.digest);
    }

    #[test]
    fn mutated_references_never_panic_and_what_parses_round_trips(
        g in reference(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, prop::sample::select(vec![
            'a', 'Z', '0', '.', '-', '_', '/', ':', '@', '[', ']', ' ', '\u{0}', 'é', '\u{202e}',
        ])), 1..4),
    ) {
        let mut chars: Vec<char> = g.text().chars().collect();
        for (at, op, c) in edits {
            let i = at.index(chars.len() + 1);
            match op {
                0 => chars.insert(i, c),
                1 if i < chars.len() => { chars.remove(i); }
                _ if i < chars.len() => chars[i] = c,
                _ => chars.push(c),
            }
        }
        let text: String = chars.into_iter().collect();
        if let Ok(r) = parse_image(&text) {
            // Whatever parses renders back to a reference that parses to the same parts.
            let mut again = r.name();
            if let Some(t) = &r.tag { again.push(':'); again.push_str(t); }
            if let Some(d) = &r.digest { again.push('@'); again.push_str(d); }
            let r2 = parse_image(&again).map_err(|e| TestCaseError::fail(format!("{text} → {again}: {e}")))?;
            prop_assert_eq!(r, r2);
        }
    }

    #[test]
    fn arbitrary_strings_never_panic(s in "\\PC{0,80}") {
        let _ = parse_image(&s);
    }
}

// ---------------------------------------------------------------------------------------------
// apimachinery resource.Quantity, as the rules parse it: `parse` of policies/lib/quantity.rego
// (which states the grammar), run by regorus' interpreter (the builtins it calls, regex.match,
// replace and units.parse, are the ones the pack's compiled program calls). The oracle is
// independent: the grammar as one regular expression for "accepted", and the value computed
// from the generated parts.

thread_local! {
    static QUANTITY: RefCell<regorus::Engine> = RefCell::new(quantity_engine());
}

fn quantity_engine() -> regorus::Engine {
    let lib = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../policies/lib/quantity.rego"
    );
    let mut engine = regorus::Engine::new();
    engine
        .add_policy(lib.into(), std::fs::read_to_string(lib).unwrap())
        .unwrap();
    engine
        .add_policy(
            "q.rego".into(),
            "package q\nimport rego.v1\nimport data.plumbline.lib.quantity\nout := quantity.parse(input.q)\n".into(),
        )
        .unwrap();
    engine
}

/// The rules' reading of `text`: its value, or None (undefined or a builtin error: unparseable).
fn parse_quantity(text: &str) -> Option<f64> {
    QUANTITY.with(|engine| {
        let mut engine = engine.borrow_mut();
        let input = serde_json::json!({ "q": text }).to_string();
        engine.set_input(regorus::Value::from_json_str(&input).unwrap());
        match engine.eval_rule("data.q.out".into()) {
            // Through JSON: as_f64 declines integers beyond 2^53, which quantities reach, and
            // Display fails on some numbers (`01e00`).
            Ok(v) if v != regorus::Value::Undefined => {
                // A number beyond f64 (an edited exponent) is still accepted: NaN stands for it.
                Some(
                    serde_json::to_value(&v)
                        .ok()
                        .and_then(|j| j.as_f64())
                        .unwrap_or(f64::NAN),
                )
            }
            _ => None,
        }
    })
}

/// The grammar as one regular expression: the oracle for "accepted".
fn quantity_regex() -> regex::Regex {
    regex::Regex::new(
        r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$",
    )
    .unwrap()
}

#[derive(Debug, Clone)]
struct Q {
    sign: &'static str,
    int: String,
    dot: bool,
    frac: String,
    suffix: String,
}

fn quantity() -> impl Strategy<Value = Q> {
    let suffix = prop_oneof![
        prop::sample::select(vec![
            "", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"
        ])
        .prop_map(str::to_string),
        "[eE][+-]?[0-9]{1,2}",
    ];
    (
        prop::sample::select(vec!["", "+", "-"]),
        "[0-9]{0,12}",
        any::<bool>(),
        "[0-9]{0,8}",
        suffix,
    )
        .prop_map(|(sign, int, dot, frac, suffix)| Q {
            sign,
            int,
            dot,
            frac,
            suffix,
        })
        .prop_filter("a number has a digit", |q| {
            !q.int.is_empty() || (q.dot && !q.frac.is_empty())
        })
}

impl Q {
    fn text(&self) -> String {
        let frac = if self.dot {
            format!(".{}", self.frac)
        } else {
            String::new()
        };
        format!("{}{}{}{}", self.sign, self.int, frac, self.suffix)
    }

    /// The value computed independently: mantissa × 10^e or × 2^b, in f64.
    fn value(&self) -> f64 {
        let mantissa: f64 = format!(
            "{}{}.{}",
            self.sign,
            if self.int.is_empty() { "0" } else { &self.int },
            if self.dot && !self.frac.is_empty() {
                self.frac.as_str()
            } else {
                "0"
            }
        )
        .parse()
        .unwrap();
        let pow10 = |e: i32| 10f64.powi(e);
        let factor = match self.suffix.as_str() {
            "" => 1.0,
            "n" => pow10(-9),
            "u" => pow10(-6),
            "m" => pow10(-3),
            "k" => pow10(3),
            "M" => pow10(6),
            "G" => pow10(9),
            "T" => pow10(12),
            "P" => pow10(15),
            "E" => pow10(18),
            "Ki" => 2f64.powi(10),
            "Mi" => 2f64.powi(20),
            "Gi" => 2f64.powi(30),
            "Ti" => 2f64.powi(40),
            "Pi" => 2f64.powi(50),
            "Ei" => 2f64.powi(60),
            e => pow10(e[1..].parse::<i32>().unwrap()),
        };
        mantissa * factor
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    #[test]
    fn valid_quantities_parse_to_their_value(q in quantity()) {
        let text = q.text();
        prop_assert!(quantity_regex().is_match(&text), "generator left the grammar: {}", text);
        let got = parse_quantity(&text).ok_or_else(|| TestCaseError::fail(format!("{text}: not parsed")))?;
        let want = q.value();
        // Two roundings on the independent side: allow a few ulps.
        let tol = want.abs() * 1e-12 + f64::MIN_POSITIVE;
        prop_assert!((got - want).abs() <= tol, "{}: {} != {}", text, got, want);
    }

    #[test]
    fn accepted_iff_in_the_grammar(
        q in quantity(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, prop::sample::select(vec![
            '0', '7', '.', '+', '-', 'e', 'E', 'i', 'K', 'k', 'm', 'M', 'G', 'n', 'u', ' ', 'x', '٣',
        ])), 0..3),
    ) {
        let mut chars: Vec<char> = q.text().chars().collect();
        for (at, op, c) in edits {
            let i = at.index(chars.len() + 1);
            match op {
                0 => chars.insert(i, c),
                1 if i < chars.len() => { chars.remove(i); }
                _ if i < chars.len() => chars[i] = c,
                _ => chars.push(c),
            }
        }
        let text: String = chars.into_iter().collect();
        let in_grammar = quantity_regex().is_match(&text);
        match parse_quantity(&text) {
            Some(v) => prop_assert!(in_grammar, "accepted outside the grammar: {:?} = {}", text, v),
            None => prop_assert!(!in_grammar, "rejected inside the grammar: {:?}", text),
        }
    }

    #[test]
    fn arbitrary_strings_never_panic_quantity(s in "\\PC{0,40}") {
        let _ = parse_quantity(&s);
    }
}
