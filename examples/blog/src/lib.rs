//! A small blog: users, posts with a status, comments that belong to posts, a publish action
//! with a rule on the whole post (kept by a hook on every update too), and a validated search.
//! The resources are declarations; the two hand-written endpoints use models for their bodies,
//! queries and answers, and the data API for their reads and writes.

use fastrs::db::Db;
use fastrs::extract::{Path, Query};
use fastrs::hooks::{HookCx, Hooks};
use fastrs::prelude::*;
use fastrs::routing::ApiRouter;
use fastrs::stream::sse::{Event, KeepAlive, Sse};
use fastrs::tasks::BackgroundTasks;
use tokio::sync::broadcast;

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
#[resource(table = "posts", owner = author_id, auth(create, update, delete), hooks)]
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

/// A published post needs a body.
fn publishable(post: &Post) -> Result<(), ApiError> {
    match (post.status, post.body.as_deref().map(str::trim)) {
        (Status::Published, None | Some("")) => Err(ApiError::unprocessable(
            "body",
            "a published post needs a body",
        )),
        _ => Ok(()),
    }
}

/// The rule holds on every update: a `PATCH` that empties a published post's body is refused.
impl Hooks for Post {
    async fn after_update(_: &mut HookCx<'_>, _: &Post, new: &Post) -> Result<(), ApiError> {
        publishable(new)
    }
}

/// The titles of posts as they are published, for `GET /posts/live`.
#[derive(Clone)]
pub struct Live(broadcast::Sender<String>);

/// Publishes one of the caller's posts; the announcement goes out after the commit.
async fn publish(
    mut db: Db,
    user: CurrentUser<User>,
    tasks: BackgroundTasks,
    Dep(live): Dep<Live>,
    Path(id): Path<i64>,
    ValidJson(publish): ValidJson<Publish>,
) -> Result<Json<PostResponse>, ApiError> {
    let post = Post::get(&mut db, id).await?;
    let post = post.ok_or_else(|| ApiError::not_found("Post not found"))?;
    if post.author_id != user.id {
        return Err(ApiError::forbidden("Not enough permissions"));
    }
    let change = PostUpdate {
        status: Patch::Value(Status::Published),
        ..Default::default()
    };
    let published = Post::update(&mut db, id, change).await?;
    let published = published.ok_or_else(|| ApiError::not_found("Post not found"))?;
    publishable(&published)?;
    let title = published.title.clone();
    tasks.add(async move {
        tracing::info!(title, note = publish.note.unwrap_or_default(), "announce");
        let _ = live.0.send(title);
    });
    Ok(Json(published.into()))
}

/// Posts whose title holds `q`, newest first.
async fn search(
    mut db: Db,
    Query(search): Query<Search>,
) -> Result<Json<Vec<PostResponse>>, ApiError> {
    let mut posts = Post::select().filter(Post::TITLE.icontains(&search.q));
    if let Some(status) = search.status {
        posts = posts.filter(Post::STATUS.eq(status));
    }
    let limit = u32::try_from(search.limit).unwrap_or(10);
    let posts = posts
        .order(Post::ID.desc())
        .limit(limit)
        .all(&mut db)
        .await?;
    Ok(Json(posts.into_iter().map(PostResponse::from).collect()))
}

/// Server-sent events: the title of each post published from now on.
async fn live(
    Dep(live): Dep<Live>,
) -> Sse<impl fastrs::stream::Stream<Item = Result<Event, std::convert::Infallible>>> {
    let events = fastrs::stream::broadcast(live.0.subscribe(), |title| {
        Ok(Event::default().event("published").data(title))
    });
    Sse::new(events).keep_alive(KeepAlive::default())
}

/// The application.
pub fn app(settings: Settings) -> App {
    App::new(settings)
        .auth::<User>()
        .resource::<Post>()
        .resource::<Comment>()
        .dep(Live(broadcast::channel(64).0))
        .nest(
            "/posts",
            ApiRouter::new()
                .tag("posts")
                .route("/{id}/publish", post(publish))
                .route("/live", get(live)),
        )
        .route("/search", get(search))
}
