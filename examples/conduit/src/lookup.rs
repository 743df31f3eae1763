//! Reads every route shares: rows by their public keys, as the caller sees them.

use std::collections::HashMap;

use fastrs::auth::{Accounts, Caller};
use fastrs::prelude::*;
use fastrs::validate::Keyed;

use crate::errors::Problem;
use crate::models::{ArticleView, Profile, UserView, article_view};
use crate::tables::{Article, User};

/// The profiles of `ids`, as `me` sees them (one query).
pub(crate) async fn profiles(
    db: &mut Db,
    ids: impl IntoIterator<Item = i64>,
    me: &impl Caller,
) -> Result<HashMap<i64, Profile>, Problem> {
    let users = User::select().filter(User::ID.is_in(ids)).viewer(me);
    let users = users.all(db).await?;
    Ok(users
        .into_iter()
        .map(|user| (user.id, user.into()))
        .collect())
}

pub(crate) async fn user_named(db: &mut Db, name: &str, me: &impl Caller) -> Result<User, Problem> {
    let named = User::select().filter(User::USERNAME.eq(name)).viewer(me);
    named.first(db).await?.ok_or(Problem::NotFound("profile"))
}

pub(crate) async fn article_at(
    db: &mut Db,
    slug: &str,
    me: &impl Caller,
) -> Result<Article, Problem> {
    let at = Article::select().filter(Article::SLUG.eq(slug)).viewer(me);
    at.first(db).await?.ok_or(Problem::NotFound("article"))
}

pub(crate) async fn one_article(
    db: &mut Db,
    article: Article,
    me: &impl Caller,
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

/// `""` is no value (RealWorld stores it as `null`).
pub(crate) fn blank_as_null(patch: Patch<String>) -> Patch<String> {
    match patch {
        Patch::Value(text) if text.is_empty() => Patch::Null,
        other => other,
    }
}
