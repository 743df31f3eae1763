//! Sessions and their refresh tokens, recorded in the `fastrs_session_tokens` table so the
//! rules hold across several app instances sharing one database.
//!
//! A login starts a *session* (a family of refresh tokens). Each refresh token works once: using
//! it marks it used and issues the next token of the same family. What a token that cannot be
//! used any more tells:
//!
//! | the token is | answer | and |
//! |---|---|---|
//! | unknown, expired (its last second included) | 401 | nothing else |
//! | revoked (logout, password change, a detected reuse) | 401 | nothing else: an old stolen token cannot end the user's new sessions |
//! | used, within the reuse grace (two tabs refreshing at once) | a new pair of the same session | |
//! | used, after the grace | 401 | the session is revoked and the user's access tokens end (someone replayed a stolen token) |

use sqlx::SqlStr;

use super::Claims;
use crate::ApiError;
use crate::db::{Db, Pool, Query};
use crate::migrate::{Column, Index, Table};

/// The session-token table, created with the app's tables (the same definition serves SQLite
/// and PostgreSQL).
pub(crate) fn table() -> Table {
    let mut table = Table::new("fastrs_session_tokens");
    table.columns = vec![
        Column::new("jti", "TEXT PRIMARY KEY"),
        Column::new("sub", "TEXT").not_null(),
        Column::new("family", "TEXT").not_null(),
        Column::new("expires_at", "BIGINT").not_null(),
        Column::new("used_at", "BIGINT"),
        Column::new("revoked", "BOOLEAN")
            .not_null()
            .default("FALSE"),
    ];
    table.indexes = ["sub", "family"]
        .into_iter()
        .map(|column| Index {
            name: format!("fastrs_session_tokens_{column}_idx"),
            columns: vec![column.to_owned()],
        })
        .collect();
    table
}

pub(crate) struct RefreshStore {
    insert: SqlStr,
    prune: SqlStr,
    consume: SqlStr,
    lookup: SqlStr,
    revoke_family: SqlStr,
    revoke_all: SqlStr,
}

/// Why a refresh token was refused, and what follows from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refused {
    /// Unknown, expired or revoked: a 401 and nothing else.
    Invalid,
    /// Used again after the grace: its session was revoked; the user's access tokens must end.
    Reused,
}

pub(crate) fn seconds(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(crate) fn now() -> i64 {
    seconds(jsonwebtoken::get_current_timestamp())
}

impl RefreshStore {
    pub(crate) fn new() -> Self {
        const T: &str = "\"fastrs_session_tokens\"";
        let sql = |text: String| crate::resource::sql(text);
        Self {
            insert: sql(format!(
                "INSERT INTO {T} (\"jti\", \"sub\", \"family\", \"expires_at\") VALUES ($1, $2, $3, $4)"
            )),
            prune: sql(format!(
                "DELETE FROM {T} WHERE \"sub\" = $1 AND \"expires_at\" < $2"
            )),
            consume: sql(format!(
                "UPDATE {T} SET \"used_at\" = $3 WHERE \"jti\" = $1 AND \"sub\" = $2 AND \"used_at\" IS NULL AND NOT \"revoked\" AND \"expires_at\" > $3 RETURNING \"family\""
            )),
            lookup: sql(format!(
                "SELECT \"family\", \"expires_at\", \"used_at\", \"revoked\" FROM {T} WHERE \"jti\" = $1 AND \"sub\" = $2"
            )),
            revoke_family: sql(format!(
                "UPDATE {T} SET \"revoked\" = TRUE WHERE \"family\" = $1 AND \"sub\" = $2"
            )),
            revoke_all: sql(format!(
                "UPDATE {T} SET \"revoked\" = TRUE WHERE \"sub\" = $1"
            )),
        }
    }

    fn query(pool: &Pool, sql: &SqlStr) -> Query {
        Query::new(pool.backend(), sql.clone())
    }

    /// Forgets the user's expired tokens (at login, not on every refresh).
    pub(crate) async fn prune(&self, pool: &Pool, subject: &str) -> Result<(), ApiError> {
        Self::query(pool, &self.prune)
            .bind(subject.to_owned())
            .bind(now())
            .execute(pool)
            .await?;
        Ok(())
    }

    /// Records a newly issued refresh token of session `family`.
    pub(crate) async fn record(
        &self,
        pool: &Pool,
        claims: &Claims,
        family: &str,
    ) -> Result<(), ApiError> {
        let jti = claims
            .jti
            .clone()
            .ok_or_else(|| ApiError::internal("refresh token without jti"))?;
        Self::query(pool, &self.insert)
            .bind(jti)
            .bind(claims.sub.clone())
            .bind(family.to_owned())
            .bind(seconds(claims.exp))
            .execute(pool)
            .await?;
        Ok(())
    }

    /// Uses the token: its session's id when a new pair may be issued.
    pub(crate) async fn consume(
        &self,
        pool: &Pool,
        claims: &Claims,
        grace_seconds: i64,
    ) -> Result<Result<String, Refused>, ApiError> {
        let Some(jti) = claims.jti.clone() else {
            return Ok(Err(Refused::Invalid));
        };
        let now = now();
        let consumed: Option<(String,)> = Self::query(pool, &self.consume)
            .bind(jti.clone())
            .bind(claims.sub.clone())
            .bind(now)
            .fetch_optional(pool)
            .await?;
        if let Some((family,)) = consumed {
            return Ok(Ok(family));
        }
        Ok(match self.lookup(pool, jti, &claims.sub).await? {
            None => Err(Refused::Invalid),
            Some((_, _, _, true)) => Err(Refused::Invalid),
            Some((_, expires_at, _, _)) if expires_at <= now => Err(Refused::Invalid),
            Some((family, _, Some(used_at), _)) if now - used_at < grace_seconds => Ok(family),
            Some((family, ..)) => {
                tracing::warn!(sub = %claims.sub, "refresh token reused; revoking its session");
                self.revoke_family(pool, &claims.sub, &family).await?;
                Err(Refused::Reused)
            }
        })
    }

    /// Revokes one session's refresh tokens (logout, a detected reuse).
    pub(crate) async fn revoke_family(
        &self,
        pool: &Pool,
        subject: &str,
        family: &str,
    ) -> Result<(), ApiError> {
        Self::query(pool, &self.revoke_family)
            .bind(family.to_owned())
            .bind(subject.to_owned())
            .execute(pool)
            .await?;
        Ok(())
    }

    /// Revokes every session of `subject`, in `db`'s transaction.
    pub(crate) async fn revoke_all_in(&self, db: &mut Db, subject: &str) -> Result<(), ApiError> {
        Query::new(db.backend(), self.revoke_all.clone())
            .bind(subject.to_owned())
            .execute(db)
            .await?;
        Ok(())
    }

    /// The session of a refresh token, if it is recorded for `subject`.
    pub(crate) async fn family_of(
        &self,
        pool: &Pool,
        claims: &Claims,
    ) -> Result<Option<String>, ApiError> {
        let Some(jti) = claims.jti.clone() else {
            return Ok(None);
        };
        Ok(self
            .lookup(pool, jti, &claims.sub)
            .await?
            .map(|(family, ..)| family))
    }

    /// A recorded token of `subject`: its session, expiry, when it was used, whether revoked.
    async fn lookup(
        &self,
        pool: &Pool,
        jti: String,
        subject: &str,
    ) -> Result<Option<(String, i64, Option<i64>, bool)>, ApiError> {
        Ok(Self::query(pool, &self.lookup)
            .bind(jti)
            .bind(subject.to_owned())
            .fetch_optional(pool.read())
            .await?)
    }
}
