//! Articles, the feed, favourites, comments and tags.

use fastrs::auth::OptionalUser;
use fastrs::data::Select;
use fastrs::extract::{Path, Query};
use fastrs::prelude::*;
use fastrs::response::{NoContent, Status};
use fastrs::validate::Keyed;

use crate::errors::Problem;
use crate::lookup::{article_at, one_article, profiles, seen_by, viewer};
use crate::models::{
    ArticleQuery, ArticleView, ArticlesAnswer, CommentView, CommentsAnswer, NewComment, Profile,
    TagsAnswer, article_view, profile, time,
};
use crate::tables::{
    Article, ArticleCreate, ArticleUpdate, Comment, CommentCreate, Favorite, FavoriteCreate,
    Follow, Tag, TagCreate, User,
};

/// Which articles a list shows.
#[derive(Default)]
pub(crate) struct Selection {
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
pub(crate) async fn page(
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

pub(crate) async fn list_articles(
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

pub(crate) async fn feed(
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
pub(crate) async fn remember_tags(db: &mut Db, tags: &[String]) -> Result<(), Problem> {
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
    let created = Article::insert_for(&mut db, new, &viewer(&me)).await?;
    Ok(Status(one_article(&mut db, created, Some(&me)).await?))
}

pub(crate) async fn get_article(
    OptionalUser(me): OptionalUser<User>,
    mut db: Db,
    Path(slug): Path<String>,
) -> Result<Json<Keyed<ArticleView>>, Problem> {
    let article = article_at(&mut db, &slug, me.as_ref()).await?;
    one_article(&mut db, article, me.as_ref()).await
}

/// The article at `slug`, if `me` wrote it: 404, else 403.
pub(crate) async fn own_article(db: &mut Db, slug: &str, me: &User) -> Result<Article, Problem> {
    let article = article_at(db, slug, Some(me)).await?;
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
    let article = article_at(&mut db, &slug, Some(&me)).await?;
    one_article(&mut db, article, Some(&me)).await
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

/// Favourites (`on`) or stops favouriting the article at `slug`, as the caller then sees it.
pub(crate) async fn set_favorite(
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

pub(crate) async fn favorite(
    CurrentUser(me): CurrentUser<User>,
    db: Db,
    Path(slug): Path<String>,
) -> Result<Json<Keyed<ArticleView>>, Problem> {
    set_favorite(me, db, slug, true).await
}

pub(crate) async fn unfavorite(
    CurrentUser(me): CurrentUser<User>,
    db: Db,
    Path(slug): Path<String>,
) -> Result<Json<Keyed<ArticleView>>, Problem> {
    set_favorite(me, db, slug, false).await
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

pub(crate) async fn add_comment(
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

pub(crate) async fn delete_comment(
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

pub(crate) async fn tags(mut db: Db) -> Result<Json<TagsAnswer>, Problem> {
    let tags = Tag::select().limit(1000).all(&mut db).await?;
    Ok(Json(TagsAnswer {
        tags: tags.into_iter().map(|tag| tag.name).collect(),
    }))
}
