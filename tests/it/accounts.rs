//! `Accounts<U>`: account routes of an API's own shape (RealWorld's), built on the same rules
//! as the built-in auth routes: hashed passwords, unique logins, equal work for unknown logins,
//! tokens that end when the password changes.

use fastrs::auth::{Accounts, AuthOptions, Secret};
use fastrs::db::Backend;
use fastrs::prelude::*;
use fastrs::testing::TestClient;
use fastrs_tests::{SECRET, TestDb, on_every_backend};
use serde_json::{Value, json};

/// A member: logs in with an e-mail or a username.
#[derive(Resource)]
#[resource(table = "members", path = "/members", user, operations())]
pub struct Member {
    #[resource(id)]
    pub id: i64,
    #[resource(login, unique)]
    #[validate(email)]
    pub email: String,
    #[resource(login, unique)]
    #[validate(length(min = 1))]
    pub username: String,
    #[resource(password)]
    #[validate(length(min = 8))]
    pub password: String,
    pub bio: Option<String>,
}

#[derive(Model)]
struct Credentials {
    email: String,
    password: String,
}

/// `{"user": {...}}`, RealWorld's envelopes.
#[derive(Model)]
struct SignUp {
    user: MemberCreate,
}

#[derive(Model)]
struct LogIn {
    user: Credentials,
}

#[derive(Model)]
struct Changes {
    #[serde(flatten)]
    changes: MemberUpdate,
    password: Option<String>,
}

#[derive(Model)]
struct Change {
    user: Changes,
}

fn answer(accounts_token: String, member: &Member) -> Json<Value> {
    Json(json!({"user": {
        "email": member.email, "username": member.username, "bio": member.bio,
        "token": accounts_token,
    }}))
}

async fn register(
    accounts: Accounts<Member>,
    mut db: Db,
    ValidJson(body): ValidJson<SignUp>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let member = accounts.register(&mut db, body.user).await?;
    let token = accounts.access_token(&mut db, &member).await?;
    Ok((StatusCode::CREATED, answer(token, &member)))
}

async fn login(
    accounts: Accounts<Member>,
    mut db: Db,
    ValidJson(LogIn { user: credentials }): ValidJson<LogIn>,
) -> Result<Json<Value>, ApiError> {
    let member = accounts
        .authenticate(&credentials.email, credentials.password)
        .await?
        .ok_or_else(|| ApiError::unauthorized("invalid credentials"))?;
    Ok(answer(
        accounts.access_token(&mut db, &member).await?,
        &member,
    ))
}

async fn update(
    accounts: Accounts<Member>,
    CurrentUser(me): CurrentUser<Member>,
    mut db: Db,
    ValidJson(Change { user }): ValidJson<Change>,
) -> Result<Json<Value>, ApiError> {
    let me = accounts.update(&mut db, &me, user.changes).await?;
    if let Some(password) = user.password {
        accounts.set_password(&mut db, &me, password).await?;
    }
    Ok(answer(accounts.access_token(&mut db, &me).await?, &me))
}

async fn current(CurrentUser(me): CurrentUser<Member>) -> Json<Value> {
    Json(json!({"user": {"email": me.email, "username": me.username}}))
}

/// RealWorld's account routes instead of the built-in ones, with its `Token` scheme.
fn app(settings: Settings) -> App {
    App::new(settings)
        .auth_with::<Member>(AuthOptions {
            scheme: "Token".into(),
            routes: false,
            ..AuthOptions::default()
        })
        .route("/users", post(register))
        .route("/users/login", post(login))
        .route("/user", get(current).put(update))
}

async fn client(backend: Backend) -> Option<(TestClient, TestDb)> {
    let db = TestDb::new(backend).await?;
    let mut settings = db.settings();
    settings.auth.secret_key = Some(Secret::new(SECRET));
    let client = app(settings).test_client().await.expect("app starts");
    Some((client, db))
}

async fn sign_up(client: &TestClient, email: &str, username: &str) -> String {
    let created = client
        .post("/users")
        .json(&json!({"user": {"email": email, "username": username, "password": "long enough"}}))
        .await;
    assert_eq!(created.status(), 201, "{}", created.text());
    assert!(!created.text().contains("argon2"), "no hash in answers");
    created.json()["user"]["token"].as_str().unwrap().to_owned()
}

async fn accounts_follow_the_auth_rules(backend: Backend) {
    let Some((client, _db)) = client(backend).await else {
        return;
    };
    assert_eq!(
        client
            .post("/auth/register")
            .json(&json!({}))
            .await
            .status(),
        404,
        "the built-in routes are off"
    );
    let ann = sign_up(&client, "ann@example.com", "ann").await;
    let me = client
        .get("/user")
        .header("authorization", &format!("Token {ann}"))
        .await;
    assert_eq!(me.json()["user"]["username"], "ann");
    sign_up(&client, "ben@example.com", "ben").await;

    // A login value names one member, whichever field it is in.
    let taken = client
        .post("/users")
        .json(&json!({"user": {"email": "ann@example.com", "username": "other", "password": "long enough"}}))
        .await;
    assert_eq!(taken.status(), 409, "{}", taken.text());
    let crossed = client
        .post("/users")
        .json(&json!({"user": {"email": "x@example.com", "username": "ann@example.com", "password": "long enough"}}))
        .await;
    assert_eq!(crossed.status(), 409, "{}", crossed.text());

    // Logging in: right, wrong password, unknown member.
    let login = |email: &str, password: &str| {
        client
            .post("/users/login")
            .json(&json!({"user": {"email": email, "password": password}}))
    };
    assert_eq!(login("ann@example.com", "long enough").await.status(), 200);
    assert_eq!(
        login("ann", "long enough").await.status(),
        200,
        "any login field"
    );
    assert_eq!(login("ann@example.com", "wrong one").await.status(), 401);
    assert_eq!(
        login("nobody@example.com", "long enough").await.status(),
        401
    );

    // Updates keep logins unique; a new password ends the old tokens.
    let stolen = client
        .put("/user")
        .header("authorization", &format!("Token {ann}"))
        .json(&json!({"user": {"username": "ben"}}))
        .await;
    assert_eq!(stolen.status(), 409, "{}", stolen.text());
    let short = client
        .put("/user")
        .header("authorization", &format!("Token {ann}"))
        .json(&json!({"user": {"password": "short"}}))
        .await;
    assert_eq!(short.status(), 422, "{}", short.text());
    assert_eq!(
        short.json()["detail"][0]["loc"],
        json!(["body", "password"])
    );
    let changed = client
        .put("/user")
        .header("authorization", &format!("Token {ann}"))
        .json(&json!({"user": {"bio": "hi", "password": "a new long one"}}))
        .await;
    assert_eq!(changed.status(), 200, "{}", changed.text());
    assert_eq!(changed.json()["user"]["bio"], "hi");
    let fresh = changed.json()["user"]["token"].as_str().unwrap().to_owned();
    assert_eq!(
        client
            .get("/user")
            .header("authorization", &format!("Token {ann}"))
            .await
            .status(),
        401,
        "old token ended"
    );
    assert_eq!(
        client
            .get("/user")
            .header("authorization", &format!("Token {fresh}"))
            .await
            .status(),
        200
    );
    assert_eq!(login("ann@example.com", "long enough").await.status(), 401);
    assert_eq!(
        login("ann@example.com", "a new long one").await.status(),
        200
    );
}

on_every_backend!(accounts_follow_the_auth_rules);

#[test]
fn without_the_built_in_routes_the_document_has_no_password_flow() {
    let document: Value =
        serde_json::from_str(&app(fastrs_tests::memory()).openapi_json()).unwrap();
    assert!(document["paths"].get("/auth/token").is_none());
    let schemes = &document["components"]["securitySchemes"];
    assert!(schemes.get("OAuth2PasswordBearer").is_none(), "{schemes}");
    assert_eq!(
        document["paths"]["/user"]["get"]["security"],
        json!([{"HTTPBearer": []}])
    );
}
