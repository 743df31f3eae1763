//! [`CursorKey`]: the signature of the cursors of keyset pages (`#[resource(cursor)]`), so that a
//! client can hand a cursor back but not forge or edit one.
//!
//! A cursor is `base64url(JSON payload) "." base64url(HMAC-SHA256)`: the payload names the
//! sort it belongs to and holds the last row's sort values and id. The key is derived from
//! `SECRET_KEY` when the app has one (cursors then survive restarts and work across instances);
//! without one it is random per process.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use serde_json::{Value, json};

/// The key that signs and checks cursors.
#[derive(Clone)]
pub struct CursorKey {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for CursorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CursorKey(..)")
    }
}

impl CursorKey {
    /// A key derived from `secret` (its own domain: a cursor is never a valid token, nor the
    /// reverse).
    pub fn from_secret(secret: &[u8]) -> Self {
        let mut material = b"fastrs cursor key\0".to_vec();
        material.extend_from_slice(secret);
        Self {
            encoding: EncodingKey::from_secret(&material),
            decoding: DecodingKey::from_secret(&material),
        }
    }

    /// A random key, for this process only.
    pub fn random() -> Self {
        let bytes: Vec<u8> = (0..2)
            .flat_map(|_| *uuid::Uuid::new_v4().as_bytes())
            .collect();
        Self::from_secret(&bytes)
    }

    /// The cursor after a row whose sort values (then id) are `values`, for the sort `sort`.
    pub(crate) fn encode(&self, sort: &str, values: Vec<Value>) -> Option<String> {
        let payload = serde_json::to_vec(&json!({ "s": sort, "v": values })).ok()?;
        let payload = URL_SAFE_NO_PAD.encode(payload);
        let signature =
            jsonwebtoken::crypto::sign(payload.as_bytes(), &self.encoding, Algorithm::HS256)
                .ok()?;
        Some(format!("{payload}.{signature}"))
    }

    /// The values of a cursor signed by this key for the sort `sort`; `None` for anything else
    /// (forged, edited, truncated, or made for another sort).
    pub(crate) fn decode(&self, cursor: &str, sort: &str) -> Option<Vec<Value>> {
        let (payload, signature) = cursor.split_once('.')?;
        let genuine = jsonwebtoken::crypto::verify(
            signature,
            payload.as_bytes(),
            &self.decoding,
            Algorithm::HS256,
        )
        .ok()?;
        if !genuine {
            return None;
        }
        let payload: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
        if payload.get("s")?.as_str()? != sort {
            return None;
        }
        match payload.get("v")? {
            Value::Array(values) => Some(values.clone()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_tampering() {
        let key = CursorKey::from_secret(b"secret");
        let cursor = key.encode("-price", vec![json!(12.5), json!(7)]).unwrap();
        assert_eq!(
            key.decode(&cursor, "-price"),
            Some(vec![json!(12.5), json!(7)])
        );
        assert_eq!(key.decode(&cursor, "price"), None, "another sort");
        assert_eq!(
            CursorKey::from_secret(b"other").decode(&cursor, "-price"),
            None,
            "another key"
        );
        let (payload, signature) = cursor.split_once('.').unwrap();
        let edited = URL_SAFE_NO_PAD
            .encode(br#"{"s":"-price","v":[12.5,8]}"#)
            .to_string();
        assert_eq!(key.decode(&format!("{edited}.{signature}"), "-price"), None);
        assert_eq!(key.decode(payload, "-price"), None, "no signature");
        assert_eq!(key.decode("", "-price"), None);
    }
}
