// Test: the expansion uses absolute paths only: it compiles with no prelude and with local
// items that shadow the names it could have used.
#![no_implicit_prelude]

#[allow(dead_code)]
struct Option;
#[allow(dead_code)]
struct Result;
#[allow(dead_code)]
struct String;
#[allow(dead_code)]
struct Vec;
#[allow(dead_code)]
mod serde {}
#[allow(dead_code)]
mod sqlx {}
#[allow(dead_code)]
mod core {}

#[derive(::fastrs::Resource)]
pub struct Item {
    #[resource(id)]
    pub id: i64,
    #[validate(length(min = 1))]
    pub name: ::std::string::String,
    pub note: ::std::option::Option<::std::string::String>,
    #[resource(created_at)]
    pub created_at: ::fastrs::chrono::DateTime<::fastrs::chrono::Utc>,
}


#[derive(::fastrs::Resource)]
#[resource(user, table = "members")]
pub struct Member {
    #[resource(id)]
    pub id: ::fastrs::uuid::Uuid,
    #[resource(login, unique)]
    pub handle: ::std::string::String,
    #[resource(password)]
    #[validate(length(min = 8))]
    pub password: ::std::string::String,
    #[resource(active)]
    pub active: bool,
    #[resource(scopes)]
    pub scopes: ::std::vec::Vec<::std::string::String>,
}

#[derive(::fastrs::Resource)]
#[resource(owner = author, owner_reads, auth(all, scope = "writer"))]
pub struct Post {
    #[resource(id)]
    pub id: i64,
    pub author: ::fastrs::uuid::Uuid,
}

fn main() {}
