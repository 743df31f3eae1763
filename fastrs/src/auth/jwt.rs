//! JSON Web Tokens: access and refresh tokens with a `type` claim, signed with one pinned
//! algorithm (HS256 by default; RS256 or EdDSA with PEM keys). Decoding accepts that algorithm
//! only, so `alg: none` and algorithm confusion are rejected, and enforces `exp` with no leeway.
//!
//! Access tokens need only `sub`, `type`, `iat` and `exp`: a token minted by another service
//! that shares the key (a FastAPI app, say) is accepted. Refresh tokens also need `jti` (they
//! are tracked by it). With an issuer or audience configured (`JWT_ISSUER`, `JWT_AUDIENCE`),
//! tokens carry `iss` / `aud` and tokens without the right ones are refused.

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
    /// A unique id: required in refresh tokens (they are tracked by it), optional in access
    /// tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// Access or refresh.
    #[serde(rename = "type")]
    pub kind: TokenKind,
    /// The issuer, when one is configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// The audience, when one is configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
}

/// The signing and verification keys, with their one algorithm.
#[derive(Clone)]
pub struct Keys {
    algorithm: Algorithm,
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: Option<String>,
    audience: Option<String>,
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
        validation.set_required_spec_claims(&["exp", "sub"]);
        // `aud` is checked only when an audience is configured.
        validation.validate_aud = false;
        Self {
            algorithm,
            encoding,
            decoding,
            validation,
            issuer: None,
            audience: None,
        }
    }

    /// Tokens carry `iss` / `aud` and must carry them to be accepted.
    ///
    /// ```
    /// use fastrs::auth::{Keys, TokenKind};
    /// let keys = Keys::hs256(b"0123456789abcdef0123456789abcdef")
    ///     .with_issuer_audience(Some("https://api.example.com".into()), None);
    /// let claims = Keys::claims("7".into(), TokenKind::Access, std::time::Duration::from_secs(60));
    /// let token = keys.encode(&claims).unwrap();
    /// assert_eq!(keys.decode(&token, TokenKind::Access).unwrap().iss.as_deref(), Some("https://api.example.com"));
    /// let stranger = Keys::hs256(b"0123456789abcdef0123456789abcdef");
    /// assert!(keys.decode(&stranger.encode(&claims).unwrap(), TokenKind::Access).is_none());
    /// ```
    pub fn with_issuer_audience(
        mut self,
        issuer: Option<String>,
        audience: Option<String>,
    ) -> Self {
        let mut required = vec!["exp", "sub"];
        if let Some(issuer) = &issuer {
            self.validation.set_issuer(&[issuer]);
            required.push("iss");
        }
        if let Some(audience) = &audience {
            self.validation.set_audience(&[audience]);
            self.validation.validate_aud = true;
            required.push("aud");
        }
        self.validation.set_required_spec_claims(&required);
        self.issuer = issuer;
        self.audience = audience;
        self
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

    /// Signs `claims`, adding the configured issuer and audience where they are unset.
    pub fn encode(&self, claims: &Claims) -> Result<String, jsonwebtoken::errors::Error> {
        if (self.issuer.is_some() && claims.iss.is_none())
            || (self.audience.is_some() && claims.aud.is_none())
        {
            let mut claims = claims.clone();
            claims.iss = claims.iss.or_else(|| self.issuer.clone());
            claims.aud = claims.aud.or_else(|| self.audience.clone());
            return jsonwebtoken::encode(&Header::new(self.algorithm), &claims, &self.encoding);
        }
        jsonwebtoken::encode(&Header::new(self.algorithm), claims, &self.encoding)
    }

    /// Verifies signature, algorithm, expiry (and issuer / audience when configured), and that
    /// the token is of `kind`; a refresh token must also carry a `jti`.
    pub fn decode(&self, token: &str, kind: TokenKind) -> Option<Claims> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()?
            .claims;
        let tracked = kind == TokenKind::Access || claims.jti.is_some();
        (claims.kind == kind && tracked).then_some(claims)
    }

    /// New claims for `sub`, valid for `ttl` from now.
    pub fn claims(sub: String, kind: TokenKind, ttl: Duration) -> Claims {
        let now = jsonwebtoken::get_current_timestamp();
        Claims {
            sub,
            exp: now + ttl.as_secs(),
            iat: now,
            jti: Some(uuid::Uuid::new_v4().to_string()),
            kind,
            iss: None,
            aud: None,
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
