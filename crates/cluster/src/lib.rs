//! Plumbline and a live cluster.
//!
//! Admission only judges what changes. This crate judges what is already there: it finds, by API
//! discovery, every listable resource whose kind a rule of the pack applies to
//! ([`kinds::plan`]), lists them page by page ([`list`]), evaluates them with the same
//! [`policy_core::Linter`] the linter and the webhook use (so the same config, exemptions and
//! inventory rules apply), and turns the result into OpenReports `Report` / `ClusterReport`
//! objects ([`reports`]) that it can write back to the cluster ([`write`]).
//!
//! Used by `plumbline audit`; everything that does not talk to the API server (the plan, the
//! reports) is pure and tested without a cluster.

pub mod kinds;
pub mod list;
pub mod reports;
pub mod write;

use std::path::PathBuf;

use policy_core::{Linter, Object, Report};

pub use kinds::{AuditPlan, NOT_AUDITED};
pub use reports::{ReportOptions, REPORT_NAME};

/// Errors talking to the cluster.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No usable kubeconfig or in-cluster configuration.
    #[error("cluster connection: {0}")]
    Connect(String),
    /// An API call failed.
    #[error("{what}: {source}")]
    Api {
        /// What was being done (`listing apps/v1 Deployment`).
        what: String,
        /// The client's error.
        #[source]
        source: kube::Error,
    },
    /// The async runtime could not start.
    #[error("starting the client runtime: {0}")]
    Runtime(#[from] std::io::Error),
}

/// How to reach the cluster.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ConnectOptions {
    /// A kubeconfig file (else `KUBECONFIG`, `~/.kube/config`, then the in-cluster service account).
    pub kubeconfig: Option<PathBuf>,
    /// A context of the kubeconfig (else its current context).
    pub context: Option<String>,
}

impl ConnectOptions {
    /// Options from a kubeconfig path and context.
    pub fn new(kubeconfig: Option<PathBuf>, context: Option<String>) -> ConnectOptions {
        ConnectOptions {
            kubeconfig,
            context,
        }
    }
}

/// What an audit run lists.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AuditOptions {
    /// Only these namespaces (empty: all); cluster-scoped kinds are listed only when empty.
    pub namespaces: Vec<String>,
    /// Objects per list request (the API server's `limit`; pagination continues until done).
    pub page_size: u32,
}

impl Default for AuditOptions {
    fn default() -> AuditOptions {
        AuditOptions {
            namespaces: Vec::new(),
            page_size: 500,
        }
    }
}

/// The live objects of one audit, with what was listed and what could not be.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Listing {
    /// Every object listed, as the linter sees it (`file` names the live object).
    pub objects: Vec<Object>,
    /// `group/version Kind` of every resource listed.
    pub resources: Vec<String>,
    /// Kinds a rule applies to that the API server does not serve (no CRD installed, …).
    pub absent_kinds: Vec<String>,
    /// List requests made (pages).
    pub requests: usize,
}

/// Connect to the cluster.
pub async fn connect(options: &ConnectOptions) -> Result<kube::Client, Error> {
    let config = match &options.kubeconfig {
        Some(path) => {
            let kc = kube::config::Kubeconfig::read_from(path)
                .map_err(|e| Error::Connect(format!("{}: {e}", path.display())))?;
            let opts = kube::config::KubeConfigOptions {
                context: options.context.clone(),
                ..Default::default()
            };
            kube::Config::from_custom_kubeconfig(kc, &opts)
                .await
                .map_err(|e| Error::Connect(format!("{}: {e}", path.display())))?
        }
        None if options.context.is_some() => {
            let opts = kube::config::KubeConfigOptions {
                context: options.context.clone(),
                ..Default::default()
            };
            kube::Config::from_kubeconfig(&opts)
                .await
                .map_err(|e| Error::Connect(e.to_string()))?
        }
        None => kube::Config::infer()
            .await
            .map_err(|e| Error::Connect(e.to_string()))?,
    };
    kube::Client::try_from(config).map_err(|e| Error::Connect(e.to_string()))
}

/// Discover what the pack judges and list it.
pub async fn list_cluster(
    client: &kube::Client,
    linter: &Linter,
    options: &AuditOptions,
) -> Result<Listing, Error> {
    let plan = kinds::plan(linter.active_rules());
    let discovery = kube::discovery::Discovery::new(client.clone())
        .run()
        .await
        .map_err(|source| Error::Api {
            what: "API discovery".into(),
            source,
        })?;
    let resources = plan.resolve(&discovery);
    let mut listing = Listing {
        absent_kinds: plan.absent(&resources),
        ..Listing::default()
    };
    for (ar, namespaced) in &resources {
        listing
            .resources
            .push(format!("{} {}", ar.api_version, ar.kind));
        let scopes: Vec<Option<&str>> = match (namespaced, options.namespaces.is_empty()) {
            (_, true) => vec![None],
            (true, false) => options
                .namespaces
                .iter()
                .map(|n| Some(n.as_str()))
                .collect(),
            // Cluster-scoped kinds (Namespace, StorageClass…) belong to no namespace: a
            // namespace-limited audit still reads the audited Namespaces themselves.
            (false, false) if ar.kind == "Namespace" && ar.group.is_empty() => vec![None],
            (false, false) => continue,
        };
        for ns in scopes {
            let page = list::list_all(client, ar, ns, options.page_size).await?;
            listing.requests += page.requests;
            for v in page.items {
                if !options.namespaces.is_empty() && ar.kind == "Namespace" {
                    let name = v["metadata"]["name"].as_str().unwrap_or_default();
                    if !options.namespaces.iter().any(|n| n == name) {
                        continue;
                    }
                }
                listing.objects.push(list::to_object(v));
            }
        }
    }
    Ok(listing)
}

/// Evaluate listed objects: the linter's report, without the rules that judge a change rather
/// than a state ([`NOT_AUDITED`]).
pub fn evaluate(linter: &Linter, objects: &[Object]) -> Report {
    let mut report = linter.lint_objects(objects);
    report
        .findings
        .retain(|f| !NOT_AUDITED.iter().any(|(id, _)| *id == f.rule));
    report
}

/// A connection for a synchronous caller (the CLI): the client and the runtime it lives on. The
/// client's connection pool runs on that runtime, so both are kept together for the whole run.
pub struct Session {
    runtime: tokio::runtime::Runtime,
    client: kube::Client,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").finish_non_exhaustive()
    }
}

impl Session {
    /// Connect on a current-thread runtime.
    pub fn connect(options: &ConnectOptions) -> Result<Session, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let client = runtime.block_on(connect(options))?;
        Ok(Session { runtime, client })
    }

    /// [`list_cluster`], then [`evaluate`].
    pub fn audit(
        &self,
        linter: &Linter,
        options: &AuditOptions,
    ) -> Result<(Listing, Report), Error> {
        let listing = self
            .runtime
            .block_on(list_cluster(&self.client, linter, options))?;
        let report = evaluate(linter, &listing.objects);
        Ok((listing, report))
    }

    /// [`write::apply_reports`].
    pub fn write_reports(&self, reports: &[serde_json::Value]) -> Result<usize, Error> {
        self.runtime
            .block_on(write::apply_reports(&self.client, reports))
    }
}
