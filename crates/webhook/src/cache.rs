//! The inventory a request is decided against ([`SharedInventory`]), and — with the cargo feature
//! `cluster-cache` — the in-cluster cache that keeps it fresh ([`ClusterCache`]).
//!
//! Without the cache the inventory is [`Inventory::unknown`]: the environment comes from the
//! namespace name and cross-resource rules stay silent. With it, reflectors watch Namespaces
//! (labels → tenant and environment) and the objects cross-resource rules read; every change
//! rebuilds the inventory through [`policy_core::Linter::inventory`] (the same code `plumbline lint`
//! uses offline) and swaps it in. `known` is true only once every watched kind has completed its
//! initial list.

use std::sync::{Arc, RwLock};

use policy_core::Inventory;

/// The current inventory, shared by the router and (when enabled) the cluster cache. Cloning
/// shares it; [`SharedInventory::get`] is a read lock and an `Arc` clone.
#[derive(Clone, Default)]
pub struct SharedInventory(Arc<RwLock<Arc<Inventory>>>);

impl std::fmt::Debug for SharedInventory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inv = self.get();
        f.debug_struct("SharedInventory")
            .field("known", &inv.known)
            .field("namespaces", &inv.namespaces.len())
            .finish()
    }
}

impl SharedInventory {
    /// A shared handle holding `inventory`.
    pub fn new(inventory: Inventory) -> SharedInventory {
        SharedInventory(Arc::new(RwLock::new(Arc::new(inventory))))
    }

    /// The inventory now (requests in flight keep the one they started with).
    pub fn get(&self) -> Arc<Inventory> {
        match self.0.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Replace the inventory.
    pub fn set(&self, inventory: Inventory) {
        let new = Arc::new(inventory);
        match self.0.write() {
            Ok(mut g) => *g = new,
            Err(poisoned) => *poisoned.into_inner() = new,
        }
    }
}

#[cfg(feature = "cluster-cache")]
pub use cluster::{default_kinds, ClusterCache, WatchedKind};

#[cfg(feature = "cluster-cache")]
mod cluster {
    use std::sync::atomic::{AtomicU8, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use futures_util::StreamExt;
    use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind};
    use kube::runtime::reflector::{self, store::Writer, Store};
    use kube::runtime::watcher::{self, Event};
    use policy_core::{Inventory, Linter, Object};
    use serde_json::Value;
    use tokio::sync::Notify;
    use tokio::task::JoinHandle;

    use super::SharedInventory;
    use crate::App;

    /// One kind the cache watches.
    #[derive(Debug, Clone)]
    #[non_exhaustive]
    pub struct WatchedKind {
        /// Group, version, kind and plural.
        pub resource: ApiResource,
        /// A CRD that may not be installed: a 404 on its list counts as "listed, none" (retried
        /// every minute), so its absence does not keep the inventory unknown.
        pub optional: bool,
    }

    impl WatchedKind {
        /// A kind by group, version, kind and plural.
        pub fn new(group: &str, version: &str, kind: &str, plural: &str, optional: bool) -> Self {
            WatchedKind {
                resource: ApiResource::from_gvk_with_plural(
                    &GroupVersionKind::gvk(group, version, kind),
                    plural,
                ),
                optional,
            }
        }
    }

    /// What cross-resource rules read: every kind of [`policy_core::INVENTORY_KINDS`] (Namespaces,
    /// quotas, limit ranges, network policies, ingresses, PDBs, StorageClasses, and the custom
    /// resources when installed: Traefik Middlewares/IngressRoutes, CloudNativePG
    /// ScheduledBackups, Barman Cloud ObjectStores).
    pub fn default_kinds() -> Vec<WatchedKind> {
        policy_core::INVENTORY_KINDS
            .iter()
            .map(|k| WatchedKind::new(k.group, k.version, k.kind, k.plural, k.optional))
            .collect()
    }

    const PENDING: u8 = 0;
    const LISTED: u8 = 1;
    const ABSENT: u8 = 2;

    struct Slot {
        kind: WatchedKind,
        store: Store<DynamicObject>,
        state: AtomicU8,
    }

    /// Reflectors over the watched kinds and the task rebuilding the inventory. Dropping it stops
    /// them (the last inventory stays in place).
    pub struct ClusterCache {
        inventory: SharedInventory,
        slots: Arc<Vec<Slot>>,
        tasks: Vec<JoinHandle<()>>,
    }

    impl std::fmt::Debug for ClusterCache {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("ClusterCache")
                .field("synced", &self.is_synced())
                .finish()
        }
    }

    impl Drop for ClusterCache {
        fn drop(&mut self) {
            for t in &self.tasks {
                t.abort();
            }
        }
    }

    /// Coalesce bursts of events (an initial list of thousands of objects) into one rebuild.
    const DEBOUNCE: Duration = Duration::from_millis(50);
    /// Retry delay after a watch error, doubled up to [`MAX_BACKOFF`].
    const BACKOFF: Duration = Duration::from_millis(500);
    const MAX_BACKOFF: Duration = Duration::from_secs(30);
    /// How often an absent optional kind (CRD not installed) is looked for again.
    const ABSENT_RETRY: Duration = Duration::from_secs(60);

    impl ClusterCache {
        /// Start watching `kinds` and keep `app`'s inventory fresh. Must be called within a tokio
        /// runtime.
        pub fn spawn(app: &App, client: kube::Client, kinds: Vec<WatchedKind>) -> ClusterCache {
            let dirty = Arc::new(Notify::new());
            let mut writers = Vec::new();
            let slots: Vec<Slot> = kinds
                .into_iter()
                .map(|kind| {
                    let writer = Writer::new(kind.resource.clone());
                    let store = writer.as_reader();
                    writers.push(writer);
                    Slot {
                        kind,
                        store,
                        state: AtomicU8::new(PENDING),
                    }
                })
                .collect();
            let slots = Arc::new(slots);
            let mut tasks = Vec::new();
            for (i, writer) in writers.into_iter().enumerate() {
                tasks.push(tokio::spawn(watch(
                    client.clone(),
                    slots.clone(),
                    i,
                    writer,
                    dirty.clone(),
                )));
            }
            tasks.push(tokio::spawn(rebuild_loop(
                slots.clone(),
                app.linter.clone(),
                app.inventory.clone(),
                dirty,
            )));
            ClusterCache {
                inventory: app.inventory.clone(),
                slots,
                tasks,
            }
        }

        /// The inventory this cache keeps fresh.
        pub fn inventory(&self) -> &SharedInventory {
            &self.inventory
        }

        /// Whether every watched kind has completed its initial list (or is an absent CRD).
        pub fn is_synced(&self) -> bool {
            all_listed(&self.slots)
        }
    }

    fn all_listed(slots: &[Slot]) -> bool {
        slots
            .iter()
            .all(|s| s.state.load(Ordering::SeqCst) != PENDING)
    }

    fn not_found(e: &watcher::Error) -> bool {
        match e {
            watcher::Error::InitialListFailed(kube::Error::Api(s))
            | watcher::Error::WatchStartFailed(kube::Error::Api(s)) => {
                s.is_not_found() || s.code == 404
            }
            _ => false,
        }
    }

    /// One reflector: list, then watch, re-listing when the watch expires; errors back off.
    async fn watch(
        client: kube::Client,
        slots: Arc<Vec<Slot>>,
        i: usize,
        writer: Writer<DynamicObject>,
        dirty: Arc<Notify>,
    ) {
        let Some(slot) = slots.get(i) else { return };
        let ar = slot.kind.resource.clone();
        let api: Api<DynamicObject> = Api::all_with(client, &ar);
        let stream =
            reflector::reflector(writer, watcher::watcher(api, watcher::Config::default()));
        let mut stream = std::pin::pin!(stream);
        let mut backoff = BACKOFF;
        while let Some(event) = stream.next().await {
            match event {
                Ok(Event::InitDone) => {
                    backoff = BACKOFF;
                    if slot.state.swap(LISTED, Ordering::SeqCst) != LISTED {
                        tracing::info!(kind = %ar.kind, objects = slot.store.state().len(), "cluster cache: listed");
                    }
                    dirty.notify_one();
                }
                Ok(Event::Apply(_) | Event::Delete(_)) => {
                    backoff = BACKOFF;
                    dirty.notify_one();
                }
                Ok(Event::Init | Event::InitApply(_)) => {}
                Err(e) if slot.kind.optional && not_found(&e) => {
                    if slot.state.swap(ABSENT, Ordering::SeqCst) != ABSENT {
                        tracing::info!(kind = %ar.kind, group = %ar.group, "cluster cache: kind not served; treated as none");
                        dirty.notify_one();
                    }
                    tokio::time::sleep(ABSENT_RETRY).await;
                }
                Err(e) => {
                    tracing::warn!(kind = %ar.kind, error = %e, retry_ms = u64::try_from(backoff.as_millis()).unwrap_or(u64::MAX),
                        "cluster cache: watch failed");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    }

    async fn rebuild_loop(
        slots: Arc<Vec<Slot>>,
        linter: Arc<Linter>,
        shared: SharedInventory,
        dirty: Arc<Notify>,
    ) {
        let mut was_synced = false;
        loop {
            dirty.notified().await;
            tokio::time::sleep(DEBOUNCE).await;
            let (slots2, linter2) = (slots.clone(), linter.clone());
            // Building converts every cached object to JSON: off the async workers.
            match tokio::task::spawn_blocking(move || build(&slots2, &linter2)).await {
                Ok(inv) => {
                    if inv.known && !was_synced {
                        was_synced = true;
                        tracing::info!(
                            namespaces = inv.namespaces.len(),
                            "cluster cache: synced; inventory known"
                        );
                    }
                    shared.set(inv);
                }
                Err(e) => {
                    tracing::error!(error = %e, "cluster cache: rebuilding the inventory failed")
                }
            }
        }
    }

    /// The inventory of everything the reflectors hold. Until every kind has been listed, only
    /// the namespaces (labels → tenant, environment) are filled in and `known` stays false.
    fn build(slots: &[Slot], linter: &Linter) -> Inventory {
        let mut objects = Vec::new();
        for s in slots {
            if s.state.load(Ordering::SeqCst) != LISTED {
                continue;
            }
            let ar = &s.kind.resource;
            for o in s.store.state() {
                let Ok(mut v) = serde_json::to_value(&*o) else {
                    continue;
                };
                // List items carry no apiVersion/kind.
                if let Some(m) = v.as_object_mut() {
                    m.insert("apiVersion".into(), Value::String(ar.api_version.clone()));
                    m.insert("kind".into(), Value::String(ar.kind.clone()));
                    if let Some(meta) = m.get_mut("metadata").and_then(Value::as_object_mut) {
                        meta.remove("managedFields");
                    }
                }
                objects.push(Object::from_value(v, "cluster"));
            }
        }
        let full = linter.inventory(&objects);
        if all_listed(slots) {
            full
        } else {
            let mut partial = Inventory::unknown();
            partial.namespaces = full.namespaces;
            partial
        }
    }
}
