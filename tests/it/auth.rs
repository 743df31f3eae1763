//! The `items` reference API (examples/items/CONTRACT.md) through HTTP: registration, the OAuth2
//! password flow, owner-scoped items, and passwords never leaving the server. Token attacks and
//! refresh rotation are in `tokens.rs`.

use std::time::Duration;

use fastrs::db::{Backend, Query};
use fastrs::testing::{TestClient, TestResponse};
use fastrs_tests::{items_client, on_every_backend};
use serde_json::{Value, json};

pub(crate) const PASSWORD: &str = "correct horse battery";

pub(crate) async fn register(client: &TestClient, name: &str) -> Value {
    let response = client
        .post("/auth/register")
        .json(&json!({"email": format!("{name}@example.com"), "username": name, "password": PASSWORD}))
        .await;
    assert_eq!(response.status(), 201, "{}", response.text());
    response.json()
}

pub(crate) async fn login(client: &TestClient, username: &str) -> (String, String) {
    let response = client
        .post("/auth/token")
        .form(&[("username", username), ("password", PASSWORD)])
        .await;
    assert_eq!(response.status(), 200, "{}", response.text());
    let body = response.json();
    assert_eq!(body["token_type"], "bearer");
    (
        body["access_token"].as_str().unwrap().to_owned(),
        body["refresh_token"].as_str().unwrap().to_owned(),
    )
}

fn assert_no_secrets(response: &TestResponse) {
    let text = response.text();
    assert!(!text.contains(PASSWORD), "password in {text}");
    assert!(!text.contains("$argon2"), "hash in {text}");
    assert!(!text.contains("\"password\":"), "password field in {text}");
}

pub(crate) fn assert_401(response: &TestResponse) {
    assert_eq!(response.status(), 401, "{}", response.text());
    assert_eq!(response.header("www-authenticate"), Some("Bearer"));
    assert!(response.json()["detail"].is_string());
}

async fn register_answers_the_user_without_password(backend: Backend) {
    let Some(client) = items_client(backend).await else {
        return;
    };
    let user = register(&client, "alice").await;
    assert_eq!(user["email"], "alice@example.com");
    assert_eq!(user["username"], "alice");
    assert_eq!(user["is_active"], true);
    assert!(user["id"].is_i64() && user["created_at"].is_string());
    let keys: Vec<&String> = user.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 5, "{user}");
    let (access, _) = login(&client, "alice").await;
    let me = client.get("/users/me").bearer(&access).await;
    assert_eq!(me.status(), 200);
    assert_eq!(me.json(), user);
    assert_no_secrets(&me);
}

async fn register_conflicts_and_validation(backend: Backend) {
    let Some(client) = items_client(backend).await else {
        return;
    };
    register(&client, "alice").await;
    let same_email = client
        .post("/auth/register")
        .json(&json!({"email": "alice@example.com", "username": "other", "password": PASSWORD}))
        .await;
    assert_eq!(same_email.status(), 409);
    assert_eq!(
        same_email.json(),
        json!({"detail": "User with this email already exists"})
    );
    let same_name = client
        .post("/auth/register")
        .json(&json!({"email": "other@example.com", "username": "alice", "password": PASSWORD}))
        .await;
    assert_eq!(same_name.status(), 409);
    assert_eq!(
        same_name.json(),
        json!({"detail": "User with this username already exists"})
    );

    let bad = client
        .post("/auth/register")
        .json(&json!({"email": "not-an-email", "username": "al", "password": "tiny7", "is_active": false, "id": 9}))
        .await;
    assert_eq!(bad.status(), 422);
    let detail = bad.json()["detail"].clone();
    let locs: Vec<Value> = detail
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["loc"].clone())
        .collect();
    assert_eq!(
        locs,
        vec![
            json!(["body", "email"]),
            json!(["body", "username"]),
            json!(["body", "password"])
        ]
    );
    let password_error = &detail[2];
    assert!(
        password_error.get("input").is_none(),
        "passwords are never echoed: {password_error}"
    );
    assert!(!bad.text().contains("tiny7"));
    let long = client
        .post("/auth/register")
        .json(&json!({"email": "x@example.com", "username": "x".repeat(51), "password": PASSWORD}))
        .await;
    assert_eq!(long.json()["detail"][0]["type"], "string_too_long");
}

async fn login_with_username_or_email_and_identical_failures(backend: Backend) {
    let Some(client) = items_client(backend).await else {
        return;
    };
    register(&client, "bob").await;
    login(&client, "bob").await;
    login(&client, "bob@example.com").await;

    let wrong_password = client
        .post("/auth/token")
        .form(&[("username", "bob"), ("password", "nope-nope")])
        .await;
    let unknown_user = client
        .post("/auth/token")
        .form(&[("username", "nobody"), ("password", "nope-nope")])
        .await;
    assert_401(&wrong_password);
    assert_401(&unknown_user);
    assert_eq!(wrong_password.text(), unknown_user.text());
    assert_eq!(
        wrong_password.json(),
        json!({"detail": "Incorrect username or password"})
    );

    let missing = client
        .post("/auth/token")
        .form(&[("username", "bob")])
        .await;
    assert_eq!(missing.status(), 422);
    assert_eq!(
        missing.json()["detail"][0]["loc"],
        json!(["body", "password"])
    );
    let as_json = client
        .post("/auth/token")
        .json(&json!({"username": "bob", "password": PASSWORD}))
        .await;
    assert_eq!(
        as_json.status(),
        422,
        "the token route takes a form, as OAuth2 says"
    );
}

async fn inactive_users_are_refused(backend: Backend) {
    let Some(client) = items_client(backend).await else {
        return;
    };
    let user = register(&client, "erin").await;
    let (access, _) = login(&client, "erin").await;
    let pool = client.pool();
    Query::new(
        pool.backend(),
        "UPDATE users SET is_active = $1 WHERE id = $2",
    )
    .bind(false)
    .bind(user["id"].as_i64().unwrap())
    .execute(pool)
    .await
    .unwrap();
    let me = client.get("/users/me").bearer(&access).await;
    assert_eq!(me.status(), 403);
    assert_eq!(me.json(), json!({"detail": "Inactive user"}));
    let token = client
        .post("/auth/token")
        .form(&[("username", "erin"), ("password", PASSWORD)])
        .await;
    assert_eq!(token.status(), 403);
    let wrong = client
        .post("/auth/token")
        .form(&[("username", "erin"), ("password", "bad-password")])
        .await;
    assert_eq!(
        wrong.status(),
        401,
        "a wrong password never reveals the account state"
    );
}

async fn items_are_owned_by_their_creator(backend: Backend) {
    let Some(client) = items_client(backend).await else {
        return;
    };
    let alice = register(&client, "alice").await;
    register(&client, "mallory").await;
    let (alice_token, _) = login(&client, "alice").await;
    let (mallory_token, _) = login(&client, "mallory").await;

    let anonymous = client
        .post("/items")
        .json(&json!({"name": "lamp", "price": 3}))
        .await;
    assert_401(&anonymous);

    let created = client
        .post("/items")
        .bearer(&alice_token)
        .json(&json!({"name": "lamp", "price": 3, "owner_id": 999, "id": 77}))
        .await;
    assert_eq!(created.status(), 201, "{}", created.text());
    let item = created.json();
    assert_eq!(
        item["owner_id"], alice["id"],
        "owner comes from the token, never the body"
    );
    assert_ne!(item["id"], 77);
    assert_eq!(item["description"], Value::Null);
    let path = format!("/items/{}", item["id"]);
    assert_eq!(created.header("location"), Some(path.as_str()));

    // Public reads.
    assert_eq!(client.get(&path).await.json(), item);
    let list = client.get("/items").await.json();
    assert_eq!(list["total"], 1);
    assert_eq!(list["limit"], 20);

    // Someone else's item: 403; nobody's: 404; no token: 401.
    let stolen = client
        .patch(&path)
        .bearer(&mallory_token)
        .json(&json!({"name": "mine"}))
        .await;
    assert_eq!(stolen.status(), 403);
    assert_eq!(
        client.delete(&path).bearer(&mallory_token).await.status(),
        403
    );
    assert_eq!(
        client
            .patch("/items/999")
            .bearer(&mallory_token)
            .json(&json!({}))
            .await
            .status(),
        404
    );
    assert_eq!(
        client
            .delete("/items/999")
            .bearer(&mallory_token)
            .await
            .status(),
        404
    );
    assert_401(&client.patch(&path).json(&json!({"name": "x"})).await);
    assert_401(&client.delete(&path).await);

    // The owner: partial updates, null clears, the owner cannot be moved.
    let patched = client
        .patch(&path)
        .bearer(&alice_token)
        .json(&json!({"description": "bright", "owner_id": 5}))
        .await;
    assert_eq!(patched.status(), 200);
    let patched = patched.json();
    assert_eq!(patched["description"], "bright");
    assert_eq!(patched["name"], "lamp");
    assert_eq!(patched["owner_id"], alice["id"]);
    let cleared = client
        .patch(&path)
        .bearer(&alice_token)
        .json(&json!({"description": null}))
        .await
        .json();
    assert_eq!(cleared["description"], Value::Null);
    let invalid = client
        .patch(&path)
        .bearer(&alice_token)
        .json(&json!({"price": 0, "name": ""}))
        .await;
    assert_eq!(invalid.status(), 422);
    assert_eq!(invalid.json()["detail"].as_array().unwrap().len(), 2);
    assert_eq!(
        client.get(&path).await.json()["name"],
        "lamp",
        "a refused update changes nothing"
    );

    assert_eq!(
        client.delete(&path).bearer(&alice_token).await.status(),
        204
    );
    assert_eq!(client.get(&path).await.status(), 404);
}

async fn item_validation_and_paging_follow_the_contract(backend: Backend) {
    let Some(client) = items_client(backend).await else {
        return;
    };
    register(&client, "pat").await;
    let (token, _) = login(&client, "pat").await;
    let bad = client
        .post("/items")
        .bearer(&token)
        .json(&json!({"name": "", "price": -1}))
        .await;
    assert_eq!(bad.status(), 422);
    let types: Vec<&str> = bad.json()["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect::<Vec<_>>()
        .into_iter()
        .map(|s| {
            if s == "string_too_short" {
                "name"
            } else {
                "price"
            }
        })
        .collect();
    assert_eq!(types, vec!["name", "price"]);
    let long = client
        .post("/items")
        .bearer(&token)
        .json(&json!({"name": "x".repeat(101), "price": 1}))
        .await;
    assert_eq!(long.json()["detail"][0]["type"], "string_too_long");
    for i in 0..3 {
        let response = client
            .post("/items")
            .bearer(&token)
            .json(&json!({"name": format!("i{i}"), "price": 1.5}))
            .await;
        assert_eq!(response.status(), 201);
    }
    let page = client.get("/items?offset=1&limit=1").await.json();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["name"], "i1");
    assert_eq!(
        (
            page["total"].clone(),
            page["offset"].clone(),
            page["limit"].clone()
        ),
        (json!(3), json!(1), json!(1))
    );
    for query in ["limit=0", "limit=101", "offset=-1", "limit=x"] {
        let response = client.get(&format!("/items?{query}")).await;
        assert_eq!(response.status(), 422, "{query}");
        assert_eq!(response.json()["detail"][0]["loc"][0], "query");
    }
    assert_eq!(
        client.get("/items/nope").await.json()["detail"][0]["loc"],
        json!(["path", "id"])
    );
}

async fn no_response_ever_carries_a_password(backend: Backend) {
    let Some(client) = items_client(backend).await else {
        return;
    };
    let registered = client
        .post("/auth/register")
        .json(&json!({"email": "z@example.com", "username": "zed", "password": PASSWORD}))
        .await;
    assert_no_secrets(&registered);
    let duplicate = client
        .post("/auth/register")
        .json(&json!({"email": "z@example.com", "username": "zed", "password": PASSWORD}))
        .await;
    assert_no_secrets(&duplicate);
    let token = client
        .post("/auth/token")
        .form(&[("username", "zed"), ("password", PASSWORD)])
        .await;
    assert_no_secrets(&token);
    let bad = client
        .post("/auth/token")
        .form(&[("username", "zed"), ("password", "wrong-password")])
        .await;
    assert_no_secrets(&bad);
    let access = token.json()["access_token"].as_str().unwrap().to_owned();
    assert_no_secrets(&client.get("/users/me").bearer(&access).await);
    // And the database holds a hash, not the password.
    let pool = client.pool();
    let (stored,): (String,) = Query::new(pool.backend(), "SELECT password FROM users")
        .fetch_one(pool)
        .await
        .unwrap();
    assert!(
        stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{stored}"
    );
}

async fn logins_hash_off_the_executor(backend: Backend) {
    let Some(client) = items_client(backend).await else {
        return;
    };
    register(&client, "gil").await;
    // Eight logins hash at once; a plain read meanwhile is not queued behind them.
    let logins: Vec<_> = (0..8)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                let response = client
                    .post("/auth/token")
                    .form(&[("username", "gil"), ("password", PASSWORD)])
                    .await;
                (response.status(), std::time::Instant::now())
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let started = std::time::Instant::now();
    let read = client.get("/items").await;
    let read_done = std::time::Instant::now();
    assert_eq!(read.status(), 200);
    let mut last_login = started;
    for login in logins {
        let (status, done) = login.await.unwrap();
        assert_eq!(status, 200);
        last_login = last_login.max(done);
    }
    assert!(read_done <= last_login, "the read waited for every login");
    assert!(
        read_done - started < Duration::from_secs(2),
        "read took {:?}",
        read_done - started
    );
}

/// Sign-ups at the same time all succeed: the check that a login value names one user does not
/// make them deadlock each other (MariaDB's locking reads did, before a lock serialised them).
async fn concurrent_registrations_all_succeed(backend: Backend) {
    let Some(client) = items_client(backend).await else {
        return;
    };
    let requests = (0..16).map(|n| {
        let client = &client;
        async move {
            client
                .post("/auth/register")
                .json(&json!({"email": format!("c{n}@example.com"), "username": format!("user{n}"), "password": PASSWORD}))
                .await
        }
    });
    for answer in futures_util::future::join_all(requests).await {
        assert_eq!(answer.status(), 201, "{}", answer.text());
    }
}

on_every_backend!(
    concurrent_registrations_all_succeed,
    register_answers_the_user_without_password,
    register_conflicts_and_validation,
    login_with_username_or_email_and_identical_failures,
    inactive_users_are_refused,
    items_are_owned_by_their_creator,
    item_validation_and_paging_follow_the_contract,
    no_response_ever_carries_a_password,
    logins_hash_off_the_executor,
);
