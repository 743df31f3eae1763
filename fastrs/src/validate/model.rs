//! [`Validate`]: how a value of any model type is read and checked, field by field, with every
//! failure collected at its location.
//!
//! A model body takes two paths. The fast one: serde deserializes the typed value and
//! [`Validate::valid`] runs the rules serde cannot see (lengths, ranges, patterns, NUL in text,
//! the rules of nested models), answering only yes or no. Only when either refuses the input is
//! it read again as a JSON tree by [`Validate::read`], which converts leniently where Pydantic
//! does (a whole float for an integer, `"3"` for an integer in a query string) and reports
//! *every* failure, each at its `loc`. Both paths accept the same values and build the same one,
//! so the fast path is a pure optimisation: a valid body costs serde and the rules, nothing more.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::cx::Cx;
use super::json::FromJson;
use super::{FieldSpec, ValidationErrors, Violation, json_invalid};
use crate::patch::Patch;

/// A type a model field may have: read from JSON with every failure reported, and checked after
/// serde built it. Implemented for the scalar types, `Option`, `Vec`, maps with string keys,
/// [`Patch`], `Box`, and every `#[derive(Model)]` type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a field of a fastrs model",
    note = "fields may be i32, i64, u32, u64, f64, bool, String, Uuid, DateTime<Utc>, serde_json::Value, another `#[derive(Model)]` type, or Option / Vec / Box / HashMap<String, _> / BTreeMap<String, _> of those"
)]
pub trait Validate: Sized {
    /// Reads a value from JSON, recording every failure in `cx` (the slow path).
    fn read(value: Value, cx: &mut Cx) -> Option<Self>;

    /// Whether a value serde built passes what serde does not check (the fast path: no
    /// errors are built; a `false` sends the input to [`read`](Validate::read)).
    fn valid(&self) -> bool {
        true
    }

    /// The value of a field left out of the input, if one may be (`None` for `Option`,
    /// [`Patch::Absent`]); `None` makes it required.
    fn absent() -> Option<Self> {
        None
    }
}

fn rejected<T>(result: super::json::Rejection<T>, cx: &mut Cx) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(rejected) => {
            let (violation, input) = *rejected;
            cx.fail(violation, Some(input));
            None
        }
    }
}

/// True when `bytes` holds a zero byte: eight bytes at a time (the classic "has a zero byte"
/// word trick), which beats both a `char` pattern and `memchr` on the short text of most fields.
#[inline]
fn holds_nul(bytes: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let zero_in = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS != 0;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        if zero_in(u64::from_ne_bytes(word)) {
            return true;
        }
    }
    // The tail, padded with bytes that are not zero.
    let tail = chunks.remainder();
    let mut word = [0xff_u8; 8];
    word[..tail.len()].copy_from_slice(tail);
    zero_in(u64::from_ne_bytes(word))
}

/// A number written as text (a query or form value): exact for integers (an `f64` would round
/// those beyond 2^53), else a float.
fn text_number(text: &str) -> Option<Value> {
    if let Ok(integer) = text.parse::<i64>() {
        return Some(Value::from(integer));
    }
    if let Ok(integer) = text.parse::<u64>() {
        return Some(Value::from(integer));
    }
    text.parse::<f64>().ok().map(Value::from)
}

macro_rules! numeric {
    ($($ty:ty => $parse:ty, $kind:literal, $msg:literal;)*) => {$(
        impl Validate for $ty {
            fn read(value: Value, cx: &mut Cx) -> Option<Self> {
                let value = match cx.one(value) {
                    Value::String(text) if cx.text() => match text_number(text.trim()) {
                        Some(number) => number,
                        None => {
                            cx.fail(Violation::new($kind, $msg), Some(Value::String(text)));
                            return None;
                        }
                    },
                    other => other,
                };
                rejected(<$ty as FromJson>::from_json(value), cx)
            }
        }
    )*};
}

numeric! {
    i64 => f64, "int_parsing", "Input should be a valid integer, unable to parse string as an integer";
    i32 => f64, "int_parsing", "Input should be a valid integer, unable to parse string as an integer";
    u32 => f64, "int_parsing", "Input should be a valid integer, unable to parse string as an integer";
    u64 => f64, "int_parsing", "Input should be a valid integer, unable to parse string as an integer";
    f64 => f64, "float_parsing", "Input should be a valid number, unable to parse string as a number";
}

impl Validate for bool {
    fn read(value: Value, cx: &mut Cx) -> Option<Self> {
        match cx.one(value) {
            Value::String(text) if cx.text() => match text.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" | "t" | "y" => Some(true),
                "false" | "0" | "no" | "off" | "f" | "n" => Some(false),
                _ => {
                    cx.fail(
                        Violation::new(
                            "bool_parsing",
                            "Input should be a valid boolean, unable to interpret input",
                        ),
                        Some(Value::String(text)),
                    );
                    None
                }
            },
            other => rejected(bool::from_json(other), cx),
        }
    }
}

impl Validate for String {
    fn read(value: Value, cx: &mut Cx) -> Option<Self> {
        let value = cx.one(value);
        rejected(String::from_json(value), cx)
    }

    fn valid(&self) -> bool {
        !holds_nul(self.as_bytes())
    }
}

macro_rules! text_parsed {
    ($($ty:ty),*) => {$(
        impl Validate for $ty {
            fn read(value: Value, cx: &mut Cx) -> Option<Self> {
                let value = cx.one(value);
                rejected(<$ty as FromJson>::from_json(value), cx)
            }
        }
    )*};
}

text_parsed!(Uuid, DateTime<Utc>);

impl Validate for Value {
    fn read(value: Value, cx: &mut Cx) -> Option<Self> {
        rejected(Value::from_json(value), cx)
    }

    fn valid(&self) -> bool {
        !super::json::holds_nul(self)
    }
}

impl<T: Validate> Validate for Option<T> {
    fn read(value: Value, cx: &mut Cx) -> Option<Self> {
        match value {
            Value::Null => Some(None),
            other => T::read(other, cx).map(Some),
        }
    }

    fn valid(&self) -> bool {
        self.as_ref().is_none_or(T::valid)
    }

    fn absent() -> Option<Self> {
        Some(None)
    }
}

impl<T: Validate> Validate for Patch<T> {
    fn read(value: Value, cx: &mut Cx) -> Option<Self> {
        match value {
            Value::Null => Some(Patch::Null),
            other => T::read(other, cx).map(Patch::Value),
        }
    }

    fn valid(&self) -> bool {
        self.value().is_none_or(T::valid)
    }

    fn absent() -> Option<Self> {
        Some(Patch::Absent)
    }
}

impl<T: Validate> Validate for Box<T> {
    fn read(value: Value, cx: &mut Cx) -> Option<Self> {
        T::read(value, cx).map(Box::new)
    }

    fn valid(&self) -> bool {
        (**self).valid()
    }
}

impl<T: Validate> Validate for Vec<T> {
    fn read(value: Value, cx: &mut Cx) -> Option<Self> {
        let items = match value {
            Value::Array(items) => items,
            // One occurrence of a repeated query parameter (or multipart file).
            one @ (Value::String(_) | Value::Object(_)) if cx.text() => vec![one],
            other => {
                cx.fail(
                    Violation::new("list_type", "Input should be a valid list"),
                    Some(other),
                );
                return None;
            }
        };
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for (index, item) in items.into_iter().enumerate() {
            match cx.at(index, |cx| T::read(item, cx)) {
                Some(item) => out.push(item),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn valid(&self) -> bool {
        self.iter().all(T::valid)
    }
}

fn read_entries<T: Validate>(value: Value, cx: &mut Cx) -> Option<Vec<(String, T)>> {
    let Value::Object(map) = value else {
        cx.fail(
            Violation::new("dict_type", "Input should be a valid dictionary"),
            Some(value),
        );
        return None;
    };
    let mut out = Vec::with_capacity(map.len());
    let mut ok = true;
    for (key, item) in map {
        if key.contains('\0') {
            cx.fail(
                Violation::new(
                    "string_type",
                    "Input should be a string without NUL (\\u0000) characters",
                ),
                Some(Value::String(key)),
            );
            ok = false;
            continue;
        }
        match cx.at(key.clone(), |cx| T::read(item, cx)) {
            Some(item) => out.push((key, item)),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn valid_entries<'a, T: Validate + 'a>(
    mut entries: impl Iterator<Item = (&'a String, &'a T)>,
) -> bool {
    entries.all(|(key, item)| key.valid() && item.valid())
}

impl<T: Validate> Validate for HashMap<String, T> {
    fn read(value: Value, cx: &mut Cx) -> Option<Self> {
        read_entries(value, cx).map(|entries| entries.into_iter().collect())
    }

    fn valid(&self) -> bool {
        valid_entries(self.iter())
    }
}

impl<T: Validate> Validate for BTreeMap<String, T> {
    fn read(value: Value, cx: &mut Cx) -> Option<Self> {
        read_entries(value, cx).map(|entries| entries.into_iter().collect())
    }

    fn valid(&self) -> bool {
        valid_entries(self.iter())
    }
}

/// A field type holding (at most) one value its rules check: the type itself, or the `T` of an
/// `Option<T>` / [`Patch<T>`].
pub trait Holds<T> {
    /// The value the rules see, if there is one.
    fn held(&self) -> Option<&T>;

    /// True for an explicit `null` that a field may refuse ([`Patch::Null`]).
    fn is_null(&self) -> bool {
        false
    }
}

impl<T> Holds<T> for T {
    fn held(&self) -> Option<&T> {
        Some(self)
    }
}

impl<T> Holds<T> for Option<T> {
    fn held(&self) -> Option<&T> {
        self.as_ref()
    }
}

impl<T> Holds<T> for Patch<T> {
    fn held(&self) -> Option<&T> {
        self.value()
    }

    fn is_null(&self) -> bool {
        matches!(self, Patch::Null)
    }
}

impl<T: Serialize + 'static> FieldSpec<T> {
    #[inline]
    fn rules_on<F: Holds<T>>(&self, value: &F, cx: &mut Cx) {
        let Some(value) = value.held() else {
            return;
        };
        for rule in self.rules {
            if let Err(violation) = rule.check(value) {
                let input = serde_json::to_value(value).ok();
                cx.fail(violation, input);
            }
        }
    }

    /// Reads this field out of `map` (under its name or one of `aliases`): absent takes
    /// `default`, else [`Validate::absent`], else it is `missing`; present is read and checked.
    pub fn read_in<F: Validate + Holds<T>>(
        &self,
        map: &mut Map<String, Value>,
        aliases: &[&str],
        default: Option<fn() -> F>,
        cx: &mut Cx,
    ) -> Option<F> {
        let raw = map
            .remove(self.name)
            .or_else(|| aliases.iter().find_map(|alias| map.remove(*alias)));
        let Some(raw) = raw else {
            return match default.map(|default| default()).or_else(F::absent) {
                Some(value) => Some(value),
                None => {
                    cx.at(self.name, |cx| {
                        cx.fail(Violation::new("missing", "Field required"), None);
                    });
                    None
                }
            };
        };
        cx.at(self.name, |cx| {
            cx.secret(self.secret, |cx| {
                let value = F::read(raw, cx)?;
                let before = cx.errors.errors.len();
                self.rules_on(&value, cx);
                (cx.errors.errors.len() == before).then_some(value)
            })
        })
    }

    /// When `refuse` (a PATCH of a field that is not optional), an explicit `null` fails as the
    /// field's type refuses `null`; anything else passes through.
    pub fn refuse_null<F: Holds<T>>(&self, value: Option<F>, refuse: bool, cx: &mut Cx) -> Option<F>
    where
        T: Validate,
    {
        let value = value?;
        (!self.null_refused(&value, refuse, cx)).then_some(value)
    }

    /// True when `refuse` and `value` is an explicit `null`, which fails (the `null` is answered
    /// as the field's type answers it).
    fn null_refused<F: Holds<T>>(&self, value: &F, refuse: bool, cx: &mut Cx) -> bool
    where
        T: Validate,
    {
        if refuse && value.is_null() {
            cx.at(self.name, |cx| T::read(Value::Null, cx));
            return true;
        }
        false
    }

    /// Whether a value serde built for this field passes: its type's own checks, then the
    /// field's rules (and no `null` when `not_null`). Nothing is built: a failure sends the
    /// input to the slow path, which says why.
    #[inline]
    pub fn valid<F: Validate + Holds<T>>(&self, value: &F, not_null: bool) -> bool {
        if not_null && value.is_null() {
            return false;
        }
        value.valid()
            && value
                .held()
                .is_none_or(|held| self.rules.iter().all(|rule| rule.check(held).is_ok()))
    }
}

/// Reads a JSON body into a model: serde first, the full error list only when serde refuses it.
/// What the derive's [`Input::parse`](super::Input::parse) calls.
pub fn parse_model<T: Validate + DeserializeOwned>(bytes: &[u8]) -> Result<T, ValidationErrors> {
    match serde_json::from_slice::<T>(bytes) {
        Ok(value) if value.valid() => Ok(value),
        _ => {
            let value: Value = serde_json::from_slice(bytes).map_err(|e| json_invalid(&e))?;
            read_model(value, Cx::body())
        }
    }
}

/// [`Input::from_json`](super::Input::from_json) for a model: the map read as one object.
pub fn input_from_map<T: Validate>(
    body: &mut Map<String, Value>,
    errors: &mut ValidationErrors,
) -> Option<T> {
    match read_model(Value::Object(std::mem::take(body)), Cx::body()) {
        Ok(value) => Some(value),
        Err(found) => {
            errors.extend(found);
            None
        }
    }
}

/// Reads a model from a JSON value with every failure collected.
pub fn read_model<T: Validate>(value: Value, mut cx: Cx) -> Result<T, ValidationErrors> {
    let value = T::read(value, &mut cx);
    cx.finish(value)
}

/// Reads a model from `key=value` pairs (a query string, a form): a key given more than once
/// becomes a list (for `Vec` fields; a single-valued field takes the last).
pub fn read_pairs<'a, T: Validate>(
    pairs: impl IntoIterator<Item = (std::borrow::Cow<'a, str>, std::borrow::Cow<'a, str>)>,
    cx: Cx,
) -> Result<T, ValidationErrors> {
    let mut map = Map::new();
    for (key, value) in pairs {
        let value = Value::String(value.into_owned());
        match map.get_mut(key.as_ref()) {
            Some(Value::Array(values)) => values.push(value),
            Some(first) => {
                let first = std::mem::take(first);
                map.insert(key.into_owned(), Value::Array(vec![first, value]));
            }
            None => {
                map.insert(key.into_owned(), value);
            }
        }
    }
    read_model(Value::Object(map), cx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_mode_converts_scalars_and_wraps_single_list_values() {
        let mut cx = Cx::query();
        assert_eq!(i64::read(json!("12"), &mut cx), Some(12));
        assert_eq!(bool::read(json!("yes"), &mut cx), Some(true));
        assert_eq!(
            Vec::<i64>::read(json!("3"), &mut cx),
            Some(vec![3]),
            "one occurrence of a list parameter"
        );
        assert_eq!(i64::read(json!(["1", "2"]), &mut cx), Some(2));
        assert_eq!(
            i64::read(json!("9223372036854775806"), &mut cx),
            Some(9_223_372_036_854_775_806),
            "exact beyond 2^53"
        );
        assert_eq!(
            u64::read(json!("9223372036854775807"), &mut cx),
            Some(i64::MAX as u64)
        );
        assert!(cx.is_ok());
        assert_eq!(i64::read(json!("x"), &mut cx), None);
        let errors = cx.finish(Some(())).unwrap_err();
        assert_eq!(errors.errors()[0].kind, "int_parsing");
    }

    #[test]
    fn json_mode_keeps_types_strict() {
        let mut cx = Cx::body();
        assert_eq!(i64::read(json!("12"), &mut cx), None);
        assert_eq!(Vec::<i64>::read(json!([1, "x", "y"]), &mut cx), None);
        let errors = cx.finish(Some(())).unwrap_err();
        let locs: Vec<_> = errors.errors().iter().map(|e| e.loc.clone()).collect();
        assert_eq!(
            locs,
            vec![
                vec![json!("body")],
                vec![json!("body"), json!(1)],
                vec![json!("body"), json!(2)]
            ]
        );
    }

    #[test]
    fn enums_list_what_they_accept() {
        let mut cx = Cx::body();
        assert_eq!(cx.variant(json!("b"), &["a", "b"]), Some(1));
        assert_eq!(cx.variant(json!("c"), &["a", "b", "x"]), None);
        let errors = cx.finish(Some(())).unwrap_err();
        assert_eq!(errors.errors()[0].kind, "enum");
        assert_eq!(errors.errors()[0].msg, "Input should be 'a', 'b' or 'x'");
    }

    #[test]
    fn nul_bytes_are_found_anywhere() {
        for length in 0..40 {
            let clean = vec![b'a'; length];
            assert!(!holds_nul(&clean));
            for at in 0..length {
                let mut dirty = clean.clone();
                dirty[at] = 0;
                assert!(holds_nul(&dirty), "{length} {at}");
            }
        }
        assert!(!holds_nul("é€😀".as_bytes()));
    }

    #[test]
    fn secret_values_are_never_echoed() {
        let mut cx = Cx::body();
        cx.secret(true, |cx| String::read(json!(5), cx));
        let errors = cx.finish(Some(())).unwrap_err();
        assert_eq!(errors.errors()[0].input, None);
    }

    #[test]
    fn nul_in_text_fails_on_both_paths() {
        assert!(!"a\0".to_owned().valid());
        let mut cx = Cx::body();
        assert_eq!(String::read(json!("a\0"), &mut cx), None);
    }
}
