//! "Resources and their options": a small library, every option of the page
//! in use.

// ANCHOR: imports
use fastrs::prelude::*;
// ANCHOR_END: imports

// ANCHOR: member
/// A library member; librarians have the `staff` scope.
#[derive(Resource)]
#[resource(table = "members", user)]
pub struct Member {
    #[resource(id)]
    pub id: i64,
    #[resource(unique, login)]
    #[validate(email)]
    pub email: String,
    #[resource(password)]
    #[validate(length(min = 8))]
    pub password: String,
    #[resource(scopes)]
    pub scopes: Vec<String>,
}
// ANCHOR_END: member

// ANCHOR: shelf
/// Where books stand: only librarians change shelves.
#[derive(Resource)]
#[resource(
    table = "shelves",
    path = "/shelves",
    auth(create, update, delete, scope = "staff")
)]
pub struct Shelf {
    #[resource(id)]
    pub id: i64,
    #[resource(unique)]
    #[validate(length(min = 1, max = 40))]
    pub name: String,
    /// How many books stand on it, counted when it is read.
    #[resource(count = Book, sort)]
    pub books: i64,
}
// ANCHOR_END: shelf

// ANCHOR: book
/// A book: deleting only marks it, one title per shelf, paged by cursor.
#[derive(Resource)]
#[resource(
    table = "books",
    path = "/books",
    soft_delete,
    cursor,
    unique(shelf_id, title),
    index(shelf_id, year)
)]
pub struct Book {
    #[resource(id)]
    pub id: i64,
    #[resource(filter, sort)]
    #[validate(length(min = 1, max = 200))]
    pub title: String,
    #[resource(filter, sort)]
    #[validate(range(ge = 1450, le = 2100))]
    pub year: i32,
    #[resource(references = Shelf, on_delete = "restrict", nested, filter)]
    pub shelf_id: i64,
    /// Set by the library, never by a client.
    #[resource(read_only, default = 0)]
    pub loans: i64,
    /// Whether the caller has starred it.
    #[resource(flag = Star)]
    pub starred: bool,
    #[resource(created_at)]
    pub created_at: DateTime<Utc>,
}
// ANCHOR_END: book

// ANCHOR: star
/// A member's star on a book: `PUT` / `DELETE /books/{id}/stars`.
#[derive(Resource)]
#[resource(
    table = "stars",
    path = "/stars",
    owner = member_id,
    owner_reads,
    operations(list, create, delete)
)]
pub struct Star {
    #[resource(id)]
    pub id: i64,
    pub member_id: i64,
    #[resource(references = Book, on_delete = "cascade", link)]
    pub book_id: i64,
}
// ANCHOR_END: star

// ANCHOR: app
/// The library.
pub fn app(settings: Settings) -> App {
    App::new(settings)
        .auth::<Member>()
        .resource::<Shelf>()
        .resource::<Book>()
        .resource::<Star>()
}
// ANCHOR_END: app
