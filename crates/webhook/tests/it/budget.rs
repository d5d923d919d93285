//! The per-rule evaluation budget (issue 18): a slow custom rule cannot stall the webhook; the
//! rule that hit its budget is named in the answer and in a metric.

use std::time::{Duration, Instant};

use plumbline_webhook::Limits;
use policy_core::PolicyPack;
use serde_json::json;

use crate::support::*;

/// A custom rule that never finishes on annotated ConfigMaps (10^10 comprehension steps), next
/// to an ordinary one that denies ConfigMaps without a `team` label.
fn runaway_pack() -> Result<PolicyPack> {
    let meta = |id: &str| {
        format!(
            "id: {id}\ntitle: t\ndomain: acme\nseverity: error\nkinds: ['ConfigMap']\n\
             description: d\nremediation: r\nexample: e\n"
        )
    };
    let runaway = "package plumbline.rules.acme_runaway\nimport rego.v1\n\
        violation contains v if {\n  input.object.metadata.annotations.slow == \"yes\"\n  \
        n := count([x | some x in numbers.range(1, 100000); some y in numbers.range(1, 100000); x != y])\n  \
        n > 0\n  v := {\"msg\": \"never\", \"path\": \"/metadata\"}\n}\n";
    let team = "package plumbline.rules.acme_team\nimport rego.v1\n\
        violation contains v if {\n  not input.object.metadata.labels.team\n  \
        v := {\"msg\": \"no team label\", \"path\": \"/metadata\"}\n}\n";
    Ok(PolicyPack::from_files(
        [
            (
                "acme/acme-runaway/rule.yaml".to_string(),
                meta("acme-runaway"),
            ),
            (
                "acme/acme-runaway/policy.rego".to_string(),
                runaway.to_string(),
            ),
            ("acme/acme-team/rule.yaml".to_string(), meta("acme-team")),
            ("acme/acme-team/policy.rego".to_string(), team.to_string()),
        ],
        "test",
    )?)
}

fn config_map(uid: &str, slow: bool) -> Vec<u8> {
    let annotations = if slow {
        json!({"slow": "yes"})
    } else {
        json!({})
    };
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "c", "namespace": "shop", "labels": {"team": "erp"},
                     "annotations": annotations}});
    review(uid, "CREATE", "shop", Some(cm), None, false)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runaway_rule_is_stopped_named_and_counted_within_the_deadline() -> Result<()> {
    let mut limits = Limits::default();
    // The engine gets half the request's deadline for an object, and a rule alone half of that.
    limits.deadline = Duration::from_secs(4);
    let s = Server::start(runaway_pack()?, "version: 1\n", limits).await?;
    for uid in ["u-1", "u-2"] {
        let started = Instant::now();
        let v = s.post(&config_map(uid, true)).await?.json();
        let took = started.elapsed();
        assert_eq!(v["response"]["uid"], uid);
        // Answered by the failure mode (fail-closed by default), not by the request deadline.
        assert_eq!(v["response"]["allowed"], false, "{v}");
        let msg = v["response"]["status"]["message"]
            .as_str()
            .unwrap_or_default();
        assert!(
            msg.contains("acme-runaway") && msg.contains(policy_core::BUDGET_EXCEEDED),
            "{msg}"
        );
        assert!(took < Duration::from_secs(4), "{took:?}");
        assert_eq!(s.app.metrics().timeouts(), 0, "no request deadline was hit");
    }
    assert_eq!(s.app.metrics().rule_budget_exceeded("acme-runaway"), 2);
    let m = s.get("/metrics").await?.text();
    assert!(
        m.contains("plumbline_webhook_rule_budget_exceeded_total{rule=\"acme-runaway\"} 2"),
        "{m}"
    );
    // Objects the runaway rule does not stall are judged as usual.
    let v = s.post(&config_map("u-3", false)).await?.json();
    assert_eq!(v["response"]["allowed"], true, "{v}");
    Ok(())
}
