//! RealWorld ("Conduit") on fastrs: users, profiles and follows, articles with slugs and tags,
//! favourites, comments and a feed, in RealWorld's own shapes (`{"article": ...}` envelopes,
//! `{"errors": {"title": ["can't be blank"]}}`, `Authorization: Token <jwt>`).
//!
//! The tables are resources without generated routes; the routes are hand-written over the data
//! API. Favourite counts and flags, and whether the caller follows an author, are computed
//! fields (`count`, `flag`), so a page of articles is three queries: the page, its count, and
//! its authors.
//!
//! | module | what |
//! |---|---|
//! | [`tables`] | the resources |
//! | [`models`] | bodies, queries and answers |
//! | [`lookup`] | reads the routes share |
//! | [`users`] | sign-up, login, the user, profiles and follows |
//! | [`articles`] | articles, the feed, favourites, comments, tags |
//! | [`errors`] | what goes wrong, in RealWorld's error body |

pub mod articles;
pub mod errors;
pub mod lookup;
pub mod models;
pub mod tables;
pub mod users;

use fastrs::auth::AuthOptions;
use fastrs::openapi::DocsOptions;
use fastrs::prelude::*;

use articles::*;
use errors::ConduitErrors;
use tables::{Article, Comment, Favorite, Follow, Tag, User};
use users::*;

/// The 409 of a username or e-mail address another user has: the database's unique violation,
/// not one of `Problem`'s, so documented on the routes that can meet it.
const TAKEN: &str = "A username or e-mail address another user has";

/// The app: every route under `/api`, RealWorld's `Token` scheme, its own account routes; its
/// tables kept by the migrations in `migrations/` (`cargo run -p conduit -- migrate make NAME`).
pub fn app(settings: Settings) -> App {
    App::new(settings)
        .migrations(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
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
        .route("/users", post(register).response("409", TAKEN))
        .route("/users/login", post(login))
        .route(
            "/user",
            get(current).put(update_user).response("409", TAKEN),
        )
        .route("/profiles/{username}", get(get_profile))
        .route("/profiles/{username}/follow", post(follow).delete(follow))
        .route("/articles", get(list_articles).post(create_article))
        .route("/articles/feed", get(feed))
        .route(
            "/articles/{slug}",
            get(get_article).put(update_article).delete(delete_article),
        )
        .route("/articles/{slug}/favorite", post(favorite).delete(favorite))
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
