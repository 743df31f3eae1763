// Test: every option and rule together compiles, and the generated types are usable.
use fastrs::prelude::*;
use fastrs::validate::Violation;

/// A thing.
#[derive(Resource)]
#[resource(table = "things", path = "/api/things", tag = "things", page_size = 10, max_page_size = 30)]
#[resource(validate = check_create, validate_update = check_update)]
pub struct Thing {
    #[resource(id)]
    pub id: Uuid,
    #[resource(unique, index, column = "thing_name")]
    #[validate(length(min = 1, max = 10), pattern = "^[a-z]+$")]
    pub name: String,
    #[validate(range(gt = 0, le = 100.5))]
    pub price: f64,
    #[validate(range(ge = -5, lt = 5))]
    pub small: i32,
    #[resource(default = 7)]
    pub big: i64,
    #[validate(email)]
    pub email: Option<String>,
    #[validate(url)]
    pub site: Option<String>,
    #[validate(custom = odd)]
    pub odd: Option<i64>,
    #[validate(length(max = 2))]
    pub tags: Vec<String>,
    pub data: serde_json::Value,
    pub when: Option<DateTime<Utc>>,
    #[resource(read_only, default = false)]
    pub flagged: bool,
    #[resource(write_only)]
    pub secret: String,
    #[resource(skip_create, default = "draft")]
    pub state: String,
    #[resource(skip_update)]
    pub origin: Option<String>,
    #[resource(created_at)]
    pub created_at: DateTime<Utc>,
    #[resource(updated_at)]
    pub updated_at: DateTime<Utc>,
}

fn odd(n: &i64) -> Result<(), Violation> {
    if n % 2 == 1 { Ok(()) } else { Err(Violation::value_error("must be odd")) }
}

fn check_create(_: &ThingCreate) -> Result<(), Violation> {
    Ok(())
}

fn check_update(_: &ThingUpdate) -> Result<(), Violation> {
    Ok(())
}

fn main() {
    let update = ThingUpdate { name: Patch::Value("x".into()), ..ThingUpdate::default() };
    let _ = format!("{update:?}");
    let _: fn(Thing) -> ThingResponse = ThingResponse::from;
    let _ = App::new(Settings::default()).resource::<Thing>();
}
