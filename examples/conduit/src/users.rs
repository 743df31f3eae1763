//! Sign-up, login, the current user, profiles and follows.

use fastrs::auth::{Accounts, OptionalUser};
use fastrs::extract::Path;
use fastrs::prelude::*;
use fastrs::response::Status;
use fastrs::validate::Keyed;

use crate::errors::Problem;
use crate::lookup::{blank_as_null, taken, user_answer, user_named, viewer};
use crate::models::{Login, NewUser, Profile, UserChanges, UserView, profile};
use crate::tables::{Follow, FollowCreate, User, UserCreate, UserUpdate};

pub(crate) async fn register(
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

pub(crate) async fn get_profile(
    OptionalUser(me): OptionalUser<User>,
    mut db: Db,
    Path(name): Path<String>,
) -> Result<Json<Keyed<Profile>>, Problem> {
    let user = user_named(&mut db, &name, me.as_ref()).await?;
    Ok(Json(Keyed(profile(&user))))
}

/// Follows (`on`) or stops following `name`: the profile as the caller then sees it.
pub(crate) async fn set_follow(
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

pub(crate) async fn follow(
    CurrentUser(me): CurrentUser<User>,
    db: Db,
    Path(name): Path<String>,
) -> Result<Json<Keyed<Profile>>, Problem> {
    set_follow(me, db, name, true).await
}

pub(crate) async fn unfollow(
    CurrentUser(me): CurrentUser<User>,
    db: Db,
    Path(name): Path<String>,
) -> Result<Json<Keyed<Profile>>, Problem> {
    set_follow(me, db, name, false).await
}
