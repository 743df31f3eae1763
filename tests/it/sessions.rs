//! The token lifecycle of the `items` reference API: logout, revocation through the user's token
//! epoch, sessions told apart (revoked, used, expired), the reuse grace, interoperable access
//! tokens, issuer and audience.

use std::time::Duration;

use fastrs::auth::{Keys, TokenKind};
use fastrs::db::{Backend, Query};
use fastrs::testing::TestClient;
use fastrs_tests::{SECRET, items_client, items_client_with, on_every_backend};
use serde_json::json;

use crate::auth::{assert_401, login, register};

async fn refresh(client: &TestClient, token: &str) -> fastrs::testing::TestResponse {
    client
        .post("/auth/refresh")
        .json(&json!({"refresh_token": token}))
        .await
}

fn tokens_of(response: &fastrs::testing::TestResponse) -> (String, String) {
    assert_eq!(response.status(), 200, "{}", response.text());
    let body = response.json();
    (
        body["access_token"].as_str().unwrap().to_owned(),
        body["refresh_token"].as_str().unwrap().to_owned(),
    )
}

async fn logout_ends_the_session_and_its_access_token(backend: Backend) {
    let Some(client) = items_client(backend).await else {
        return;
    };
    register(&client, "lou").await;
    let (access, refresh_token) = login(&client, "lou").await;
    let (other_access, other_refresh) = login(&client, "lou").await;
    assert_eq!(client.get("/users/me").bearer(&access).await.status(), 200);

    let out = client
        .post("/auth/logout")
        .json(&json!({"refresh_token": refresh_token}))
        .await;
    assert_eq!(out.status(), 204, "{}", out.text());
    // This session is over: its access token and its refresh token.
    assert_401(&client.get("/users/me").bearer(&access).await);
    assert_401(&refresh(&client, &refresh_token).await);
    // The other session's access token ended too, but its refresh token still works.
    assert_401(&client.get("/users/me").bearer(&other_access).await);
    let (renewed, _) = tokens_of(&refresh(&client, &other_refresh).await);
    assert_eq!(client.get("/users/me").bearer(&renewed).await.status(), 200);
    // A fresh login right after the logout (in the same second) is valid.
    let (fresh, _) = login(&client, "lou").await;
    assert_eq!(client.get("/users/me").bearer(&fresh).await.status(), 200);

    assert_401(
        &client
            .post("/auth/logout")
            .json(&json!({"refresh_token": access}))
            .await,
    );
    assert_eq!(
        client.post("/auth/logout").json(&json!({})).await.status(),
        422
    );
}

async fn a_revoked_token_cannot_end_new_sessions(backend: Backend) {
    let Some(client) = items_client_with(backend, |s| {
        s.auth.refresh_reuse_grace = Duration::ZERO;
    })
    .await
    else {
        return;
    };
    register(&client, "rae").await;
    let (_, stolen) = login(&client, "rae").await;
    let (_, next) = tokens_of(&refresh(&client, &stolen).await);
    // The thief replays the used token: 401, and the session is revoked.
    assert_401(&refresh(&client, &stolen).await);
    assert_401(&refresh(&client, &next).await);
    // The user logs in again; the thief's old token, replayed later, revokes nothing new.
    let (access, fresh) = login(&client, "rae").await;
    assert_401(&refresh(&client, &stolen).await);
    assert_401(&refresh(&client, &next).await);
    assert_eq!(client.get("/users/me").bearer(&access).await.status(), 200);
    let (renewed, _) = tokens_of(&refresh(&client, &fresh).await);
    assert_eq!(client.get("/users/me").bearer(&renewed).await.status(), 200);
}

/// Two tabs refresh with the same token at once: within the grace both get a pair of the same
/// session; nothing is revoked.
async fn concurrent_refreshes_within_the_grace_both_succeed(backend: Backend) {
    let Some(client) = items_client(backend).await else {
        return;
    };
    register(&client, "tab").await;
    let (_, token) = login(&client, "tab").await;
    let (first, second) = tokio::join!(refresh(&client, &token), refresh(&client, &token));
    let (access_1, refresh_1) = tokens_of(&first);
    let (access_2, refresh_2) = tokens_of(&second);
    assert_eq!(
        client.get("/users/me").bearer(&access_1).await.status(),
        200
    );
    assert_eq!(
        client.get("/users/me").bearer(&access_2).await.status(),
        200
    );
    tokens_of(&refresh(&client, &refresh_1).await);
    tokens_of(&refresh(&client, &refresh_2).await);
}

/// A token the database says has expired (its last second included) is refused without
/// revoking its session: an expiry is not a theft.
async fn an_expired_refresh_is_not_a_reuse(backend: Backend) {
    let Some(client) = items_client(backend).await else {
        return;
    };
    let user = register(&client, "exp").await;
    let (_, live) = login(&client, "exp").await;
    let keys = Keys::hs256(SECRET.as_bytes());
    let live_claims = keys.decode(&live, TokenKind::Refresh).unwrap();
    let family: (String,) = Query::new(
        backend,
        "SELECT family FROM fastrs_session_tokens WHERE jti = $1",
    )
    .bind(live_claims.jti.clone().unwrap())
    .fetch_one(client.pool())
    .await
    .unwrap();
    // A token of the same session whose row expires now, while its JWT is still valid.
    let claims = Keys::claims(
        user["id"].to_string(),
        TokenKind::Refresh,
        Duration::from_secs(60),
    );
    let now = i64::try_from(claims.iat).unwrap();
    Query::new(
        backend,
        "INSERT INTO fastrs_session_tokens (jti, sub, family, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(claims.jti.clone().unwrap())
    .bind(claims.sub.clone())
    .bind(family.0)
    .bind(now)
    .execute(client.pool())
    .await
    .unwrap();
    assert_401(&refresh(&client, &keys.encode(&claims).unwrap()).await);
    // The session lives on.
    tokens_of(&refresh(&client, &live).await);
}

/// An access token minted by another service sharing the key (a FastAPI app): `sub`, `type`,
/// `iat`, `exp`, no `jti`. A refresh token needs its `jti`.
async fn foreign_access_tokens_without_jti_are_accepted(backend: Backend) {
    let Some(client) = items_client(backend).await else {
        return;
    };
    let user = register(&client, "pyth").await;
    let keys = Keys::hs256(SECRET.as_bytes());
    let mut claims = Keys::claims(
        user["id"].to_string(),
        TokenKind::Access,
        Duration::from_secs(60),
    );
    claims.jti = None;
    claims.iat -= 5;
    let token = keys.encode(&claims).unwrap();
    assert!(!token.is_empty());
    let me = client.get("/users/me").bearer(&token).await;
    assert_eq!(me.status(), 200, "{}", me.text());
    claims.kind = TokenKind::Refresh;
    assert_401(&refresh(&client, &keys.encode(&claims).unwrap()).await);
}

async fn issuer_and_audience_are_set_and_required(backend: Backend) {
    let Some(client) = items_client_with(backend, |s| {
        s.auth.issuer = Some("https://api.example.com".into());
        s.auth.audience = Some("items".into());
    })
    .await
    else {
        return;
    };
    let user = register(&client, "iss").await;
    let (access, _) = login(&client, "iss").await;
    assert_eq!(client.get("/users/me").bearer(&access).await.status(), 200);
    let claims = Keys::claims(
        user["id"].to_string(),
        TokenKind::Access,
        Duration::from_secs(60),
    );
    let plain = Keys::hs256(SECRET.as_bytes());
    assert_401(
        &client
            .get("/users/me")
            .bearer(&plain.encode(&claims).unwrap())
            .await,
    );
    let other_audience = Keys::hs256(SECRET.as_bytes()).with_issuer_audience(
        Some("https://api.example.com".into()),
        Some("billing".into()),
    );
    assert_401(
        &client
            .get("/users/me")
            .bearer(&other_audience.encode(&claims).unwrap())
            .await,
    );
    let same = Keys::hs256(SECRET.as_bytes())
        .with_issuer_audience(Some("https://api.example.com".into()), Some("items".into()));
    assert_eq!(
        client
            .get("/users/me")
            .bearer(&same.encode(&claims).unwrap())
            .await
            .status(),
        200
    );
}

async fn token_answers_are_never_cached(backend: Backend) {
    let Some(client) = items_client(backend).await else {
        return;
    };
    register(&client, "ncache").await;
    let token = client
        .post("/auth/token")
        .form(&[("username", "ncache"), ("password", crate::auth::PASSWORD)])
        .await;
    assert_eq!(token.header("cache-control"), Some("no-store"));
    let (_, refresh_token) = tokens_of(&token);
    let rotated = refresh(&client, &refresh_token).await;
    assert_eq!(rotated.header("cache-control"), Some("no-store"));
}

/// Two instances on one database: a logout, a password change or a detected reuse on one is
/// honoured by the other on its next request.
async fn revocations_cross_instances(backend: Backend) {
    let Some(db) = fastrs_tests::TestDb::new(backend).await else {
        return;
    };
    let mut settings = db.settings();
    settings.auth.secret_key = Some(fastrs::auth::Secret::new(SECRET));
    settings.auth.refresh_reuse_grace = Duration::ZERO;
    let one = items::app(settings.clone()).test_client().await.unwrap();
    let two = items::app(settings).test_client().await.unwrap();
    register(&one, "twin").await;

    let (access, refresh_token) = login(&one, "twin").await;
    assert_eq!(two.get("/users/me").bearer(&access).await.status(), 200);
    let out = one
        .post("/auth/logout")
        .json(&json!({"refresh_token": refresh_token}))
        .await;
    assert_eq!(out.status(), 204);
    assert_401(&two.get("/users/me").bearer(&access).await);
    assert_401(&refresh(&two, &refresh_token).await);

    let (access, _) = login(&two, "twin").await;
    let changed = one
        .post("/auth/password")
        .bearer(&access)
        .json(
            &json!({"current_password": crate::auth::PASSWORD, "new_password": "another password"}),
        )
        .await;
    assert_eq!(changed.status(), 204, "{}", changed.text());
    assert_401(&two.get("/users/me").bearer(&access).await);

    let (access, used) = tokens_of(
        &one.post("/auth/token")
            .form(&[("username", "twin"), ("password", "another password")])
            .await,
    );
    tokens_of(&refresh(&one, &used).await);
    assert_401(&refresh(&two, &used).await);
    assert_401(&two.get("/users/me").bearer(&access).await);
}

on_every_backend!(
    logout_ends_the_session_and_its_access_token,
    a_revoked_token_cannot_end_new_sessions,
    concurrent_refreshes_within_the_grace_both_succeed,
    an_expired_refresh_is_not_a_reuse,
    foreign_access_tokens_without_jti_are_accepted,
    issuer_and_audience_are_set_and_required,
    token_answers_are_never_cached,
    revocations_cross_instances,
);
