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
//! `username`, `password`; any login field is accepted as the username), `POST /auth/refresh`,
//! `POST /auth/logout`, `POST /auth/password` and `GET /users/me` (prefixes configurable with
//! [`AuthOptions`]).
//!
//! - Passwords are hashed with argon2id (OWASP parameters by default) on the blocking pool,
//!   never answered, never echoed in errors. An unknown user still costs one hash verification,
//!   so the answer's timing does not tell which usernames exist.
//! - Tokens are signed with one pinned algorithm (HS256 with `SECRET_KEY` by default; RS256 or
//!   EdDSA with PEM key files). Access tokens live 15 minutes and refresh tokens 7 days by
//!   default; each carries `sub`, `exp`, `iat`, `jti` and `type`, and one type is never accepted
//!   for the other. Access tokens minted elsewhere with the same key need no `jti`.
//! - A login value (an e-mail, a username) names at most one user across all login columns:
//!   registering a value another user logs in with is a 409.
//! - Refresh tokens are single use and recorded in the database (so the rules hold across app
//!   instances); see [Sessions](#sessions) below.
//! - Each user has a token epoch ([`TOKENS_REVOKED_AT`], a column fastrs adds to the user
//!   table), checked on every request: a logout, a password change or a detected refresh reuse
//!   ends every access token issued before it.
//! - Every 401 carries `WWW-Authenticate: Bearer`; an inactive user gets 403; token answers
//!   carry `Cache-Control: no-store`.
//!
//! # Sessions
//!
//! A login starts a session (a family of refresh tokens). `POST /auth/refresh` uses a refresh
//! token once and answers the next pair of the same session. A refresh token that is unknown,
//! expired or revoked is a 401 and nothing else. One used a second time within
//! `REFRESH_REUSE_GRACE_SECONDS` (default 10: two browser tabs refreshing at once) gets another
//! pair of the same session; after the grace it is a replayed, stolen token: 401, its session is
//! revoked and the user's access tokens end. `POST /auth/logout` revokes the session of the
//! refresh token it is given (and ends the user's access tokens: other sessions refresh theirs);
//! `POST /auth/password` revokes every session.

mod accounts;
mod extract;
mod jwt;
mod password;
mod refresh;
pub(crate) mod routes;
mod settings;

use std::future::Future;
use std::pin::Pin;

pub use crate::principal::{Caller, Principal};
pub use accounts::Accounts;
pub(crate) use extract::StreamingRoute;
pub(crate) use extract::bearer_token;
pub use extract::{CurrentUser, OptionalUser};
pub use jwt::{Claims, Keys, TokenKind};
pub use password::{HashParams, PasswordHasher};
pub(crate) use refresh::table as session_table;
pub use settings::{AuthSettings, Secret};

use crate::ApiError;
use crate::db::{Db, FromRow, Pool, Query, Row};
use crate::extract::PathId;
use crate::resource::{Resource, ResourceMeta};

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

/// The caller a user row names: its id and scopes, as a token of it would (the derive's
/// [`Caller`] of a `#[resource(user)]` resource).
#[doc(hidden)]
pub fn user_principal<U: AuthUser>(user: &U) -> Principal {
    Principal {
        id: user.subject(),
        scopes: user.scopes().to_vec(),
    }
}

/// Where the auth routes are mounted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthOptions {
    /// Prefix of `/register`, `/token`, `/refresh`, `/password` (default `/auth`).
    pub auth_prefix: String,
    /// Prefix of `/me` (default `/users`).
    pub users_prefix: String,
    /// The scheme of the `Authorization` header (default `Bearer`; RealWorld's is `Token`),
    /// compared without regard to case, and documented.
    pub scheme: String,
    /// Mount the built-in auth routes (default `true`). Off, the app serves its own account
    /// routes (with [`Accounts`]) and the document shows no OAuth2 password flow.
    pub routes: bool,
}

impl Default for AuthOptions {
    fn default() -> Self {
        Self {
            auth_prefix: "/auth".into(),
            users_prefix: "/users".into(),
            scheme: "Bearer".into(),
            routes: true,
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

/// The column fastrs adds to the user table: tokens issued at or before this second (since
/// the epoch) are void. A password change, a logout or a detected refresh-token reuse sets it,
/// ending every access token of the user at once.
pub const TOKENS_REVOKED_AT: &str = "fastrs_tokens_revoked_at";

/// An advisory-lock key that serialises changes to login values on PostgreSQL.
const LOGINS_LOCK: i64 = 0x6661_7374_7273_7265; // "fastrsre"

/// The epoch column's definition in the user table's DDL.
/// MariaDB's lock of login changes: a table of one row that a transaction changing a login
/// value locks first (`SELECT ... FOR UPDATE`), released when the transaction ends, however it
/// ends (MariaDB has no transaction-scoped advisory lock).
pub(crate) fn lock_table() -> crate::migrate::Table {
    let mut table = crate::migrate::Table::new(LOCK_TABLE);
    table.columns = vec![crate::migrate::Column::new(
        "name",
        "VARCHAR(64) PRIMARY KEY",
    )];
    table
}

const LOCK_TABLE: &str = "fastrs_locks";

/// Makes the row [`lock_table`]'s lock takes (MariaDB).
pub(crate) async fn ensure_lock_row(pool: &Pool) -> crate::Result<()> {
    let insert = format!("INSERT IGNORE INTO {LOCK_TABLE} (name) VALUES ('logins')");
    pool.execute_script(&insert).await.map_err(|error| {
        crate::Error::Config(format!(
            "fastrs's lock table is missing ({error}): create it with `CREATE TABLE {LOCK_TABLE} (name VARCHAR(64) PRIMARY KEY)`"
        ))
    })
}

pub(crate) fn epoch_column() -> crate::migrate::Column {
    crate::migrate::Column::new(TOKENS_REVOKED_AT, "BIGINT")
        .not_null()
        .default("0")
}

/// A user table created before fastrs kept a token epoch gets the column (with
/// `FASTRS_CREATE_TABLES`); without it, a missing column is a start-up error naming the DDL.
pub(crate) async fn ensure_epoch_column(
    pool: &Pool,
    user: &ResourceMeta,
    create_tables: bool,
) -> crate::Result<()> {
    use crate::resource::quote;
    let table = quote(user.table);
    let probe = format!(
        "SELECT {} FROM {table} WHERE 1 = 0",
        quote(TOKENS_REVOKED_AT)
    );
    if pool.execute_script(&probe).await.is_ok() {
        return Ok(());
    }
    let add = format!(
        "ALTER TABLE {table} ADD COLUMN {}",
        epoch_column().definition(user.table)
    );
    if !create_tables {
        return Err(crate::Error::Config(format!(
            "the user table lacks fastrs's token epoch column: run `{add}`"
        )));
    }
    pool.execute_script(&add).await?;
    Ok(())
}

/// A user row with its token epoch.
pub(crate) struct WithEpoch<U>(pub(crate) U, pub(crate) i64);

impl<U: AuthUser> FromRow for WithEpoch<U> {
    fn from_row(row: &Row<'_>) -> Result<Self, sqlx::Error> {
        Ok(WithEpoch(
            U::from_row(row)?,
            row.get(U::meta().columns.len())?,
        ))
    }
}

/// The running auth configuration, shared by the auth routes, the extractors and the resources
/// that require a caller.
pub struct AuthState {
    pub(crate) keys: Keys,
    pub(crate) settings: AuthSettings,
    pub(crate) user_meta: &'static ResourceMeta,
    pub(crate) pool: Pool,
    /// The user and its epoch, by id.
    pub(crate) get_user: sqlx::SqlStr,
    /// Users (at most two) that a login value names.
    pub(crate) find_by_login: sqlx::SqlStr,
    /// Other users whose login values collide with the user `$1`'s.
    pub(crate) login_collisions: sqlx::SqlStr,
    /// `login_collisions` as a locking read (MariaDB's).
    pub(crate) login_collisions_locked: sqlx::SqlStr,
    pub(crate) set_password: sqlx::SqlStr,
    pub(crate) revoke_tokens: sqlx::SqlStr,
    pub(crate) refresh: refresh::RefreshStore,
    pub(crate) dummy_hash: String,
    pub(crate) hasher: PasswordHasher,
    pub(crate) user_override: Option<UserOverride>,
    /// The `Authorization` scheme tokens come with ([`AuthOptions::scheme`]).
    pub(crate) scheme: String,
    principal_of: for<'a> fn(&'a AuthState, &'a Claims) -> PrincipalFuture<'a>,
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
        use crate::resource::{quote, sql};
        let meta = U::meta();
        let table = quote(meta.table);
        let logins: Vec<&str> = meta
            .columns
            .iter()
            .filter(|c| c.login)
            .map(|c| c.column)
            .collect();
        let all = crate::resource::select_list(meta, meta.columns.iter(), false);
        let epoch = quote(TOKENS_REVOKED_AT);
        let id = quote(meta.id_column().map_or("id", |c| c.column));
        let any_login = |value: &str| {
            let any = logins
                .iter()
                .map(|login| format!("{} = {value}", quote(login)))
                .collect::<Vec<_>>()
                .join(" OR ");
            if any.is_empty() {
                "1 = 0".to_owned()
            } else {
                any
            }
        };
        let find_by_login = format!(
            "SELECT {all}, {epoch} FROM {table} WHERE {} ORDER BY {id} LIMIT 2",
            any_login("$1")
        );
        // Every login value of the new user against every login column of the others: a
        // value may name at most one user, whichever column it is in.
        let new_values = logins
            .iter()
            .map(|login| format!("n.{}", quote(login)))
            .collect::<Vec<_>>()
            .join(", ");
        let mut collisions = logins
            .iter()
            .map(|login| format!("o.{} IN ({new_values})", quote(login)))
            .collect::<Vec<_>>()
            .join(" OR ");
        if collisions.is_empty() {
            collisions = "1 = 0".into();
        }
        let login_collisions = format!(
            "SELECT COUNT(*) FROM {table} n, {table} o WHERE n.{id} = $1 AND o.{id} <> n.{id} AND ({collisions})"
        );
        let password = meta
            .columns
            .iter()
            .find(|c| c.password)
            .map_or("password", |c| c.column);
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

            get_user: sql(format!(
                "SELECT {all}, {epoch} FROM {table} WHERE {id} = $1"
            )),
            find_by_login: sql(find_by_login),
            login_collisions_locked: sql(format!("{login_collisions} LOCK IN SHARE MODE")),
            login_collisions: sql(login_collisions),
            set_password: sql(format!(
                "UPDATE {table} SET {} = $2 WHERE {id} = $1",
                quote(password)
            )),
            revoke_tokens: sql(format!("UPDATE {table} SET {epoch} = $2 WHERE {id} = $1")),
            refresh: refresh::RefreshStore::new(),
            pool,
            dummy_hash,
            hasher: hasher.clone(),
            user_override: None,
            scheme: "Bearer".into(),
            principal_of: principal_of::<U>,
        })
    }

    /// The overriding user, when a test set one of this type.
    pub(crate) fn stand_in<U: AuthUser>(&self) -> Option<U> {
        let stand_in = self.user_override.as_ref()?;
        (stand_in.make)().downcast::<U>().ok().map(|user| *user)
    }

    /// Loads the user an access token names; 401 if the token is bad, revoked or the user
    /// gone, 403 if inactive.
    pub(crate) async fn user<U: AuthUser>(&self, token: &str) -> Result<U, ApiError> {
        let claims = self
            .keys
            .decode(token, TokenKind::Access)
            .ok_or_else(unauthorized)?;
        self.user_of_access::<U>(&claims).await
    }

    async fn user_of_access<U: AuthUser>(&self, claims: &Claims) -> Result<U, ApiError> {
        let WithEpoch(user, revoked_at) = self.user_by_subject::<U>(&claims.sub).await?;
        if refresh::seconds(claims.iat) <= revoked_at {
            return Err(unauthorized());
        }
        Ok(user)
    }

    /// The user `subject` names, with its token epoch; 401 if gone, 403 if inactive.
    pub(crate) async fn user_by_subject<U: AuthUser>(
        &self,
        subject: &str,
    ) -> Result<WithEpoch<U>, ApiError> {
        let id = U::Id::parse_path(subject).map_err(|_| unauthorized())?;
        let user: Option<WithEpoch<U>> = Query::new(self.pool.backend(), self.get_user.clone())
            .bind(id)
            .fetch_optional(self.pool.read())
            .await?;
        let user = user.ok_or_else(unauthorized)?;
        if !user.0.is_active() {
            return Err(ApiError::forbidden("Inactive user"));
        }
        Ok(user)
    }

    /// The caller behind a bearer token, whatever the user type.
    pub(crate) async fn principal(&self, token: Option<&str>) -> Result<Principal, ApiError> {
        if let Some(stand_in) = &self.user_override {
            return Ok(stand_in.principal.clone());
        }
        let token =
            token.ok_or_else(|| self.challenge(ApiError::unauthorized("Not authenticated")))?;
        let claims = self
            .keys
            .decode(token, TokenKind::Access)
            .ok_or_else(|| self.challenge(unauthorized()))?;
        (self.principal_of)(self, &claims)
            .await
            .map_err(|error| self.challenge(error))
    }

    /// A 401 names the app's token scheme in `WWW-Authenticate` (`Token` for RealWorld;
    /// `Bearer` by default).
    pub(crate) fn challenge(&self, error: ApiError) -> ApiError {
        if error.status() != axum::http::StatusCode::UNAUTHORIZED || self.scheme == "Bearer" {
            return error;
        }
        match axum::http::HeaderValue::try_from(self.scheme.as_str()) {
            Ok(scheme) => error.header(axum::http::header::WWW_AUTHENTICATE, scheme),
            Err(_) => error,
        }
    }

    /// Serialises changes to login values to the end of `db`'s transaction: on PostgreSQL an
    /// advisory lock, on MariaDB the row of [`lock_table`] (SQLite has one writer). Take it
    /// before writing a login value.
    pub(crate) async fn lock_logins(&self, db: &mut Db) -> Result<(), ApiError> {
        match db.backend() {
            crate::db::Backend::Postgres => {
                db.query("SELECT pg_advisory_xact_lock($1)")
                    .bind(LOGINS_LOCK)
                    .execute(&mut *db)
                    .await?;
            }
            crate::db::Backend::MariaDb => {
                db.query("SELECT name FROM fastrs_locks WHERE name = 'logins' FOR UPDATE")
                    .execute(&mut *db)
                    .await?;
            }
            crate::db::Backend::Sqlite => {}
        }
        Ok(())
    }

    /// 409 when a login value of user `id` (as written in `db`'s transaction) names another user
    /// in any login column: a value identifies at most one user.
    pub(crate) async fn ensure_unique_logins<I: crate::db::ColumnType>(
        &self,
        db: &mut Db,
        id: I,
    ) -> Result<(), ApiError> {
        // MariaDB: under REPEATABLE READ a plain read may see a snapshot from before the lock
        // was taken; a locking read sees what the last holder committed.
        let statement = match db.backend() {
            crate::db::Backend::MariaDb => self.login_collisions_locked.clone(),
            _ => self.login_collisions.clone(),
        };
        let (collisions,): (i64,) = Query::new(db.backend(), statement)
            .bind(id)
            .fetch_one(&mut *db)
            .await?;
        if collisions > 0 {
            let logins = self.user_meta.columns.iter().filter(|c| c.login);
            return Err(ApiError::conflict_at(
                logins.map(|c| c.field),
                format!("A {} with this login already exists", self.user_meta.name),
            ));
        }
        Ok(())
    }

    /// Ends every access token of `subject` issued until now.
    pub(crate) async fn revoke_access<U: AuthUser>(&self, subject: &str) -> Result<(), ApiError> {
        let id = U::Id::parse_path(subject).map_err(|_| unauthorized())?;
        Query::new(self.pool.backend(), self.revoke_tokens.clone())
            .bind(id)
            .bind(refresh::now())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Signs a new access + refresh pair for `subject`, in session `family` (a new session
    /// when `None`), and records the refresh token. Tokens issued in the second of the user's
    /// last revocation would be void, so this waits for the next second when needed.
    pub(crate) async fn issue(
        &self,
        subject: String,
        revoked_at: i64,
        family: Option<String>,
    ) -> Result<TokenPair, ApiError> {
        wait_past(revoked_at).await;
        let family = match family {
            Some(family) => family,
            None => {
                self.refresh.prune(&self.pool, &subject).await?;
                uuid::Uuid::new_v4().to_string()
            }
        };
        let access = Keys::claims(
            subject.clone(),
            TokenKind::Access,
            self.settings.access_token_ttl,
        );
        let refresh = Keys::claims(subject, TokenKind::Refresh, self.settings.refresh_token_ttl);
        self.refresh.record(&self.pool, &refresh, &family).await?;
        Ok(TokenPair {
            access_token: self.keys.encode(&access).map_err(ApiError::internal)?,
            token_type: "bearer",
            refresh_token: self.keys.encode(&refresh).map_err(ApiError::internal)?,
        })
    }
}

/// Waits (a second at most) until the clock is past `revoked_at`, the user's last revocation:
/// a token issued in that second would be void.
pub(crate) async fn wait_past(revoked_at: i64) {
    for _ in 0..3 {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        if i64::try_from(now.as_secs()).unwrap_or(i64::MAX) > revoked_at {
            break;
        }
        let to_next_second = 1_000_u64.saturating_sub(u64::from(now.subsec_millis()));
        tokio::time::sleep(std::time::Duration::from_millis(to_next_second + 1)).await;
    }
}

fn principal_of<'a, U: AuthUser>(state: &'a AuthState, claims: &'a Claims) -> PrincipalFuture<'a> {
    Box::pin(async move {
        let user = state.user_of_access::<U>(claims).await?;
        Ok(user_principal(&user))
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
