//! What the routes read and answer: RealWorld's bodies, queries and answers, as models.

use fastrs::prelude::*;

use crate::tables::{Article, User};

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

pub(crate) fn twenty() -> u32 {
    20
}

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
#[model(key = "profile", from(User))]
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

pub(crate) fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(fastrs::chrono::SecondsFormat::Millis, true)
}

pub(crate) fn article_view(article: Article, author: Profile, with_body: bool) -> ArticleView {
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
