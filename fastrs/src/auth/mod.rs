//! Authentication: OAuth2 password flow with JWT access and refresh tokens, argon2id password
//! hashes, and the [`CurrentUser`] / [`OptionalUser`] extractors.
//!
//! A user model is an ordinary resource marked `#[resource(user)]`, with a
//! `#[resource(password)]` field and one or more `#[resource(login)]` fields:
//!
//! ```
//! use fastrs::prelude::*;
//!
//! #[derive(Resource)]
//! #[resource(table = "users", user)]
//! pub struct User {
//!     #[resource(id)]
//!     pub id: i64,
//!     #[resource(unique, login)]
//!     #[validate(email)]
//!     pub email: String,
//!     #[resource(password)]
//!     #[validate(length(min = 8))]
//!     pub password: String,
//!     #[resource(active)]
//!     pub is_active: bool,
//! }
//!
//! let app = App::new(Settings::default()).auth::<User>();
//! ```
//!
//! `App::auth::<User>()` mounts `POST /auth/register`, `POST /auth/token` (form:
//! `username`, `password`; any login field is accepted as the username), `POST /auth/refresh`
//! and `GET /users/me` (prefixes configurable with [`AuthOptions`]).
//!
//! - Passwords are hashed with argon2id (OWASP parameters by default) on the blocking pool,
//!   never answered, never echoed in errors. An unknown user still costs one hash verification,
//!   so the answer's timing does not tell which usernames exist.
//! - Tokens are signed with one pinned algorithm (HS256 with `SECRET_KEY` by default; RS256 or
//!   EdDSA with PEM key files). Access tokens live 15 minutes and refresh tokens 7 days by
//!   default; each carries `sub`, `exp`, `iat`, `jti` and `type`, and one type is never accepted
//!   for the other.
//! - Refresh tokens are single use and recorded in the database (so the rule holds across app
//!   instances): using one issues a new pair; using one again is rejected and revokes every
//!   refresh token of that user.
//! - Every 401 carries `WWW-Authenticate: Bearer`; an inactive user gets 403.

mod extract;
mod jwt;
mod password;
mod refresh;
pub(crate) mod routes;
mod settings;

use std::future::Future;
use std::pin::Pin;

pub(crate) use extract::bearer_token;
pub use extract::{CurrentUser, OptionalUser};
pub use jwt::{Claims, Keys, TokenKind};
pub use password::{HashParams, PasswordHasher};
pub(crate) use refresh::DDL as REFRESH_DDL;
pub use settings::{AuthSettings, Secret};

use crate::ApiError;
use crate::db::{Pool, Query};
use crate::extract::PathId;
use crate::resource::{Resource, ResourceMeta, Statements};

/// A resource that users authenticate as; `#[resource(user)]` implements it.
pub trait AuthUser: Resource {
    /// The token subject: the id, as text.
    fn subject(&self) -> String;
    /// The stored password hash.
    fn password_hash(&self) -> &str;
    /// False for a deactivated user (403 on every authenticated request).
    fn is_active(&self) -> bool;
    /// The user's scopes (roles).
    fn scopes(&self) -> &[String];
    /// The password field's name and rules (a new password must obey them too).
    fn password_spec() -> &'static crate::validate::FieldSpec<String>;
}

/// Who is calling: what resources' owner and scope checks need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The user's id, as text.
    pub id: String,
    /// The user's scopes.
    pub scopes: Vec<String>,
}

impl Principal {
    /// 403 unless the caller has `scope`.
    pub fn require_scope(&self, scope: &str) -> Result<(), ApiError> {
        if self.scopes.iter().any(|s| s == scope) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "Not enough permissions: the `{scope}` scope is required"
            )))
        }
    }
}

/// Where the auth routes are mounted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthOptions {
    /// Prefix of `/register`, `/token`, `/refresh`, `/password` (default `/auth`).
    pub auth_prefix: String,
    /// Prefix of `/me` (default `/users`).
    pub users_prefix: String,
}

impl Default for AuthOptions {
    fn default() -> Self {
        Self {
            auth_prefix: "/auth".into(),
            users_prefix: "/users".into(),
        }
    }
}

/// A test's stand-in for the authenticated user (see [`App::override_user`](crate::App::override_user)).
#[derive(Clone)]
pub(crate) struct UserOverride {
    pub(crate) user_type: std::any::TypeId,
    pub(crate) make: std::sync::Arc<dyn Fn() -> Box<dyn std::any::Any + Send> + Send + Sync>,
    pub(crate) principal: Principal,
}

type PrincipalFuture<'a> = Pin<Box<dyn Future<Output = Result<Principal, ApiError>> + Send + 'a>>;

/// The running auth configuration, shared by the auth routes, the extractors and the resources
/// that require a caller.
pub struct AuthState {
    pub(crate) keys: Keys,
    pub(crate) settings: AuthSettings,
    pub(crate) user_meta: &'static ResourceMeta,
    pub(crate) pool: Pool,
    pub(crate) user_sql: Statements,
    pub(crate) find_by_login: sqlx::SqlStr,
    pub(crate) set_password: sqlx::SqlStr,
    pub(crate) refresh: refresh::RefreshStore,
    pub(crate) dummy_hash: String,
    pub(crate) hasher: PasswordHasher,
    pub(crate) user_override: Option<UserOverride>,
    principal_of: for<'a> fn(&'a AuthState, String) -> PrincipalFuture<'a>,
}

impl std::fmt::Debug for AuthState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthState")
            .field("user", &self.user_meta.name)
            .field("keys", &self.keys)
            .finish()
    }
}

pub(crate) fn unauthorized() -> ApiError {
    ApiError::unauthorized("Could not validate credentials")
}

impl AuthState {
    pub(crate) async fn new<U: AuthUser>(
        settings: AuthSettings,
        keys: Keys,
        pool: Pool,
        hasher: &PasswordHasher,
    ) -> crate::Result<Self> {
        let meta = U::meta();
        let logins: Vec<String> = meta
            .columns
            .iter()
            .filter(|c| c.login)
            .map(|c| format!("{} = $1", crate::resource::quote(c.column)))
            .collect();
        let all = meta
            .columns
            .iter()
            .map(|c| crate::resource::quote(c.column))
            .collect::<Vec<_>>()
            .join(", ");
        let id = crate::resource::quote(meta.id_column().map_or("id", |c| c.column));
        let find_by_login = format!(
            "SELECT {all} FROM {} WHERE {} ORDER BY {id} LIMIT 1",
            crate::resource::quote(meta.table),
            logins.join(" OR ")
        );
        let password = meta
            .columns
            .iter()
            .find(|c| c.password)
            .map_or("password", |c| c.column);
        let set_password = format!(
            "UPDATE {} SET {} = $2 WHERE {id} = $1",
            crate::resource::quote(meta.table),
            crate::resource::quote(password)
        );
        let dummy_hash = hasher
            .hash(uuid::Uuid::new_v4().to_string())
            .await
            .map_err(|e| {
                crate::Error::Config(format!("cannot hash passwords with these parameters: {e}"))
            })?;
        Ok(Self {
            keys,
            settings,
            user_meta: meta,
            user_sql: Statements::new(meta),
            find_by_login: crate::resource::sql(find_by_login),
            set_password: crate::resource::sql(set_password),
            refresh: refresh::RefreshStore::new(),
            pool,
            dummy_hash,
            hasher: hasher.clone(),
            user_override: None,
            principal_of: principal_of::<U>,
        })
    }

    /// The overriding user, when a test set one of this type.
    pub(crate) fn stand_in<U: AuthUser>(&self) -> Option<U> {
        let stand_in = self.user_override.as_ref()?;
        (stand_in.make)().downcast::<U>().ok().map(|user| *user)
    }

    /// Loads the user a token names; 401 if the token is bad or the user gone, 403 if inactive.
    pub(crate) async fn user<U: AuthUser>(&self, token: &str) -> Result<U, ApiError> {
        let claims = self
            .keys
            .decode(token, TokenKind::Access)
            .ok_or_else(unauthorized)?;
        self.user_by_subject::<U>(&claims.sub).await
    }

    pub(crate) async fn user_by_subject<U: AuthUser>(&self, subject: &str) -> Result<U, ApiError> {
        let id = U::Id::parse_path(subject).map_err(|_| unauthorized())?;
        let user: Option<U> = Query::new(self.pool.backend(), self.user_sql.get_model.clone())
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        let user = user.ok_or_else(unauthorized)?;
        if !user.is_active() {
            return Err(ApiError::forbidden("Inactive user"));
        }
        Ok(user)
    }

    /// The caller behind a bearer token, whatever the user type.
    pub(crate) async fn principal(&self, token: Option<&str>) -> Result<Principal, ApiError> {
        if let Some(stand_in) = &self.user_override {
            return Ok(stand_in.principal.clone());
        }
        let token = token.ok_or_else(|| ApiError::unauthorized("Not authenticated"))?;
        let claims = self
            .keys
            .decode(token, TokenKind::Access)
            .ok_or_else(unauthorized)?;
        (self.principal_of)(self, claims.sub).await
    }

    /// Signs a new access + refresh pair for `subject` and records the refresh token.
    pub(crate) async fn issue(&self, subject: String) -> Result<TokenPair, ApiError> {
        let access = Keys::claims(
            subject.clone(),
            TokenKind::Access,
            self.settings.access_token_ttl,
        );
        let refresh = Keys::claims(subject, TokenKind::Refresh, self.settings.refresh_token_ttl);
        self.refresh.record(&self.pool, &refresh).await?;
        Ok(TokenPair {
            access_token: self.keys.encode(&access).map_err(ApiError::internal)?,
            token_type: "bearer",
            refresh_token: self.keys.encode(&refresh).map_err(ApiError::internal)?,
        })
    }
}

fn principal_of<U: AuthUser>(state: &AuthState, subject: String) -> PrincipalFuture<'_> {
    Box::pin(async move {
        let user = state.user_by_subject::<U>(&subject).await?;
        Ok(Principal {
            id: user.subject(),
            scopes: user.scopes().to_vec(),
        })
    })
}

/// The answer of `/auth/token` and `/auth/refresh`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TokenPair {
    /// The access token.
    pub access_token: String,
    /// Always `bearer`.
    pub token_type: &'static str,
    /// The refresh token.
    pub refresh_token: String,
}
