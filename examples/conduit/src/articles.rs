//! Articles, the feed, favourites, comments and tags.

use fastrs::auth::{Caller, OptionalUser};
use fastrs::data::Select;
use fastrs::extract::{Path, Query};
use fastrs::http::Method;
use fastrs::prelude::*;
use fastrs::response::{NoContent, Status};
use fastrs::validate::Keyed;

use crate::errors::Problem;
use crate::lookup::{article_at, one_article, profiles};
use crate::models::{
    ArticleQuery, ArticleView, ArticlesAnswer, CommentView, CommentsAnswer, NewComment, Profile,
    TagsAnswer, article_view, time,
};
use crate::tables::{
    Article, ArticleCreate, ArticleUpdate, Comment, CommentCreate, Favorite, FavoriteCreate,
    Follow, Tag, TagCreate, User,
};

/// A page of articles, newest first, with its authors: three queries.
pub(crate) async fn page(
    db: &mut Db,
    select: Select<Article>,
    query: &ArticleQuery,
    me: &impl Caller,
) -> Result<Json<ArticlesAnswer>, Problem> {
    let count = select.clone().count(db).await?;
    let articles = select.viewer(me).order(Article::CREATED_AT.desc());
    let articles = articles.limit(query.limit).offset(query.offset);
    let articles = articles.all(db).await?;
    let authors = profiles(db, articles.iter().map(|a| a.author_id), me).await?;
    let articles = articles
        .into_iter()
        .filter_map(|article| {
            let author = authors.get(&article.author_id)?.clone();
            Some(article_view(article, author, false))
        })
        .collect();
    Ok(Json(ArticlesAnswer {
        articles,
        articles_count: count,
    }))
}

pub(crate) async fn list_articles(
    OptionalUser(me): OptionalUser<User>,
    mut db: Db,
    Query(query): Query<ArticleQuery>,
) -> Result<Json<ArticlesAnswer>, Problem> {
    let mut select = Article::select();
    if let Some(tag) = &query.tag {
        select = select.filter(Article::TAG_LIST.holds(tag.clone()));
    }
    if let Some(author) = &query.author {
        let author = User::find_by(&mut db, User::USERNAME, author.clone()).await?;
        select = select.filter(Article::AUTHOR_ID.is_in(author.map(|user| user.id)));
    }
    if let Some(fan) = &query.favorited {
        let fan = User::find_by(&mut db, User::USERNAME, fan.clone()).await?;
        let favorites = Favorite::select().filter(Favorite::USER_ID.is_in(fan.map(|u| u.id)));
        let favorites = favorites.all(&mut db).await?;
        select = select.filter(Article::ID.is_in(favorites.iter().map(|f| f.article_id)));
    }
    page(&mut db, select, &query, &me).await
}

pub(crate) async fn feed(
    CurrentUser(me): CurrentUser<User>,
    mut db: Db,
    Query(query): Query<ArticleQuery>,
) -> Result<Json<ArticlesAnswer>, Problem> {
    let follows = Follow::select().filter(Follow::FOLLOWER_ID.eq(me.id));
    let follows = follows.all(&mut db).await?;
    let authors = follows.iter().map(|f| f.followee_id);
    let select = Article::select().filter(Article::AUTHOR_ID.is_in(authors));
    page(&mut db, select, &query, &me).await
}

/// Records tags no article carried before.
pub(crate) async fn remember_tags(db: &mut Db, tags: &[String]) -> Result<(), Problem> {
    for name in tags {
        let new = TagCreate { name: name.clone() };
        Tag::insert_if_absent(db, new, &()).await?;
    }
    Ok(())
}

/// `title` as a slug, made unique by a random suffix (titles need not be unique).
pub(crate) fn slug(title: &str) -> String {
    let words: Vec<String> = title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect();
    let suffix = Uuid::new_v4().simple().to_string();
    format!("{}-{}", words.join("-"), &suffix[..8])
}

pub(crate) async fn create_article(
    CurrentUser(me): CurrentUser<User>,
    mut db: Db,
    ValidJson(Keyed(mut new)): ValidJson<Keyed<ArticleCreate>>,
) -> Result<Status<201, Json<Keyed<ArticleView>>>, Problem> {
    remember_tags(&mut db, &new.tag_list).await?;
    new.slug = slug(&new.title);
    let created = Article::insert_for(&mut db, new, &me).await?;
    Ok(Status(one_article(&mut db, created, &me).await?))
}

pub(crate) async fn get_article(
    OptionalUser(me): OptionalUser<User>,
    mut db: Db,
    Path(slug): Path<String>,
) -> Result<Json<Keyed<ArticleView>>, Problem> {
    let article = article_at(&mut db, &slug, &me).await?;
    one_article(&mut db, article, &me).await
}

/// The article at `slug`, if `me` wrote it: 404, else 403.
pub(crate) async fn own_article(db: &mut Db, slug: &str, me: &User) -> Result<Article, Problem> {
    let article = article_at(db, slug, me).await?;
    if article.author_id != me.id {
        return Err(Problem::Forbidden("article"));
    }
    Ok(article)
}

pub(crate) async fn update_article(
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
    let article = article_at(&mut db, &slug, &me).await?;
    one_article(&mut db, article, &me).await
}

pub(crate) async fn delete_article(
    CurrentUser(me): CurrentUser<User>,
    mut db: Db,
    Path(slug): Path<String>,
) -> Result<NoContent, Problem> {
    let article = own_article(&mut db, &slug, &me).await?;
    Article::delete(&mut db, article.id).await?;
    Ok(NoContent)
}

/// `POST` favourites the article at `slug`, `DELETE` stops: the article as the caller then
/// sees it.
pub(crate) async fn favorite(
    method: Method,
    CurrentUser(me): CurrentUser<User>,
    mut db: Db,
    Path(slug): Path<String>,
) -> Result<Json<Keyed<ArticleView>>, Problem> {
    let article = article_at(&mut db, &slug, &()).await?;
    if method == Method::POST {
        let new = FavoriteCreate {
            article_id: article.id,
        };
        Favorite::insert_if_absent(&mut db, new, &me).await?;
    } else {
        let mine = Favorite::select().filter(Favorite::USER_ID.eq(me.id));
        mine.filter(Favorite::ARTICLE_ID.eq(article.id))
            .delete(&mut db)
            .await?;
    }
    get_article(OptionalUser(Some(me)), db, Path(slug)).await
}

pub(crate) fn comment_view(comment: Comment, author: Profile) -> CommentView {
    CommentView {
        id: comment.id,
        created_at: time(comment.created_at),
        updated_at: time(comment.updated_at),
        body: comment.body,
        author,
    }
}

pub(crate) async fn list_comments(
    OptionalUser(me): OptionalUser<User>,
    mut db: Db,
    Path(slug): Path<String>,
) -> Result<Json<CommentsAnswer>, Problem> {
    let article = article_at(&mut db, &slug, &()).await?;
    let comments = Comment::select()
        .filter(Comment::ARTICLE_ID.eq(article.id))
        .order(Comment::CREATED_AT.desc())
        .all(&mut db)
        .await?;
    let authors = profiles(&mut db, comments.iter().map(|c| c.author_id), &me).await?;
    let comments = comments
        .into_iter()
        .filter_map(|comment| {
            let author = authors.get(&comment.author_id)?.clone();
            Some(comment_view(comment, author))
        })
        .collect();
    Ok(Json(CommentsAnswer { comments }))
}

pub(crate) async fn add_comment(
    CurrentUser(me): CurrentUser<User>,
    mut db: Db,
    Path(slug): Path<String>,
    ValidJson(Keyed(comment)): ValidJson<Keyed<NewComment>>,
) -> Result<Status<201, Json<Keyed<CommentView>>>, Problem> {
    let article = article_at(&mut db, &slug, &()).await?;
    let new = CommentCreate {
        article_id: article.id,
        body: comment.body,
    };
    let created = Comment::insert_for(&mut db, new, &me).await?;
    let comment = comment_view(created, me.into());
    Ok(Status(Json(Keyed(comment))))
}

pub(crate) async fn delete_comment(
    CurrentUser(me): CurrentUser<User>,
    mut db: Db,
    Path((slug, id)): Path<(String, i64)>,
) -> Result<NoContent, Problem> {
    let article = article_at(&mut db, &slug, &()).await?;
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

pub(crate) async fn tags(mut db: Db) -> Result<Json<TagsAnswer>, Problem> {
    let tags = Tag::select().limit(1000).all(&mut db).await?;
    Ok(Json(TagsAnswer {
        tags: tags.into_iter().map(|tag| tag.name).collect(),
    }))
}
