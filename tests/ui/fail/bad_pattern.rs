// Test: a `pattern` that is not a valid regex is a compile error at the attribute, on a model
// and on a resource (before, it was a rule that refused every value).
use fastrs::prelude::*;

#[derive(Model)]
struct Search {
    #[validate(pattern = "^[a-z+$")]
    q: String,
}

#[derive(Resource)]
struct Item {
    #[resource(id)]
    id: i64,
    #[validate(pattern = "(unclosed")]
    sku: String,
}

fn main() {}
