//! Tokens of the `items` reference API: every kind of bad token, refresh rotation and reuse,
//! across instances, and password changes revoking refresh tokens.

use std::time::Duration;

use fastrs::auth::{Keys, TokenKind};
use fastrs::db::Backend;
use fastrs_tests::{SECRET, b64url, items_client, items_client_with, on_every_backend};
use serde_json::{Value, json};

use crate::auth::{PASSWORD, assert_401, login, register};

/// Flips one character of the signature.
fn tamper_signature(token: &str) -> String {
    let (rest, signature) = token.rsplit_once('.').unwrap();
    let mut chars: Vec<char> = signature.chars().collect();
    chars[0] = if chars[0] == 'A' { 'B' } else { 'A' };
    format!("{rest}.{}", chars.into_iter().collect::<String>())
}

fn forge(claims_json: &Value, header_json: &Value) -> String {
    format!(
        "{}.{}.",
        b64url(header_json.to_string().as_bytes()),
        b64url(claims_json.to_string().as_bytes())
    )
}

async fn bad_tokens_are_401_with_www_authenticate(backend: Backend) {
    let Some(client) = items_client(backend).await else {
        return;
    };
    let user = register(&client, "carol").await;
    let (access, refresh) = login(&client, "carol").await;
    let sub = user["id"].to_string();
    let keys = Keys::hs256(SECRET.as_bytes());

    let mut expired = Keys::claims(sub.clone(), TokenKind::Access, Duration::from_secs(60));
    expired.exp -= 120;
    expired.iat -= 120;
    let expired = keys.encode(&expired).unwrap();
    let other_key = Keys::hs256(b"another-secret-another-secret-another")
        .encode(&Keys::claims(
            sub.clone(),
            TokenKind::Access,
            Duration::from_secs(60),
        ))
        .unwrap();
    let claims = serde_json::to_value(Keys::claims(
        sub.clone(),
        TokenKind::Access,
        Duration::from_secs(60),
    ))
    .unwrap();
    let alg_none = forge(&claims, &json!({"alg": "none", "typ": "JWT"}));
    let mut tampered = access.clone();
    let payload_start = tampered.find('.').unwrap() + 1;
    tampered.replace_range(
        payload_start..payload_start + 1,
        if &access[payload_start..=payload_start] == "e" {
            "f"
        } else {
            "e"
        },
    );

    for (name, header) in [
        ("missing", None),
        ("expired", Some(format!("Bearer {expired}"))),
        (
            "signed with another key",
            Some(format!("Bearer {other_key}")),
        ),
        ("alg none", Some(format!("Bearer {alg_none}"))),
        ("tampered payload", Some(format!("Bearer {tampered}"))),
        (
            "tampered signature",
            Some(format!("Bearer {}", tamper_signature(&access))),
        ),
        ("refresh as access", Some(format!("Bearer {refresh}"))),
        ("not a jwt", Some("Bearer abc.def".to_owned())),
        ("wrong scheme", Some(format!("Basic {access}"))),
        ("no token", Some("Bearer ".to_owned())),
        ("no scheme", Some(access.clone())),
    ] {
        let mut request = client.get("/users/me");
        if let Some(header) = &header {
            request = request.header("authorization", header);
        }
        let response = request.await;
        assert_eq!(response.status(), 401, "{name}: {}", response.text());
        assert_eq!(
            response.header("www-authenticate"),
            Some("Bearer"),
            "{name}"
        );
    }
    assert_eq!(client.get("/users/me").bearer(&access).await.status(), 200);
}

/// No grace for a second use: every reuse is a theft.
fn no_grace(settings: &mut fastrs::Settings) {
    settings.auth.refresh_reuse_grace = Duration::ZERO;
}

async fn refresh_rotates_and_rejects_reuse(backend: Backend) {
    let Some(client) = items_client_with(backend, no_grace).await else {
        return;
    };
    register(&client, "dave").await;
    let (access, refresh) = login(&client, "dave").await;

    let as_refresh = client
        .post("/auth/refresh")
        .json(&json!({"refresh_token": access}))
        .await;
    assert_401(&as_refresh);

    let rotated = client
        .post("/auth/refresh")
        .json(&json!({"refresh_token": refresh}))
        .await;
    assert_eq!(rotated.status(), 200, "{}", rotated.text());
    let rotated = rotated.json();
    let new_access = rotated["access_token"].as_str().unwrap();
    let new_refresh = rotated["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(new_refresh, refresh);
    assert_eq!(
        client.get("/users/me").bearer(new_access).await.status(),
        200
    );

    let replay = client
        .post("/auth/refresh")
        .json(&json!({"refresh_token": refresh}))
        .await;
    assert_401(&replay);
    // A replay revokes the whole family: the token issued by the rotation is dead too, and so
    // are the user's access tokens.
    let after_replay = client
        .post("/auth/refresh")
        .json(&json!({"refresh_token": new_refresh}))
        .await;
    assert_401(&after_replay);
    assert_401(&client.get("/users/me").bearer(new_access).await);

    let garbage = client
        .post("/auth/refresh")
        .json(&json!({"refresh_token": "x"}))
        .await;
    assert_401(&garbage);
    let missing = client.post("/auth/refresh").json(&json!({})).await;
    assert_eq!(missing.status(), 422);
}

/// Two instances of the app on one database: a refresh token used on one is dead on the other.
async fn refresh_reuse_is_refused_across_instances(backend: Backend) {
    let Some(db) = fastrs_tests::TestDb::new(backend).await else {
        return;
    };
    let mut settings = db.settings();
    settings.auth.secret_key = Some(fastrs::auth::Secret::new(SECRET));
    no_grace(&mut settings);
    let first = items::app(settings.clone()).test_client().await.unwrap();
    let second = items::app(settings).test_client().await.unwrap();
    register(&first, "ivan").await;
    let (_, refresh) = login(&second, "ivan").await;
    let rotated = first
        .post("/auth/refresh")
        .json(&json!({"refresh_token": refresh}))
        .await;
    assert_eq!(rotated.status(), 200);
    assert_401(
        &second
            .post("/auth/refresh")
            .json(&json!({"refresh_token": refresh}))
            .await,
    );
}

async fn password_change_rotates_credentials(backend: Backend) {
    let Some(client) = items_client(backend).await else {
        return;
    };
    register(&client, "fay").await;
    let (access, refresh) = login(&client, "fay").await;
    let too_short = client
        .post("/auth/password")
        .bearer(&access)
        .json(&json!({"current_password": PASSWORD, "new_password": "short"}))
        .await;
    assert_eq!(too_short.status(), 422);
    assert_eq!(
        too_short.json()["detail"][0]["loc"],
        json!(["body", "new_password"])
    );
    assert!(too_short.json()["detail"][0].get("input").is_none());
    let wrong = client
        .post("/auth/password")
        .bearer(&access)
        .json(&json!({"current_password": "not-it-at-all", "new_password": "a brand new one"}))
        .await;
    assert_eq!(wrong.status(), 403);
    let changed = client
        .post("/auth/password")
        .bearer(&access)
        .json(&json!({"current_password": PASSWORD, "new_password": "a brand new one"}))
        .await;
    assert_eq!(changed.status(), 204, "{}", changed.text());
    assert_401(&client.get("/users/me").bearer(&access).await);
    let old = client
        .post("/auth/token")
        .form(&[("username", "fay"), ("password", PASSWORD)])
        .await;
    assert_eq!(old.status(), 401);
    let new = client
        .post("/auth/token")
        .form(&[("username", "fay"), ("password", "a brand new one")])
        .await;
    assert_eq!(new.status(), 200);
    assert_401(
        &client
            .post("/auth/refresh")
            .json(&json!({"refresh_token": refresh}))
            .await,
    );
}

on_every_backend!(
    bad_tokens_are_401_with_www_authenticate,
    refresh_rotates_and_rejects_reuse,
    refresh_reuse_is_refused_across_instances,
    password_change_rotates_credentials,
);
