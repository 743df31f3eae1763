//! Access rules beyond the reference app: scopes, owner-scoped reads, `auth(create)`, UUID user
//! ids, `CurrentUser` / `OptionalUser` on hand-written routes, and auth start-up errors.

use fastrs::auth::Secret;
use fastrs::db::{Backend, Query};
use fastrs::prelude::*;
use fastrs::testing::TestClient;
use fastrs_tests::{
    Note, Post, Report, SECRET, Staff, TestDb, memory, on_every_backend, start_up_error,
};
use serde_json::json;

async fn whoami(user: CurrentUser<Staff>) -> Json<serde_json::Value> {
    Json(json!({"handle": user.handle, "admin": user.require_scope("admin").is_ok()}))
}

async fn greeting(user: OptionalUser<Staff>) -> String {
    match user.0 {
        Some(user) => format!("hello {}", user.handle),
        None => "hello stranger".into(),
    }
}

async fn admin_only(user: CurrentUser<Staff>) -> Result<&'static str, ApiError> {
    user.require_scope("admin")?;
    Ok("secret stuff")
}

fn settings(db: &TestDb) -> Settings {
    let mut settings = db.settings();
    settings.auth.secret_key = Some(Secret::new(SECRET));
    settings
}

async fn app(backend: Backend) -> Option<TestClient> {
    let db = TestDb::new(backend).await?;
    let app = App::new(settings(&db))
        .auth::<Staff>()
        .resource::<Report>()
        .resource::<Note>()
        .resource::<Post>()
        .route("/whoami", get(whoami))
        .route("/greeting", get(greeting))
        .route("/admin", get(admin_only));
    Some(app.test_client().await.expect("app starts"))
}

/// Registers and logs in; `admin` grants the scope directly in the database.
async fn staff(client: &TestClient, handle: &str, admin: bool) -> (String, String) {
    let created = client
        .post("/auth/register")
        .json(&json!({"handle": handle, "password": "long enough"}))
        .await;
    assert_eq!(created.status(), 201, "{}", created.text());
    let id = created.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(created.json()["scopes"], json!([]));
    if admin {
        let pool = client.pool();
        Query::new(pool.backend(), "UPDATE staff SET scopes = $1 WHERE id = $2")
            .bind(vec!["admin".to_owned()])
            .bind(uuid::Uuid::parse_str(&id).unwrap())
            .execute(pool)
            .await
            .unwrap();
    }
    let token = client
        .post("/auth/token")
        .form(&[("username", handle), ("password", "long enough")])
        .await;
    assert_eq!(token.status(), 200, "{}", token.text());
    (
        id,
        token.json()["access_token"].as_str().unwrap().to_owned(),
    )
}

async fn scopes_guard_resources_and_routes(backend: Backend) {
    let Some(client) = app(backend).await else {
        return;
    };
    let (_, admin) = staff(&client, "root", true).await;
    let (_, user) = staff(&client, "user", false).await;
    assert_eq!(client.get("/reports").await.status(), 401);
    let refused = client.get("/reports").bearer(&user).await;
    assert_eq!(refused.status(), 403);
    assert_eq!(
        refused.json(),
        json!({"detail": "Not enough permissions: the `admin` scope is required"})
    );
    assert_eq!(
        client
            .post("/reports")
            .bearer(&user)
            .json(&json!({"title": "t"}))
            .await
            .status(),
        403
    );
    let created = client
        .post("/reports")
        .bearer(&admin)
        .json(&json!({"title": "t"}))
        .await;
    assert_eq!(created.status(), 201);
    assert_eq!(
        client.get("/reports").bearer(&admin).await.json()["total"],
        1
    );

    assert_eq!(client.get("/admin").bearer(&user).await.status(), 403);
    assert_eq!(
        client.get("/admin").bearer(&admin).await.text(),
        "secret stuff"
    );
    assert_eq!(
        client.get("/whoami").bearer(&admin).await.json(),
        json!({"handle": "root", "admin": true})
    );
    assert_eq!(client.get("/whoami").await.status(), 401);
}

async fn owner_reads_hide_other_users_rows(backend: Backend) {
    let Some(client) = app(backend).await else {
        return;
    };
    let (ann_id, ann) = staff(&client, "ann", false).await;
    let (_, ben) = staff(&client, "ben", false).await;
    let note = client
        .post("/notes")
        .bearer(&ann)
        .json(&json!({"text": "mine", "author": uuid::Uuid::nil()}))
        .await;
    assert_eq!(note.status(), 201, "{}", note.text());
    let note = note.json();
    assert_eq!(
        note["author"],
        ann_id.as_str(),
        "a UUID owner from the token"
    );
    client
        .post("/notes")
        .bearer(&ben)
        .json(&json!({"text": "his"}))
        .await;
    let path = format!("/notes/{}", note["id"]);

    assert_eq!(client.get("/notes").await.status(), 401);
    let anns = client.get("/notes").bearer(&ann).await.json();
    assert_eq!(anns["total"], 1);
    assert_eq!(anns["items"][0]["text"], "mine");
    assert_eq!(client.get(&path).bearer(&ann).await.status(), 200);
    assert_eq!(
        client.get(&path).bearer(&ben).await.status(),
        404,
        "others' rows do not exist for you"
    );
    // Writes answer as reads do: 404, so a status cannot tell whether someone else's id exists.
    assert_eq!(
        client
            .patch(&path)
            .bearer(&ben)
            .json(&json!({"text": "x"}))
            .await
            .status(),
        404
    );
    assert_eq!(client.delete(&path).bearer(&ben).await.status(), 404);
    assert_eq!(
        client.get(&path).bearer(&ann).await.status(),
        200,
        "untouched"
    );
}

async fn auth_create_leaves_reads_public(backend: Backend) {
    let Some(client) = app(backend).await else {
        return;
    };
    let (_, token) = staff(&client, "poster", false).await;
    assert_eq!(
        client
            .post("/posts")
            .json(&json!({"body": "b"}))
            .await
            .status(),
        401
    );
    let created = client
        .post("/posts")
        .bearer(&token)
        .json(&json!({"body": "b"}))
        .await;
    assert_eq!(created.status(), 201);
    let path = format!("/posts/{}", created.json()["id"]);
    assert_eq!(client.get(&path).await.status(), 200);
    assert_eq!(
        client
            .patch(&path)
            .json(&json!({"body": "c"}))
            .await
            .status(),
        200,
        "only create is guarded"
    );
}

async fn optional_user_is_none_without_a_token(backend: Backend) {
    let Some(client) = app(backend).await else {
        return;
    };
    let (_, token) = staff(&client, "opt", false).await;
    assert_eq!(client.get("/greeting").await.text(), "hello stranger");
    assert_eq!(
        client.get("/greeting").bearer(&token).await.text(),
        "hello opt"
    );
    assert_eq!(
        client.get("/greeting").bearer("garbage").await.status(),
        401
    );
}

on_every_backend!(
    a_test_can_stand_in_for_the_user,
    scopes_guard_resources_and_routes,
    owner_reads_hide_other_users_rows,
    auth_create_leaves_reads_public,
    optional_user_is_none_without_a_token,
);

#[tokio::test]
async fn a_missing_or_short_secret_key_is_a_start_up_error() {
    let error = start_up_error(App::new(memory()).auth::<Staff>()).await;
    assert!(error.contains("SECRET_KEY is not set"), "{error}");
    let mut short = memory();
    short.auth.secret_key = Some(Secret::new("too-short"));
    let error = start_up_error(App::new(short).auth::<Staff>()).await;
    assert!(
        error.contains("SECRET_KEY must be at least 32 bytes"),
        "{error}"
    );
}

#[tokio::test]
async fn development_mode_makes_a_throwaway_key() {
    let mut dev = memory();
    dev.auth.dev_mode = true;
    let client = App::new(dev)
        .auth::<Staff>()
        .test_client()
        .await
        .expect("starts in dev mode");
    let created = client
        .post("/auth/register")
        .json(&json!({"handle": "dev", "password": "long enough"}))
        .await;
    assert_eq!(created.status(), 201);
    let token = client
        .post("/auth/token")
        .form(&[("username", "dev"), ("password", "long enough")])
        .await;
    assert_eq!(token.status(), 200);
}

#[tokio::test]
async fn resources_that_need_callers_need_auth() {
    let error = start_up_error(App::new(memory()).resource::<Note>()).await;
    assert!(
        error.contains("Note requires authenticated callers: call App::auth"),
        "{error}"
    );
    let error = start_up_error(App::new(memory()).route("/whoami", get(whoami))).await;
    assert!(error.contains("GET /whoami needs users of"), "{error}");
}

#[tokio::test]
async fn an_owner_must_hold_the_users_id_type() {
    // Items' owner is an i64; Staff ids are UUIDs.
    let mut settings = memory();
    settings.auth.secret_key = Some(Secret::new(SECRET));
    let error = start_up_error(App::new(settings).auth::<Staff>().resource::<items::Item>()).await;
    assert!(
        error.contains("Item.owner_id holds the owner's id"),
        "{error}"
    );
}

fn key(name: &str) -> String {
    format!("{}/keys/{name}", env!("CARGO_MANIFEST_DIR"))
}

async fn asymmetric(algorithm: &str, private: &str, public: &str) -> TestClient {
    let mut settings = memory();
    settings.auth.algorithm = algorithm.into();
    settings.auth.private_key_file = Some(key(private));
    settings.auth.public_key_file = Some(key(public));
    App::new(settings)
        .auth::<Staff>()
        .route("/whoami", get(whoami))
        .test_client()
        .await
        .expect("starts")
}

#[tokio::test]
async fn rs256_and_eddsa_keys_sign_and_pin_their_algorithm() {
    for (algorithm, private, public) in [
        ("RS256", "rsa-private.pem", "rsa-public.pem"),
        ("EdDSA", "ed25519-private.pem", "ed25519-public.pem"),
    ] {
        let client = asymmetric(algorithm, private, public).await;
        let registered = client
            .post("/auth/register")
            .json(&json!({"handle": "kim", "password": "long enough"}))
            .await;
        let id = registered.json()["id"].as_str().unwrap().to_owned();
        let token = client
            .post("/auth/token")
            .form(&[("username", "kim"), ("password", "long enough")])
            .await;
        let access = token.json()["access_token"].as_str().unwrap().to_owned();
        let header = access.split('.').next().unwrap();
        assert!(
            fastrs_tests::b64url(format!(r#"{{"typ":"JWT","alg":"{algorithm}"}}"#).as_bytes())
                == header
                || fastrs_tests::b64url(
                    format!(r#"{{"alg":"{algorithm}","typ":"JWT"}}"#).as_bytes()
                ) == header,
            "{algorithm}: header {header}"
        );
        assert_eq!(
            client.get("/whoami").bearer(&access).await.status(),
            200,
            "{algorithm}"
        );

        // Algorithm confusion: an HS256 token whose HMAC key is the public key. The claims name
        // the real user, so only the signature check can refuse it: the same claims signed
        // with the real key are accepted.
        let public_pem = std::fs::read(key(public)).unwrap();
        let private_pem = std::fs::read(key(private)).unwrap();
        let claims = fastrs::auth::Keys::claims(
            id,
            fastrs::auth::TokenKind::Access,
            std::time::Duration::from_secs(60),
        );
        let real_keys = match algorithm {
            "RS256" => fastrs::auth::Keys::rs256(&private_pem, &public_pem),
            _ => fastrs::auth::Keys::eddsa(&private_pem, &public_pem),
        }
        .unwrap();
        let genuine = real_keys.encode(&claims).unwrap();
        assert_eq!(
            client.get("/whoami").bearer(&genuine).await.status(),
            200,
            "{algorithm}: the claims are valid"
        );
        let confused = fastrs::auth::Keys::hs256(&public_pem)
            .encode(&claims)
            .unwrap();
        assert_eq!(
            client.get("/whoami").bearer(&confused).await.status(),
            401,
            "{algorithm}"
        );
    }
}

#[tokio::test]
async fn asymmetric_keys_must_exist() {
    let mut settings = memory();
    settings.auth.algorithm = "RS256".into();
    let error = start_up_error(App::new(settings.clone()).auth::<Staff>()).await;
    assert!(
        error.contains("JWT_PRIVATE_KEY_FILE must be set"),
        "{error}"
    );
    settings.auth.private_key_file = Some(key("missing.pem"));
    settings.auth.public_key_file = Some(key("rsa-public.pem"));
    let error = start_up_error(App::new(settings.clone()).auth::<Staff>()).await;
    assert!(error.contains("missing.pem"), "{error}");
    settings.auth.algorithm = "none".into();
    let error = start_up_error(App::new(settings).auth::<Staff>()).await;
    assert!(
        error.contains("JWT_ALGORITHM=\"none\" is not supported"),
        "{error}"
    );
}

#[tokio::test]
async fn auth_routes_move_with_their_prefixes() {
    let mut settings = memory();
    settings.auth.secret_key = Some(Secret::new(SECRET));
    let options = fastrs::auth::AuthOptions {
        auth_prefix: "/api/auth".into(),
        users_prefix: "/api/people".into(),
        // RealWorld's `Authorization: Token <jwt>`.
        scheme: "Token".into(),
        ..Default::default()
    };
    let app = App::new(settings).auth_with::<Staff>(options);
    let document: serde_json::Value = serde_json::from_str(&app.openapi_json()).unwrap();
    let token_url = &document["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]["password"]
        ["tokenUrl"];
    assert_eq!(token_url, "/api/auth/token");
    let scheme = &document["components"]["securitySchemes"]["HTTPBearer"];
    assert_eq!(
        (&scheme["type"], &scheme["in"]),
        (&json!("apiKey"), &json!("header"))
    );
    let client = app.test_client().await.unwrap();
    assert_eq!(
        client
            .post("/auth/register")
            .json(&json!({"handle": "mo", "password": "long enough"}))
            .await
            .status(),
        404
    );
    let created = client
        .post("/api/auth/register")
        .json(&json!({"handle": "mo", "password": "long enough"}))
        .await;
    assert_eq!(created.status(), 201);
    let token = client
        .post("/api/auth/token")
        .form(&[("username", "mo"), ("password", "long enough")])
        .await;
    let access = token.json()["access_token"].as_str().unwrap().to_owned();
    let me = client
        .get("/api/people/me")
        .header("authorization", &format!("Token {access}"))
        .await;
    assert_eq!(me.json()["handle"], "mo");
    let bearer = client.get("/api/people/me").bearer(&access).await;
    assert_eq!(
        bearer.status(),
        401,
        "another scheme than the app's is no token"
    );
    assert_eq!(
        bearer.header("www-authenticate"),
        Some("Token"),
        "the challenge names the app's scheme"
    );
}

/// FastAPI's `dependency_overrides[get_current_user]`: every request is this user, no token.
async fn a_test_can_stand_in_for_the_user(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    // The stand-in is a real row (what it owns references it), found without a token.
    let seeded = App::new(settings(&db))
        .auth::<Staff>()
        .test_client()
        .await
        .unwrap();
    let registered = seeded
        .post("/auth/register")
        .json(&json!({"handle": "tester", "password": "long enough"}))
        .await;
    assert_eq!(registered.status(), 201, "{}", registered.text());
    let id: uuid::Uuid = registered.json()["id"].as_str().unwrap().parse().unwrap();
    let stand_in = move || Staff {
        id,
        handle: "tester".into(),
        password: String::new(),
        scopes: vec!["admin".into()],
    };
    let app = App::new(settings(&db))
        .auth::<Staff>()
        .resource::<Report>()
        .resource::<Note>()
        .route("/whoami", get(whoami))
        .route("/greeting", get(greeting));
    let client = app.override_user(stand_in).test_client().await.unwrap();
    assert_eq!(
        client.get("/whoami").await.json(),
        json!({"handle": "tester", "admin": true})
    );
    assert_eq!(client.get("/greeting").await.text(), "hello tester");
    assert_eq!(
        client
            .post("/reports")
            .json(&json!({"title": "t"}))
            .await
            .status(),
        201,
        "scope from the stand-in"
    );
    let note = client.post("/notes").json(&json!({"text": "mine"})).await;
    assert_eq!(note.status(), 201);
    assert_eq!(
        note.json()["author"],
        id.to_string(),
        "owner from the stand-in"
    );
}

#[tokio::test]
async fn a_stand_in_needs_auth_of_its_type() {
    let stand_in = || Staff {
        id: uuid::Uuid::nil(),
        handle: "x".into(),
        password: String::new(),
        scopes: vec![],
    };
    let error = start_up_error(App::new(memory()).override_user(stand_in)).await;
    assert!(error.contains("override_user needs App::auth"), "{error}");
}
