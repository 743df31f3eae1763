//! [`Cx`]: where a value is being read from, and the failures found so far; [`Key`]: one step
//! of a location, turned into JSON only when something fails.

use serde_json::{Map, Value};

use super::{FieldError, ValidationErrors, Violation};

/// One step of a location: a field's name, a map's key or a list's index. Kept as it is and
/// turned into JSON only when something fails, so that a valid body costs no allocation per
/// field.
#[derive(Debug, Clone)]
pub enum Key {
    /// A field (its JSON name).
    Name(&'static str),
    /// A map's key.
    Owned(String),
    /// A list's index.
    Index(usize),
}

impl From<&'static str> for Key {
    fn from(name: &'static str) -> Self {
        Key::Name(name)
    }
}

impl From<String> for Key {
    fn from(key: String) -> Self {
        Key::Owned(key)
    }
}

impl From<usize> for Key {
    fn from(index: usize) -> Self {
        Key::Index(index)
    }
}

impl From<&Key> for Value {
    fn from(key: &Key) -> Self {
        match key {
            Key::Name(name) => Value::String((*name).to_owned()),
            Key::Owned(key) => Value::String(key.clone()),
            Key::Index(index) => Value::from(*index),
        }
    }
}

/// Where a value is being read from, and the failures found so far.
///
/// The derive drives it; hand-written [`Validate`](super::Validate) impls use [`fail`](Cx::fail) and
/// [`at`](Cx::at).
#[derive(Debug)]
pub struct Cx {
    source: &'static str,
    pub(super) errors: ValidationErrors,
    text: bool,
    secret: bool,
    /// The files of a multipart body, taken by the fields that read them.
    uploads: Vec<Option<super::Upload>>,
}

impl Cx {
    /// Reading a JSON body: locations start at `["body"]`.
    pub fn body() -> Self {
        Self::at_root("body", false)
    }

    /// Reading a query string: locations start at `["query"]`; every value arrives as text and
    /// is converted to the field's type (`"3"` to an integer, `"true"` to a boolean).
    pub fn query() -> Self {
        Self::at_root("query", true)
    }

    /// Reading from `source` (`"body"`, `"query"`, `"header"`, `"form"`...); `text` when every
    /// value is a string to convert.
    pub fn at_root(source: &'static str, text: bool) -> Self {
        Self {
            source,
            errors: ValidationErrors::new(),
            text,
            secret: false,
            uploads: Vec::new(),
        }
    }

    /// Reading a multipart body: text parts are converted as in a form, and the `uploads`
    /// stand in the values as placeholders the [`Upload`](super::Upload) fields take.
    #[cfg(feature = "multipart")]
    pub(crate) fn multipart(uploads: Vec<super::Upload>) -> Self {
        let mut cx = Self::at_root("body", true);
        cx.uploads = uploads.into_iter().map(Some).collect();
        cx
    }

    /// Takes the `index`-th file of a multipart body (once).
    pub(crate) fn take_upload(&mut self, index: usize) -> Option<super::Upload> {
        self.uploads.get_mut(index).and_then(Option::take)
    }

    /// True when values arrive as text (query strings, forms, headers).
    pub fn text(&self) -> bool {
        self.text
    }

    /// Records a failure at the current location. `input` is dropped inside a secret field.
    pub fn fail(&mut self, violation: Violation, input: Option<Value>) {
        let input = if self.secret { None } else { input };
        // The steps down to here are added by each `at` on the way out (see there).
        let loc = vec![Value::String(self.source.to_owned())];
        self.errors.push(FieldError::new(loc, violation, input));
    }

    /// Runs `f` one level down, at `key` (a field name or a list index).
    ///
    /// Locations are built only when something fails: a failure is recorded at the root, and
    /// each `at` it happened within adds its key on the way out (innermost first, each right
    /// after the root), so a valid value costs no allocation at all.
    #[inline(always)]
    pub fn at<R>(&mut self, key: impl Into<Key>, f: impl FnOnce(&mut Self) -> R) -> R {
        let before = self.errors.errors.len();
        let result = f(self);
        if self.errors.errors.len() > before {
            let step = Value::from(&key.into());
            for error in &mut self.errors.errors[before..] {
                error.loc.insert(1, step.clone());
            }
        }
        result
    }

    /// Runs `f` with inputs withheld from errors (a password's value is never echoed).
    #[inline]
    pub fn secret<R>(&mut self, secret: bool, f: impl FnOnce(&mut Self) -> R) -> R {
        let outer = self.secret;
        self.secret |= secret;
        let result = f(self);
        self.secret = outer;
        result
    }

    /// In text mode, the last of a repeated parameter's values (a single-valued field takes the
    /// last, as Starlette's query parser does); otherwise `value` itself.
    pub fn one(&self, value: Value) -> Value {
        match value {
            Value::Array(mut values) if self.text => values.pop().unwrap_or(Value::Null),
            other => other,
        }
    }

    /// Reads one of a string enum's `values` (its variants' names): the index of the one given,
    /// or an `enum` failure listing them.
    pub fn variant(&mut self, value: Value, values: &[&str]) -> Option<usize> {
        let value = self.one(value);
        if let Value::String(text) = &value
            && let Some(index) = values.iter().position(|v| v == text)
        {
            return Some(index);
        }
        let quoted: Vec<String> = values.iter().map(|v| format!("'{v}'")).collect();
        let expected = match quoted.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        };
        self.fail(
            Violation::new("enum", format!("Input should be {expected}"))
                .with_ctx(serde_json::json!({ "expected": expected })),
            Some(value),
        );
        None
    }

    /// Reads the tag of a tagged union (`#[serde(tag = "kind")]`): the index of the variant
    /// `value[tag]` names among `tags`, and the object without its tag. A missing tag or one
    /// that names no variant fails as Pydantic's discriminated unions do (`union_tag_not_found`,
    /// `union_tag_invalid`).
    pub fn tagged(
        &mut self,
        value: Value,
        tag: &'static str,
        tags: &[&'static str],
    ) -> Option<(usize, Value)> {
        let mut object = self.object(value)?;
        let found = match object.remove(tag) {
            Some(Value::String(found)) => found,
            _ => {
                self.fail(
                    Violation::new(
                        "union_tag_not_found",
                        format!("Unable to extract tag using discriminator '{tag}'"),
                    )
                    .with_ctx(serde_json::json!({ "discriminator": format!("'{tag}'") })),
                    Some(Value::Object(object)),
                );
                return None;
            }
        };
        if let Some(index) = tags.iter().position(|t| *t == found) {
            return Some((index, Value::Object(object)));
        }
        let expected: Vec<String> = tags.iter().map(|t| format!("'{t}'")).collect();
        let expected = expected.join(", ");
        self.fail(
            Violation::new(
                "union_tag_invalid",
                format!(
                    "Input tag '{found}' found using '{tag}' does not match any of the expected tags: {expected}"
                ),
            )
            .with_ctx(serde_json::json!({
                "discriminator": format!("'{tag}'"), "tag": found, "expected_tags": expected,
            })),
            Some(Value::Object(object)),
        );
        None
    }

    /// True when nothing failed.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// The value if nothing failed, else every failure.
    pub fn finish<T>(self, value: Option<T>) -> Result<T, ValidationErrors> {
        match value {
            Some(value) if self.errors.is_empty() => Ok(value),
            _ if self.errors.is_empty() => {
                // A reader that gave up without saying why: still a 422, never a 500.
                let mut errors = ValidationErrors::new();
                errors.push(FieldError::new(
                    vec![Value::String(self.source.to_owned())],
                    Violation::value_error("Value error, invalid input"),
                    None,
                ));
                Err(errors)
            }
            _ => Err(self.errors),
        }
    }

    /// The fields of a JSON object, or the failure of anything else.
    pub fn object(&mut self, value: Value) -> Option<Map<String, Value>> {
        match value {
            Value::Object(map) => Some(map),
            other => {
                self.fail(
                    Violation::new(
                        "model_attributes_type",
                        "Input should be a valid dictionary or object to extract fields from",
                    ),
                    Some(other),
                );
                None
            }
        }
    }

    /// `#[serde(deny_unknown_fields)]`: every key left over is an `extra_forbidden` failure.
    pub fn deny_unknown(&mut self, rest: Map<String, Value>) {
        for (key, value) in rest {
            self.at(key, |cx| {
                cx.fail(
                    Violation::new("extra_forbidden", "Extra inputs are not permitted"),
                    Some(value),
                );
            });
        }
    }

    /// Runs a model-level validator (Pydantic's `model_validator`); its failure is reported at
    /// the model (or at the field it names with [`Violation::at`]).
    pub fn model<T>(&mut self, value: &T, check: fn(&T) -> Result<(), Violation>) {
        if let Err(violation) = check(value) {
            self.fail(violation, None);
        }
    }
}
