//! The in-cluster cache (`--features cluster-cache`) against a small local HTTP server speaking the
//! Kubernetes list/watch protocol — the one mocked part of these tests (there is no kube-apiserver
//! on the build machines). The webhook itself is the real server over real TLS.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use plumbline_webhook::cache::{default_kinds, ClusterCache};
use plumbline_webhook::Limits;
use policy_core::PolicyPack;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, watch};

use crate::support::*;

/// Collections the mock serves: path → objects by name. Other paths answer 404 (like a CRD that
/// is not installed: the Traefik and CloudNativePG kinds here).
const COLLECTIONS: &[&str] = &[
    "/api/v1/namespaces",
    "/api/v1/resourcequotas",
    "/api/v1/limitranges",
    "/apis/networking.k8s.io/v1/networkpolicies",
    "/apis/networking.k8s.io/v1/ingresses",
    "/apis/policy/v1/poddisruptionbudgets",
    "/apis/storage.k8s.io/v1/storageclasses",
];

struct State {
    rv: u64,
    objects: BTreeMap<&'static str, BTreeMap<String, Value>>,
    /// (resourceVersion, path, event line) of every change, replayed to watches that start behind.
    log: Vec<(u64, &'static str, String)>,
    tx: broadcast::Sender<(u64, &'static str, String)>,
}

/// A fake API server on 127.0.0.1:0 (plain HTTP): list with `resourceVersion`, and `?watch=`
/// streaming `WatchEvent` JSON lines in a chunked response.
struct MockApi {
    url: String,
    state: Arc<Mutex<State>>,
    /// Lists are held until this is true (to observe the cache before its initial list).
    release: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for MockApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn namespace(name: &str, labels: Value, rv: u64) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace",
           "metadata": {"name": name, "uid": format!("uid-{name}"), "resourceVersion": rv.to_string(), "labels": labels},
           "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}})
}

impl MockApi {
    async fn start(namespaces: &[(&str, Value)], held: bool) -> Result<MockApi> {
        let (tx, _) = broadcast::channel(64);
        let mut objects: BTreeMap<&'static str, BTreeMap<String, Value>> =
            COLLECTIONS.iter().map(|p| (*p, BTreeMap::new())).collect();
        let mut rv = 100;
        for (name, labels) in namespaces {
            rv += 1;
            objects
                .entry("/api/v1/namespaces")
                .or_default()
                .insert(name.to_string(), namespace(name, labels.clone(), rv));
        }
        let state = Arc::new(Mutex::new(State {
            rv,
            objects,
            log: Vec::new(),
            tx,
        }));
        let (release, released) = watch::channel(!held);
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let st = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                tokio::spawn(serve(sock, st.clone(), released.clone()));
            }
        });
        Ok(MockApi {
            url,
            state,
            release,
            task,
        })
    }

    fn release_lists(&self) {
        let _ = self.release.send(true);
    }

    /// Change a namespace: MODIFIED (or ADDED) with labels, or DELETED when `labels` is None.
    fn change(&self, name: &str, labels: Option<Value>) {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        st.rv += 1;
        let rv = st.rv;
        let path = "/api/v1/namespaces";
        let coll = st.objects.entry(path).or_default();
        let (kind, obj) = match labels {
            Some(l) => {
                let kind = if coll.contains_key(name) {
                    "MODIFIED"
                } else {
                    "ADDED"
                };
                let o = namespace(name, l, rv);
                coll.insert(name.to_string(), o.clone());
                (kind, o)
            }
            None => {
                let mut o = coll
                    .remove(name)
                    .unwrap_or_else(|| namespace(name, json!({}), rv));
                o["metadata"]["resourceVersion"] = json!(rv.to_string());
                ("DELETED", o)
            }
        };
        let line = format!("{}\n", json!({"type": kind, "object": obj}));
        st.log.push((rv, path, line.clone()));
        let _ = st.tx.send((rv, path, line));
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// One connection: keep-alive requests until a watch, which streams until the client goes away.
async fn serve(mut sock: TcpStream, state: Arc<Mutex<State>>, mut released: watch::Receiver<bool>) {
    let mut buf = Vec::new();
    loop {
        let end = loop {
            if let Some(i) = find(&buf, b"\r\n\r\n") {
                break i;
            }
            let mut chunk = [0u8; 4096];
            match sock.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
        buf.drain(..end + 4);
        let target = head.split_whitespace().nth(1).unwrap_or("/").to_string();
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        let param = |k: &str| {
            query
                .split('&')
                .find_map(|kv| kv.strip_prefix(k)?.strip_prefix('='))
                .map(str::to_string)
        };
        let Some(&coll) = COLLECTIONS.iter().find(|c| **c == path) else {
            let body = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                              "message": format!("the server could not find the requested resource ({path})"),
                              "reason": "NotFound", "code": 404})
            .to_string();
            if respond(&mut sock, "404 Not Found", &body).await.is_err() {
                return;
            }
            continue;
        };
        if matches!(param("watch").as_deref(), Some("true" | "1")) {
            let from: u64 = param("resourceVersion")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            stream_watch(sock, state, coll, from).await;
            return;
        }
        while !*released.borrow() {
            if released.changed().await.is_err() {
                return;
            }
        }
        let body = {
            let st = state.lock().unwrap_or_else(|p| p.into_inner());
            let items: Vec<&Value> = st
                .objects
                .get(coll)
                .into_iter()
                .flat_map(|m| m.values())
                .collect();
            let kind = match coll.rsplit('/').next() {
                Some("namespaces") => "NamespaceList",
                _ => "List",
            };
            json!({"kind": kind, "apiVersion": "v1", "metadata": {"resourceVersion": st.rv.to_string()}, "items": items})
                .to_string()
        };
        if respond(&mut sock, "200 OK", &body).await.is_err() {
            return;
        }
    }
}

async fn respond(sock: &mut TcpStream, status: &str, body: &str) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    sock.write_all(head.as_bytes()).await?;
    sock.write_all(body.as_bytes()).await?;
    sock.flush().await
}

async fn stream_watch(mut sock: TcpStream, state: Arc<Mutex<State>>, coll: &str, from: u64) {
    // Subscribe and read the backlog under one lock: no event lost or sent twice.
    let (mut rx, backlog) = {
        let st = state.lock().unwrap_or_else(|p| p.into_inner());
        let backlog: Vec<String> = st
            .log
            .iter()
            .filter(|(rv, p, _)| *rv > from && *p == coll)
            .map(|(_, _, l)| l.clone())
            .collect();
        (st.tx.subscribe(), backlog)
    };
    let head =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    if sock.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    for line in backlog {
        if chunk(&mut sock, &line).await.is_err() {
            return;
        }
    }
    while let Ok((_, p, line)) = rx.recv().await {
        if p == coll && chunk(&mut sock, &line).await.is_err() {
            return;
        }
    }
}

async fn chunk(sock: &mut TcpStream, data: &str) -> std::io::Result<()> {
    sock.write_all(format!("{:x}\r\n{data}\r\n", data.len()).as_bytes())
        .await?;
    sock.flush().await
}

fn client(url: &str) -> Result<kube::Client> {
    let config = kube::Config::new(url.parse()?);
    Ok(kube::Client::try_from(config)?)
}

/// Decide a Pod with a `:latest` image in `ns`: production denies, dev warns, sandbox audits.
async fn decision(s: &Server, ns: &str) -> Result<&'static str> {
    let r = s.create_pod("u-cache", ns, BAD).await?;
    let v = r.json();
    let resp = &v["response"];
    Ok(if resp["allowed"] == false {
        "deny"
    } else if resp["warnings"].as_array().is_some_and(|w| !w.is_empty()) {
        "warn"
    } else if resp["auditAnnotations"]
        .as_object()
        .is_some_and(|a| !a.is_empty())
    {
        "audit"
    } else {
        "allow"
    })
}

async fn wait_for(s: &Server, ns: &str, want: &str) -> Result<()> {
    let got = poll(Duration::from_secs(10), || async {
        decision(s, ns).await.ok().filter(|d| *d == want)
    })
    .await;
    match got {
        Some(_) => Ok(()),
        None => Err(format!(
            "{ns}: decision never became {want} (now {:?})",
            decision(s, ns).await?
        )
        .into()),
    }
}

#[tokio::test]
async fn namespace_labels_from_list_and_watch_drive_decisions() -> Result<()> {
    let api = MockApi::start(
        &[
            (
                "payments",
                json!({"plumbline.dev/tenant": "acme", "plumbline.dev/environment": "dev"}),
            ),
            ("kube-public", json!({})),
        ],
        true,
    )
    .await?;
    let s = Server::start(PolicyPack::builtin()?, CONFIG, Limits::default()).await?;
    let cache = ClusterCache::spawn(&s.app, client(&api.url)?, default_kinds());

    // Before the initial list completes: unknown inventory, the name decides ("payments" matches
    // no pattern → production → deny).
    assert!(!cache.is_synced());
    assert!(!s.app.inventory().get().known);
    assert_eq!(decision(&s, "payments").await?, "deny");

    // Initial list: labels make it tenant acme in dev → warn.
    api.release_lists();
    wait_for(&s, "payments", "warn").await?;
    assert!(
        poll(Duration::from_secs(10), || async {
            cache.is_synced().then_some(())
        })
        .await
        .is_some(),
        "never synced"
    );
    let inv = s.app.inventory().get();
    assert!(
        inv.known,
        "known once every kind is listed (Traefik absent)"
    );
    let data = inv.data();
    let p = &data["namespaces"]["payments"];
    assert_eq!(p["tenant"], "acme", "{p}");
    assert_eq!(p["environment"], "dev", "{p}");
    assert_eq!(p["known"], true, "{p}");
    assert_eq!(data["known"], true);

    // MODIFIED: the label changes; the next decisions see it.
    api.change(
        "payments",
        Some(json!({"plumbline.dev/tenant": "acme", "plumbline.dev/environment": "sandbox"})),
    );
    wait_for(&s, "payments", "audit").await?;

    // ADDED: a new namespace is known with its labels.
    api.change("ledger", Some(json!({"plumbline.dev/environment": "dev"})));
    wait_for(&s, "ledger", "warn").await?;

    // DELETED: gone from the inventory; back to name-based resolution (production → deny).
    api.change("payments", None);
    wait_for(&s, "payments", "deny").await?;
    let inv = s.app.inventory().get();
    assert!(!inv.namespaces.contains_key("payments"));
    assert!(inv.namespaces.contains_key("ledger"));
    drop(cache);
    Ok(())
}

#[tokio::test]
async fn required_kind_unreachable_keeps_inventory_unknown() -> Result<()> {
    // Nothing listens here: the cache never syncs, and decisions fall back to names.
    let dead = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", dead.local_addr()?);
    drop(dead);
    let s = Server::start(PolicyPack::builtin()?, CONFIG, Limits::default()).await?;
    let cache = ClusterCache::spawn(&s.app, client(&url)?, default_kinds());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!cache.is_synced());
    assert!(!s.app.inventory().get().known);
    assert_eq!(decision(&s, "shop-dev").await?, "warn");
    assert_eq!(decision(&s, "payments").await?, "deny");
    Ok(())
}
