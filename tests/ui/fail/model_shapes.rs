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

fn main() {}
