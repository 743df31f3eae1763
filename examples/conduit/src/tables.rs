//! The tables: resources without generated routes (the routes are in `users` and `articles`),
//! with the computed fields a page of articles needs.

use fastrs::prelude::*;

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

/// The article bodies, `{"article": {...}}`.
impl fastrs::validate::Envelope for ArticleCreate {
    const KEY: &'static str = "article";
}
impl fastrs::validate::Envelope for ArticleUpdate {
    const KEY: &'static str = "article";
}
