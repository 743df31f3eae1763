// Test: what a Model can be: no generics, no tuple structs; an enum with data is a tagged
// union (`#[serde(tag = "...")]`) whose variants carry one model each, or nothing.
use fastrs::prelude::*;

#[derive(Model)]
struct Generic<T> {
    value: T,
}

#[derive(Model)]
struct Tuple(i64);

#[derive(Model)]
enum Shape {
    Circle { radius: f64 },
    Square,
}

#[derive(Model)]
struct Circle {
    radius: f64,
}

#[derive(Model)]
#[serde(tag = "kind")]
enum Tagged {
    Circle(Circle),
    Square { side: f64 },
    Pair(Circle, Circle),
}

#[derive(Model)]
#[serde(untagged)]
enum Untagged {
    Circle(Circle),
}

#[derive(Model)]
#[serde(tag = "kind")]
enum NotAModel {
    Text(std::net::IpAddr),
}

fn main() {}
