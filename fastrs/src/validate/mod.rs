//! Validation: typed extraction of JSON bodies with every failure collected, and the rules that
//! check values and describe themselves in schemas.
//!
//! A failed validation answers FastAPI's 422 body:
//!
//! ```json
//! {"detail": [{"type": "string_too_short", "loc": ["body", "name"],
//!              "msg": "String should have at least 1 character", "input": "",
//!              "ctx": {"min_length": 1}}]}
//! ```
//!
//! The `type` values are stable and follow Pydantic's where one exists:
//!
//! | type | when |
//! |---|---|
//! | `missing` | a required field is absent |
//! | `json_invalid` | the body is not valid JSON (or not JSON at all) |
//! | `model_attributes_type` | the body is JSON but not an object |
//! | `string_type`, `int_type`, `int_from_float`, `float_type`, `bool_type`, `list_type`, `uuid_type`, `datetime_type` | a value of the wrong JSON type (including `null` for a field that is not `Option`, and text holding a NUL character, which PostgreSQL cannot store) |
//! | `uuid_parsing`, `datetime_parsing` | a string that is not a UUID / an RFC 3339 date-time |
//! | `string_too_short`, `string_too_long`, `too_short`, `too_long` | `length(min, max)` on strings / lists |
//! | `greater_than`, `greater_than_equal`, `less_than`, `less_than_equal` | `range(gt, ge, lt, le)`, and integers out of their type's range |
//! | `value_error` | `email`, and custom validators unless they choose another type |
//! | `url_parsing` | `url` |
//! | `string_pattern_mismatch` | `pattern` |
//! | `int_parsing`, `uuid_parsing` (path / query) | a path or query parameter that does not parse |
//!
//! `input` echoes the offending value, except for write-only fields (passwords), whose value is
//! never echoed.

mod cx;
mod json;
mod keyed;
mod model;
pub mod rules;
mod upload;

use serde::Serialize;
use serde_json::{Map, Value};

pub use cx::{Cx, Key};
pub use json::FromJson;
pub use keyed::{Envelope, Keyed};
pub use model::{Holds, Validate, input_from_map, parse_model, read_model, read_pairs};
pub use rules::{Describe, Rule};
#[cfg(feature = "multipart")]
pub(crate) use upload::UPLOAD_KEY;
pub use upload::Upload;

/// Why one value is invalid: a stable `type`, a human message, and optional context.
///
/// Custom validators return it:
///
/// ```
/// use fastrs::validate::Violation;
///
/// fn even(n: &i64) -> Result<(), Violation> {
///     if n % 2 == 0 { Ok(()) } else { Err(Violation::value_error("must be even")) }
/// }
/// assert!(even(&3).is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// The stable machine-readable type, e.g. `string_too_short`.
    pub kind: &'static str,
    /// The human-readable message.
    pub msg: String,
    /// Constraint context, e.g. `{"min_length": 1}`.
    pub ctx: Option<Value>,
    /// Where below the field the problem is (a list index), or, for model validators, the
    /// field it is about.
    pub at: Vec<Value>,
}

impl Violation {
    /// A violation with a type and message.
    pub fn new(kind: &'static str, msg: impl Into<String>) -> Self {
        Self {
            kind,
            msg: msg.into(),
            ctx: None,
            at: Vec::new(),
        }
    }

    /// Pydantic's `value_error`: what custom validators usually raise.
    pub fn value_error(msg: impl Into<String>) -> Self {
        Self::new("value_error", msg)
    }

    /// Adds constraint context (`ctx` in the response).
    pub fn with_ctx(mut self, ctx: Value) -> Self {
        self.ctx = Some(ctx);
        self
    }

    /// Points a model-level violation at a field (`loc: ["body", field]`).
    pub fn at(mut self, field: &str) -> Self {
        self.at.insert(0, Value::String(field.to_owned()));
        self
    }
}

/// One entry of a 422 `detail` list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldError {
    /// The stable error type.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Where: `["body", "name"]`, `["query", "limit"]`, `["path", "id"]`.
    pub loc: Vec<Value>,
    /// The message.
    pub msg: String,
    /// The offending input, when it may be echoed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<Value>,
    /// Constraint context.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ctx: Option<Value>,
}

impl FieldError {
    /// An error at `loc` from a violation.
    pub fn new(loc: Vec<Value>, violation: Violation, input: Option<Value>) -> Self {
        let mut loc = loc;
        loc.extend(violation.at);
        Self {
            kind: violation.kind,
            loc,
            msg: violation.msg,
            input,
            ctx: violation.ctx,
        }
    }
}

/// All the failures of one request, reported together as a 422.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ValidationErrors {
    errors: Vec<FieldError>,
}

impl ValidationErrors {
    /// No errors yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A list holding one error.
    pub fn single(error: FieldError) -> Self {
        Self {
            errors: vec![error],
        }
    }

    /// Adds an error.
    pub fn push(&mut self, error: FieldError) {
        self.errors.push(error);
    }

    /// Adds an error about a body field.
    pub fn body(&mut self, field: &str, violation: Violation, input: Option<Value>) {
        self.push(FieldError::new(loc("body", field), violation, input));
    }

    /// True when nothing failed.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The errors, in the order found.
    pub fn errors(&self) -> &[FieldError] {
        &self.errors
    }

    /// The errors.
    pub fn into_errors(self) -> Vec<FieldError> {
        self.errors
    }

    /// Adds every error of `other`.
    pub fn extend(&mut self, other: ValidationErrors) {
        self.errors.extend(other.errors);
    }
}

/// `["body", "name"]`-style location.
pub fn loc(source: &str, name: &str) -> Vec<Value> {
    vec![
        Value::String(source.to_owned()),
        Value::String(name.to_owned()),
    ]
}

/// A type whose value is read from a JSON object with every failure collected: the derived
/// `{Name}Create` and `{Name}Update` types implement it, and
/// [`ValidJson`](crate::extract::ValidJson) extracts any `Input`.
pub trait Input: Sized + Send + 'static {
    /// Reads `Self` from the fields of `body`, recording every failure in `errors`. Returns
    /// `None` when any field failed.
    fn from_json(body: &mut Map<String, Value>, errors: &mut ValidationErrors) -> Option<Self>;

    /// Reads `Self` from a JSON body. The default reads the object's fields into a map, then
    /// [`from_json`](Input::from_json); `#[derive(Model)]` types deserialize with serde first
    /// and build the full error list only when serde refuses the body.
    fn parse(bytes: &[u8]) -> Result<Self, ValidationErrors> {
        parse_body(bytes)
    }
}

/// What the derive knows of one input field: its name, its rules, and whether its value may be
/// echoed in errors.
pub struct FieldSpec<T: 'static> {
    /// The JSON name.
    pub name: &'static str,
    /// Rules checked on a present, non-null value.
    pub rules: &'static [&'static dyn Rule<T>],
    /// Write-only (a password): never echoed in errors.
    pub secret: bool,
}

impl<T: FromJson + Serialize> FieldSpec<T> {
    /// Checks a value against this field's type and rules, reporting failures at
    /// `["body", name]` (to reuse one field's rules for another, e.g. a new password).
    pub fn check_as(&self, name: &str, raw: Value, errors: &mut ValidationErrors) -> Option<T> {
        let value = match T::from_json(raw) {
            Ok(value) => value,
            Err(rejected) => {
                let (violation, raw) = *rejected;
                errors.body(name, violation, (!self.secret).then_some(raw));
                return None;
            }
        };
        let mut ok = true;
        for rule in self.rules {
            if let Err(violation) = rule.check(&value) {
                let input = if self.secret {
                    None
                } else {
                    serde_json::to_value(&value).ok()
                };
                errors.body(name, violation, input);
                ok = false;
            }
        }
        ok.then_some(value)
    }
}

/// Reads a JSON body into a hand-written [`Input`], answering every failure (the default of
/// [`Input::parse`]; `#[derive(Model)]` types take a faster path).
///
/// ```
/// use fastrs::validate::{parse_body, Input, ValidationErrors, Violation};
/// use serde_json::{Map, Value};
///
/// struct Named { name: String }
///
/// impl Input for Named {
///     fn from_json(body: &mut Map<String, Value>, errors: &mut ValidationErrors) -> Option<Self> {
///         match body.remove("name") {
///             Some(Value::String(name)) => Some(Named { name }),
///             _ => {
///                 errors.body("name", Violation::new("missing", "Field required"), None);
///                 None
///             }
///         }
///     }
/// }
///
/// let errors = parse_body::<Named>(b"{}").err().unwrap();
/// assert_eq!(errors.errors()[0].kind, "missing");
/// ```
pub fn parse_body<T: Input>(bytes: &[u8]) -> Result<T, ValidationErrors> {
    let value: Value = serde_json::from_slice(bytes).map_err(|error| json_invalid(&error))?;
    let mut map = match value {
        Value::Object(map) => map,
        value => {
            return Err(ValidationErrors::single(FieldError {
                kind: "model_attributes_type",
                loc: vec![Value::String("body".into())],
                msg: "Input should be a valid dictionary or object to extract fields from".into(),
                input: Some(value),
                ctx: None,
            }));
        }
    };
    let mut errors = ValidationErrors::new();
    match T::from_json(&mut map, &mut errors) {
        Some(value) if errors.is_empty() => Ok(value),
        _ => Err(errors),
    }
}

fn json_invalid(error: &serde_json::Error) -> ValidationErrors {
    ValidationErrors::single(FieldError {
        kind: "json_invalid",
        loc: vec![Value::String("body".into()), Value::from(error.column())],
        msg: format!("JSON decode error: {error}"),
        input: None,
        ctx: Some(serde_json::json!({ "error": error.to_string() })),
    })
}
