//! Reads every route shares: rows by their public keys, as the caller sees them.

use std::collections::HashMap;

use fastrs::auth::{Accounts, Principal};
use fastrs::data::{Filter, Select};
use fastrs::prelude::*;
use fastrs::validate::Keyed;

use crate::errors::Problem;
use crate::models::{ArticleView, Profile, UserView, article_view, profile};
use crate::tables::{Article, User};

pub(crate) fn viewer(user: &User) -> Principal {
    Principal {
        id: user.id.to_string(),
        scopes: Vec::new(),
    }
}

/// `select`, with the caller's flags when there is a caller.
pub(crate) fn seen_by<R: Resource>(select: Select<R>, me: Option<&User>) -> Select<R> {
    match me {
        Some(me) => select.viewer(&viewer(me)),
        None => select,
    }
}

/// The profiles of `ids`, as `me` sees them (one query).
pub(crate) async fn profiles(
    db: &mut Db,
    ids: impl IntoIterator<Item = i64>,
    me: Option<&User>,
) -> Result<HashMap<i64, Profile>, Problem> {
    let users = seen_by(User::select().filter(User::ID.is_in(ids)), me)
        .all(db)
        .await?;
    Ok(users.iter().map(|user| (user.id, profile(user))).collect())
}

pub(crate) async fn user_named(
    db: &mut Db,
    name: &str,
    me: Option<&User>,
) -> Result<User, Problem> {
    seen_by(User::select().filter(User::USERNAME.eq(name)), me)
        .first(db)
        .await?
        .ok_or_else(|| Problem::NotFound("profile"))
}

pub(crate) async fn article_at(
    db: &mut Db,
    slug: &str,
    me: Option<&User>,
) -> Result<Article, Problem> {
    seen_by(Article::select().filter(Article::SLUG.eq(slug)), me)
        .first(db)
        .await?
        .ok_or_else(|| Problem::NotFound("article"))
}

pub(crate) async fn one_article(
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

pub(crate) async fn user_answer(
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
pub(crate) async fn taken(
    db: &mut Db,
    filter: Filter<User>,
    field: &'static str,
) -> Result<(), Problem> {
    if User::select().filter(filter).exists(db).await? {
        return Err(Problem::Taken(field));
    }
    Ok(())
}

/// `""` is no value (RealWorld stores it as `null`).
pub(crate) fn blank_as_null(patch: Patch<String>) -> Patch<String> {
    match patch {
        Patch::Value(text) if text.is_empty() => Patch::Null,
        other => other,
    }
}
