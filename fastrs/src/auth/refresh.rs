//! Refresh tokens are single use, recorded in the `fastrs_refresh_tokens` table so the rule
//! holds across several app instances sharing one database.

use sqlx::SqlStr;

use super::Claims;
use crate::ApiError;
use crate::db::{Pool, Query};

/// The table, created with the app's tables (the same text serves SQLite and PostgreSQL).
pub(crate) const DDL: &str = "CREATE TABLE IF NOT EXISTS \"fastrs_refresh_tokens\" (\n    \"jti\" TEXT PRIMARY KEY,\n    \"sub\" TEXT NOT NULL,\n    \"expires_at\" BIGINT NOT NULL,\n    \"used\" BOOLEAN NOT NULL DEFAULT FALSE\n);\nCREATE INDEX IF NOT EXISTS \"fastrs_refresh_tokens_sub_idx\" ON \"fastrs_refresh_tokens\" (\"sub\")";

pub(crate) struct RefreshStore {
    insert: SqlStr,
    prune: SqlStr,
    consume: SqlStr,
    revoke: SqlStr,
}

fn seconds(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl RefreshStore {
    pub(crate) fn new() -> Self {
        Self {
            insert: SqlStr::from_static(
                "INSERT INTO \"fastrs_refresh_tokens\" (\"jti\", \"sub\", \"expires_at\") VALUES ($1, $2, $3)",
            ),
            prune: SqlStr::from_static(
                "DELETE FROM \"fastrs_refresh_tokens\" WHERE \"sub\" = $1 AND \"expires_at\" < $2",
            ),
            consume: SqlStr::from_static(
                "UPDATE \"fastrs_refresh_tokens\" SET \"used\" = TRUE WHERE \"jti\" = $1 AND \"used\" = FALSE AND \"expires_at\" > $2",
            ),
            revoke: SqlStr::from_static(
                "UPDATE \"fastrs_refresh_tokens\" SET \"used\" = TRUE WHERE \"sub\" = $1",
            ),
        }
    }

    fn query(pool: &Pool, sql: &SqlStr) -> Query {
        Query::new(pool.backend(), sql.clone())
    }

    /// Records a newly issued refresh token (and forgets the user's expired ones).
    pub(crate) async fn record(&self, pool: &Pool, claims: &Claims) -> Result<(), ApiError> {
        let now = seconds(claims.iat);
        Self::query(pool, &self.prune)
            .bind(claims.sub.clone())
            .bind(now)
            .execute(pool)
            .await?;
        Self::query(pool, &self.insert)
            .bind(claims.jti.clone())
            .bind(claims.sub.clone())
            .bind(seconds(claims.exp))
            .execute(pool)
            .await?;
        Ok(())
    }

    /// Marks the token used, atomically. A token that was already used (or is unknown) revokes
    /// every refresh token of its user: someone is replaying a stolen token.
    pub(crate) async fn consume(&self, pool: &Pool, claims: &Claims) -> Result<(), ApiError> {
        let now = seconds(jsonwebtoken::get_current_timestamp());
        let used = Self::query(pool, &self.consume)
            .bind(claims.jti.clone())
            .bind(now)
            .execute(pool)
            .await?;
        if used == 1 {
            return Ok(());
        }
        tracing::warn!(sub = %claims.sub, "refresh token reused; revoking the user's refresh tokens");
        self.revoke_all(pool, &claims.sub).await?;
        Err(super::unauthorized())
    }

    /// Revokes every refresh token of a user (after a password change, or a replay).
    pub(crate) async fn revoke_all(&self, pool: &Pool, subject: &str) -> Result<(), ApiError> {
        Self::query(pool, &self.revoke)
            .bind(subject.to_owned())
            .execute(pool)
            .await?;
        Ok(())
    }
}
