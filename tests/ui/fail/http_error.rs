// Test: an HttpError says each variant's status (a 4xx or 5xx) and message; `#[from]` goes on
// a variant's only field; a message names fields the variant has.
use fastrs::prelude::*;

#[derive(Debug, HttpError)]
enum Unsaid {
    #[error(404, "gone")]
    Gone,
    Silent,
    #[error(200, "fine")]
    Fine,
    #[error("no status")]
    NoStatus,
    #[error(409, "two")]
    Two(#[from] std::io::Error, i64),
}

#[derive(Debug, HttpError)]
enum WrongField {
    #[error(404, "order {id} not found")]
    Missing { number: i64 },
}

fn main() {}
