//! RealWorld ("Conduit") on fastrs: users, profiles and follows, articles with slugs and tags,
//! favourites, comments and a feed, in RealWorld's own shapes (`{"article": ...}` envelopes,
//! `{"errors": {"title": ["can't be blank"]}}`, `Authorization: Token <jwt>`).
//!
//! The tables are resources without generated routes; the routes are hand-written over the data
//! API. Favourite counts and flags, and whether the caller follows an author, are computed
//! fields (`count`, `flag`), so a page of articles is three queries: the page, its count, and
//! its authors.

use std::collections::HashMap;

use fastrs::auth::{Accounts, AuthOptions, OptionalUser, Principal};
use fastrs::data::Select;
use fastrs::error::{ErrorFormat, ErrorView};
use fastrs::extract::{Path, Query};
use fastrs::openapi::{DocsOptions, Registry, ToSchema, object};
use fastrs::prelude::*;
use fastrs::response::{NoContent, Status};
use fastrs::serde_json::{Map, Value, json};
use fastrs::validate::Keyed;

/// A user; logs in with an e-mail address.
#[derive(Resource)]
#[resource(table = "users", user, operations())]
pub struct User {
    #[resource(id)]
    pub id: i64,
    #[resource(login, unique)]
    #[validate(length(min = 1))]
    pub email: String,
    #[resource(unique)]
    #[validate(length(min = 1))]
    pub username: String,
    #[resource(password)]
    #[validate(length(min = 8))]
    pub password: String,
    pub bio: Option<String>,
    pub image: Option<String>,
    #[resource(flag = Follow)]
    pub following: bool,
}

/// The caller follows a user.
#[derive(Resource)]
#[resource(table = "follows", owner = follower_id, unique(follower_id, followee_id), operations())]
pub struct Follow {
    #[resource(id)]
    pub id: i64,
    pub follower_id: i64,
    #[resource(references = User, on_delete = "cascade")]
    pub followee_id: i64,
}

/// An article, addressed by its slug.
#[derive(Resource)]
#[resource(table = "articles", owner = author_id, rename_all = "camelCase", operations())]
pub struct Article {
    #[resource(id)]
    pub id: i64,
    pub author_id: i64,
    /// Set from the title when the article is created.
    #[resource(unique, read_only, default = String::new())]
    pub slug: String,
    #[validate(length(min = 1))]
    pub title: String,
    #[validate(length(min = 1))]
    pub description: String,
    #[validate(length(min = 1))]
    pub body: String,
    #[resource(filter, default = Vec::<String>::new())]
    pub tag_list: Vec<String>,
    #[resource(created_at, index)]
    pub created_at: DateTime<Utc>,
    #[resource(updated_at)]
    pub updated_at: DateTime<Utc>,
    #[resource(count = Favorite)]
    pub favorites_count: i64,
    #[resource(flag = Favorite)]
    pub favorited: bool,
}

/// The caller's favourite article.
#[derive(Resource)]
#[resource(table = "favorites", owner = user_id, unique(user_id, article_id), operations())]
pub struct Favorite {
    #[resource(id)]
    pub id: i64,
    pub user_id: i64,
    #[resource(references = Article, on_delete = "cascade")]
    pub article_id: i64,
}

/// A comment on an article.
#[derive(Resource)]
#[resource(table = "comments", owner = author_id, operations())]
pub struct Comment {
    #[resource(id)]
    pub id: i64,
    pub author_id: i64,
    #[resource(references = Article, on_delete = "cascade")]
    pub article_id: i64,
    #[validate(length(min = 1))]
    pub body: String,
    #[resource(created_at)]
    pub created_at: DateTime<Utc>,
    #[resource(updated_at)]
    pub updated_at: DateTime<Utc>,
}

/// A tag some article carries (what `GET /tags` lists).
#[derive(Resource)]
#[resource(table = "tags", operations())]
pub struct Tag {
    #[resource(id)]
    pub id: i64,
    #[resource(unique)]
    pub name: String,
}

// ---- bodies -------------------------------------------------------------------------------

#[derive(Model)]
#[model(key = "user")]
pub struct NewUser {
    #[validate(length(min = 1))]
    pub username: String,
    #[validate(length(min = 1))]
    pub email: String,
    #[validate(length(min = 8))]
    pub password: String,
}

#[derive(Model)]
#[model(key = "user")]
pub struct Login {
    #[validate(length(min = 1))]
    pub email: String,
    #[validate(length(min = 1))]
    pub password: String,
}

#[derive(Model)]
#[model(key = "user")]
pub struct UserChanges {
    #[validate(length(min = 1))]
    #[model(not_null)]
    #[serde(default)]
    pub email: Patch<String>,
    #[validate(length(min = 1))]
    #[model(not_null)]
    #[serde(default)]
    pub username: Patch<String>,
    #[validate(length(min = 8))]
    #[model(not_null)]
    #[serde(default)]
    pub password: Patch<String>,
    #[serde(default)]
    pub bio: Patch<String>,
    #[serde(default)]
    pub image: Patch<String>,
}

#[derive(Model)]
#[model(key = "comment")]
pub struct NewComment {
    #[validate(length(min = 1))]
    pub body: String,
}

/// The article bodies, `{"article": {...}}`.
impl fastrs::validate::Envelope for ArticleCreate {
    const KEY: &'static str = "article";
}
impl fastrs::validate::Envelope for ArticleUpdate {
    const KEY: &'static str = "article";
}

/// `?tag=&author=&favorited=&limit=&offset=`.
#[derive(Model)]
pub struct ArticleQuery {
    pub tag: Option<String>,
    pub author: Option<String>,
    pub favorited: Option<String>,
    #[validate(range(ge = 1, le = 100))]
    #[serde(default = "twenty")]
    pub limit: u32,
    #[serde(default)]
    pub offset: u64,
}

fn twenty() -> u32 {
    20
}

// ---- answers ------------------------------------------------------------------------------

#[derive(Model)]
#[model(key = "user")]
pub struct UserView {
    pub email: String,
    pub token: String,
    pub username: String,
    pub bio: Option<String>,
    pub image: Option<String>,
}

#[derive(Model, Clone)]
#[model(key = "profile")]
pub struct Profile {
    pub username: String,
    pub bio: Option<String>,
    pub image: Option<String>,
    pub following: bool,
}

#[derive(Model)]
#[serde(rename_all = "camelCase")]
#[model(key = "article")]
pub struct ArticleView {
    pub slug: String,
    pub title: String,
    pub description: String,
    /// Absent from lists.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub body: Option<String>,
    pub tag_list: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    pub favorited: bool,
    pub favorites_count: i64,
    pub author: Profile,
}

#[derive(Model)]
#[serde(rename_all = "camelCase")]
#[model(key = "comment")]
pub struct CommentView {
    pub id: i64,
    pub created_at: String,
    pub updated_at: String,
    pub body: String,
    pub author: Profile,
}

#[derive(Model)]
#[serde(rename_all = "camelCase")]
pub struct ArticlesAnswer {
    pub articles: Vec<ArticleView>,
    pub articles_count: i64,
}
#[derive(Model)]
pub struct CommentsAnswer {
    pub comments: Vec<CommentView>,
}
#[derive(Model)]
pub struct TagsAnswer {
    pub tags: Vec<String>,
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(fastrs::chrono::SecondsFormat::Millis, true)
}

fn profile(user: &User) -> Profile {
    Profile {
        username: user.username.clone(),
        bio: user.bio.clone(),
        image: user.image.clone(),
        following: user.following,
    }
}

fn article_view(article: Article, author: Profile, with_body: bool) -> ArticleView {
    ArticleView {
        slug: article.slug,
        title: article.title,
        description: article.description,
        body: with_body.then_some(article.body),
        tag_list: article.tag_list,
        created_at: time(article.created_at),
        updated_at: time(article.updated_at),
        favorited: article.favorited,
        favorites_count: article.favorites_count,
        author,
    }
}

fn viewer(user: &User) -> Principal {
    Principal {
        id: user.id.to_string(),
        scopes: Vec::new(),
    }
}

/// `select`, with the caller's flags when there is a caller.
fn seen_by<R: Resource>(select: Select<R>, me: Option<&User>) -> Select<R> {
    match me {
        Some(me) => select.viewer(&viewer(me)),
        None => select,
    }
}

/// The profiles of `ids`, as `me` sees them (one query).
async fn profiles(
    db: &mut Db,
    ids: impl IntoIterator<Item = i64>,
    me: Option<&User>,
) -> Result<HashMap<i64, Profile>, Problem> {
    let users = seen_by(User::select().filter(User::ID.is_in(ids)), me)
        .all(db)
        .await?;
    Ok(users.iter().map(|user| (user.id, profile(user))).collect())
}

async fn user_named(db: &mut Db, name: &str, me: Option<&User>) -> Result<User, Problem> {
    seen_by(User::select().filter(User::USERNAME.eq(name)), me)
        .first(db)
        .await?
        .ok_or_else(|| Problem::NotFound("profile"))
}

async fn article_at(db: &mut Db, slug: &str, me: Option<&User>) -> Result<Article, Problem> {
    seen_by(Article::select().filter(Article::SLUG.eq(slug)), me)
        .first(db)
        .await?
        .ok_or_else(|| Problem::NotFound("article"))
}

async fn one_article(
    db: &mut Db,
    article: Article,
    me: Option<&User>,
) -> Result<Json<Keyed<ArticleView>>, Problem> {
    let mut authors = profiles(db, [article.author_id], me).await?;
    let author = authors
        .remove(&article.author_id)
        .ok_or_else(|| Problem::NotFound("profile"))?;
    Ok(Json(Keyed(article_view(article, author, true))))
}

async fn user_answer(
    accounts: &Accounts<User>,
    db: &mut Db,
    user: &User,
) -> Result<Json<Keyed<UserView>>, Problem> {
    Ok(Json(Keyed(UserView {
        email: user.email.clone(),
        token: accounts.access_token(db, user).await?,
        username: user.username.clone(),
        bio: user.bio.clone(),
        image: user.image.clone(),
    })))
}

/// A unique value someone else holds: 409 at the field.
async fn taken(
    db: &mut Db,
    filter: fastrs::data::Filter<User>,
    field: &'static str,
) -> Result<(), Problem> {
    if User::select().filter(filter).exists(db).await? {
        return Err(Problem::Taken(field));
    }
    Ok(())
}

/// `""` is no value (RealWorld stores it as `null`).
fn blank_as_null(patch: Patch<String>) -> Patch<String> {
    match patch {
        Patch::Value(text) if text.is_empty() => Patch::Null,
        other => other,
    }
}

// ---- users and profiles -------------------------------------------------------------------

async fn register(
    accounts: Accounts<User>,
    mut db: Db,
    ValidJson(Keyed(user)): ValidJson<Keyed<NewUser>>,
) -> Result<Status<201, Json<Keyed<UserView>>>, Problem> {
    taken(
        &mut db,
        User::USERNAME.eq(user.username.clone()),
        "username",
    )
    .await?;
    taken(&mut db, User::EMAIL.eq(user.email.clone()), "email").await?;
    let created = accounts
        .register(
            &mut db,
            UserCreate {
                email: user.email,
                username: user.username,
                password: user.password,
                bio: None,
                image: None,
            },
        )
        .await?;
    Ok(Status(user_answer(&accounts, &mut db, &created).await?))
}

async fn login(
    accounts: Accounts<User>,
    mut db: Db,
    ValidJson(Keyed(user)): ValidJson<Keyed<Login>>,
) -> Result<Json<Keyed<UserView>>, Problem> {
    let found = accounts.authenticate(&user.email, user.password).await?;
    let user = found.ok_or_else(|| Problem::Credentials)?;
    user_answer(&accounts, &mut db, &user).await
}

async fn current(
    accounts: Accounts<User>,
    CurrentUser(me): CurrentUser<User>,
    mut db: Db,
) -> Result<Json<Keyed<UserView>>, Problem> {
    user_answer(&accounts, &mut db, &me).await
}

async fn update_user(
    accounts: Accounts<User>,
    CurrentUser(me): CurrentUser<User>,
    mut db: Db,
    ValidJson(Keyed(user)): ValidJson<Keyed<UserChanges>>,
) -> Result<Json<Keyed<UserView>>, Problem> {
    if let Patch::Value(name) = &user.username
        && *name != me.username
    {
        taken(&mut db, User::USERNAME.eq(name.clone()), "username").await?;
    }
    if let Patch::Value(email) = &user.email
        && *email != me.email
    {
        taken(&mut db, User::EMAIL.eq(email.clone()), "email").await?;
    }
    let changes = UserUpdate {
        email: user.email,
        username: user.username,
        bio: blank_as_null(user.bio),
        image: blank_as_null(user.image),
    };
    let me = accounts.update(&mut db, &me, changes).await?;
    if let Patch::Value(password) = user.password {
        accounts.set_password(&mut db, &me, password).await?;
    }
    user_answer(&accounts, &mut db, &me).await
}

async fn get_profile(
    OptionalUser(me): OptionalUser<User>,
    mut db: Db,
    Path(name): Path<String>,
) -> Result<Json<Keyed<Profile>>, Problem> {
    let user = user_named(&mut db, &name, me.as_ref()).await?;
    Ok(Json(Keyed(profile(&user))))
}

/// Follows (`on`) or stops following `name`: the profile as the caller then sees it.
async fn set_follow(
    me: User,
    mut db: Db,
    name: String,
    on: bool,
) -> Result<Json<Keyed<Profile>>, Problem> {
    let user = user_named(&mut db, &name, Some(&me)).await?;
    if on && !user.following {
        let new = FollowCreate {
            followee_id: user.id,
        };
        Follow::insert_for(&mut db, new, &viewer(&me)).await?;
    } else if !on {
        let mine = Follow::select().filter(Follow::FOLLOWER_ID.eq(me.id));
        mine.filter(Follow::FOLLOWEE_ID.eq(user.id))
            .delete(&mut db)
            .await?;
    }
    get_profile(OptionalUser(Some(me)), db, Path(name)).await
}

async fn follow(
    CurrentUser(me): CurrentUser<User>,
    db: Db,
    Path(name): Path<String>,
) -> Result<Json<Keyed<Profile>>, Problem> {
    set_follow(me, db, name, true).await
}

async fn unfollow(
    CurrentUser(me): CurrentUser<User>,
    db: Db,
    Path(name): Path<String>,
) -> Result<Json<Keyed<Profile>>, Problem> {
    set_follow(me, db, name, false).await
}

// ---- articles -----------------------------------------------------------------------------

/// Which articles a list shows.
#[derive(Default)]
struct Selection {
    tag: Option<String>,
    authors: Option<Vec<i64>>,
    ids: Option<Vec<i64>>,
}

impl Selection {
    fn select(&self) -> Select<Article> {
        let mut select = Article::select();
        if let Some(tag) = &self.tag {
            select = select.filter(Article::TAG_LIST.holds(tag.clone()));
        }
        if let Some(authors) = &self.authors {
            select = select.filter(Article::AUTHOR_ID.is_in(authors.clone()));
        }
        if let Some(ids) = &self.ids {
            select = select.filter(Article::ID.is_in(ids.clone()));
        }
        select
    }
}

/// A page of articles, newest first, with its authors: three queries.
async fn page(
    db: &mut Db,
    selection: Selection,
    query: &ArticleQuery,
    me: Option<&User>,
) -> Result<Json<ArticlesAnswer>, Problem> {
    let articles = seen_by(selection.select(), me)
        .order(Article::CREATED_AT.desc())
        .limit(query.limit)
        .offset(query.offset)
        .all(db)
        .await?;
    let count = selection.select().count(db).await?;
    let mut authors = profiles(db, articles.iter().map(|a| a.author_id), me).await?;
    let articles = articles
        .into_iter()
        .filter_map(|article| {
            let author = authors.get_mut(&article.author_id)?.clone();
            Some(article_view(article, author, false))
        })
        .collect();
    Ok(Json(ArticlesAnswer {
        articles,
        articles_count: count,
    }))
}

async fn list_articles(
    OptionalUser(me): OptionalUser<User>,
    mut db: Db,
    Query(query): Query<ArticleQuery>,
) -> Result<Json<ArticlesAnswer>, Problem> {
    let mut selection = Selection {
        tag: query.tag.clone(),
        ..Selection::default()
    };
    if let Some(author) = &query.author {
        let author = User::find_by(&mut db, User::USERNAME, author.clone()).await?;
        selection.authors = Some(author.map(|user| user.id).into_iter().collect());
    }
    if let Some(fan) = &query.favorited {
        let fan = User::find_by(&mut db, User::USERNAME, fan.clone()).await?;
        let favorites = Favorite::select()
            .filter(Favorite::USER_ID.eq(fan.map_or(0, |user| user.id)))
            .all(&mut db)
            .await?;
        selection.ids = Some(favorites.iter().map(|f| f.article_id).collect());
    }
    page(&mut db, selection, &query, me.as_ref()).await
}

async fn feed(
    CurrentUser(me): CurrentUser<User>,
    mut db: Db,
    Query(query): Query<ArticleQuery>,
) -> Result<Json<ArticlesAnswer>, Problem> {
    let follows = Follow::select()
        .filter(Follow::FOLLOWER_ID.eq(me.id))
        .all(&mut db)
        .await?;
    let selection = Selection {
        authors: Some(follows.iter().map(|f| f.followee_id).collect()),
        ..Selection::default()
    };
    page(&mut db, selection, &query, Some(&me)).await
}

/// Records tags no article carried before.
async fn remember_tags(db: &mut Db, tags: &[String]) -> Result<(), Problem> {
    for name in tags {
        if !Tag::select()
            .filter(Tag::NAME.eq(name.clone()))
            .exists(db)
            .await?
        {
            Tag::insert(db, TagCreate { name: name.clone() }).await?;
        }
    }
    Ok(())
}

/// `title` as a slug, made unique by a random suffix (titles need not be unique).
fn slug(title: &str) -> String {
    let words: Vec<String> = title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect();
    let suffix = Uuid::new_v4().simple().to_string();
    format!("{}-{}", words.join("-"), &suffix[..8])
}

async fn create_article(
    CurrentUser(me): CurrentUser<User>,
    mut db: Db,
    ValidJson(Keyed(mut new)): ValidJson<Keyed<ArticleCreate>>,
) -> Result<Status<201, Json<Keyed<ArticleView>>>, Problem> {
    remember_tags(&mut db, &new.tag_list).await?;
    new.slug = slug(&new.title);
    let created = Article::insert_for(&mut db, new, &viewer(&me)).await?;
    Ok(Status(one_article(&mut db, created, Some(&me)).await?))
}

async fn get_article(
    OptionalUser(me): OptionalUser<User>,
    mut db: Db,
    Path(slug): Path<String>,
) -> Result<Json<Keyed<ArticleView>>, Problem> {
    let article = article_at(&mut db, &slug, me.as_ref()).await?;
    one_article(&mut db, article, me.as_ref()).await
}

/// The article at `slug`, if `me` wrote it: 404, else 403.
async fn own_article(db: &mut Db, slug: &str, me: &User) -> Result<Article, Problem> {
    let article = article_at(db, slug, Some(me)).await?;
    if article.author_id != me.id {
        return Err(Problem::Forbidden("article"));
    }
    Ok(article)
}

async fn update_article(
    CurrentUser(me): CurrentUser<User>,
    mut db: Db,
    Path(slug): Path<String>,
    ValidJson(Keyed(changes)): ValidJson<Keyed<ArticleUpdate>>,
) -> Result<Json<Keyed<ArticleView>>, Problem> {
    let article = own_article(&mut db, &slug, &me).await?;
    if let Patch::Value(tags) = &changes.tag_list {
        remember_tags(&mut db, tags).await?;
    }
    Article::update(&mut db, article.id, changes).await?;
    let article = article_at(&mut db, &slug, Some(&me)).await?;
    one_article(&mut db, article, Some(&me)).await
}

async fn delete_article(
    CurrentUser(me): CurrentUser<User>,
    mut db: Db,
    Path(slug): Path<String>,
) -> Result<NoContent, Problem> {
    let article = own_article(&mut db, &slug, &me).await?;
    Article::delete(&mut db, article.id).await?;
    Ok(NoContent)
}

/// Favourites (`on`) or stops favouriting the article at `slug`, as the caller then sees it.
async fn set_favorite(
    me: User,
    mut db: Db,
    slug: String,
    on: bool,
) -> Result<Json<Keyed<ArticleView>>, Problem> {
    let article = article_at(&mut db, &slug, Some(&me)).await?;
    if on && !article.favorited {
        let new = FavoriteCreate {
            article_id: article.id,
        };
        Favorite::insert_for(&mut db, new, &viewer(&me)).await?;
    } else if !on {
        let mine = Favorite::select().filter(Favorite::USER_ID.eq(me.id));
        mine.filter(Favorite::ARTICLE_ID.eq(article.id))
            .delete(&mut db)
            .await?;
    }
    let article = article_at(&mut db, &slug, Some(&me)).await?;
    one_article(&mut db, article, Some(&me)).await
}

async fn favorite(
    CurrentUser(me): CurrentUser<User>,
    db: Db,
    Path(slug): Path<String>,
) -> Result<Json<Keyed<ArticleView>>, Problem> {
    set_favorite(me, db, slug, true).await
}

async fn unfavorite(
    CurrentUser(me): CurrentUser<User>,
    db: Db,
    Path(slug): Path<String>,
) -> Result<Json<Keyed<ArticleView>>, Problem> {
    set_favorite(me, db, slug, false).await
}

// ---- comments and tags --------------------------------------------------------------------

fn comment_view(comment: Comment, author: Profile) -> CommentView {
    CommentView {
        id: comment.id,
        created_at: time(comment.created_at),
        updated_at: time(comment.updated_at),
        body: comment.body,
        author,
    }
}

async fn list_comments(
    OptionalUser(me): OptionalUser<User>,
    mut db: Db,
    Path(slug): Path<String>,
) -> Result<Json<CommentsAnswer>, Problem> {
    let article = article_at(&mut db, &slug, None).await?;
    let comments = Comment::select()
        .filter(Comment::ARTICLE_ID.eq(article.id))
        .order(Comment::CREATED_AT.desc())
        .all(&mut db)
        .await?;
    let authors = profiles(&mut db, comments.iter().map(|c| c.author_id), me.as_ref()).await?;
    let comments = comments
        .into_iter()
        .filter_map(|comment| {
            let author = authors.get(&comment.author_id)?.clone();
            Some(comment_view(comment, author))
        })
        .collect();
    Ok(Json(CommentsAnswer { comments }))
}

async fn add_comment(
    CurrentUser(me): CurrentUser<User>,
    mut db: Db,
    Path(slug): Path<String>,
    ValidJson(Keyed(comment)): ValidJson<Keyed<NewComment>>,
) -> Result<Status<201, Json<Keyed<CommentView>>>, Problem> {
    let article = article_at(&mut db, &slug, None).await?;
    let new = CommentCreate {
        article_id: article.id,
        body: comment.body,
    };
    let created = Comment::insert_for(&mut db, new, &viewer(&me)).await?;
    let comment = comment_view(created, profile(&me));
    Ok(Status(Json(Keyed(comment))))
}

async fn delete_comment(
    CurrentUser(me): CurrentUser<User>,
    mut db: Db,
    Path((slug, id)): Path<(String, i64)>,
) -> Result<NoContent, Problem> {
    let article = article_at(&mut db, &slug, None).await?;
    let comment = Comment::get(&mut db, id)
        .await?
        .filter(|comment| comment.article_id == article.id)
        .ok_or_else(|| Problem::NotFound("comment"))?;
    if comment.author_id != me.id {
        return Err(Problem::Forbidden("comment"));
    }
    Comment::delete(&mut db, id).await?;
    Ok(NoContent)
}

async fn tags(mut db: Db) -> Result<Json<TagsAnswer>, Problem> {
    let tags = Tag::select().limit(1000).all(&mut db).await?;
    Ok(Json(TagsAnswer {
        tags: tags.into_iter().map(|tag| tag.name).collect(),
    }))
}

// ---- errors and the app -------------------------------------------------------------------

/// What goes wrong, documented on every route that answers it. The message is the key of
/// RealWorld's error body (`{"errors": {"article": ["not found"]}}`).
#[derive(Debug, HttpError)]
pub enum Problem {
    /// No such article, profile or comment.
    #[error(404, "{0}")]
    NotFound(&'static str),
    /// Another user's article or comment.
    #[error(403, "{0}")]
    Forbidden(&'static str),
    /// A username or e-mail address another user has.
    #[error(409, "{0}")]
    Taken(&'static str),
    /// Unknown e-mail address or wrong password.
    #[error(401, "credentials")]
    Credentials,
    #[error(transparent)]
    Api(#[from] ApiError),
}

/// RealWorld's errors: `{"errors": {"<key>": ["<message>"]}}`. Handlers name the key in the
/// message of a 401/403/404/409 (`Problem::NotFound("article")`).
pub struct ConduitErrors;

impl ErrorFormat for ConduitErrors {
    fn body(&self, error: &ErrorView) -> Value {
        let mut errors = Map::new();
        let mut add = |key: &str, message: &str| {
            if let Value::Array(list) = errors.entry(key).or_insert_with(|| json!([])) {
                list.push(json!(message));
            }
        };
        match error.validation() {
            Some(failures) => {
                for failure in failures {
                    let key = failure
                        .loc
                        .iter()
                        .rev()
                        .find_map(Value::as_str)
                        .unwrap_or("body");
                    let blank = matches!(failure.kind, "missing" | "string_too_short");
                    add(
                        key,
                        if blank {
                            "can't be blank"
                        } else {
                            &failure.msg
                        },
                    );
                }
            }
            None => {
                let key = error.message().unwrap_or("body");
                let message = match error.status().as_u16() {
                    401 if key == "credentials" => "invalid",
                    401 => return json!({"errors": {"token": ["is missing"]}}),
                    403 => "forbidden",
                    404 => "not found",
                    409 => "has already been taken",
                    _ => "is invalid",
                };
                add(key, message);
            }
        }
        json!({ "errors": errors })
    }

    fn schema(&self, _registry: &mut Registry) -> fastrs::openapi::schema::Schema {
        object([("errors", Value::schema(), true)])
    }
}

/// The app: every route under `/api`, RealWorld's `Token` scheme, its own account routes.
pub fn app(settings: Settings) -> App {
    App::new(settings)
        .auth_with::<User>(AuthOptions {
            scheme: "Token".into(),
            routes: false,
            ..AuthOptions::default()
        })
        .resource::<Follow>()
        .resource::<Article>()
        .resource::<Favorite>()
        .resource::<Comment>()
        .resource::<Tag>()
        .route("/users", post(register))
        .route("/users/login", post(login))
        .route("/user", get(current).put(update_user))
        .route("/profiles/{username}", get(get_profile))
        .route("/profiles/{username}/follow", post(follow).delete(unfollow))
        .route("/articles", get(list_articles).post(create_article))
        .route("/articles/feed", get(feed))
        .route(
            "/articles/{slug}",
            get(get_article).put(update_article).delete(delete_article),
        )
        .route(
            "/articles/{slug}/favorite",
            post(favorite).delete(unfavorite),
        )
        .route(
            "/articles/{slug}/comments",
            get(list_comments).post(add_comment),
        )
        .route("/articles/{slug}/comments/{id}", delete(delete_comment))
        .route("/tags", get(tags))
        .prefix("/api")
        .docs(DocsOptions {
            title: "Conduit".into(),
            openapi_path: Some("/api/openapi.json".into()),
            ..DocsOptions::default()
        })
        .error_format(ConduitErrors)
}
