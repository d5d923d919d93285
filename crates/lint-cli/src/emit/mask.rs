//! Masking of credentials in the source lines that code frames show (the human format is read in
//! CI logs by many people; the other formats never quote source lines).

use std::borrow::Cow;

/// What replaces a masked value.
pub(crate) const MASK: &str = "********";

/// Mask what may be a credential anywhere on a line: the password (or token) in a URL's userinfo
/// (`postgres://odoo:PASS@db`, `redis://:PASS@redis`, `https://TOKEN@host`), the value of a
/// `password=`, `passwd=` or `pwd=` setting (libpq DSNs, `PGPASSWORD=…`, odoo.conf), and the
/// `value:` of env entries written in flow style (`- {name: DB_PASSWORD, value: …}`).
pub(crate) fn credentials(line: &str) -> Cow<'_, str> {
    let mut spans = Vec::new();
    url_passwords(line, &mut spans);
    password_settings(line, &mut spans);
    flow_values(line, &mut spans);
    if spans.is_empty() {
        return Cow::Borrowed(line);
    }
    spans.sort_unstable();
    let mut out = String::with_capacity(line.len());
    let mut last = 0;
    for (start, end) in spans {
        if end <= last {
            continue;
        }
        let start = start.max(last);
        out.push_str(&line[last..start]);
        out.push_str(MASK);
        last = end;
    }
    out.push_str(&line[last..]);
    Cow::Owned(out)
}

/// Mask everything after a line's key (`key: ********`), or the whole line after its indentation
/// when it has no key: the line may be a secret's value.
pub(crate) fn after_key(src: &str) -> String {
    match src.find(": ") {
        Some(i) => format!("{}: {MASK}", &src[..i]),
        None => format!("{}{MASK}", &src[..src.len() - src.trim_start().len()]),
    }
}

fn ends_value(c: char) -> bool {
    c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '<' | '>')
}

/// Byte spans of URL userinfo passwords (or of the whole userinfo when it has no `:`, a token).
fn url_passwords(line: &str, spans: &mut Vec<(usize, usize)>) {
    let mut from = 0;
    while let Some(k) = line[from..].find("://") {
        let start = from + k + 3;
        let end = line[start..]
            .find(ends_value)
            .map_or(line.len(), |e| start + e);
        from = end.max(start);
        // Passwords may hold `/`, `?`, `#` or `@` unescaped: the userinfo ends at the last `@`.
        let Some(at) = line[start..end].rfind('@') else {
            continue;
        };
        let userinfo = &line[start..start + at];
        let (skip, user) = match userinfo.find(':') {
            Some(c) => (c + 1, &userinfo[..c]),
            None => (0, userinfo),
        };
        // `https://host/path@x`: a path, not a userinfo; `user:@host`, `//@host`: nothing to hide.
        if user.contains('/') || skip == userinfo.len() {
            continue;
        }
        spans.push((start + skip, start + at));
    }
}

/// Byte spans of values of keys ending in `password`, `passwd` or `pwd` followed by `=` or `:`.
fn password_settings(line: &str, spans: &mut Vec<(usize, usize)>) {
    let lower = line.to_ascii_lowercase();
    for key in ["password", "passwd", "pwd"] {
        let mut from = 0;
        while let Some(k) = lower[from..].find(key) {
            let mut i = from + k + key.len();
            from = i;
            let b = lower.as_bytes();
            // An optional closing quote of a quoted key, blanks, then `=` or `:`.
            if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                i += 1;
            }
            while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
                i += 1;
            }
            if i >= b.len() || !(b[i] == b'=' || b[i] == b':') {
                continue;
            }
            i += 1;
            while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
                i += 1;
            }
            let quote = b.get(i).copied().filter(|&q| q == b'"' || q == b'\'');
            let end = match quote {
                Some(q) => {
                    i += 1;
                    line[i..].find(q as char).map_or(line.len(), |e| i + e)
                }
                None => line[i..]
                    .find(|c: char| ends_value(c) || matches!(c, '&' | ';' | ',' | '}'))
                    .map_or(line.len(), |e| i + e),
            };
            if end > i {
                spans.push((i, end));
            }
        }
    }
}

/// Byte spans of `value:` entries inside flow mappings (`{name: X, value: Y}`).
fn flow_values(line: &str, spans: &mut Vec<(usize, usize)>) {
    let Some(open) = line.find('{') else {
        return;
    };
    let mut from = open;
    while let Some(k) = line[from..].find("value:") {
        let key = from + k;
        from = key + "value:".len();
        let before = line[..key].trim_end();
        if !(before.ends_with('{') || before.ends_with(',')) {
            continue;
        }
        let mut i = from;
        let b = line.as_bytes();
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        let end = match b.get(i) {
            Some(&q @ (b'"' | b'\'')) => line[i + 1..]
                .find(q as char)
                .map_or(line.len(), |e| i + 1 + e + 1),
            _ => line[i..].find([',', '}']).map_or(line.len(), |e| i + e),
        };
        let end = line[..end].trim_end().len().max(i);
        if end > i {
            spans.push((i, end));
        }
    }
}

/// Longest walk up a document looking for an `env:` or `value:` parent; past it the line is
/// treated as possibly secret (a hostile file must not make output quadratic).
const MAX_ANCESTOR_WALK: usize = 10_000;

/// A source text split into lines once, with what the masking needs to know per line.
pub(crate) struct Text<'a> {
    lines: Vec<&'a str>,
    /// Index of the first line of each line's document.
    doc_start: Vec<u32>,
    /// First lines of documents that declare `kind: Secret`.
    secret_docs: std::collections::HashSet<u32>,
}

impl<'a> Text<'a> {
    pub(crate) fn new(text: &'a str) -> Text<'a> {
        let lines: Vec<&str> = text.lines().collect();
        let mut doc_start = Vec::with_capacity(lines.len());
        let mut secret_docs = std::collections::HashSet::new();
        let mut start = 0u32;
        for (i, l) in lines.iter().enumerate() {
            let i = i as u32;
            if i > 0 && (l.starts_with("---") || l.starts_with("...")) {
                start = i;
            }
            doc_start.push(start);
            if declares_secret(l) {
                secret_docs.insert(start);
            }
        }
        Text {
            lines,
            doc_start,
            secret_docs,
        }
    }

    /// Line `line` (1-based).
    pub(crate) fn line(&self, line: u32) -> Option<&'a str> {
        let i = (line as usize).checked_sub(1)?;
        self.lines.get(i).copied()
    }

    /// Whether line `line` (1-based) may hold a secret, judged from the text alone (for
    /// documents that did not parse, and notes): any line of a document whose kind is Secret
    /// other than its `apiVersion` and `kind`, and env values (a `value:` line, or a line under
    /// `env:` or `value:`).
    pub(crate) fn may_hold_secret(&self, line: u32) -> bool {
        let Some(idx) = (line as usize)
            .checked_sub(1)
            .filter(|&i| i < self.lines.len())
        else {
            return false;
        };
        let this = self.lines[idx];
        let key = key_of(this);
        let start = self.doc_start[idx] as usize;
        if self.secret_docs.contains(&(start as u32)) && !matches!(key, "apiVersion" | "kind") {
            return true;
        }
        if this.contains("value:") || key == "value" {
            return true;
        }
        // Ancestors by indentation: a key whose column is left of this line's.
        let mut col = key_col(this);
        for (walked, l) in self.lines[start..idx].iter().rev().enumerate() {
            if walked > MAX_ANCESTOR_WALK {
                return true;
            }
            let t = l.trim_start();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            let c = key_col(l);
            if c < col {
                if matches!(key_of(l), "env" | "value") {
                    return true;
                }
                col = c;
                if c == 0 {
                    break;
                }
            }
        }
        false
    }
}

/// Column of a line's key (after indentation and `- ` sequence indicators).
fn key_col(l: &str) -> usize {
    let mut rest = l;
    loop {
        let t = rest.trim_start_matches(' ');
        match t.strip_prefix("- ").or_else(|| (t == "-").then_some("")) {
            Some(r) => rest = r,
            None => return l.len() - t.len(),
        }
    }
}

/// A line's block mapping key, if it has one.
fn key_of(l: &str) -> &str {
    let t = &l[key_col(l)..];
    match t.find(':') {
        Some(i) if t[i + 1..].is_empty() || t[i + 1..].starts_with([' ', '\t']) => {
            t[..i].trim_matches(['"', '\''])
        }
        _ => "",
    }
}

/// `kind: Secret` in block, flow or JSON style.
fn declares_secret(l: &str) -> bool {
    let mut from = 0;
    while let Some(k) = l[from..].find("kind") {
        let mut rest = &l[from + k + 4..];
        from += k + 4;
        rest = rest.trim_start_matches(['"', '\'']).trim_start();
        let Some(r) = rest.strip_prefix(':') else {
            continue;
        };
        let r = r.trim_start().trim_start_matches(['"', '\'']);
        if let Some(after) = r.strip_prefix("Secret") {
            if !after.starts_with(|c: char| c.is_alphanumeric()) {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_passwords_are_masked() {
        let cases = [
            (
                "value: postgres://odoo:s3cr3t@db:5432/odoo?sslmode=disable",
                "value: postgres://odoo:********@db:5432/odoo?sslmode=disable",
            ),
            (
                "- redis://:redis-pw@redis:6379/0",
                "- redis://:********@redis:6379/0",
            ),
            (
                "args: [\"--db-url\", \"postgresql://u:p/a@ss#w@h/db\"]",
                "args: [\"--db-url\", \"postgresql://u:********@h/db\"]",
            ),
            (
                "url: https://ghp_TOKEN@github.com/x.git",
                "url: https://********@github.com/x.git",
            ),
            (
                "url: https://example.com/a@b",
                "url: https://example.com/a@b",
            ),
            ("image: odoo:17.0", "image: odoo:17.0"),
        ];
        for (line, want) in cases {
            assert_eq!(credentials(line), want, "{line}");
        }
    }

    #[test]
    fn password_settings_and_flow_values_are_masked() {
        assert_eq!(
            credentials("  DSN: host=db user=odoo password=hunter2 sslmode=disable"),
            "  DSN: host=db user=odoo password=******** sslmode=disable"
        );
        assert_eq!(
            credentials("- PGPASSWORD='x y' psql"),
            "- PGPASSWORD='********' psql"
        );
        assert_eq!(
            credentials("env: [{name: DB_PASSWORD, value: hunter2}, {name: B, value: \"x, y\"}]"),
            "env: [{name: DB_PASSWORD, value: ********}, {name: B, value: ********}]"
        );
        assert_eq!(
            credentials("  automountServiceAccountToken: true"),
            "  automountServiceAccountToken: true"
        );
    }

    #[test]
    fn secret_documents_and_env_values_are_recognised() {
        let text = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    env:\n    - name: P\n      value: \"x\n        y\"\n    image: nginx\n---\napiVersion: v1\nkind: Secret\nstringData:\n  p: \"x\n";
        let t = Text::new(text);
        let sensitive: Vec<u32> = (1..=15).filter(|&l| t.may_hold_secret(l)).collect();
        // The `---` line starts the Secret's document (`--- {kind: Secret, …}` is one).
        assert_eq!(sensitive, [7, 8, 9, 11, 14, 15]);
        let json = Text::new("{\"kind\": \"Secret\", \"data\": {\"a\": 1}}");
        assert!(json.may_hold_secret(1));
        assert!(!Text::new("{\"kind\": \"SecretStore\"}").may_hold_secret(1));
    }
}
