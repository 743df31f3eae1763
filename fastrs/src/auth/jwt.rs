//! JSON Web Tokens: access and refresh tokens with a `type` claim, signed with one pinned
//! algorithm (HS256 by default; RS256 or EdDSA with PEM keys). Decoding accepts that algorithm
//! only, so `alg: none` and algorithm confusion are rejected, and enforces `exp` with no leeway.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// Which token a JWT is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    /// Authorises requests; short-lived.
    Access,
    /// Exchanged for a new pair at `/auth/refresh`; long-lived, single use.
    Refresh,
}

/// The claims fastrs puts in its tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id.
    pub sub: String,
    /// Expiry, seconds since the epoch.
    pub exp: u64,
    /// Issued at, seconds since the epoch.
    pub iat: u64,
    /// A unique id (refresh tokens are tracked by it).
    pub jti: String,
    /// Access or refresh.
    #[serde(rename = "type")]
    pub kind: TokenKind,
}

/// The signing and verification keys, with their one algorithm.
#[derive(Clone)]
pub struct Keys {
    algorithm: Algorithm,
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl Keys {
    fn new(algorithm: Algorithm, encoding: EncodingKey, decoding: DecodingKey) -> Self {
        let mut validation = Validation::new(algorithm);
        validation.leeway = 0;
        validation.validate_exp = true;
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
        Self {
            algorithm,
            encoding,
            decoding,
            validation,
        }
    }

    /// HS256 with a shared secret.
    pub fn hs256(secret: &[u8]) -> Self {
        Self::new(
            Algorithm::HS256,
            EncodingKey::from_secret(secret),
            DecodingKey::from_secret(secret),
        )
    }

    /// RS256 with PEM keys.
    pub fn rs256(private_pem: &[u8], public_pem: &[u8]) -> Result<Self, String> {
        let encoding =
            EncodingKey::from_rsa_pem(private_pem).map_err(|e| format!("JWT private key: {e}"))?;
        let decoding =
            DecodingKey::from_rsa_pem(public_pem).map_err(|e| format!("JWT public key: {e}"))?;
        Ok(Self::new(Algorithm::RS256, encoding, decoding))
    }

    /// EdDSA (Ed25519) with PEM keys.
    pub fn eddsa(private_pem: &[u8], public_pem: &[u8]) -> Result<Self, String> {
        let encoding =
            EncodingKey::from_ed_pem(private_pem).map_err(|e| format!("JWT private key: {e}"))?;
        let decoding =
            DecodingKey::from_ed_pem(public_pem).map_err(|e| format!("JWT public key: {e}"))?;
        Ok(Self::new(Algorithm::EdDSA, encoding, decoding))
    }

    /// The algorithm tokens are signed and checked with.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// Signs `claims`.
    pub fn encode(&self, claims: &Claims) -> Result<String, jsonwebtoken::errors::Error> {
        jsonwebtoken::encode(&Header::new(self.algorithm), claims, &self.encoding)
    }

    /// Verifies signature, algorithm and expiry, and that the token is of `kind`.
    pub fn decode(&self, token: &str, kind: TokenKind) -> Option<Claims> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()?
            .claims;
        (claims.kind == kind).then_some(claims)
    }

    /// New claims for `sub`, valid for `ttl` from now.
    pub fn claims(sub: String, kind: TokenKind, ttl: Duration) -> Claims {
        let now = jsonwebtoken::get_current_timestamp();
        Claims {
            sub,
            exp: now + ttl.as_secs(),
            iat: now,
            jti: uuid::Uuid::new_v4().to_string(),
            kind,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keys {
        Keys::hs256(b"0123456789abcdef0123456789abcdef")
    }

    #[test]
    fn round_trip_and_kind_check() {
        let claims = Keys::claims("7".into(), TokenKind::Access, Duration::from_secs(60));
        let token = keys().encode(&claims).unwrap();
        assert_eq!(keys().decode(&token, TokenKind::Access), Some(claims));
        assert_eq!(
            keys().decode(&token, TokenKind::Refresh),
            None,
            "an access token is not a refresh token"
        );
    }

    #[test]
    fn expired_tampered_and_foreign_tokens_are_rejected() {
        let mut claims = Keys::claims("7".into(), TokenKind::Access, Duration::from_secs(60));
        claims.exp = jsonwebtoken::get_current_timestamp() - 1;
        assert_eq!(
            keys().decode(&keys().encode(&claims).unwrap(), TokenKind::Access),
            None
        );

        let good = keys()
            .encode(&Keys::claims(
                "7".into(),
                TokenKind::Access,
                Duration::from_secs(60),
            ))
            .unwrap();
        let mut tampered = good.clone();
        tampered.pop();
        tampered.push(if good.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(keys().decode(&tampered, TokenKind::Access), None);

        let other = Keys::hs256(b"another-secret-another-secret-xx").encode(&Keys::claims(
            "7".into(),
            TokenKind::Access,
            Duration::from_secs(60),
        ));
        assert_eq!(keys().decode(&other.unwrap(), TokenKind::Access), None);
    }
}
