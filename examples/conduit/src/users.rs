//! Sign-up, login, the current user, profiles and follows.

use fastrs::auth::{Accounts, OptionalUser};
use fastrs::extract::Path;
use fastrs::http::Method;
use fastrs::prelude::*;
use fastrs::response::Status;
use fastrs::validate::Keyed;

use crate::errors::Problem;
use crate::lookup::{blank_as_null, user_answer, user_named};
use crate::models::{Login, NewUser, Profile, UserChanges, UserView};
use crate::tables::{Follow, FollowCreate, User, UserCreate, UserUpdate};

/// A taken username or e-mail address is the database's unique violation: a 409 at the field.
pub(crate) async fn register(
    accounts: Accounts<User>,
    mut db: Db,
    ValidJson(Keyed(user)): ValidJson<Keyed<NewUser>>,
) -> Result<Status<201, Json<Keyed<UserView>>>, Problem> {
    let new = UserCreate {
        email: user.email,
        username: user.username,
        password: user.password,
        bio: None,
        image: None,
    };
    let created = accounts.register(&mut db, new).await?;
    Ok(Status(user_answer(&accounts, &mut db, &created).await?))
}

pub(crate) async fn login(
    accounts: Accounts<User>,
    mut db: Db,
    ValidJson(Keyed(user)): ValidJson<Keyed<Login>>,
) -> Result<Json<Keyed<UserView>>, Problem> {
    let found = accounts.authenticate(&user.email, user.password).await?;
    let user = found.ok_or_else(|| Problem::Credentials)?;
    user_answer(&accounts, &mut db, &user).await
}

pub(crate) async fn current(
    accounts: Accounts<User>,
    CurrentUser(me): CurrentUser<User>,
    mut db: Db,
) -> Result<Json<Keyed<UserView>>, Problem> {
    user_answer(&accounts, &mut db, &me).await
}

pub(crate) async fn update_user(
    accounts: Accounts<User>,
    CurrentUser(me): CurrentUser<User>,
    mut db: Db,
    ValidJson(Keyed(user)): ValidJson<Keyed<UserChanges>>,
) -> Result<Json<Keyed<UserView>>, Problem> {
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

pub(crate) async fn get_profile(
    OptionalUser(me): OptionalUser<User>,
    mut db: Db,
    Path(name): Path<String>,
) -> Result<Json<Keyed<Profile>>, Problem> {
    let user = user_named(&mut db, &name, &me).await?;
    Ok(Json(Keyed(user.into())))
}

/// `POST` follows `name`, `DELETE` stops following: the profile as the caller then sees it.
pub(crate) async fn follow(
    method: Method,
    CurrentUser(me): CurrentUser<User>,
    mut db: Db,
    Path(name): Path<String>,
) -> Result<Json<Keyed<Profile>>, Problem> {
    let user = user_named(&mut db, &name, &()).await?;
    if method == Method::POST {
        let new = FollowCreate {
            followee_id: user.id,
        };
        Follow::insert_if_absent(&mut db, new, &me).await?;
    } else {
        let mine = Follow::select().filter(Follow::FOLLOWER_ID.eq(me.id));
        mine.filter(Follow::FOLLOWEE_ID.eq(user.id))
            .delete(&mut db)
            .await?;
    }
    get_profile(OptionalUser(Some(me)), db, Path(name)).await
}
