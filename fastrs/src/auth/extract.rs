//! [`CurrentUser`] and [`OptionalUser`]: the caller, from `Authorization: Bearer <token>`.

use std::ops::Deref;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;

use super::{AuthState, AuthUser, Principal};
use crate::ApiError;
use crate::state::AppState;

/// The bearer token of a request, if any. A malformed `Authorization` header counts as none.
/// Marks a WebSocket or event-stream route (one whose handler takes a `WebSocketUpgrade` or
/// answers `Sse`): the only routes that read a token from the URL.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StreamingRoute;

/// The caller's token: `Authorization: <scheme> <token>`, or, on a streaming request only (a
/// WebSocket upgrade, or one that accepts `text/event-stream`), where browsers cannot set that
/// header, the `access_token` query parameter (RFC 6750) or a `bearer.<token>` WebSocket
/// subprotocol. Tokens in URLs reach access logs: ordinary routes never read them there.
pub(crate) fn bearer<'a>(parts: &'a Parts, scheme: &str) -> Option<std::borrow::Cow<'a, str>> {
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        return bearer_token(value, scheme).map(std::borrow::Cow::Borrowed);
    }
    // Only a `GET` to a WebSocket or event-stream route (marked when it was routed).
    if parts.method != axum::http::Method::GET || parts.extensions.get::<StreamingRoute>().is_none()
    {
        return None;
    }
    let upgrade = parts
        .headers
        .get(header::UPGRADE)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"websocket"));
    let events = parts
        .headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/event-stream"));
    if !upgrade && !events {
        return None;
    }
    let protocol = parts
        .headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|p| p.trim().strip_prefix("bearer."))
        .filter(|token| !token.is_empty() && upgrade);
    if let Some(token) = protocol {
        return Some(std::borrow::Cow::Borrowed(token));
    }
    form_urlencoded::parse(parts.uri.query()?.as_bytes())
        .find(|(key, _)| key == "access_token")
        .map(|(_, token)| token)
        .filter(|token| !token.trim().is_empty())
}

/// The token of an `Authorization: <scheme> <token>` value (`Bearer` unless the app chose
/// another scheme).
pub(crate) fn bearer_token<'a>(
    value: &'a axum::http::HeaderValue,
    scheme: &str,
) -> Option<&'a str> {
    let value = value.to_str().ok()?;
    let (given, token) = value.split_once(' ')?;
    (given.eq_ignore_ascii_case(scheme) && !token.trim().is_empty()).then(|| token.trim())
}

fn auth_of<S>(state: &S) -> Result<std::sync::Arc<AuthState>, ApiError>
where
    AppState: FromRef<S>,
{
    AppState::from_ref(state)
        .auth()
        .cloned()
        .ok_or_else(|| ApiError::internal("a route needs a user, but App::auth was not called"))
}

/// The caller: a test's stand-in, the user the bearer token names, or `None` without a token.
/// A bad token is a 401; an inactive user a 403.
async fn caller<U: AuthUser, S>(parts: &Parts, state: &S) -> Result<Option<U>, ApiError>
where
    AppState: FromRef<S>,
{
    let auth = auth_of(state)?;
    if let Some(user) = auth.stand_in::<U>() {
        return Ok(Some(user));
    }
    match bearer(parts, &auth.scheme) {
        Some(token) => auth
            .user::<U>(&token)
            .await
            .map(Some)
            .map_err(|error| auth.challenge(error)),
        None => Ok(None),
    }
}

/// The authenticated user (FastAPI's `Depends(get_current_user)`): 401 with
/// `WWW-Authenticate: Bearer` when the token is missing, invalid or expired or the user is
/// gone; 403 when the user is inactive.
///
/// ```
/// # use fastrs::prelude::*;
/// # #[derive(Resource)]
/// # #[resource(user)]
/// # pub struct User {
/// #     #[resource(id)] pub id: i64,
/// #     #[resource(login, unique)] pub email: String,
/// #     #[resource(password)] pub password: String,
/// # }
/// async fn whoami(user: CurrentUser<User>) -> String {
///     user.email.clone()
/// }
/// ```
#[derive(Debug, Clone)]
pub struct CurrentUser<U>(pub U);

impl<U> Deref for CurrentUser<U> {
    type Target = U;

    fn deref(&self) -> &U {
        &self.0
    }
}

impl<U: AuthUser> CurrentUser<U> {
    /// 403 unless the user has `scope`.
    pub fn require_scope(&self, scope: &str) -> Result<(), ApiError> {
        Principal {
            id: self.0.subject(),
            scopes: self.0.scopes().to_vec(),
        }
        .require_scope(scope)
    }

    /// The user.
    pub fn into_inner(self) -> U {
        self.0
    }
}

impl<U: AuthUser, S> FromRequestParts<S> for CurrentUser<U>
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let user = caller::<U, S>(parts, state).await?;
        user.map(CurrentUser).ok_or_else(|| {
            let error = ApiError::unauthorized("Not authenticated");
            match auth_of(state) {
                Ok(auth) => auth.challenge(error),
                Err(_) => error,
            }
        })
    }
}

/// The user when a token is sent, `None` when none is; an invalid token is still a 401.
#[derive(Debug, Clone)]
pub struct OptionalUser<U>(pub Option<U>);

impl<U: AuthUser, S> FromRequestParts<S> for OptionalUser<U>
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        caller::<U, S>(parts, state).await.map(OptionalUser)
    }
}
