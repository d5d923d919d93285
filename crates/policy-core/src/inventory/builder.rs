//! Building an [`Inventory`] object by object: [`InventoryBuilder::add`] folds one object in and
//! keeps only what cross-resource rules read (names, labels, selectors, hosts, ...), never the
//! object, so a lint run can build it while streaming its sources. Builders of consecutive parts
//! of the input [`merge`](InventoryBuilder::merge) into the builder of the whole, as if its objects
//! had been added one by one in order.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Map, Value};

use super::engine_value::{Interner, IntoEngine};
use super::facts::{Budget, HostClaim, NamespaceEntry, NetworkPolicyFacts, PlacedClaim, Space};
use super::{HostPlaces, Inventory, NamespaceInfo};
use crate::object::Object;
use crate::tenancy::Resolver;

/// An inventory being built from the objects of an input set, in order.
#[derive(Debug, Clone, Default)]
pub struct InventoryBuilder {
    namespaces: HashMap<String, NamespaceInfo>,
    /// namespace -> its quotas, limit ranges and network policies.
    spaces: BTreeMap<String, Space>,
    hosts: Vec<HostClaim>,
    pdbs: BTreeMap<String, Vec<Budget>>,
    storage_classes: Map<String, Value>,
    middlewares: Map<String, Value>,
    backups: Backups,
    /// Where the host claims sit in their files (for related locations, not for rules).
    places: HostPlaces,
}

pub(super) fn is_traefik(o: &Object) -> bool {
    matches!(o.reference.group(), "traefik.io" | "traefik.containo.us")
}

/// Namespace of a namespaced object as filed in the inventory: its `metadata.namespace`, or `""`
/// when it sets none. Objects without a namespace share one unnamed namespace per run (they are
/// applied together, into whatever namespace `kubectl -n` or a kustomization sets), so a
/// namespace-less Deployment finds a namespace-less PodDisruptionBudget; they are not filed under
/// `default`, which is a guess (docs/policy-input.md, "Objects without a namespace").
fn ns_of(o: &Object) -> String {
    o.reference.namespace.clone()
}

/// Whether a NetworkPolicy denies all ingress (or egress) to every pod of its namespace.
fn default_deny(spec: &Value, direction: &str) -> bool {
    let selects_all = spec["podSelector"].as_object().is_some_and(|m| {
        m.values().all(|v| {
            v.as_object().is_some_and(|o| o.is_empty())
                || v.as_array().is_some_and(|a| a.is_empty())
        })
    });
    let key = direction.to_lowercase();
    let types: Vec<&str> = spec["policyTypes"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let covers = if types.is_empty() {
        // Unset policyTypes: Ingress always, Egress only when an egress section exists.
        direction == "Ingress" || spec.get("egress").is_some()
    } else {
        types.contains(&direction)
    };
    let no_rules = match spec.get(&key) {
        None | Some(Value::Null) => true,
        Some(Value::Array(a)) => a.is_empty(),
        _ => false,
    };
    selects_all && covers && no_rules
}

/// Hosts and paths of a Traefik `match` expression: Host(`a`, `b`) && PathPrefix(`/x`).
pub(super) fn traefik_hosts(rule: &str) -> Vec<(String, String)> {
    let args = |func: &str| -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = rule;
        while let Some(i) = rest.find(func) {
            let before_ok = i == 0 || !rest.as_bytes()[i - 1].is_ascii_alphanumeric();
            rest = &rest[i + func.len()..];
            if !before_ok {
                continue;
            }
            let Some(close) = rest.find(')') else { break };
            for part in rest[..close].split(',') {
                let t = part
                    .trim()
                    .trim_matches(|c| c == '`' || c == '"' || c == '\'');
                if !t.is_empty() {
                    out.push(t.to_string());
                }
            }
        }
        out
    };
    let hosts = args("Host(");
    let mut paths = args("PathPrefix(");
    paths.extend(args("Path("));
    if paths.is_empty() {
        paths.push(String::new());
    }
    hosts
        .iter()
        .flat_map(|h| paths.iter().map(move |p| (h.to_lowercase(), p.clone())))
        .collect()
}

impl InventoryBuilder {
    /// Fold one object in.
    pub fn add(&mut self, o: &Object) {
        self.places.add(o);
        let kind = o.reference.kind.as_str();
        if kind == "StorageClass" && o.reference.group() == "storage.k8s.io" {
            let default = o.value["metadata"]["annotations"]
                ["storageclass.kubernetes.io/is-default-class"]
                == "true";
            self.storage_classes.insert(
                o.reference.name.clone(),
                json!({"provisioner": o.value["provisioner"], "parameters": o.value["parameters"], "default": default}),
            );
            return;
        }
        if kind == "Namespace" && o.reference.api_version == "v1" {
            let m = &o.value["metadata"];
            self.namespaces.insert(
                o.reference.name.clone(),
                NamespaceInfo {
                    name: o.reference.name.clone(),
                    labels: m["labels"].as_object().cloned().unwrap_or_default(),
                    annotations: m["annotations"].as_object().cloned().unwrap_or_default(),
                },
            );
            return;
        }
        let ns = ns_of(o);
        // Only an object of a kind the inventory reads gives its namespace an entry. What another
        // object tells of its namespace is its name, which rules resolve without an entry; so the
        // inventory does not depend on which documents of the input the first pass parsed.
        fn space<'a>(spaces: &'a mut BTreeMap<String, Space>, ns: &str) -> &'a mut Space {
            spaces.entry(ns.to_string()).or_default()
        }
        let name = || o.reference.name.clone();
        match (kind, o.reference.group()) {
            ("ResourceQuota", "") => space(&mut self.spaces, &ns).resource_quotas.push(name()),
            ("LimitRange", "") => space(&mut self.spaces, &ns).limit_ranges.push(name()),
            ("NetworkPolicy", "networking.k8s.io") => {
                let spec = &o.value["spec"];
                space(&mut self.spaces, &ns)
                    .network_policies
                    .push(NetworkPolicyFacts {
                        name: name(),
                        pod_selector: spec["podSelector"].clone(),
                        policy_types: spec["policyTypes"].clone(),
                        default_deny_ingress: default_deny(spec, "Ingress"),
                        default_deny_egress: default_deny(spec, "Egress"),
                    });
            }
            ("PodDisruptionBudget", "policy") => {
                space(&mut self.spaces, &ns);
                self.pdbs.entry(ns.clone()).or_default().push(Budget {
                    name: name(),
                    selector: o.value["spec"]["selector"].clone(),
                });
            }
            ("Ingress", "networking.k8s.io" | "extensions") => {
                space(&mut self.spaces, &ns);
                self.add_ingress_hosts(&ns, o);
            }
            ("IngressRoute", _) if is_traefik(o) => {
                space(&mut self.spaces, &ns);
                self.add_ingress_route_hosts(&ns, o);
            }
            ("ScheduledBackup", "postgresql.cnpg.io") => {
                space(&mut self.spaces, &ns);
                self.backups.scheduled(&ns, o);
            }
            ("ObjectStore", "barmancloud.cnpg.io") => {
                space(&mut self.spaces, &ns);
                self.backups.object_store(&ns, o);
            }
            ("Middleware", _) if is_traefik(o) => {
                space(&mut self.spaces, &ns);
                self.middlewares.insert(
                    format!("{ns}/{}", o.reference.name),
                    o.value["spec"].clone(),
                );
            }
            _ => {}
        }
    }

    /// The (host, path) pairs an Ingress routes, each path of a rule (or none) under its host.
    fn add_ingress_hosts(&mut self, ns: &str, o: &Object) {
        for rule in o.value["spec"]["rules"].as_array().into_iter().flatten() {
            let host = rule["host"].as_str().unwrap_or_default().to_lowercase();
            let paths: Vec<String> = rule["http"]["paths"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|p| p["path"].as_str().unwrap_or_default().to_string())
                        .collect()
                })
                .unwrap_or_default();
            for path in if paths.is_empty() {
                vec![String::new()]
            } else {
                paths
            } {
                self.claim(host.clone(), path, ns, "Ingress", o);
            }
        }
    }

    /// The (host, path) pairs of a Traefik IngressRoute's route matches.
    fn add_ingress_route_hosts(&mut self, ns: &str, o: &Object) {
        for route in o.value["spec"]["routes"].as_array().into_iter().flatten() {
            for (host, path) in traefik_hosts(route["match"].as_str().unwrap_or_default()) {
                self.claim(host, path, ns, "IngressRoute", o);
            }
        }
    }

    /// Record that `o` (an Ingress or IngressRoute in `ns`) claims `host` (lowercased) on `path`.
    fn claim(&mut self, host: String, path: String, ns: &str, kind: &'static str, o: &Object) {
        self.hosts.push(HostClaim {
            host,
            path,
            namespace: ns.to_string(),
            kind,
            name: o.reference.name.clone(),
        });
    }

    /// Append the builder of the objects that follow this builder's: the result is the builder
    /// of both parts' objects added in order (a later Namespace, StorageClass or Middleware of
    /// the same name replaces an earlier one, lists keep their order).
    pub fn merge(&mut self, later: InventoryBuilder) {
        self.namespaces.extend(later.namespaces);
        for (ns, space) in later.spaces {
            match self.spaces.entry(ns) {
                Entry::Vacant(v) => {
                    v.insert(space);
                }
                Entry::Occupied(mut o) => o.get_mut().append(space),
            }
        }
        self.hosts.extend(later.hosts);
        self.places.merge(later.places);
        for (ns, list) in later.pdbs {
            self.pdbs.entry(ns).or_default().extend(list);
        }
        self.storage_classes.extend(later.storage_classes);
        self.middlewares.extend(later.middlewares);
        for (ns, clusters) in later.backups.scheduled {
            let mine = self.backups.scheduled.entry(ns).or_default();
            for (cluster, list) in clusters {
                mine.entry(cluster).or_default().extend(list);
            }
        }
        for (ns, stores) in later.backups.object_stores {
            self.backups
                .object_stores
                .entry(ns)
                .or_default()
                .extend(stores);
        }
    }

    /// Names of the Namespace objects added so far.
    #[cfg(test)]
    pub(crate) fn namespace_names(&self) -> Vec<String> {
        self.namespaces.keys().cloned().collect()
    }

    /// The inventory, resolving namespaces (tenant, environment, tier) with `resolver`.
    pub fn finish(self, resolver: &Resolver) -> Inventory {
        let InventoryBuilder {
            namespaces: known_namespaces,
            spaces,
            hosts,
            pdbs,
            storage_classes,
            middlewares,
            backups,
            places,
        } = self;
        let namespaces = namespace_entries(spaces, &known_namespaces, resolver);
        let tenancy = resolver.by_name();
        let by_host = hosts_by_place(hosts, &namespaces);
        // Each piece is moved into the engine value and dropped as it is converted.
        let mut strings = Interner::default();
        let fields = [
            ("known", regorus::Value::from(true)),
            ("namespaces", namespaces.into_engine(&mut strings)),
            ("hosts", by_host.into_engine(&mut strings)),
            ("podDisruptionBudgets", pdbs.into_engine(&mut strings)),
            ("middlewares", middlewares.into_engine(&mut strings)),
            ("storageClasses", storage_classes.into_engine(&mut strings)),
            (
                "scheduledBackups",
                backups.scheduled.into_engine(&mut strings),
            ),
            (
                "objectStores",
                backups.object_stores.into_engine(&mut strings),
            ),
            ("tenancy", tenancy.into_engine(&mut strings)),
        ];
        let value = strings.object(fields);
        Inventory {
            known: true,
            namespaces: known_namespaces,
            places,
            value: Some(value),
        }
    }
}

/// `input.inventory.namespaces`: every namespace that is a Namespace object or holds an object of
/// a kind the inventory reads, with its lists, labels, whether it is known, and its tenant,
/// environment and tier.
fn namespace_entries(
    mut spaces: BTreeMap<String, Space>,
    known: &HashMap<String, NamespaceInfo>,
    resolver: &Resolver,
) -> BTreeMap<String, NamespaceEntry> {
    for name in known.keys() {
        spaces.entry(name.clone()).or_default();
    }
    let mut namespaces = BTreeMap::new();
    for (name, space) in spaces {
        let info = known.get(&name);
        let labels = info.map(|n| &n.labels);
        let entry = NamespaceEntry {
            space,
            labels: labels.cloned().unwrap_or_default(),
            known: info.is_some(),
            resolved: resolver.resolve(&name, labels, None),
        };
        namespaces.insert(name, entry);
    }
    namespaces
}

/// `input.inventory.hosts`: the claims by lowercased host, then by normalised path, each with
/// its namespace's tenant and environment. A rule looks up the claims of its own host and path
/// instead of scanning every claim of the input set for every Ingress (quadratic on large
/// trees, where many objects share a host).
fn hosts_by_place(
    hosts: Vec<HostClaim>,
    namespaces: &BTreeMap<String, NamespaceEntry>,
) -> BTreeMap<String, BTreeMap<String, Vec<PlacedClaim>>> {
    let mut by_host: BTreeMap<String, BTreeMap<String, Vec<PlacedClaim>>> = BTreeMap::new();
    for claim in hosts {
        let resolved = namespaces.get(&claim.namespace).map(|e| &e.resolved);
        let host = claim.host.to_lowercase();
        let path = norm_path(&claim.path).to_string();
        let placed = PlacedClaim {
            tenant: resolved.map(|r| r.tenant.clone()).unwrap_or_default(),
            environment: resolved.map(|r| r.environment.clone()).unwrap_or_default(),
            claim,
        };
        by_host
            .entry(host)
            .or_default()
            .entry(path)
            .or_default()
            .push(placed);
    }
    by_host
}

/// CloudNativePG backup schedules and Barman Cloud object stores, by namespace (for
/// `postgres-backup-missing`).
#[derive(Debug, Clone, Default)]
struct Backups {
    /// namespace -> cluster name -> the ScheduledBackups naming it in `spec.cluster.name`.
    scheduled: BTreeMap<String, BTreeMap<String, Vec<Value>>>,
    /// namespace -> ObjectStore name -> its retention policy (null when unset).
    object_stores: BTreeMap<String, BTreeMap<String, Value>>,
}

impl Backups {
    fn scheduled(&mut self, ns: &str, o: &Object) {
        let spec = &o.value["spec"];
        let Some(cluster) = spec["cluster"]["name"].as_str() else {
            return;
        };
        self.scheduled
            .entry(ns.to_string())
            .or_default()
            .entry(cluster.to_string())
            .or_default()
            .push(json!({
                "name": o.reference.name,
                "schedule": spec["schedule"],
                "suspend": spec["suspend"] == true,
                "method": spec["method"].as_str().unwrap_or("barmanObjectStore"),
            }));
    }

    fn object_store(&mut self, ns: &str, o: &Object) {
        self.object_stores
            .entry(ns.to_string())
            .or_default()
            .insert(
                o.reference.name.clone(),
                json!({"retentionPolicy": o.value["spec"]["retentionPolicy"]}),
            );
    }
}

/// An HTTP path as host-conflict checks compare it: no path and "/" both mean the whole host, and
/// a trailing "/" does not matter (Kubernetes' Prefix matching ignores it).
pub(super) fn norm_path(path: &str) -> &str {
    match path.trim_end_matches('/') {
        "" => "/",
        p => p,
    }
}

#[cfg(test)]
mod tests;
