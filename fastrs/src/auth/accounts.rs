//! [`Accounts`]: the user store, for account routes of an API's own shape (RealWorld's
//! `POST /users` and `POST /users/login`, say). Each method is what a built-in auth route does,
//! with the same rules; the built-in routes call them too.

use std::marker::PhantomData;
use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use serde_json::Value;

use super::{AuthState, AuthUser, Keys, TokenKind, WithEpoch};
use crate::ApiError;
use crate::db::{Db, Query, map_db_error};
use crate::state::AppState;
use crate::validate::ValidationErrors;

/// The users of [`App::auth`](crate::App::auth), for hand-written account routes: register,
/// check a password, sign an access token, update logins, change a password. Passwords are
/// hashed with the app's argon2 settings, login values stay unique across every login column
/// (409), and an unknown login costs the same work as a wrong password.
///
/// ```
/// use fastrs::prelude::*;
/// use fastrs::auth::Accounts;
/// # #[derive(Resource)]
/// # #[resource(table = "users", user)]
/// # pub struct User {
/// #     #[resource(id)] pub id: i64,
/// #     #[resource(login, unique)] pub email: String,
/// #     #[resource(password)] pub password: String,
/// # }
///
/// #[derive(Model)]
/// struct Login {
///     email: String,
///     password: String,
/// }
///
/// async fn login(
///     accounts: Accounts<User>,
///     mut db: Db,
///     ValidJson(body): ValidJson<Login>,
/// ) -> Result<Json<String>, ApiError> {
///     let user = accounts
///         .authenticate(&body.email, body.password)
///         .await?
///         .ok_or_else(|| ApiError::unauthorized("Incorrect email or password"))?;
///     Ok(Json(accounts.access_token(&mut db, &user).await?))
/// }
/// ```
pub struct Accounts<U> {
    auth: Arc<AuthState>,
    user: PhantomData<fn() -> U>,
}

impl<U> std::fmt::Debug for Accounts<U> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Accounts")
            .field("user", &self.auth.user_meta.name)
            .finish()
    }
}

impl<U: AuthUser, S> FromRequestParts<S> for Accounts<U>
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(_parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let app = AppState::from_ref(state);
        let auth = app
            .auth()
            .cloned()
            .ok_or_else(|| ApiError::internal("Accounts needs App::auth"))?;
        Ok(Self::new(auth))
    }
}

impl<U: AuthUser> Accounts<U> {
    pub(crate) fn new(auth: Arc<AuthState>) -> Self {
        Self {
            auth,
            user: PhantomData,
        }
    }

    /// Registers a user from a validated create body, in `db`'s transaction (the request's):
    /// the password hashed, the insert, and the check that no login value names another user,
    /// serialised with other login changes (409).
    pub async fn register(&self, db: &mut Db, body: U::Create) -> Result<U, ApiError> {
        let auth = &self.auth;
        let meta = U::meta();
        let statement = &U::statements().rows.insert;
        let mut insert = crate::data::insert_query::<U>(
            auth.pool.backend(),
            statement,
            body,
            None,
            &auth.hasher,
        )
        .await?;
        crate::data::bind_viewer::<U>(insert.args_mut(), None)?;
        auth.lock_logins(db).await?;
        let created: U = insert
            .fetch_one(&mut *db)
            .await
            .map_err(|error| map_db_error(error, Some(meta)))?;
        auth.ensure_unique_logins(db, created.id().clone()).await?;
        Ok(created)
    }

    /// The user a login value (any login field) and password name; `None` for an unknown login
    /// or a wrong password, told apart by nothing (an unknown login is checked against a dummy
    /// hash). 403 for an inactive user.
    pub async fn authenticate(&self, login: &str, password: String) -> Result<Option<U>, ApiError> {
        Ok(self
            .authenticate_with_epoch(login, password)
            .await?
            .map(|WithEpoch(user, _)| user))
    }

    pub(crate) async fn authenticate_with_epoch(
        &self,
        login: &str,
        password: String,
    ) -> Result<Option<WithEpoch<U>>, ApiError> {
        let auth = &self.auth;
        let mut users: Vec<WithEpoch<U>> =
            Query::new(auth.pool.backend(), auth.find_by_login.clone())
                .bind(login.to_owned())
                .fetch_all(auth.pool.read())
                .await?;
        // A value that names two users (data from before registrations were checked) logs no
        // one in: which of them would be a guess.
        if users.len() > 1 {
            tracing::warn!("a login value names several users; refusing the login");
            users.clear();
        }
        let user = users.pop();
        let hash = user.as_ref().map_or_else(
            || auth.dummy_hash.clone(),
            |user| user.0.password_hash().to_owned(),
        );
        let verified = auth.hasher.verify(password, hash).await?;
        match user {
            Some(user) if verified => {
                if !user.0.is_active() {
                    return Err(ApiError::forbidden("Inactive user"));
                }
                Ok(Some(user))
            }
            _ => Ok(None),
        }
    }

    /// A signed access token for `user` (the app's lifetime, no refresh session), valid after
    /// the user's last revocation as `db`'s transaction sees it.
    pub async fn access_token(&self, db: &mut Db, user: &U) -> Result<String, ApiError> {
        let auth = &self.auth;
        let epoch: Option<WithEpoch<U>> = Query::new(db.backend(), auth.get_user.clone())
            .bind(user.id().clone())
            .fetch_optional(&mut *db)
            .await?;
        let revoked_at = epoch.map_or(0, |WithEpoch(_, revoked_at)| revoked_at);
        super::wait_past(revoked_at).await;
        let claims = Keys::claims(
            user.subject(),
            TokenKind::Access,
            auth.settings.access_token_ttl,
        );
        auth.keys.encode(&claims).map_err(ApiError::internal)
    }

    /// Applies a validated update body to `user` in `db`'s transaction (login values still
    /// unique: 409); the row as it is now.
    pub async fn update(&self, db: &mut Db, user: &U, patch: U::Update) -> Result<U, ApiError> {
        let auth = &self.auth;
        let mut query = crate::data::update_query::<U>(
            auth.pool.backend(),
            &U::statements().rows.update,
            user.id().clone(),
            patch,
        );
        crate::data::bind_viewer::<U>(query.args_mut(), None)?;
        auth.lock_logins(db).await?;
        let updated: Option<U> = query
            .fetch_optional(&mut *db)
            .await
            .map_err(|error| map_db_error(error, Some(U::meta())))?;
        let updated = updated.ok_or_else(|| ApiError::not_found("User not found"))?;
        auth.ensure_unique_logins(db, user.id().clone()).await?;
        Ok(updated)
    }

    /// Sets `user`'s password in `db`'s transaction (checked against the password field's
    /// rules: 422 at `["body", field]`), ending every session and access token the user had.
    pub async fn set_password(
        &self,
        db: &mut Db,
        user: &U,
        password: String,
    ) -> Result<(), ApiError> {
        let auth = &self.auth;
        let spec = U::password_spec();
        let mut errors = ValidationErrors::new();
        spec.check_as(spec.name, Value::String(password.clone()), &mut errors);
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let hash = auth.hasher.hash(password).await?;
        Query::new(db.backend(), auth.set_password.clone())
            .bind(user.id().clone())
            .bind(hash)
            .execute(&mut *db)
            .await?;
        auth.refresh.revoke_all_in(db, &user.subject()).await?;
        Query::new(db.backend(), auth.revoke_tokens.clone())
            .bind(user.id().clone())
            .bind(super::refresh::now())
            .execute(&mut *db)
            .await?;
        Ok(())
    }
}
