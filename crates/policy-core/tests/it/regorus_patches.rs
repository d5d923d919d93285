//! The paths of regorus' VM that Plumbline patches (third_party/README.md), exercised through
//! the same API the engine uses (compile to an RVM program, execute an entry point). Expected
//! values are Rego's (OPA gives the same for each; the comments say where a case is regorus'
//! own), so a patch that changes what the VM computes fails here, not only in the pack's suites.

use std::sync::Arc;

use regorus::languages::rego::compiler::Compiler;
use regorus::rvm::RegoVM;
use regorus::Value;

const MAIN: &str = r#"
package t

import rego.v1

import data.t2

# ChainedIndex: literal keys, a key held in a register, an array index, absent paths.
chain_literal := input.a.b.c

chain_register := input.a.b[input.key]

chain_array := input.list[1]

chain_absent := x if {
	x := input.a.missing.deeper
} else := "absent"

chain_through_scalar := x if {
	x := input.a.b.c.d
} else := "absent"

# VirtualDataDocumentLookup: another package's rule and a path into its value, plain data by a
# key held in a register, a function of another package, a whole package.
vd_rule := data.t2.limits.cpu

vd_rule_missing := x if {
	x := data.t2.limits[input.key]
} else := "absent"

vd_data := data.params.tiers[input.tier]

vd_data_missing := x if {
	x := data.params.tiers.unknown
} else := "absent"

vd_function := data.t2.double(21)

vd_package := data.t3

vd_imported := t2.limits.memory

# Rule calls: a cached complete rule read twice, a function with arguments, a default, a
# partial set, one else.
shared := count(input.list)

uses_shared_twice := [shared, shared + 1]

add(a, b) := a + b

function_calls := [add(1, 2), add(input.a.b.c, 1)]

default defaulted := "default"

defaulted := "set" if input.never

names contains n if {
	some n in input.list
	n != "b"
}

with_else := "first" if {
	input.never
} else := "second"

# A body that ends without a value is undefined and its `else` applies (the patch in
# execute_rule_definitions_common; regorus 0.14.1 returned undefined for each of these).
head_undefined := input.missing if {
	true
} else := 2

f(x) := y if {
	y := x.missing
} else := "f-else"

f_call := f({"a": 1})

g(x) := x.missing

g_call := y if {
	y := g({"a": 1})
} else := "g-else"

two_elses := x if {
	x := input.missing
} else := y if {
	y := input.missing2
} else := 3

no_else := x if {
	x := input.missing
}

default with_default := "default"

with_default := x if {
	x := input.missing
}

elses := {
	"head_undefined": head_undefined,
	"f_call": f_call,
	"g_call": g_call,
	"two_elses": two_elses,
	"no_else_defined": [1 | no_else],
	"with_default": with_default,
}

# Register windows (the patch in reset_register_window): each body of a rule and each call of a
# function keeps its result register (a partial set's accumulated members) and its arguments, and
# starts with the others undefined, whatever an earlier body or call left in them. regorus'
# compiler writes a register before reading it, so a leftover is not observable from Rego; the
# kept registers are: clearing them loses members and arguments.
bodies contains x if {
	x := count([v | some v in input.list])
}

bodies contains x if {
	y := [v | some v in input.missing]
	x := count(y) + 100
}

bodies contains x if {
	not input.a.missing
	x := "not-absent"
}

bodies contains x if {
	z := {k | some k, _ in input.a.b}
	x := concat(",", z)
}

bodies contains x if {
	w := input.a.missing
	x := sprintf("stale-%v", [w])
}

bodies contains x if {
	not input.a.missing.deeper
	v := input.a.b.missing
	x := sprintf("stale-%v", [v])
}

step(n) := m if {
	acc := [i | some i in numbers.range(1, n)]
	m := count(acc)
} else := "none"

calls := [step(3), step(1), step(2)]

windows := {"bodies": bodies, "calls": calls}

# Builtins (each call reads the VM's dummy span).
builtins := [sprintf("%s-%d", ["x", 1]), object.get(input.a, "b", {}).c, count(input.list)]

all := {
	"chain_literal": chain_literal,
	"chain_register": chain_register,
	"chain_array": chain_array,
	"chain_absent": chain_absent,
	"chain_through_scalar": chain_through_scalar,
	"vd_rule": vd_rule,
	"vd_rule_missing": vd_rule_missing,
	"vd_data": vd_data,
	"vd_data_missing": vd_data_missing,
	"vd_function": vd_function,
	"vd_package": vd_package,
	"vd_imported": vd_imported,
	"uses_shared_twice": uses_shared_twice,
	"function_calls": function_calls,
	"defaulted": defaulted,
	"names": names,
	"with_else": with_else,
	"builtins": builtins,
}
"#;

const OTHER: &str = r#"
package t2

import rego.v1

limits := {"cpu": "2", "memory": "4Gi"}

double(x) := 2 * x
"#;

const THIRD: &str = r#"
package t3

import rego.v1

a := 1

b := "x"
"#;

fn program(entry_points: &[&str]) -> Arc<regorus::rvm::program::Program> {
    let mut engine = regorus::Engine::new();
    engine.add_policy("t.rego".into(), MAIN.into()).unwrap();
    engine.add_policy("t2.rego".into(), OTHER.into()).unwrap();
    engine.add_policy("t3.rego".into(), THIRD.into()).unwrap();
    let compiled = engine
        .compile_with_entrypoint(&"data.t.all".into())
        .unwrap();
    Compiler::compile_from_policy(&compiled, entry_points).unwrap()
}

fn vm(entry_points: &[&str]) -> RegoVM {
    let mut vm = RegoVM::new();
    vm.load_program(program(entry_points));
    vm.set_data(json(r#"{"params": {"tiers": {"gold": 3, "silver": 2}}}"#))
        .unwrap();
    vm.set_input(json(
        r#"{"a": {"b": {"c": 41, "k": "by-register"}}, "key": "k", "list": ["a", "b", "c"], "tier": "gold"}"#,
    ));
    vm
}

fn json(text: &str) -> Value {
    Value::from_json_str(text).unwrap()
}

#[test]
fn the_patched_vm_paths_compute_what_rego_says() {
    let mut vm = vm(&["data.t.all"]);
    let got = vm.execute_entry_point_by_name("data.t.all").unwrap();
    let want = json(
        r#"{
        "chain_literal": 41,
        "chain_register": "by-register",
        "chain_array": "b",
        "chain_absent": "absent",
        "chain_through_scalar": "absent",
        "vd_rule": "2",
        "vd_rule_missing": "absent",
        "vd_data": 3,
        "vd_data_missing": "absent",
        "vd_function": 42,
        "vd_package": {"a": 1, "b": "x"},
        "vd_imported": "4Gi",
        "uses_shared_twice": [3, 4],
        "function_calls": [3, 42],
        "defaulted": "default",
        "names": ["a", "c"],
        "with_else": "second",
        "builtins": ["x-1", 41, 3]
    }"#,
    );
    // `names` is a set; compare it as one.
    let mut want = want;
    let mut names = Value::new_set();
    for n in ["a", "c"] {
        names.as_set_mut().unwrap().insert(Value::from(n));
    }
    want.as_object_mut()
        .unwrap()
        .insert(Value::from("names"), names);
    assert_eq!(got, want);
}

#[test]
fn an_undefined_body_falls_through_to_its_else() {
    // What OPA (v1.22.4, scripts/opa-tools.sh) answers for the same module and input.
    let mut vm = vm(&["data.t.elses"]);
    let got = vm.execute_entry_point_by_name("data.t.elses").unwrap();
    let want = json(
        r#"{"head_undefined": 2, "f_call": "f-else", "g_call": "g-else", "two_elses": 3,
            "no_else_defined": [], "with_default": "default"}"#,
    );
    assert_eq!(got, want);
}

#[test]
fn every_body_and_call_keeps_its_result_and_arguments() {
    // What OPA (v1.22.4) answers for the same rules and input.
    let mut vm = vm(&["data.t.windows"]);
    for _ in 0..2 {
        let got = vm.execute_entry_point_by_name("data.t.windows").unwrap();
        let mut want = json(r#"{"calls": [3, 1, 2]}"#);
        let mut bodies = Value::new_set();
        for b in [Value::from(3u64), Value::from(100u64), Value::from("c,k")] {
            bodies.as_set_mut().unwrap().insert(b);
        }
        bodies
            .as_set_mut()
            .unwrap()
            .insert(Value::from("not-absent"));
        want.as_object_mut()
            .unwrap()
            .insert(Value::from("bodies"), bodies);
        assert_eq!(got, want);
    }
}

#[test]
fn a_second_execution_starts_clean() {
    // The rule cache and registers are reset between executions: another input gives its own
    // answers, not the first execution's cached ones.
    let mut vm = vm(&["data.t.all"]);
    vm.execute_entry_point_by_name("data.t.all").unwrap();
    vm.set_input(json(
        r#"{"a": {"b": {"c": 1, "k": "again"}}, "key": "k", "list": ["b", "z"], "tier": "silver"}"#,
    ));
    let got = vm.execute_entry_point_by_name("data.t.all").unwrap();
    assert_eq!(got[&Value::from("chain_array")], Value::from("z"));
    assert_eq!(got[&Value::from("chain_literal")], Value::from(1u64));
    assert_eq!(got[&Value::from("chain_register")], Value::from("again"));
    assert_eq!(got[&Value::from("vd_data")], Value::from(2u64));
    assert_eq!(
        got[&Value::from("uses_shared_twice")],
        json("[2, 3]"),
        "a cached rule must not keep the first execution's value"
    );
    assert_eq!(got[&Value::from("function_calls")], json("[3, 2]"));
    assert_eq!(got[&Value::from("builtins")], json(r#"["x-1", 1, 2]"#));
}

#[test]
fn errors_are_still_reported_once_built_lazily() {
    // The patch builds errors only when they are returned: they must still be returned.
    let mut vm = vm(&["data.t.all"]);
    let missing = vm
        .execute_entry_point_by_name("data.t.nope")
        .unwrap_err()
        .to_string();
    assert!(missing.contains("data.t.nope"), "{missing}");
    vm.set_max_instructions(5);
    let limited = vm
        .execute_entry_point_by_name("data.t.all")
        .unwrap_err()
        .to_string();
    assert!(limited.to_lowercase().contains("limit"), "{limited}");
}

#[test]
fn an_object_from_sorted_entries_is_the_object_a_btree_map_gives() {
    use regorus::value::Object;
    use std::collections::BTreeMap;
    let cases: Vec<Vec<(&str, u64)>> = vec![
        vec![],
        vec![("a", 1)],
        vec![("a", 1), ("b", 2), ("c", 3)],
        // Out of order, and equal keys: the last of equal keys wins, as in a BTreeMap.
        vec![("c", 3), ("a", 1), ("b", 2)],
        vec![("a", 1), ("b", 2), ("b", 20), ("c", 3)],
        vec![("b", 2), ("a", 1), ("b", 21)],
        // Byte order, as the engine's string order: upper case before lower case.
        vec![("B", 1), ("a", 2), ("ä", 3)],
    ];
    for entries in cases {
        let values = || {
            entries
                .iter()
                .map(|&(k, v)| (Value::from(k), Value::from(v)))
                .collect::<Vec<_>>()
        };
        let got = Value::from(Object::from_sorted_entries(values()));
        let want = Value::from(values().into_iter().collect::<BTreeMap<_, _>>());
        assert_eq!(got, want, "{entries:?}");
        // Lookups (binary search over the stored entries) find every key and no other.
        for (k, v) in want.as_object().unwrap().iter() {
            assert_eq!(&got[k], v, "{entries:?} {k}");
        }
        assert_eq!(got[&Value::from("zz")], Value::Undefined);
        assert_eq!(
            got.as_object().unwrap().len(),
            want.as_object().unwrap().len()
        );
    }
}
