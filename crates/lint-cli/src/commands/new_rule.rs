//! `plumbline new-rule <domain>/<id>`: a custom rule folder that passes `plumbline test` at once.
//!
//! The scaffold is a real, small rule (workloads must carry an `owner` label) with everything a
//! rule needs: `policy.rego`, `rule.yaml` (why, how to fix, an example), two Rego unit tests in
//! `policy_test.rego`, and `suite.yaml` with a passing and a failing sample.

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Args;
use policy_core::{Domain, PolicyPack};

use crate::EXIT_OK;

#[derive(Args)]
pub(crate) struct NewRuleArgs {
    /// `<domain>/<rule-id>`, kebab-case (e.g. odoo/odoo-module-allowlist).
    name: String,
    /// Directory of custom rules to create it in.
    #[arg(long, value_name = "DIR", default_value = "policies")]
    dir: PathBuf,
}

pub(crate) fn run(args: NewRuleArgs) -> anyhow::Result<u8> {
    let Some((domain, id)) = args.name.split_once('/') else {
        bail!("expected <domain>/<rule-id>, e.g. `plumbline new-rule odoo/odoo-module-allowlist`");
    };
    let domain = Domain::named(domain).map_err(anyhow::Error::msg)?;
    let kebab = !id.is_empty()
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.ends_with('-');
    if !kebab {
        bail!("rule id `{id}`: use kebab-case (a-z, 0-9, -), starting with a letter");
    }
    if PolicyPack::builtin()?.rule(id).is_some() {
        bail!(
            "`{id}` is a built-in rule id: choose another id (to replace the built-in rule, \
             copy its folder and add `overrides: {id}` to its rule.yaml)"
        );
    }
    let folder = args.dir.join(domain.as_str()).join(id);
    if folder.exists() {
        bail!("{} exists", folder.display());
    }
    let pkg = id.replace('-', "_");
    let files = [
        ("rule.yaml", rule_yaml(domain.as_str(), id)),
        ("policy.rego", policy_rego(id, &pkg)),
        ("policy_test.rego", policy_test_rego(&pkg)),
        ("suite.yaml", SUITE.to_string()),
        ("samples/pass.yaml", PASS.to_string()),
        ("samples/fail.yaml", FAIL.to_string()),
    ];
    std::fs::create_dir_all(folder.join("samples"))
        .with_context(|| format!("creating {}", folder.display()))?;
    for (name, text) in files {
        let p = folder.join(name);
        std::fs::write(&p, text).with_context(|| format!("writing {}", p.display()))?;
        println!("wrote {}", p.display());
    }
    println!(
        "next: edit {}/policy.rego, then `plumbline test {}`",
        folder.display(),
        folder.display()
    );
    Ok(EXIT_OK)
}

fn rule_yaml(domain: &str, id: &str) -> String {
    format!(
        r#"id: {id}
title: Workloads carry an owner label
domain: {domain}
# New rules ship as warnings; raise to error once they are proven on real manifests.
severity: warning
kinds: [workloads]
description: |
  Every workload names the team that owns it in the `owner` label, so an alert or a finding
  reaches someone. (Scaffolded by `plumbline new-rule`: replace this with why your rule matters.)
remediation: |
  Add `metadata.labels.owner` with the owning team's name.
example: |
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
    labels:
      owner: team-erp
"#
    )
}

fn policy_rego(id: &str, pkg: &str) -> String {
    format!(
        r#"# {id}: workloads carry an `owner` label. Runs once per object; `input` is documented in
# docs/policy-input.md (`plumbline schema input` prints its JSON Schema).
package plumbline.rules.{pkg}

import rego.v1

violation contains v if {{
	owner := object.get(input.object, ["metadata", "labels", "owner"], "")
	owner == ""
	v := {{
		"msg": sprintf("%s %q has no `owner` label", [input.object.kind, object.get(input.object, ["metadata", "name"], "")]),
		"path": "/metadata",
		"details": {{"label": "owner"}},
	}}
}}
"#
    )
}

fn policy_test_rego(pkg: &str) -> String {
    format!(
        r#"# Rego unit tests, run by `plumbline test`: every `test_…` rule must be true.
package plumbline.rules.{pkg}_test

import rego.v1

test_workload_without_owner_is_a_violation if {{
	vs := data.plumbline.rules.{pkg}.violation with input as {{"object": {{"kind": "Deployment", "metadata": {{"name": "web"}}}}}}
	count(vs) == 1
	some v in vs
	v.path == "/metadata"
}}

test_workload_with_owner_passes if {{
	vs := data.plumbline.rules.{pkg}.violation with input as {{"object": {{"kind": "Deployment", "metadata": {{"name": "web", "labels": {{"owner": "team-erp"}}}}}}}}
	count(vs) == 0
}}
"#
    )
}

const SUITE: &str = r#"# Samples and what the rule must find in them, run by `plumbline test`.
cases:
  - file: samples/fail.yaml
    expect:
      - object: Deployment/web
        count: 1
        message: no `owner` label
        path: /metadata
  - file: samples/pass.yaml
    expect: []
"#;

const PASS: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: acme-prod
  labels:
    owner: team-erp
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27.3
"#;

const FAIL: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: acme-prod
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27.3
"#;
