//! A compact binary form of findings, for runs that spill them to a file instead of holding them.

use serde_json::Value;

use crate::finding::{Domain, Finding, RelatedLocation, Severity, Suppression, SuppressionKind};
use crate::object::ObjectRef;

/// A compact binary form of findings, for runs that spill their findings to a file instead of
/// holding them (`plumbline lint` on large trees): [`Finding::encode`] appends one finding,
/// [`Finding::decode`] reads it back, equal to the one encoded. Not a stable format: it is read
/// back by the process that wrote it.
impl Finding {
    /// Append this finding's compact form to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_str(out, &self.rule);
        put_str(out, self.domain.as_str());
        out.push(self.severity as u8);
        put_str(out, &self.message);
        put_object(out, &self.object);
        put_str(out, &self.file);
        put_place(out, self.document, self.item, &self.span(), &self.path);
        put_num(out, self.related.len() as u64);
        for r in &self.related {
            put_str(out, &r.message);
            put_object(out, &r.object);
            put_str(out, &r.file);
            let span = [r.line, r.column, r.end_line, r.end_column];
            put_place(out, r.document, r.item, &span, &r.path);
        }
        match &self.details {
            Value::Null => put_str(out, ""),
            v => put_str(out, &v.to_string()),
        }
        match &self.suppressed {
            None => out.push(0),
            Some(s) => {
                out.push(match s.kind {
                    SuppressionKind::Annotation => 1,
                    SuppressionKind::Exemption => 2,
                });
                put_str(out, &s.reason);
                put_opt_str(out, s.expires.as_deref());
            }
        }
    }

    /// Read one finding written by [`Finding::encode`] from the front of `input` (advanced past
    /// it); `None` when `input` does not start with one.
    pub fn decode(input: &mut &[u8]) -> Option<Finding> {
        let rule = get_str(input)?;
        let domain = Domain::named(&get_str(input)?).ok()?;
        let severity = *Severity::ALL.get(usize::from(get_byte(input)?))?;
        let message = get_str(input)?;
        let object = get_object(input)?;
        let file = get_str(input)?;
        let (document, item, [line, column, end_line, end_column], path) = get_place(input)?;
        let mut related = Vec::new();
        for _ in 0..get_num(input)? {
            let message = get_str(input)?;
            let object = get_object(input)?;
            let file = get_str(input)?;
            let (document, item, [line, column, end_line, end_column], path) = get_place(input)?;
            related.push(RelatedLocation {
                message,
                object,
                file,
                document,
                item,
                line,
                column,
                end_line,
                end_column,
                path,
            });
        }
        let details = match get_str(input)? {
            d if d.is_empty() => Value::Null,
            d => serde_json::from_str(&d).ok()?,
        };
        let suppressed = match get_byte(input)? {
            0 => None,
            k => Some(Suppression {
                kind: if k == 1 {
                    SuppressionKind::Annotation
                } else {
                    SuppressionKind::Exemption
                },
                reason: get_str(input)?,
                expires: get_opt_str(input)?,
            }),
        };
        Some(Finding {
            rule,
            domain,
            severity,
            message,
            object,
            file,
            document,
            item,
            line,
            column,
            end_line,
            end_column,
            path,
            related,
            details,
            suppressed,
        })
    }

    fn span(&self) -> [u32; 4] {
        [self.line, self.column, self.end_line, self.end_column]
    }
}

/// A number in LEB128 (7 bits a byte, low bits first).
fn put_num(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_num(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

fn put_opt_str(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => out.push(0),
        Some(s) => {
            out.push(1);
            put_str(out, s);
        }
    }
}

fn put_object(out: &mut Vec<u8>, o: &ObjectRef) {
    for s in [&o.api_version, &o.kind, &o.namespace, &o.name, &o.uid] {
        put_str(out, s);
    }
    put_str(out, &o.resource_version);
}

/// Document, item (0: none, else item + 1), the span and the field's pointer.
fn put_place(out: &mut Vec<u8>, document: usize, item: Option<usize>, span: &[u32; 4], path: &str) {
    put_num(out, document as u64);
    put_num(out, item.map_or(0, |i| i as u64 + 1));
    for n in span {
        put_num(out, u64::from(*n));
    }
    put_str(out, path);
}

fn get_byte(input: &mut &[u8]) -> Option<u8> {
    let (b, rest) = input.split_first()?;
    *input = rest;
    Some(*b)
}

fn get_num(input: &mut &[u8]) -> Option<u64> {
    let mut n = 0u64;
    for shift in (0..64).step_by(7) {
        let b = get_byte(input)?;
        n |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Some(n);
        }
    }
    None
}

fn get_str(input: &mut &[u8]) -> Option<String> {
    let len = usize::try_from(get_num(input)?).ok()?;
    if input.len() < len {
        return None;
    }
    let (s, rest) = input.split_at(len);
    *input = rest;
    String::from_utf8(s.to_vec()).ok()
}

fn get_opt_str(input: &mut &[u8]) -> Option<Option<String>> {
    match get_byte(input)? {
        0 => Some(None),
        _ => get_str(input).map(Some),
    }
}

fn get_object(input: &mut &[u8]) -> Option<ObjectRef> {
    Some(ObjectRef {
        api_version: get_str(input)?,
        kind: get_str(input)?,
        namespace: get_str(input)?,
        name: get_str(input)?,
        uid: get_str(input)?,
        resource_version: get_str(input)?,
    })
}

type Place = (usize, Option<usize>, [u32; 4], String);

fn get_place(input: &mut &[u8]) -> Option<Place> {
    let document = usize::try_from(get_num(input)?).ok()?;
    let item = match get_num(input)? {
        0 => None,
        i => Some(usize::try_from(i - 1).ok()?),
    };
    let mut span = [0u32; 4];
    for n in &mut span {
        *n = u32::try_from(get_num(input)?).ok()?;
    }
    Some((document, item, span, get_str(input)?))
}
