//! Where each host claim of the input set sits in its file: an Ingress rule's `host`, an
//! IngressRoute route's `match`. A finding about two claimants of one host
//! (`ingress-host-conflict`) names the other one's place as a related location (SARIF
//! `relatedLocations`). Rules never read it: `input.inventory` is unchanged.
//!
//! Only objects parsed from a source have places: the webhook's cluster cache and `plumbline
//! audit` build their objects from the API server's JSON, without positions, so their findings
//! carry no related location (their messages still name the other claimant).

use std::collections::HashMap;
use std::sync::Arc;

use crate::finding::RelatedLocation;
use crate::object::{Object, ObjectRef};

/// One claim of a host and path by an object, and where the claiming field is.
#[derive(Debug, Clone)]
struct Claim {
    /// Lowercased host.
    host: String,
    /// Path as host-conflict checks compare it (see `norm_path`).
    path: String,
    object: ObjectRef,
    file: Arc<str>,
    document: usize,
    item: Option<usize>,
    /// JSON pointer of the claiming field in the object.
    pointer: String,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
}

/// The places of the host claims, by object (kind, namespace, name).
#[derive(Debug, Clone, Default)]
pub(crate) struct HostPlaces {
    by_object: HashMap<(String, String, String), Vec<Claim>>,
}

impl HostPlaces {
    /// Remember the host claims of `o`, when it is an Ingress or a Traefik IngressRoute read
    /// from a source (with positions).
    pub(crate) fn add(&mut self, o: &Object) {
        let claims = match o.reference.kind.as_str() {
            "Ingress" if matches!(o.reference.group(), "networking.k8s.io" | "extensions") => {
                ingress_claims(o)
            }
            "IngressRoute" if super::builder::is_traefik(o) => route_claims(o),
            _ => return,
        };
        let mut placed = Vec::new();
        for (host, path, pointer) in claims {
            if o.positions.get(&pointer).is_none() {
                continue;
            }
            let span = o.span_of(&pointer, &serde_json::Value::Null);
            placed.push(Claim {
                host,
                path: super::builder::norm_path(&path).to_string(),
                object: o.reference.clone(),
                file: o.file.clone(),
                document: o.document,
                item: o.item,
                pointer,
                line: span.start.line,
                column: span.start.column,
                end_line: span.end.line,
                end_column: span.end.column,
            });
        }
        if !placed.is_empty() {
            let r = &o.reference;
            self.by_object
                .entry((r.kind.clone(), r.namespace.clone(), r.name.clone()))
                .or_default()
                .extend(placed);
        }
    }

    /// Add the places of `later`'s objects after this one's.
    pub(crate) fn merge(&mut self, later: HostPlaces) {
        for (key, claims) in later.by_object {
            self.by_object.entry(key).or_default().extend(claims);
        }
    }

    /// Where the object `kind namespace/name` claims `host` (on `path`, when given: normalised,
    /// as the rule reports it), one place per claiming field, each described by `message`.
    pub(crate) fn places_of(
        &self,
        (kind, namespace, name): (&str, &str, &str),
        host: &str,
        path: Option<&str>,
        message: &str,
    ) -> Vec<RelatedLocation> {
        let key = (kind.to_string(), namespace.to_string(), name.to_string());
        let mut out: Vec<RelatedLocation> = Vec::new();
        let claims = self.by_object.get(&key).into_iter().flatten();
        for c in claims.filter(|c| c.host == host && path.is_none_or(|p| c.path == p)) {
            let seen = out.iter().any(|r| {
                r.file == *c.file
                    && r.document == c.document
                    && r.item == c.item
                    && r.path == c.pointer
            });
            if !seen {
                out.push(RelatedLocation {
                    message: message.to_string(),
                    object: c.object.clone(),
                    file: c.file.to_string(),
                    document: c.document,
                    item: c.item,
                    line: c.line,
                    column: c.column,
                    end_line: c.end_line,
                    end_column: c.end_column,
                    path: c.pointer.clone(),
                });
            }
        }
        out
    }
}

/// An Ingress's claims: (host, path, pointer of the rule's `host`) for each path of each rule
/// with a host (one claim of the whole host when a rule routes no path).
fn ingress_claims(o: &Object) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let rules = o.value["spec"]["rules"].as_array().into_iter().flatten();
    for (i, rule) in rules.enumerate() {
        let Some(host) = rule["host"].as_str().filter(|h| !h.is_empty()) else {
            continue;
        };
        let mut paths: Vec<String> = rule["http"]["paths"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| p["path"].as_str().unwrap_or_default().to_string())
            .collect();
        if paths.is_empty() {
            paths.push(String::new());
        }
        for path in paths {
            out.push((host.to_lowercase(), path, format!("/spec/rules/{i}/host")));
        }
    }
    out
}

/// An IngressRoute's claims: (host, path, pointer of the route's `match`).
fn route_claims(o: &Object) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let routes = o.value["spec"]["routes"].as_array().into_iter().flatten();
    for (i, route) in routes.enumerate() {
        let Some(rule) = route["match"].as_str() else {
            continue;
        };
        for (host, path) in super::builder::traefik_hosts(rule) {
            out.push((host, path, format!("/spec/routes/{i}/match")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Source;

    fn places(text: &str) -> HostPlaces {
        let (objects, problems) = crate::objects_from_source(&Source::new("a.yaml", text));
        assert!(problems.is_empty(), "{problems:?}");
        let mut p = HostPlaces::default();
        for o in &objects {
            p.add(o);
        }
        p
    }

    #[test]
    fn an_ingress_host_is_placed_at_its_rule_host() {
        let p = places(
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: shop, namespace: b}\n\
             spec:\n  rules:\n  - host: Other.example\n  - host: Shop.example\n    http:\n      \
             paths: [{path: /web/}]\n",
        );
        let found = p.places_of(("Ingress", "b", "shop"), "shop.example", Some("/web"), "m");
        assert_eq!(found.len(), 1, "{found:?}");
        let r = &found[0];
        assert_eq!((r.line, r.column, r.end_column), (7, 11, 23));
        assert_eq!(r.path, "/spec/rules/1/host");
        assert_eq!(
            (r.file.as_str(), r.document, r.message.as_str()),
            ("a.yaml", 0, "m")
        );
        // Another path, host or object has no place.
        assert!(p
            .places_of(("Ingress", "b", "shop"), "shop.example", Some("/api"), "m")
            .is_empty());
        assert!(p
            .places_of(("Ingress", "c", "shop"), "shop.example", None, "m")
            .is_empty());
        assert_eq!(
            p.places_of(("Ingress", "b", "shop"), "other.example", None, "m")
                .len(),
            1
        );
    }

    #[test]
    fn an_ingressroute_host_is_placed_at_its_match() {
        let p = places(
            "apiVersion: traefik.io/v1alpha1\nkind: IngressRoute\nmetadata: {name: r, namespace: b}\n\
             spec:\n  routes:\n  - match: Host(`erp.example`) && PathPrefix(`/x`)\n",
        );
        let found = p.places_of(("IngressRoute", "b", "r"), "erp.example", Some("/x"), "m");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            (found[0].line, found[0].path.as_str()),
            (6, "/spec/routes/0/match")
        );
    }

    #[test]
    fn objects_without_positions_have_no_place() {
        let o = Object::from_value(
            serde_json::json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                "metadata": {"name": "shop", "namespace": "b"},
                "spec": {"rules": [{"host": "shop.example"}]}}),
            "cluster",
        );
        let mut p = HostPlaces::default();
        p.add(&o);
        assert!(p
            .places_of(("Ingress", "b", "shop"), "shop.example", None, "m")
            .is_empty());
    }
}
