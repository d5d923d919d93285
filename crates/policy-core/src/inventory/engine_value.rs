//! `input.inventory` in the engine's value type, built once per inventory from the builder's
//! JSON pieces, which are consumed as they are converted: the inventory is held once, in the
//! form the rules read, not also as JSON (at 25 times the benchmark corpus the JSON copy was
//! ~16 MB beside the engine value).
//!
//! Strings are interned while converting: every host claim, namespace entry and network policy
//! repeats the same keys (`host`, `path`, `namespace`, ...) and mostly the same values (kinds,
//! namespace, tenant and environment names), and each engine string is an allocation of its
//! own otherwise; equal objects and arrays are shared likewise. A shared value is a reference
//! count more, never a different value: rules read exactly what they read before.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Map, Value};

/// Engine values by content, for one conversion: each distinct string is allocated once, and
/// so is each distinct object and array. Equal sub-values are common: namespaces that resolve
/// alike and hold the same lists, one NetworkPolicy (`default-deny`) or label set in many
/// namespaces, and the empty lists of most namespaces.
#[derive(Default)]
pub(super) struct Interner {
    strings: HashMap<String, regorus::Value>,
    /// The objects and arrays built so far (engine values have no hash: ordered instead).
    composites: BTreeSet<regorus::Value>,
}

impl Interner {
    /// The engine string of `text`, shared with every earlier one of the same text.
    pub(super) fn string(&mut self, text: String) -> regorus::Value {
        if let Some(v) = self.strings.get(text.as_str()) {
            return v.clone();
        }
        let v = regorus::Value::from(text.as_str());
        self.strings.insert(text, v.clone());
        v
    }

    /// [`Self::string`] of a borrowed text (copied only the first time it is seen).
    pub(super) fn str(&mut self, text: &str) -> regorus::Value {
        match self.strings.get(text) {
            Some(v) => v.clone(),
            None => self.string(text.to_string()),
        }
    }

    /// An engine object of `fields` (keys interned).
    pub(super) fn object<const N: usize>(
        &mut self,
        fields: [(&str, regorus::Value); N],
    ) -> regorus::Value {
        let map: BTreeMap<regorus::Value, regorus::Value> =
            fields.into_iter().map(|(k, v)| (self.str(k), v)).collect();
        self.map(map)
    }

    /// An engine object of `map`, shared with an equal one built before.
    fn map(&mut self, map: BTreeMap<regorus::Value, regorus::Value>) -> regorus::Value {
        self.share(regorus::Value::from(map))
    }

    /// An engine array of `items`, shared with an equal one built before.
    fn array(&mut self, items: Vec<regorus::Value>) -> regorus::Value {
        self.share(regorus::Value::from(items))
    }

    /// `value`, or the equal value built before (engine values are immutable: rules read them,
    /// and a change would copy first).
    fn share(&mut self, value: regorus::Value) -> regorus::Value {
        if let Some(built) = self.composites.get(&value) {
            return built.clone();
        }
        self.composites.insert(value.clone());
        value
    }
}

/// A piece of the inventory as the builder holds it, converted to the engine's value type by
/// value (each piece is dropped as soon as it is converted).
pub(super) trait IntoEngine {
    /// The engine value, its strings interned in `strings`.
    fn into_engine(self, strings: &mut Interner) -> regorus::Value;
}

impl IntoEngine for Value {
    /// As the policy input's `to_rego` converts JSON (numbers included), by value.
    fn into_engine(self, strings: &mut Interner) -> regorus::Value {
        match self {
            Value::Null => regorus::Value::Null,
            Value::Bool(b) => regorus::Value::from(b),
            Value::Number(n) => crate::engine::number_to_rego(&n),
            Value::String(s) => strings.string(s),
            Value::Array(a) => a.into_engine(strings),
            Value::Object(m) => m.into_engine(strings),
        }
    }
}

impl IntoEngine for String {
    fn into_engine(self, strings: &mut Interner) -> regorus::Value {
        strings.string(self)
    }
}

impl<T: IntoEngine> IntoEngine for Vec<T> {
    fn into_engine(self, strings: &mut Interner) -> regorus::Value {
        let items: Vec<regorus::Value> = self.into_iter().map(|v| v.into_engine(strings)).collect();
        strings.array(items)
    }
}

impl<T: IntoEngine> IntoEngine for BTreeMap<String, T> {
    fn into_engine(self, strings: &mut Interner) -> regorus::Value {
        entries(self, strings)
    }
}

impl IntoEngine for Map<String, Value> {
    fn into_engine(self, strings: &mut Interner) -> regorus::Value {
        entries(self, strings)
    }
}

/// An engine object of `map`'s entries, keys and values converted.
fn entries<T: IntoEngine>(
    map: impl IntoIterator<Item = (String, T)>,
    strings: &mut Interner,
) -> regorus::Value {
    let converted: BTreeMap<regorus::Value, regorus::Value> = map
        .into_iter()
        .map(|(k, v)| (strings.string(k), v.into_engine(strings)))
        .collect();
    strings.map(converted)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The conversion by value gives the value the engine's own conversion of the JSON gives.
    #[test]
    fn converts_as_the_engine_reads_json() {
        let doc = json!({"a": [1, -2, 2.5, 18446744073709551615u64, null, true, "x"],
            "b": {"x": "x", "": {}}, "c": [], "x": "a"});
        let mut strings = Interner::default();
        assert_eq!(
            doc.clone().into_engine(&mut strings),
            regorus::Value::from(doc)
        );
    }

    /// Equal objects and arrays are built once.
    #[test]
    fn equal_composites_are_one_allocation() {
        let mut strings = Interner::default();
        let policy = json!({"name": "default-deny", "podSelector": {}});
        let a = json!([policy.clone()]).into_engine(&mut strings);
        let b = json!([policy]).into_engine(&mut strings);
        match (a, b) {
            (regorus::Value::Array(a), regorus::Value::Array(b)) => {
                assert!(std::sync::Arc::ptr_eq(&a, &b));
            }
            other => panic!("not arrays: {other:?}"),
        }
    }

    /// Equal texts share one engine string.
    #[test]
    fn equal_strings_are_one_allocation() {
        let mut strings = Interner::default();
        let a = strings.string("Ingress".to_string());
        let b = strings.string("Ingress".to_string());
        match (a, b) {
            (regorus::Value::String(a), regorus::Value::String(b)) => {
                assert!(std::sync::Arc::ptr_eq(&a, &b));
            }
            other => panic!("not strings: {other:?}"),
        }
    }
}
