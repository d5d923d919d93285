//! Related locations of a finding: the other places a violation is about. Today one rule has
//! them, `ingress-host-conflict`: each other Ingress or IngressRoute claiming the host, at its
//! claiming field, found through the inventory's places (objects read from a source only).

use serde_json::Value;

use crate::finding::RelatedLocation;
use crate::inventory::Inventory;
use crate::rule_ids::INGRESS_HOST_CONFLICT;

/// Related locations kept per finding. A host claimed by N objects gives each of their N findings
/// N - 1 others, so without a cap a corpus with a popular host (or N copies of one) writes a
/// quadratic number of locations: 161,820 for 1,420 findings at 10 copies of the test corpus.
/// The finding's message and details still name every claimant.
pub(crate) const MAX_RELATED: usize = 10;

/// The related locations of a violation of `rule` with `details` (at most [`MAX_RELATED`]).
pub(super) fn related(rule: &str, details: &Value, inventory: &Inventory) -> Vec<RelatedLocation> {
    if rule != INGRESS_HOST_CONFLICT {
        return Vec::new();
    }
    host_claimants(details, inventory)
}

/// `ingress-host-conflict`: its details name the host, the path (absent under
/// `uniqueIngressHosts`, which compares whole hosts) and the claimants as `Kind namespace/name`.
fn host_claimants(details: &Value, inventory: &Inventory) -> Vec<RelatedLocation> {
    let Some(host) = details["host"].as_str() else {
        return Vec::new();
    };
    let path = details["path"].as_str();
    let claimants = details["claimants"].as_array().into_iter().flatten();
    let mut out = Vec::new();
    for claimant in claimants.filter_map(Value::as_str) {
        let Some((kind, rest)) = claimant.split_once(' ') else {
            continue;
        };
        let Some((namespace, name)) = rest.split_once('/') else {
            continue;
        };
        let message = match path {
            Some(p) => format!("{claimant} also claims host {host} path {p}"),
            None => format!("{claimant} also claims host {host}"),
        };
        out.extend(
            inventory
                .places
                .places_of((kind, namespace, name), host, path, &message),
        );
        if out.len() >= MAX_RELATED {
            out.truncate(MAX_RELATED);
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::eval::Request;
    use crate::finding::Finding;
    use crate::inventory::Inventory;
    use crate::object::objects_from_source;
    use crate::source::Source;

    const SHOP_A: &str = "apiVersion: networking.k8s.io/v1\nkind: Ingress\n\
        metadata: {name: shop, namespace: team-a}\nspec:\n  rules:\n  - host: shop.example\n    \
        http: {paths: [{path: /}]}\n";
    const SHOP_B: &str =
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: team-b}\n\
        ---\napiVersion: networking.k8s.io/v1\nkind: Ingress\n\
        metadata: {name: storefront, namespace: team-b}\nspec:\n  rules:\n  \
        - host: blog.example\n  - host: Shop.example\n    http: {paths: [{path: /}]}\n";

    /// Every finding of the built-in pack on `sources`, judged against their inventory.
    fn findings(sources: &[Source]) -> Vec<Finding> {
        let evaluator = crate::eval::tests::default_evaluator();
        let objects: Vec<_> = sources
            .iter()
            .flat_map(|s| objects_from_source(s).0)
            .collect();
        let inventory = Inventory::from_objects(&objects, evaluator.resolver());
        let request = Request::default();
        (objects.iter())
            .flat_map(|o| evaluator.check(o, &inventory, &request).0)
            .collect()
    }

    fn conflicts(sources: &[Source]) -> Vec<Finding> {
        (findings(sources).into_iter())
            .filter(|f| f.rule == crate::rule_ids::INGRESS_HOST_CONFLICT)
            .collect()
    }

    #[test]
    fn each_claimant_points_at_the_other_ones_host_line() {
        let found = conflicts(&[Source::new("a.yaml", SHOP_A), Source::new("b.yaml", SHOP_B)]);
        assert_eq!(found.len(), 2, "{found:#?}");
        let a = found
            .iter()
            .find(|f| f.file == "a.yaml")
            .expect("a.yaml's finding");
        assert_eq!(a.related.len(), 1, "{:#?}", a.related);
        let r = &a.related[0];
        // b.yaml's Ingress is its second document; it claims the host in its second rule.
        assert_eq!((r.file.as_str(), r.document), ("b.yaml", 1));
        assert_eq!(
            (r.line, r.column, r.end_line, r.end_column),
            (11, 11, 11, 23)
        );
        assert_eq!(r.path, "/spec/rules/1/host");
        assert_eq!(r.object.name, "storefront");
        assert_eq!(
            r.message,
            "Ingress team-b/storefront also claims host shop.example path /"
        );
        let b = found
            .iter()
            .find(|f| f.file == "b.yaml")
            .expect("b.yaml's finding");
        assert_eq!(
            (
                b.related[0].file.as_str(),
                b.related[0].line,
                b.related[0].path.as_str()
            ),
            ("a.yaml", 6, "/spec/rules/0/host")
        );
    }

    #[test]
    fn a_popular_host_gives_each_finding_at_most_max_related_locations() {
        let sources: Vec<Source> = (0..super::MAX_RELATED + 3)
            .map(|i| {
                Source::new(
                    format!("shop-{i}.yaml"),
                    SHOP_A.replace("team-a", &format!("team-{i}")),
                )
            })
            .collect();
        let found = conflicts(&sources);
        assert_eq!(found.len(), super::MAX_RELATED + 3);
        assert!(found.iter().all(|f| f.related.len() == super::MAX_RELATED));
    }

    #[test]
    fn other_rules_findings_have_no_related_location() {
        let all = findings(&[Source::new("a.yaml", SHOP_A), Source::new("b.yaml", SHOP_B)]);
        assert!(
            all.len() > 2,
            "other rules judge these objects too: {all:#?}"
        );
        assert!(all
            .iter()
            .filter(|f| f.rule != crate::rule_ids::INGRESS_HOST_CONFLICT)
            .all(|f| f.related.is_empty()));
    }
}
