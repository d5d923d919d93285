use super::*;

#[test]
fn schema_errors_name_the_line_and_allowed_values() {
    let e = Config::parse(
        "version: 1\nrules:\n  severity:\n    image-tag-latest: fatal\n",
        "p.yaml",
    )
    .unwrap_err();
    let s = e.to_string();
    assert!(s.contains("p.yaml:4"), "{s}");
    assert!(s.contains("error") && s.contains("warning"), "{s}");
    let e = Config::parse("version: 1\nbogus: 1\n", "p.yaml").unwrap_err();
    assert!(e.to_string().contains("bogus"), "{e}");
}

/// Errors found against the pack, after the schema, name the line of the offending id too.
#[test]
fn unknown_rule_errors_name_their_line() {
    let pack = PolicyPack::builtin().unwrap();
    let cases = [
            ("version: 1\nrules:\n  ignore:\n    - pss-privileged\n    - pss-privilegd\n", "p.yaml:5", "did you mean `pss-privileged`"),
            ("version: 1\nrules:\n  severity:\n    image-tag-latest: error\n    nope: warning\n", "p.yaml:5", "rules.severity: unknown rule `nope`"),
            ("version: 1\nrules:\n  update:\n\n    nope: skip\n", "p.yaml:5", "rules.update: unknown rule `nope`"),
            ("version: 1\nexemptions:\n  - reason: r\n    rules:\n      - image-tag-latest\n      - nope\n", "p.yaml:6", "exemption at line 3"),
            // A renamed rule's former id names the id now (`formerly:` in its rule.yaml).
            ("version: 1\nrules:\n  select:\n    - pss-ulimits\n", "p.yaml:4", "unknown rule or domain `pss-ulimits` (renamed `container-ulimits`: use that id)"),
            ("version: 1\nrules:\n  severity:\n    pss-ulimits: error\n", "p.yaml:4", "rules.severity: unknown rule `pss-ulimits` (renamed `container-ulimits`"),
        ];
    for (text, at, says) in cases {
        let e = Config::parse(text, "p.yaml")
            .unwrap()
            .validate(&pack)
            .unwrap_err()
            .to_string();
        assert!(e.contains(at) && e.contains(says), "{text}: {e}");
    }
}

/// The `init` template is a valid config, shows every top-level section of the schema (set
/// or commented out), and stays valid with its commented sections switched on.
#[test]
fn template_shows_every_section_and_each_is_valid() {
    let c = Config::parse(TEMPLATE, "template").unwrap();
    assert!(c.policies.is_empty() && c.path == "template");
    let schema: Value = serde_json::from_str(SCHEMA).unwrap();
    let keys = schema["properties"].as_object().unwrap();
    for key in keys.keys() {
        let set = TEMPLATE.lines().any(|l| l.starts_with(&format!("{key}:")));
        let commented = TEMPLATE
            .lines()
            .any(|l| l.starts_with(&format!("# {key}:")));
        assert!(set || commented, "the template does not show `{key}:`");
    }
    // Uncomment the commented sections (`# key:` and the `#   ` lines under it).
    let mut on = String::new();
    let mut inside = false;
    for line in TEMPLATE.lines() {
        let key = line
            .strip_prefix("# ")
            .and_then(|l| l.split(':').next())
            .filter(|k| keys.contains_key(*k));
        if key.is_some() {
            inside = true;
            on.push_str(&line[2..]);
        } else if inside && line.starts_with("#   ") {
            on.push_str(&line[2..]);
        } else {
            inside = false;
            on.push_str(line);
        }
        on.push('\n');
    }
    let c = Config::parse(&on, "template-on").unwrap_or_else(|e| panic!("{e}\n{on}"));
    assert_eq!(
        c.tenancy.tenant_label.as_deref(),
        Some("plumbline.dev/tenant")
    );
    assert!(!c.change_control.calendars.is_empty());
}

/// `policies:` directories are relative to the config file.
#[test]
fn policy_dirs_are_relative_to_the_config() {
    let c = Config::parse(
        "version: 1\npolicies: [custom, /abs/rules]\n",
        "/etc/pl/plumbline.yaml",
    )
    .unwrap();
    assert_eq!(
        c.policy_dirs(),
        [PathBuf::from("/etc/pl/custom"), PathBuf::from("/abs/rules")]
    );
    let c = Config::parse("policies: [custom]\n", "plumbline.yaml").unwrap();
    assert_eq!(c.policy_dirs(), [PathBuf::from("custom")]);
}

#[test]
fn globs() {
    assert!(glob_match("kube-*", "kube-system"));
    assert!(glob_match("*/odoo:*", "docker.io/library/odoo:17"));
    assert!(!glob_match("kube-?", "kube-system"));
    assert!(glob_match("*", ""));
}

#[test]
fn merge_is_deep() {
    let mut a = serde_json::json!({"images": {"requireDigest": false, "tags": ["latest"]}});
    merge(
        &mut a,
        &serde_json::json!({"images": {"requireDigest": true}}),
    );
    assert_eq!(
        a,
        serde_json::json!({"images": {"requireDigest": true, "tags": ["latest"]}})
    );
}
