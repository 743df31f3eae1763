use fastrs::prelude::*;

fn parse_it<'de, D: serde::Deserializer<'de>>(_: D) -> Result<i64, D::Error> {
    unimplemented!()
}

#[derive(Model)]
#[model(validates = check)]
struct Unknown {
    #[model(hidden)]
    a: i64,
    #[serde(deserialize_with = "parse_it")]
    b: i64,
    #[validate(length(min = 1))]
    c: i64,
    #[validate(range(ge = 1.5))]
    d: i64,
}

#[derive(Model)]
#[serde(untagged)]
enum Either {
    A,
    B,
}

fn main() {}
