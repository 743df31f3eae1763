// Test: a table or column name over 63 bytes (PostgreSQL would cut it without a word, MariaDB
// refuse it) is refused where it is written.
use fastrs::prelude::*;

#[derive(Resource)]
pub struct AnExceedinglyLongResourceNameThatNoDatabaseAcceptsAsATableName {
    #[resource(id)]
    pub id: i64,
}

#[derive(Resource)]
pub struct Note {
    #[resource(id)]
    pub id: i64,
    pub an_exceedingly_long_field_name_that_no_database_accepts_as_a_column: String,
    #[resource(column = "another_exceedingly_long_column_name_that_no_database_accepts_at_all")]
    pub short: String,
}

fn main() {}
