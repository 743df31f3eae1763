use fastrs::prelude::*;

/// Not a model.
struct Plain {
    x: i64,
}

#[derive(Model)]
struct Holder {
    plain: Plain,
    small: u8,
}

/// A struct is not a column type.
#[derive(Model)]
struct Address {
    city: String,
}

#[derive(Resource)]
pub struct Shop {
    #[resource(id)]
    pub id: i64,
    pub address: Address,
}

fn main() {}
