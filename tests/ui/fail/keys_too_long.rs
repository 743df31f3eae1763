// Test: an index MariaDB cannot hold is refused where it is written: four text columns
// together (InnoDB indexes take 3,072 bytes; keyed text is VARCHAR(255) in utf8mb4). A unique
// constraint over the same columns is fine (MariaDB keeps it as a hash), and so is an index of
// three text columns and a number.
use fastrs::prelude::*;

#[derive(Resource)]
#[resource(
    unique(street, city, region, country),
    index(street, city, region, country),
    index(street, city, region, number)
)]
pub struct Address {
    #[resource(id)]
    pub id: i64,
    pub street: String,
    pub city: String,
    pub region: String,
    pub country: String,
    pub number: i64,
}

fn main() {}
