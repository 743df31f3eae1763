//! `examples/conduit` through HTTP, on every database: RealWorld's endpoints, shapes, status
//! codes and error messages, as its current test suite checks them.

use fastrs::db::Backend;
use fastrs::testing::{TestClient, TestRequest};
use fastrs_tests::{SECRET, TestDb, on_every_backend};
use serde_json::{Value, json};

async fn client(backend: Backend) -> Option<(TestClient, TestDb)> {
    let db = TestDb::new(backend).await?;
    let mut settings = db.settings();
    settings.auth.secret_key = Some(fastrs::auth::Secret::new(SECRET));
    let client = conduit::app(settings)
        .test_client()
        .await
        .expect("app starts");
    Some((client, db))
}

/// `Authorization: Token <jwt>`.
fn as_user(request: TestRequest, token: &str) -> TestRequest {
    request.header("authorization", &format!("Token {token}"))
}

async fn sign_up(client: &TestClient, name: &str) -> String {
    let response = client
        .post("/api/users")
        .json(&json!({"user": {"username": name, "email": format!("{name}@example.com"), "password": "password1"}}))
        .await;
    assert_eq!(response.status(), 201, "{}", response.text());
    let user = &response.json()["user"];
    assert_eq!(user["username"], name);
    assert_eq!(user["bio"], Value::Null);
    assert!(user.get("password").is_none());
    user["token"].as_str().unwrap().to_owned()
}

fn errors(response: &fastrs::testing::TestResponse) -> Value {
    response.json()["errors"].clone()
}

async fn users_and_profiles(backend: Backend) {
    let Some((client, _db)) = client(backend).await else {
        return;
    };
    let ann = sign_up(&client, "ann").await;
    let ben = sign_up(&client, "ben").await;

    // Registration errors.
    let taken = client
        .post("/api/users")
        .json(&json!({"user": {"username": "ann", "email": "new@example.com", "password": "password1"}}))
        .await;
    assert_eq!(taken.status(), 409);
    assert_eq!(
        errors(&taken),
        json!({"username": ["has already been taken"]})
    );
    let taken = client
        .post("/api/users")
        .json(&json!({"user": {"username": "new", "email": "ann@example.com", "password": "password1"}}))
        .await;
    assert_eq!(errors(&taken), json!({"email": ["has already been taken"]}));
    let blank = client
        .post("/api/users")
        .json(&json!({"user": {"username": "", "email": "x@example.com"}}))
        .await;
    assert_eq!(blank.status(), 422);
    assert_eq!(
        errors(&blank),
        json!({"username": ["can't be blank"], "password": ["can't be blank"]})
    );

    // Login.
    let login = |email: &str, password: &str| {
        client
            .post("/api/users/login")
            .json(&json!({"user": {"email": email, "password": password}}))
    };
    let ok = login("ann@example.com", "password1").await;
    assert_eq!(ok.status(), 200, "{}", ok.text());
    assert!(ok.json()["user"]["token"].is_string());
    let bad = login("ann@example.com", "wrong password").await;
    assert_eq!(bad.status(), 401);
    assert_eq!(errors(&bad), json!({"credentials": ["invalid"]}));
    assert_eq!(login("", "").await.status(), 422);

    // The current user.
    let me = as_user(client.get("/api/user"), &ann).await;
    assert_eq!(me.json()["user"]["email"], "ann@example.com");
    let anonymous = client.get("/api/user").await;
    assert_eq!(anonymous.status(), 401);
    assert_eq!(errors(&anonymous), json!({"token": ["is missing"]}));
    assert_eq!(
        as_user(client.get("/api/user"), "nonsense").await.status(),
        401
    );
    let bearer = client.get("/api/user").bearer(&ann).await;
    assert_eq!(bearer.status(), 401, "the scheme is Token");

    // Updates: bio set and cleared, blanks refused, a new password.
    let update = |token: &str, user: Value| {
        as_user(client.put("/api/user"), token).json(&json!({ "user": user }))
    };
    let updated = update(
        &ann,
        json!({"bio": "I write", "image": "https://example.com/a.png"}),
    )
    .await;
    assert_eq!(updated.status(), 200, "{}", updated.text());
    assert_eq!(updated.json()["user"]["bio"], "I write");
    let cleared = update(&ann, json!({"bio": ""})).await;
    assert_eq!(cleared.json()["user"]["bio"], Value::Null);
    for bad in [
        json!({"email": ""}),
        json!({"username": null}),
        json!({"password": "short"}),
    ] {
        assert_eq!(update(&ann, bad.clone()).await.status(), 422, "{bad}");
    }
    let taken = update(&ann, json!({"username": "ben"})).await;
    assert_eq!(taken.status(), 409);
    assert_eq!(
        errors(&taken),
        json!({"username": ["has already been taken"]})
    );
    let taken = update(&ann, json!({"email": "ben@example.com"})).await;
    assert_eq!(errors(&taken), json!({"email": ["has already been taken"]}));
    let same = update(&ann, json!({"username": "ann", "email": "ann@example.com"})).await;
    assert_eq!(same.status(), 200, "{}", same.text());
    let renewed = update(&ann, json!({"password": "a longer password"})).await;
    let ann = renewed.json()["user"]["token"].as_str().unwrap().to_owned();
    assert_eq!(
        login("ann@example.com", "a longer password").await.status(),
        200
    );

    // Profiles and follows.
    let profile = client.get("/api/profiles/ann").await;
    assert_eq!(
        profile.json(),
        json!({"profile": {"username": "ann", "bio": Value::Null, "image": "https://example.com/a.png", "following": false}})
    );
    assert_eq!(client.get("/api/profiles/nobody").await.status(), 404);
    assert_eq!(
        errors(&client.get("/api/profiles/nobody").await),
        json!({"profile": ["not found"]})
    );
    let followed = as_user(client.post("/api/profiles/ann/follow"), &ben).await;
    assert_eq!(followed.status(), 200, "{}", followed.text());
    assert_eq!(followed.json()["profile"]["following"], true);
    let again = as_user(client.post("/api/profiles/ann/follow"), &ben).await;
    assert_eq!(again.json()["profile"]["following"], true, "idempotent");
    let seen = as_user(client.get("/api/profiles/ann"), &ben).await;
    assert_eq!(seen.json()["profile"]["following"], true);
    assert_eq!(client.post("/api/profiles/ann/follow").await.status(), 401);
    assert_eq!(
        as_user(client.post("/api/profiles/nobody/follow"), &ben)
            .await
            .status(),
        404
    );
    let unfollowed = as_user(client.delete("/api/profiles/ann/follow"), &ben).await;
    assert_eq!(unfollowed.json()["profile"]["following"], false);
    let _ = ann;
}

async fn new_article(client: &TestClient, token: &str, title: &str, tags: &[&str]) -> Value {
    let response = as_user(client.post("/api/articles"), token)
        .json(&json!({"article": {"title": title, "description": "about it", "body": "the text", "tagList": tags}}))
        .await;
    assert_eq!(response.status(), 201, "{}", response.text());
    response.json()["article"].clone()
}

async fn articles_favourites_and_feed(backend: Backend) {
    let Some((client, _db)) = client(backend).await else {
        return;
    };
    let ann = sign_up(&client, "ann").await;
    let ben = sign_up(&client, "ben").await;
    let first = new_article(&client, &ann, "How to train", &["dragons", "training"]).await;
    assert_eq!(first["tagList"], json!(["dragons", "training"]));
    assert_eq!(first["favorited"], false);
    assert_eq!(first["favoritesCount"], 0);
    assert_eq!(first["author"]["username"], "ann");
    assert!(first["createdAt"].as_str().unwrap().ends_with('Z'));
    let twin = new_article(&client, &ann, "How to train", &[]).await;
    assert_ne!(first["slug"], twin["slug"], "titles need not be unique");
    new_article(&client, &ben, "Ben's", &["training"]).await;
    let slug = first["slug"].as_str().unwrap().to_owned();

    // Blank fields and anonymous writes.
    let blank = as_user(client.post("/api/articles"), &ann)
        .json(&json!({"article": {"title": "", "description": "d"}}))
        .await;
    assert_eq!(blank.status(), 422);
    assert_eq!(
        errors(&blank),
        json!({"title": ["can't be blank"], "body": ["can't be blank"]})
    );
    let anonymous = client
        .post("/api/articles")
        .json(&json!({"article": {"title": "t", "description": "d", "body": "b"}}))
        .await;
    assert_eq!(anonymous.status(), 401);

    // Reading one and lists.
    let one = client.get(&format!("/api/articles/{slug}")).await;
    assert_eq!(one.json()["article"]["body"], "the text");
    assert_eq!(
        errors(&client.get("/api/articles/nothing-here").await),
        json!({"article": ["not found"]})
    );
    let all = client.get("/api/articles").await.json();
    assert_eq!(all["articlesCount"], 3);
    assert_eq!(all["articles"][0]["title"], "Ben's", "most recent first");
    assert!(
        all["articles"][0].get("body").is_none(),
        "list items have no body"
    );
    let page = client.get("/api/articles?limit=1&offset=1").await.json();
    assert_eq!(
        (
            page["articles"].as_array().unwrap().len(),
            &page["articlesCount"]
        ),
        (1, &json!(3))
    );
    let tagged = client.get("/api/articles?tag=training").await.json();
    assert_eq!(tagged["articlesCount"], 2);
    let by_ann = client.get("/api/articles?author=ann").await.json();
    assert_eq!(by_ann["articlesCount"], 2);
    let by_nobody = client.get("/api/articles?author=nobody").await.json();
    assert_eq!(by_nobody["articlesCount"], 0);

    // Favourites.
    let favorited = as_user(client.post(&format!("/api/articles/{slug}/favorite")), &ben).await;
    assert_eq!(favorited.status(), 200, "{}", favorited.text());
    assert_eq!(
        (
            &favorited.json()["article"]["favorited"],
            &favorited.json()["article"]["favoritesCount"]
        ),
        (&json!(true), &json!(1))
    );
    let again = as_user(client.post(&format!("/api/articles/{slug}/favorite")), &ben).await;
    assert_eq!(again.json()["article"]["favoritesCount"], 1, "idempotent");
    let liked = client.get("/api/articles?favorited=ben").await.json();
    assert_eq!(liked["articlesCount"], 1);
    let seen = as_user(client.get("/api/articles"), &ben).await.json();
    let flags: Vec<&Value> = seen["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["favorited"])
        .collect();
    assert_eq!(flags, [&json!(false), &json!(false), &json!(true)]);
    let anonymous = client.get(&format!("/api/articles/{slug}")).await.json();
    assert_eq!(anonymous["article"]["favorited"], false);
    let unfavorited = as_user(
        client.delete(&format!("/api/articles/{slug}/favorite")),
        &ben,
    )
    .await;
    assert_eq!(unfavorited.json()["article"]["favoritesCount"], 0);
    assert_eq!(
        as_user(client.post("/api/articles/nothing-here/favorite"), &ben)
            .await
            .status(),
        404
    );

    // The feed: followed authors only.
    let feed = as_user(client.get("/api/articles/feed"), &ben).await.json();
    assert_eq!(feed["articlesCount"], 0);
    as_user(client.post("/api/profiles/ann/follow"), &ben).await;
    let feed = as_user(client.get("/api/articles/feed"), &ben).await.json();
    assert_eq!(feed["articlesCount"], 2);
    assert_eq!(feed["articles"][0]["author"]["following"], true);
    assert_eq!(client.get("/api/articles/feed").await.status(), 401);

    // Updates and deletes: the author only.
    let url = format!("/api/articles/{slug}");
    let forbidden = as_user(client.put(&url), &ben)
        .json(&json!({"article": {"title": "Mine now"}}))
        .await;
    assert_eq!(forbidden.status(), 403);
    assert_eq!(errors(&forbidden), json!({"article": ["forbidden"]}));
    let null_tags = as_user(client.put(&url), &ann)
        .json(&json!({"article": {"tagList": null}}))
        .await;
    assert_eq!(null_tags.status(), 422);
    let updated = as_user(client.put(&url), &ann)
        .json(&json!({"article": {"body": "new text"}}))
        .await;
    assert_eq!(updated.status(), 200, "{}", updated.text());
    let article = &updated.json()["article"];
    assert_eq!(article["body"], "new text");
    assert_eq!(
        article["tagList"],
        json!(["dragons", "training"]),
        "absent keeps the tags"
    );
    assert_eq!(article["createdAt"], first["createdAt"]);
    assert_ne!(article["updatedAt"], first["updatedAt"]);
    let cleared = as_user(client.put(&url), &ann)
        .json(&json!({"article": {"tagList": []}}))
        .await;
    assert_eq!(cleared.json()["article"]["tagList"], json!([]));
    assert_eq!(as_user(client.delete(&url), &ben).await.status(), 403);
    assert_eq!(client.delete(&url).await.status(), 401);
    assert_eq!(as_user(client.delete(&url), &ann).await.status(), 204);
    assert_eq!(client.get(&url).await.status(), 404);

    let tags = client.get("/api/tags").await.json();
    let mut tags: Vec<String> = serde_json::from_value(tags["tags"].clone()).unwrap();
    tags.sort();
    assert_eq!(tags, ["dragons", "training"]);
}

async fn comments(backend: Backend) {
    let Some((client, _db)) = client(backend).await else {
        return;
    };
    let ann = sign_up(&client, "ann").await;
    let ben = sign_up(&client, "ben").await;
    let slug = new_article(&client, &ann, "Talk", &[]).await["slug"]
        .as_str()
        .unwrap()
        .to_owned();
    let url = format!("/api/articles/{slug}/comments");
    let added = as_user(client.post(&url), &ben)
        .json(&json!({"comment": {"body": "Nice"}}))
        .await;
    assert_eq!(added.status(), 201, "{}", added.text());
    let comment = added.json()["comment"].clone();
    assert!(comment["id"].is_i64());
    assert_eq!(comment["author"]["username"], "ben");
    let blank = as_user(client.post(&url), &ben)
        .json(&json!({"comment": {"body": ""}}))
        .await;
    assert_eq!(errors(&blank), json!({"body": ["can't be blank"]}));
    assert_eq!(
        client
            .post(&url)
            .json(&json!({"comment": {"body": "x"}}))
            .await
            .status(),
        401
    );
    assert_eq!(
        as_user(client.post("/api/articles/nothing-here/comments"), &ben)
            .json(&json!({"comment": {"body": "x"}}))
            .await
            .status(),
        404
    );

    let listed = client.get(&url).await.json();
    assert_eq!(listed["comments"].as_array().unwrap().len(), 1);
    assert_eq!(listed["comments"][0]["body"], "Nice");
    assert_eq!(
        client
            .get("/api/articles/nothing-here/comments")
            .await
            .status(),
        404
    );

    let one = format!("{url}/{}", comment["id"]);
    let forbidden = as_user(client.delete(&one), &ann).await;
    assert_eq!(forbidden.status(), 403);
    assert_eq!(errors(&forbidden), json!({"comment": ["forbidden"]}));
    assert_eq!(
        errors(&as_user(client.delete(&format!("{url}/999999")), &ben).await),
        json!({"comment": ["not found"]})
    );
    assert_eq!(as_user(client.delete(&one), &ben).await.status(), 204);
    assert_eq!(client.get(&url).await.json()["comments"], json!([]));
}

on_every_backend!(users_and_profiles, articles_favourites_and_feed, comments);

/// CI's guard: a model changed without a migration fails here, on every backend.
#[test]
fn the_migrations_match_the_models() {
    let migrations = fastrs::migrate::Migrations::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/conduit/migrations"
    ));
    let app = conduit::app(fastrs_tests::memory());
    for backend in Backend::ALL {
        migrations
            .check(&app.schema(backend), backend)
            .unwrap_or_else(|error| panic!("{error}"));
    }
}

/// A taken username or e-mail address is the database's 409, not one of the handlers' own
/// errors: the routes that can meet it document it, in RealWorld's error body.
#[test]
fn the_409s_of_taken_names_are_documented() {
    let document: Value =
        serde_json::from_str(&conduit::app(fastrs_tests::memory()).openapi_json()).unwrap();
    for (path, method) in [("/users", "post"), ("/user", "put")] {
        let conflict = &document["paths"][path][method]["responses"]["409"];
        assert!(conflict.is_object(), "{method} {path}: {conflict}");
        let schema = &conflict["content"]["application/json"]["schema"];
        assert!(!schema.is_null(), "{method} {path}: {conflict}");
    }
}
