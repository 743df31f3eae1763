//! [`FromJson`]: reading one typed value out of JSON with a Pydantic-style error type.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use super::Violation;

/// A value that could not be read: why, and the value itself (to echo it).
pub type Rejection<T> = Result<T, Box<(Violation, Value)>>;

/// Converts a JSON value into a field's type, or says why it cannot (handing the value back so
/// that it can be echoed). Implemented for every type a resource field may have.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a fastrs field type",
    note = "supported: i32, i64, u32, u64, f64, bool, String, uuid::Uuid, chrono::DateTime<Utc>, serde_json::Value, Vec<T> and Option<T> of those"
)]
pub trait FromJson: Sized {
    /// Reads the value.
    fn from_json(value: Value) -> Rejection<Self>;
}

fn int_from_json(value: Value, min: i64, max: i64) -> Rejection<i64> {
    let n = match &value {
        Value::Number(n) => n,
        _ => {
            return Err(Box::new((
                Violation::new("int_type", "Input should be a valid integer"),
                value,
            )));
        }
    };
    let parsed = match n.as_i64() {
        Some(i) => Some(i),
        // Above i64::MAX: too large for any integer field (never clamped).
        None if n.is_u64() => None,
        None => match n.as_f64() {
            Some(f) if f.fract() != 0.0 => {
                let violation = Violation::new(
                    "int_from_float",
                    "Input should be a valid integer, got a number with a fractional part",
                );
                return Err(Box::new((violation, value)));
            }
            // Whole floats within range are accepted, as Pydantic's lax mode does. (`max as
            // f64` rounds i64::MAX up to 2^63, itself out of range: compare below it.)
            Some(f) if f >= min as f64 && f < max as f64 + 1.0 => Some(f as i64),
            Some(f) if f < min as f64 => {
                return Err(Box::new((
                    Violation::new(
                        "greater_than_equal",
                        format!("Input should be greater than or equal to {min}"),
                    )
                    .with_ctx(json!({ "ge": min })),
                    value,
                )));
            }
            _ => None,
        },
    };
    match parsed {
        Some(i) if i < min => Err(Box::new((
            Violation::new(
                "greater_than_equal",
                format!("Input should be greater than or equal to {min}"),
            )
            .with_ctx(json!({ "ge": min })),
            value,
        ))),
        Some(i) if i > max => Err(Box::new((
            Violation::new(
                "less_than_equal",
                format!("Input should be less than or equal to {max}"),
            )
            .with_ctx(json!({ "le": max })),
            value,
        ))),
        Some(i) => Ok(i),
        None => Err(Box::new((
            Violation::new(
                "less_than_equal",
                format!("Input should be less than or equal to {max}"),
            )
            .with_ctx(json!({ "le": max })),
            value,
        ))),
    }
}

impl FromJson for i64 {
    fn from_json(value: Value) -> Rejection<Self> {
        int_from_json(value, i64::MIN, i64::MAX)
    }
}

impl FromJson for i32 {
    fn from_json(value: Value) -> Rejection<Self> {
        int_from_json(value, i32::MIN.into(), i32::MAX.into()).map(|i| i as i32)
    }
}

impl FromJson for u32 {
    fn from_json(value: Value) -> Rejection<Self> {
        int_from_json(value, 0, u32::MAX.into()).map(|i| i as u32)
    }
}

impl FromJson for u64 {
    /// Up to `i64::MAX`: what every database fastrs speaks can store, and what JSON clients in
    /// other languages read without losing digits beyond 2^63.
    fn from_json(value: Value) -> Rejection<Self> {
        int_from_json(value, 0, i64::MAX).map(|i| i as u64)
    }
}

impl FromJson for f64 {
    fn from_json(value: Value) -> Rejection<Self> {
        match value.as_f64() {
            Some(f) => Ok(f),
            None => Err(Box::new((
                Violation::new("float_type", "Input should be a valid number"),
                value,
            ))),
        }
    }
}

impl FromJson for bool {
    fn from_json(value: Value) -> Rejection<Self> {
        match value {
            Value::Bool(b) => Ok(b),
            other => Err(Box::new((
                Violation::new("bool_type", "Input should be a valid boolean"),
                other,
            ))),
        }
    }
}

impl FromJson for String {
    fn from_json(value: Value) -> Rejection<Self> {
        match value {
            // PostgreSQL cannot store NUL in text; refused everywhere, so that one binary
            // behaves the same on either database.
            Value::String(s) if s.contains('\0') => Err(Box::new((
                Violation::new(
                    "string_type",
                    "Input should be a string without NUL (\\u0000) characters",
                ),
                Value::String(s),
            ))),
            Value::String(s) => Ok(s),
            other => Err(Box::new((
                Violation::new("string_type", "Input should be a valid string"),
                other,
            ))),
        }
    }
}

impl FromJson for Uuid {
    fn from_json(value: Value) -> Rejection<Self> {
        let Value::String(s) = &value else {
            return Err(Box::new((
                Violation::new("uuid_type", "UUID input should be a string"),
                value,
            )));
        };
        match Uuid::parse_str(s) {
            Ok(uuid) => Ok(uuid),
            Err(error) => Err(Box::new((
                Violation::new(
                    "uuid_parsing",
                    format!("Input should be a valid UUID, {error}"),
                ),
                value,
            ))),
        }
    }
}

impl FromJson for DateTime<Utc> {
    fn from_json(value: Value) -> Rejection<Self> {
        let Value::String(s) = &value else {
            return Err(Box::new((
                Violation::new("datetime_type", "Input should be a valid datetime"),
                value,
            )));
        };
        match DateTime::parse_from_rfc3339(s) {
            Ok(dt) => Ok(dt.with_timezone(&Utc)),
            Err(error) => Err(Box::new((
                Violation::new(
                    "datetime_parsing",
                    format!("Input should be a valid datetime, {error}"),
                ),
                value,
            ))),
        }
    }
}

/// True when a string or key anywhere in `value` holds a NUL character.
pub(super) fn holds_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(holds_nul),
        Value::Object(map) => map
            .iter()
            .any(|(key, value)| key.contains('\0') || holds_nul(value)),
        _ => false,
    }
}

impl FromJson for Value {
    fn from_json(value: Value) -> Rejection<Self> {
        // Stored as JSON text (SQLite) or JSONB (PostgreSQL, which refuses `\u0000`): refused
        // on both, like text.
        if holds_nul(&value) {
            return Err(Box::new((
                Violation::new(
                    "value_error",
                    "Value error, JSON must not contain NUL (\\u0000) characters",
                ),
                value,
            )));
        }
        Ok(value)
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(value: Value) -> Rejection<Self> {
        let Value::Array(items) = value else {
            return Err(Box::new((
                Violation::new("list_type", "Input should be a valid list"),
                value,
            )));
        };
        let mut out = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            match T::from_json(item) {
                Ok(item) => out.push(item),
                // `loc` ends with the index and `input` is the bad item, as Pydantic reports it.
                Err(rejected) => {
                    let (mut violation, item) = *rejected;
                    violation.at.insert(0, Value::from(index));
                    return Err(Box::new((violation, item)));
                }
            }
        }
        Ok(out)
    }
}

impl<T: FromJson> FromJson for Option<T> {
    fn from_json(value: Value) -> Rejection<Self> {
        match value {
            Value::Null => Ok(None),
            other => T::from_json(other).map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_accept_whole_floats_and_reject_fractions_and_overflow() {
        assert_eq!(i64::from_json(json!(3.0)).ok(), Some(3));
        assert_eq!(
            i64::from_json(json!(3.5)).map_err(|e| e.0.kind),
            Err("int_from_float")
        );
        assert_eq!(
            i32::from_json(json!(1u64 << 40)).map_err(|e| e.0.kind),
            Err("less_than_equal")
        );
        assert_eq!(
            i64::from_json(json!("3")).map_err(|e| e.0.kind),
            Err("int_type")
        );
        // Beyond i64 is refused, never clamped.
        assert_eq!(
            i64::from_json(json!(9_223_372_036_854_775_808_u64)).map_err(|e| e.0.kind),
            Err("less_than_equal")
        );
        assert_eq!(
            i64::from_json(json!(1e19)).map_err(|e| e.0.kind),
            Err("less_than_equal")
        );
        assert_eq!(
            i64::from_json(json!(-1e19)).map_err(|e| e.0.kind),
            Err("greater_than_equal")
        );
        assert_eq!(i64::from_json(json!(i64::MAX)).ok(), Some(i64::MAX));
        assert_eq!(i64::from_json(json!(i64::MIN)).ok(), Some(i64::MIN));
    }

    #[test]
    fn json_values_refuse_nul_anywhere() {
        assert!(Value::from_json(json!({"a": ["x\0"]})).is_err());
        assert!(Value::from_json(json!({"k\0": 1})).is_err());
        assert!(Value::from_json(json!({"a": ["x"]})).is_ok());
    }

    #[test]
    fn strings_uuids_and_datetimes() {
        assert_eq!(
            String::from_json(json!(1)).map_err(|e| e.0.kind),
            Err("string_type")
        );
        assert_eq!(
            Uuid::from_json(json!("nope")).map_err(|e| e.0.kind),
            Err("uuid_parsing")
        );
        assert!(DateTime::<Utc>::from_json(json!("2024-01-02T03:04:05Z")).is_ok());
        assert_eq!(
            DateTime::<Utc>::from_json(json!("yesterday")).map_err(|e| e.0.kind),
            Err("datetime_parsing")
        );
    }

    #[test]
    fn list_errors_point_at_the_index() {
        let err = Vec::<i64>::from_json(json!([1, "x"])).unwrap_err();
        assert_eq!(err.0.kind, "int_type");
        assert_eq!(err.0.at, vec![json!(1)]);
    }
}
