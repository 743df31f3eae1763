//! The auth routes: register, token (OAuth2 password flow), refresh, logout, password change,
//! me.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::{Map, Value};

use super::refresh::Refused;
use super::{
    Accounts, AuthOptions, AuthState, AuthUser, CurrentUser, TokenKind, TokenPair, WithEpoch,
    unauthorized,
};
use crate::ApiError;
use crate::extract::ValidJson;
use crate::extract::body::read_body;
use crate::state::AppState;
use crate::validate::{FieldError, ValidationErrors, Violation, loc};

/// The app's auth state (always there: these routes exist only with `App::auth`), and the
/// app's body deadline.
struct Auth(Arc<AuthState>, Option<std::time::Duration>);

impl<S> axum::extract::FromRequestParts<S> for Auth
where
    AppState: axum::extract::FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        _parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        let app = <AppState as axum::extract::FromRef<S>>::from_ref(state);
        let deadline = app.settings().body_timeout;
        app.auth()
            .cloned()
            .map(|auth| Auth(auth, deadline))
            .ok_or_else(|| ApiError::internal("auth routes without App::auth"))
    }
}

/// The auth routes for `U`.
pub(crate) fn router<U: AuthUser>(options: &AuthOptions) -> Router<AppState> {
    let [
        register_path,
        token_path,
        refresh_path,
        logout_path,
        password_path,
        me_path,
    ] = paths(options).map(|(_, path)| path);
    Router::new()
        .route(&register_path, post(register::<U>))
        .route(&token_path, post(token::<U>))
        .route(&refresh_path, post(refresh::<U>))
        .route(&logout_path, post(logout::<U>))
        .route(&password_path, post(change_password::<U>))
        .route(&me_path, get(me::<U>))
}

/// The auth routes, `(method, path)`, in the order `router` mounts them: register, token,
/// refresh, logout, password, me.
pub(crate) fn paths(options: &AuthOptions) -> [(&'static str, String); 6] {
    let prefix = options.auth_prefix.trim_end_matches('/');
    let users = options.users_prefix.trim_end_matches('/');
    [
        ("POST", format!("{prefix}/register")),
        ("POST", format!("{prefix}/token")),
        ("POST", format!("{prefix}/refresh")),
        ("POST", format!("{prefix}/logout")),
        ("POST", format!("{prefix}/password")),
        ("GET", format!("{users}/me")),
    ]
}

/// `POST /auth/register`. The insert and the check that no login value of the new user names
/// another user (in any login column) run in one serialised transaction: a username cannot
/// take over someone's e-mail address as a login, before or after they sign up.
async fn register<U: AuthUser>(
    Auth(auth, _): Auth,
    ValidJson(body): ValidJson<U::Create>,
) -> Result<(StatusCode, Json<U::Response>), ApiError> {
    let mut db = crate::db::Db::begin(&auth.pool).await;
    let created = Accounts::<U>::new(auth).register(&mut db, body).await?;
    db.commit().await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// A token answer: never cached (RFC 6749 §5.1).
fn tokens(pair: TokenPair) -> impl IntoResponse {
    (
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::PRAGMA, "no-cache"),
        ],
        Json(pair),
    )
}

fn form_field(
    errors: &mut ValidationErrors,
    fields: &mut Map<String, Value>,
    name: &str,
) -> Option<String> {
    match fields.remove(name) {
        Some(Value::String(value)) => Some(value),
        _ => {
            errors.push(FieldError::new(
                loc("body", name),
                Violation::new("missing", "Field required"),
                None,
            ));
            None
        }
    }
}

/// `POST /auth/token`: `username` (any login field) and `password`, form-encoded, as FastAPI's
/// `OAuth2PasswordRequestForm`. A wrong password and an unknown user answer the same 401 after
/// the same work (an unknown user is checked against a dummy hash).
async fn token<U: AuthUser>(
    Auth(auth, deadline): Auth,
    request: Request,
) -> Result<impl IntoResponse, ApiError> {
    let is_form =
        crate::extract::body::content_type_is(&request, "application/x-www-form-urlencoded");
    let body = read_body(request, deadline).await?;
    let mut fields: Map<String, Value> = if is_form {
        form_urlencoded::parse(&body)
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect()
    } else {
        Map::new()
    };
    let mut errors = ValidationErrors::new();
    let username = form_field(&mut errors, &mut fields, "username");
    let password = form_field(&mut errors, &mut fields, "password");
    if let Some(Value::String(grant)) = fields.get("grant_type")
        && grant != "password"
    {
        errors.push(FieldError::new(
            loc("body", "grant_type"),
            Violation::new(
                "string_pattern_mismatch",
                "String should match pattern '^password$'",
            ),
            Some(Value::String(grant.clone())),
        ));
    }
    let (Some(username), Some(password)) = (username, password) else {
        return Err(errors.into());
    };
    if !errors.is_empty() {
        return Err(errors.into());
    }

    let accounts = Accounts::<U>::new(auth.clone());
    match accounts
        .authenticate_with_epoch(&username, password)
        .await?
    {
        Some(WithEpoch(user, revoked_at)) => {
            Ok(tokens(auth.issue(user.subject(), revoked_at, None).await?))
        }
        None => Err(ApiError::unauthorized("Incorrect username or password")),
    }
}

/// `{"refresh_token": "..."}`.
#[derive(crate::Model)]
struct RefreshBody {
    #[model(secret)]
    refresh_token: String,
}

/// `POST /auth/refresh`: a refresh token (never an access token) for the next pair of its
/// session (see [Sessions](super#sessions)).
async fn refresh<U: AuthUser>(
    Auth(auth, _): Auth,
    ValidJson(body): ValidJson<RefreshBody>,
) -> Result<impl IntoResponse, ApiError> {
    let claims = auth
        .keys
        .decode(&body.refresh_token, TokenKind::Refresh)
        .ok_or_else(unauthorized)?;
    let grace = i64::try_from(auth.settings.refresh_reuse_grace.as_secs()).unwrap_or(i64::MAX);
    let family = match auth.refresh.consume(&auth.pool, &claims, grace).await? {
        Ok(family) => family,
        Err(Refused::Invalid) => return Err(unauthorized()),
        Err(Refused::Reused) => {
            auth.revoke_access::<U>(&claims.sub).await?;
            return Err(unauthorized());
        }
    };
    let WithEpoch(user, revoked_at) = auth.user_by_subject::<U>(&claims.sub).await?;
    Ok(tokens(
        auth.issue(user.subject(), revoked_at, Some(family)).await?,
    ))
}

/// `POST /auth/logout`: revokes the session of the refresh token it is given and ends the
/// user's access tokens (the user's other sessions get new ones at their next refresh). 204;
/// 401 for a token that is not a valid refresh token of this app.
async fn logout<U: AuthUser>(
    Auth(auth, _): Auth,
    ValidJson(body): ValidJson<RefreshBody>,
) -> Result<StatusCode, ApiError> {
    let claims = auth
        .keys
        .decode(&body.refresh_token, TokenKind::Refresh)
        .ok_or_else(unauthorized)?;
    let family = auth
        .refresh
        .family_of(&auth.pool, &claims)
        .await?
        .ok_or_else(unauthorized)?;
    auth.refresh
        .revoke_family(&auth.pool, &claims.sub, &family)
        .await?;
    auth.revoke_access::<U>(&claims.sub).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `{"current_password": "...", "new_password": "..."}`.
#[derive(crate::Model)]
struct PasswordChange {
    #[model(secret)]
    current_password: String,
    #[model(secret)]
    new_password: String,
}

/// `POST /auth/password` (Bearer): checks the current password, stores the new one, revokes
/// every session of the user and ends their access tokens. 204.
async fn change_password<U: AuthUser>(
    Auth(auth, _): Auth,
    user: CurrentUser<U>,
    ValidJson(body): ValidJson<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    // The new password obeys the rules of the user's password field.
    let mut errors = ValidationErrors::new();
    U::password_spec().check_as(
        "new_password",
        Value::String(body.new_password.clone()),
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(errors.into());
    }
    if !auth
        .hasher
        .verify(body.current_password, user.password_hash().to_owned())
        .await?
    {
        return Err(ApiError::forbidden("Incorrect password"));
    }
    let mut db = crate::db::Db::begin(&auth.pool).await;
    Accounts::<U>::new(auth)
        .set_password(&mut db, &user.0, body.new_password)
        .await?;
    db.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /users/me`.
async fn me<U: AuthUser>(user: CurrentUser<U>) -> Json<U::Response> {
    Json(user.0.into())
}
