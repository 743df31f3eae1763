//! Computed flags (`#[resource(flag = Favorite)]`): whether the caller owns a row of another
//! resource that references a row, computed in the statement that reads it, on every route
//! that answers rows; false for anonymous callers and in the data API.

use fastrs::auth::Secret;
use fastrs::db::Backend;
use fastrs::prelude::*;
use fastrs::testing::TestClient;
use fastrs_tests::{SECRET, Staff, TestDb, on_every_backend, staff_token, start_up_error};
use serde_json::{Value, json};

/// A recipe, with its favourites counted and flagged.
#[derive(Resource)]
#[resource(table = "recipes", path = "/recipes", owner = cook_id)]
pub struct Recipe {
    #[resource(id)]
    pub id: i64,
    pub cook_id: Uuid,
    #[resource(filter)]
    pub title: String,
    #[resource(count = Star, filter, sort)]
    pub stars_count: i64,
    /// Whether the caller starred it.
    #[resource(flag = Star)]
    pub starred: bool,
}

/// A user's star on a recipe.
#[derive(Resource)]
#[resource(table = "stars", path = "/stars", owner = user_id)]
pub struct Star {
    #[resource(id)]
    pub id: i64,
    pub user_id: Uuid,
    #[resource(references = Recipe, on_delete = "cascade", link)]
    pub recipe_id: i64,
}

async fn client(backend: Backend) -> Option<(TestClient, TestDb)> {
    let db = TestDb::new(backend).await?;
    let mut settings = db.settings();
    settings.auth.secret_key = Some(Secret::new(SECRET));
    let client = App::new(settings)
        .auth::<Staff>()
        .resource::<Recipe>()
        .resource::<Star>()
        .test_client()
        .await
        .expect("app starts");
    Some((client, db))
}

/// `(title, stars_count, starred)` of each item of a list answer.
fn rows(list: &Value) -> Vec<(String, i64, bool)> {
    list["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{list}"))
        .iter()
        .map(|r| {
            (
                r["title"].as_str().unwrap().to_owned(),
                r["stars_count"].as_i64().unwrap(),
                r["starred"].as_bool().unwrap(),
            )
        })
        .collect()
}

async fn flags_show_the_callers_own_links(backend: Backend) {
    let Some((client, _db)) = client(backend).await else {
        return;
    };
    let (ann, ben) = (
        staff_token(&client, "ann").await,
        staff_token(&client, "ben").await,
    );
    let created = client
        .post("/recipes")
        .bearer(&ann)
        .json(&json!({"title": "soup", "starred": true}))
        .await;
    assert_eq!(created.status(), 201, "{}", created.text());
    assert_eq!(created.json()["starred"], false, "never read from a body");
    let soup = created.json()["id"].clone();
    client
        .post("/recipes")
        .bearer(&ann)
        .json(&json!({"title": "salad"}))
        .await;
    let star = |token: &str| client.put(&format!("/recipes/{soup}/stars")).bearer(token);
    assert_eq!(star(&ben).await.status(), 204);

    let everyone = client.get("/recipes").await.json();
    assert_eq!(
        rows(&everyone),
        [("soup".into(), 1, false), ("salad".into(), 0, false)]
    );
    let bens = client.get("/recipes").bearer(&ben).await.json();
    assert_eq!(
        rows(&bens),
        [("soup".into(), 1, true), ("salad".into(), 0, false)]
    );
    let anns = client.get("/recipes").bearer(&ann).await.json();
    assert_eq!(rows(&anns)[0], ("soup".into(), 1, false));

    let one = |token: Option<&str>| {
        let request = client.get(&format!("/recipes/{soup}"));
        match token {
            Some(token) => request.bearer(token),
            None => request,
        }
    };
    assert_eq!(one(Some(&ben)).await.json()["starred"], true);
    assert_eq!(one(Some(&ann)).await.json()["starred"], false);
    assert_eq!(one(None).await.json()["starred"], false);
    assert_eq!(
        one(Some("not-a-token")).await.status(),
        401,
        "a bad token is refused, not read as anonymous"
    );

    // Filtered, sorted and keyset-free lists, and writes that answer the row.
    let filtered = client
        .get("/recipes?stars_count__ge=1&sort=-stars_count")
        .bearer(&ben)
        .await
        .json();
    assert_eq!(rows(&filtered), [("soup".into(), 1, true)]);
    assert_eq!(star(&ann).await.status(), 204);
    let patched = client
        .patch(&format!("/recipes/{soup}"))
        .bearer(&ann)
        .json(&json!({"title": "stew"}))
        .await;
    assert_eq!(patched.status(), 200, "{}", patched.text());
    assert_eq!(
        (&patched.json()["stars_count"], &patched.json()["starred"]),
        (&json!(2), &json!(true))
    );

    // The data API has no caller: its flags are false.
    let mut db = Db::begin(client.pool()).await;
    let row = Recipe::get(&mut db, soup.as_i64().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((row.stars_count, row.starred), (2, false));
    let listed = Recipe::select().all(&mut db).await.unwrap();
    assert!(listed.iter().all(|r| !r.starred));
}

on_every_backend!(flags_show_the_callers_own_links);

/// A flag on a resource whose rows have no owner.
#[derive(Resource)]
#[resource(table = "tags_flagged")]
pub struct Tagged {
    #[resource(id)]
    pub id: i64,
    #[resource(flag = Label)]
    pub labelled: bool,
}

/// A label with no owner.
#[derive(Resource)]
#[resource(table = "labels_flagged")]
pub struct Label {
    #[resource(id)]
    pub id: i64,
    #[resource(references = Tagged)]
    pub tagged_id: i64,
}

#[tokio::test]
async fn a_flag_needs_an_owner_to_compare() {
    let app = App::new(fastrs_tests::memory())
        .resource::<Tagged>()
        .resource::<Label>();
    let error = start_up_error(app).await;
    assert!(error.contains("Label has no owner"), "{error}");
}
