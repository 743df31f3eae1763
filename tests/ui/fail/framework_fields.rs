// Test: framework-filled fields take no default, body or validation options.
use fastrs::prelude::*;

#[derive(Resource)]
pub struct Item {
    #[resource(id, default = 1)]
    pub id: i64,
    #[resource(created_at, write_only)]
    #[validate(custom = check)]
    pub created_at: DateTime<Utc>,
}

fn check(_: &DateTime<Utc>) -> Result<(), fastrs::validate::Violation> {
    Ok(())
}

fn main() {}
