use super::*;

#[test]
fn list_items_keep_their_own_positions() {
    let src = Source::new(
            "l.yaml",
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n- apiVersion: v1\n  kind: Service\n  metadata: {name: b}\n",
        );
    let (objs, problems) = objects_from_source(&src);
    assert!(problems.is_empty());
    assert_eq!(objs.len(), 2);
    assert_eq!(objs[1].reference.kind, "Service");
    assert_eq!(objs[1].item, Some(1));
    assert_eq!(objs[1].position_of("/kind").line, 8);
}

#[test]
fn concatenated_manifests_are_an_input_error_not_one_object() {
    let src = Source::new(
            "-",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: b}\n",
        );
    let (objs, problems) = objects_from_source(&src);
    assert!(objs.is_empty());
    assert_eq!(problems.len(), 1, "{problems:?}");
    let p = &problems[0];
    assert_eq!((p.document, p.line), (Some(0), Some(4)));
    assert_eq!(p.path.as_deref(), Some("/apiVersion"));
    assert!(
        p.message
            .contains("holds a second `apiVersion` (line 4) and `kind` (line 5)")
            && p.message.contains("`---`"),
        "{}",
        p.message
    );
}

#[test]
fn a_duplicate_key_in_a_secret_is_noted_as_a_duplicate() {
    let src = Source::new(
            "s.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n  password: a\n  password: b\n  flag: yes\n",
        );
    let (objs, problems) = objects_from_source(&src);
    assert!(problems.is_empty());
    let notes: Vec<&str> = objs[0].notes.iter().map(|n| n.message.as_str()).collect();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(
        notes[0].starts_with("duplicate key `password`"),
        "{notes:?}"
    );
    // The YAML 1.1 note in a Secret does not show the value.
    assert!(
        notes[1].contains("value not shown") && !notes[1].contains("yes"),
        "{notes:?}"
    );
}

#[test]
fn non_objects_are_problems_with_lines() {
    let src = Source::new("x.yaml", "just a string\n---\nkind: Pod\n---\n- a\n");
    let (objs, problems) = objects_from_source(&src);
    assert!(objs.is_empty());
    assert_eq!(problems.len(), 3);
    assert_eq!(problems[1].document, Some(1));
    assert_eq!(problems[1].line, Some(3));
    assert!(problems[1].message.contains("apiVersion"));
}
