//! A small blog: users, posts with a status, comments that belong to posts, a publish action
//! with a rule on the whole post, and a validated search. The resources are declarations; the
//! two hand-written endpoints use models for their bodies, queries and answers.

use fastrs::db::Db;
use fastrs::extract::{Path, Query};
use fastrs::prelude::*;
use fastrs::tasks::BackgroundTasks;
use fastrs::validate::Violation;

/// Someone who writes.
#[derive(Resource)]
#[resource(table = "users", user)]
pub struct User {
    #[resource(id)]
    pub id: i64,
    #[resource(unique, login)]
    #[validate(email)]
    pub email: String,
    #[resource(unique, login)]
    #[validate(length(min = 3, max = 30))]
    pub username: String,
    #[resource(password)]
    #[validate(length(min = 8))]
    pub password: String,
}

/// Whether readers see a post.
#[derive(Model, Debug, Clone, Copy, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Draft,
    Published,
}

/// A post: written as a draft, published by its author.
#[derive(Resource)]
#[resource(table = "posts", owner = author_id, auth(create, update, delete))]
pub struct Post {
    #[resource(id)]
    pub id: i64,
    #[validate(length(min = 1, max = 120))]
    pub title: String,
    /// The text; a post needs one to be published.
    pub body: Option<String>,
    #[resource(read_only, default = Status::Draft, index)]
    pub status: Status,
    pub author_id: i64,
    #[resource(created_at)]
    pub created_at: DateTime<Utc>,
}

/// A comment on a post; deleting the post deletes its comments.
#[derive(Resource)]
#[resource(table = "comments", owner = author_id, auth(create, delete), operations(list, create, read, delete))]
pub struct Comment {
    #[resource(id)]
    pub id: i64,
    #[resource(references = Post, on_delete = "cascade")]
    pub post_id: i64,
    #[validate(length(min = 1, max = 1000))]
    pub body: String,
    pub author_id: i64,
    #[resource(created_at)]
    pub created_at: DateTime<Utc>,
}

/// The body of `POST /posts/{id}/publish`.
#[derive(Model)]
pub struct Publish {
    /// Shown to followers with the announcement.
    #[validate(length(max = 200))]
    pub note: Option<String>,
}

/// `GET /search`: posts whose title holds `q`.
#[derive(Model)]
pub struct Search {
    /// At least three characters.
    #[validate(length(min = 3, max = 100))]
    pub q: String,
    pub status: Option<Status>,
    #[validate(range(ge = 1, le = 50))]
    #[serde(default = "ten")]
    pub limit: i64,
}

fn ten() -> i64 {
    10
}

/// A post with a body can be published.
fn publishable(post: &Post) -> Result<(), Violation> {
    match post.body.as_deref().map(str::trim) {
        Some(body) if !body.is_empty() => Ok(()),
        _ => Err(Violation::value_error("a published post needs a body").at("body")),
    }
}

/// Publishes one of the caller's posts; the announcement goes out after the commit.
async fn publish(
    mut db: Db,
    user: CurrentUser<User>,
    tasks: BackgroundTasks,
    Path(id): Path<i64>,
    ValidJson(publish): ValidJson<Publish>,
) -> Result<Json<PostResponse>, ApiError> {
    let post: Post = db
        .query("SELECT id, title, body, status, author_id, created_at FROM posts WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut db)
        .await?
        .ok_or_else(|| ApiError::not_found("Post not found"))?;
    if post.author_id != user.id {
        return Err(ApiError::forbidden("Not enough permissions"));
    }
    if let Err(violation) = publishable(&post) {
        let error = fastrs::validate::FieldError::new(vec!["body".into()], violation, None);
        return Err(fastrs::validate::ValidationErrors::single(error).into());
    }
    let published: Post = db
        .query(
            "UPDATE posts SET status = $1 WHERE id = $2 \
             RETURNING id, title, body, status, author_id, created_at",
        )
        .bind(Status::Published)
        .bind(id)
        .fetch_one(&mut db)
        .await?;
    let title = published.title.clone();
    tasks.add(async move {
        tracing::info!(title, note = publish.note.unwrap_or_default(), "announce");
    });
    Ok(Json(published.into()))
}

/// Posts whose title holds `q`, newest first.
async fn search(
    mut db: Db,
    Query(search): Query<Search>,
) -> Result<Json<Vec<PostResponse>>, ApiError> {
    let pattern = format!("%{}%", search.q.to_lowercase());
    let posts: Vec<Post> = db
        .query(
            "SELECT id, title, body, status, author_id, created_at FROM posts \
             WHERE LOWER(title) LIKE $1 AND ($2 IS NULL OR status = $2) \
             ORDER BY id DESC LIMIT $3",
        )
        .bind(pattern)
        .bind(search.status)
        .bind(search.limit)
        .fetch_all(&mut db)
        .await?;
    Ok(Json(posts.into_iter().map(PostResponse::from).collect()))
}

/// The application.
pub fn app(settings: Settings) -> App {
    App::new(settings)
        .auth::<User>()
        .resource::<Post>()
        .resource::<Comment>()
        .route("/posts/{id}/publish", post(publish))
        .route("/search", get(search))
}
