//! [`ToSchema`]: the OpenAPI schema of a Rust type, and the schemas of a resource's bodies
//! built from its [`ResourceMeta`].

use std::collections::BTreeMap;

use utoipa::openapi::RefOr;
pub use utoipa::openapi::schema::{Array, Object, Ref, Schema, SchemaFormat, SchemaType, Type};

use crate::resource::{ColumnMeta, ResourceMeta};

pub use utoipa::Number;

/// The components a document refers to, collected while it is built.
#[derive(Default)]
pub struct Registry {
    schemas: BTreeMap<String, RefOr<Schema>>,
    page: crate::resource::PageBounds,
    error_format: Option<std::sync::Arc<dyn crate::error::ErrorFormat>>,
    /// Tokens also come from the built-in OAuth2 password flow (`POST /auth/token`).
    no_password_flow: bool,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("schemas", &self.schemas)
            .field("page", &self.page)
            .finish_non_exhaustive()
    }
}

impl Registry {
    /// A reference to the component `name`, adding it (from `schema`) the first time.
    pub fn component(
        &mut self,
        name: &str,
        schema: impl FnOnce(&mut Registry) -> Schema,
    ) -> RefOr<Schema> {
        if !self.schemas.contains_key(name) {
            // Reserve the name first, so a self-referencing schema terminates.
            self.schemas
                .insert(name.to_owned(), RefOr::T(Schema::default()));
            let schema = schema(self);
            self.schemas.insert(name.to_owned(), RefOr::T(schema));
        }
        RefOr::Ref(Ref::from_schema_name(name))
    }

    /// The component `name`, if it was added.
    pub(crate) fn get(&self, name: &str) -> Option<&Schema> {
        match self.schemas.get(name)? {
            RefOr::T(schema) => Some(schema),
            RefOr::Ref(_) => None,
        }
    }

    /// A registry for an app whose lists default to `page` (what a `Page` parameter documents).
    pub fn new(page: crate::resource::PageBounds) -> Self {
        Self {
            schemas: BTreeMap::new(),
            page,
            error_format: None,
            no_password_flow: false,
        }
    }

    /// Documents security without the OAuth2 password flow (an app whose built-in auth
    /// routes are off: tokens come from its own routes).
    pub fn without_password_flow(mut self, off: bool) -> Self {
        self.no_password_flow = off;
        self
    }

    /// Whether the OAuth2 password flow is documented.
    pub fn password_flow(&self) -> bool {
        !self.no_password_flow
    }

    /// Documents error bodies with `format`'s schemas.
    pub fn with_error_format(
        mut self,
        format: Option<std::sync::Arc<dyn crate::error::ErrorFormat>>,
    ) -> Self {
        self.error_format = format;
        self
    }

    /// The app's error format, if it set one.
    pub fn error_format(&self) -> Option<std::sync::Arc<dyn crate::error::ErrorFormat>> {
        self.error_format.clone()
    }

    /// The app's list bounds.
    pub fn page(&self) -> crate::resource::PageBounds {
        self.page
    }

    /// The collected components.
    pub fn into_schemas(self) -> BTreeMap<String, RefOr<Schema>> {
        self.schemas
    }
}

/// A type's OpenAPI schema. Implemented for every field type of a resource, for the derived
/// `{Name}Create` / `{Name}Update` / `{Name}Response` types (as named components), and for
/// `serde_json::Value` (any value). Implement it for your own types to document hand-written
/// routes that take or answer them; [`name`](ToSchema::name) makes it a named component.
///
/// ```
/// use fastrs::openapi::{ToSchema, schema::Schema};
///
/// struct Stats { count: i64 }
///
/// impl ToSchema for Stats {
///     fn name() -> Option<String> { Some("Stats".into()) }
///     fn schema() -> Schema {
///         fastrs::openapi::object([("count", i64::schema(), true)])
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no OpenAPI schema",
    note = "implement `fastrs::openapi::ToSchema` for it: `schema()` returns its schema (see `fastrs::openapi::object`)"
)]
pub trait ToSchema {
    /// The component name, for named types.
    fn name() -> Option<String> {
        None
    }

    /// The schema itself.
    fn schema() -> Schema;

    /// The schema, with the named types it refers to added to `registry` as components (what
    /// a model with nested models implements; the default is [`schema`](ToSchema::schema)).
    fn schema_in(_registry: &mut Registry) -> Schema {
        Self::schema()
    }

    /// The schema to use in a document: a `$ref` for named types, inline otherwise.
    fn reference(registry: &mut Registry) -> RefOr<Schema> {
        match Self::name() {
            Some(name) => registry.component(&name, |registry| Self::schema_in(registry)),
            None => RefOr::T(Self::schema_in(registry)),
        }
    }
}

fn typed(ty: Type, format: Option<&str>) -> Schema {
    let mut object = Object::with_type(ty);
    object.format = format.map(|f| SchemaFormat::Custom(f.into()));
    Schema::Object(object)
}

macro_rules! scalar {
    ($($ty:ty => $kind:ident $(, $format:literal)?;)*) => {$(
        impl ToSchema for $ty {
            fn schema() -> Schema {
                typed(Type::$kind, None $(.or(Some($format)))?)
            }
        }
    )*};
}

scalar! {
    i32 => Integer, "int32";
    i64 => Integer, "int64";
    f64 => Number, "double";
    bool => Boolean;
    uuid::Uuid => String, "uuid";
    chrono::DateTime<chrono::Utc> => String, "date-time";
}

/// An unsigned integer: `int64` with a minimum of 0 (JSON Schema has no unsigned formats); a
/// `u64` also stops at `i64::MAX`, which is what the API accepts.
fn unsigned(max: i64) -> Schema {
    let mut object = Object::with_type(Type::Integer);
    object.format = Some(SchemaFormat::Custom("int64".into()));
    object.minimum = Some(0.into());
    object.maximum = Some(max.into());
    Schema::Object(object)
}

/// `{"<key>": <T>}`, the key required.
impl<T: ToSchema + crate::validate::Envelope> ToSchema for crate::validate::Keyed<T> {
    fn schema() -> Schema {
        Self::schema_in(&mut Registry::default())
    }

    fn schema_in(registry: &mut Registry) -> Schema {
        let mut object = Object::with_type(Type::Object);
        object
            .properties
            .insert(T::KEY.to_owned(), T::reference(registry));
        object.required.push(T::KEY.to_owned());
        Schema::Object(object)
    }
}

/// A file: `format: binary` (in a `multipart/form-data` body).
impl ToSchema for crate::validate::Upload {
    fn schema() -> Schema {
        typed(Type::String, Some("binary"))
    }
}

impl ToSchema for u32 {
    fn schema() -> Schema {
        unsigned(u32::MAX.into())
    }
}

impl ToSchema for u64 {
    fn schema() -> Schema {
        unsigned(i64::MAX)
    }
}

/// The `pattern` of every text schema without a pattern of its own: no NUL (`\u0000`)
/// character, which fastrs refuses everywhere (PostgreSQL cannot store it), so the document
/// says what the API accepts.
pub const NO_NUL_PATTERN: &str = "^[^\\u0000]*$";

/// A string schema that refuses NUL characters (see [`NO_NUL_PATTERN`]).
pub fn text_schema() -> Schema {
    let mut object = Object::with_type(Type::String);
    object.pattern = Some(NO_NUL_PATTERN.into());
    Schema::Object(object)
}

impl ToSchema for String {
    fn schema() -> Schema {
        text_schema()
    }
}

impl ToSchema for str {
    fn schema() -> Schema {
        text_schema()
    }
}

impl ToSchema for serde_json::Value {
    fn schema() -> Schema {
        Schema::Object(Object::with_type(SchemaType::AnyValue))
    }
}

impl<T: ToSchema> ToSchema for Vec<T> {
    fn schema() -> Schema {
        Schema::Array(Array::new(T::schema()))
    }

    fn reference(registry: &mut Registry) -> RefOr<Schema> {
        RefOr::T(Schema::Array(Array::new(T::reference(registry))))
    }
}

/// A tuple: an array of its values in order (`prefixItems`); what `Path<(A, B)>` documents.
macro_rules! tuple_schema {
    ($($name:ident),+) => {
        impl<$($name: ToSchema),+> ToSchema for ($($name,)+) {
            fn schema() -> Schema {
                Self::schema_in(&mut Registry::default())
            }

            fn schema_in(registry: &mut Registry) -> Schema {
                let mut array = Array::new(Schema::Object(Object::with_type(SchemaType::AnyValue)));
                array.prefix_items = vec![$(match $name::reference(registry) {
                    RefOr::T(schema) => schema,
                    RefOr::Ref(_) => $name::schema(),
                }),+];
                Schema::Array(array)
            }
        }
    };
}

tuple_schema!(A, B);
tuple_schema!(A, B, C);
tuple_schema!(A, B, C, D);

impl<T: ToSchema> ToSchema for Box<T> {
    fn name() -> Option<String> {
        T::name()
    }

    fn schema() -> Schema {
        T::schema()
    }

    fn schema_in(registry: &mut Registry) -> Schema {
        T::schema_in(registry)
    }

    fn reference(registry: &mut Registry) -> RefOr<Schema> {
        T::reference(registry)
    }
}

fn map_of(values: RefOr<Schema>) -> Schema {
    let mut object = Object::with_type(Type::Object);
    object.additional_properties = Some(Box::new(
        utoipa::openapi::schema::AdditionalProperties::RefOr(values),
    ));
    Schema::Object(object)
}

impl<T: ToSchema> ToSchema for std::collections::HashMap<String, T> {
    fn schema() -> Schema {
        map_of(RefOr::T(T::schema()))
    }

    fn reference(registry: &mut Registry) -> RefOr<Schema> {
        RefOr::T(map_of(T::reference(registry)))
    }
}

impl<T: ToSchema> ToSchema for BTreeMap<String, T> {
    fn schema() -> Schema {
        map_of(RefOr::T(T::schema()))
    }

    fn reference(registry: &mut Registry) -> RefOr<Schema> {
        RefOr::T(map_of(T::reference(registry)))
    }
}

/// A PATCH field: its value's schema, `null` allowed (whether `null` is accepted for a field
/// that is not optional is the model's rule, said in its description).
impl<T: ToSchema> ToSchema for crate::patch::Patch<T> {
    fn schema() -> Schema {
        <Option<T>>::schema()
    }

    fn reference(registry: &mut Registry) -> RefOr<Schema> {
        <Option<T>>::reference(registry)
    }
}

impl<T: ToSchema> ToSchema for Option<T> {
    fn schema() -> Schema {
        nullable(T::schema())
    }

    fn reference(registry: &mut Registry) -> RefOr<Schema> {
        match T::reference(registry) {
            RefOr::T(schema) => RefOr::T(nullable(schema)),
            // A reference cannot carry `null`: `oneOf: [{$ref}, {type: null}]`.
            reference => RefOr::T(Schema::OneOf(
                utoipa::openapi::schema::OneOf::builder()
                    .item(reference)
                    .item(Schema::Object(Object::with_type(Type::Null)))
                    .build(),
            )),
        }
    }
}

/// Adds `null` to a schema's types (OpenAPI 3.1's nullable).
pub fn nullable(mut schema: Schema) -> Schema {
    let add_null = |ty: &mut SchemaType| {
        *ty = match std::mem::replace(ty, SchemaType::AnyValue) {
            SchemaType::Type(t) => SchemaType::Array(vec![t, Type::Null]),
            SchemaType::Array(mut types) => {
                if !types.contains(&Type::Null) {
                    types.push(Type::Null);
                }
                SchemaType::Array(types)
            }
            SchemaType::AnyValue => SchemaType::AnyValue,
        }
    };
    match &mut schema {
        Schema::Object(object) => {
            add_null(&mut object.schema_type);
            // An enum lists its values: `null` is one of them now.
            if let Some(values) = &mut object.enum_values
                && !values.contains(&serde_json::Value::Null)
            {
                values.push(serde_json::Value::Null);
            }
        }
        Schema::Array(array) => add_null(&mut array.schema_type),
        _ => {}
    }
    schema
}

/// An object schema from `(name, schema, required)` properties, in order.
pub fn object<'a>(properties: impl IntoIterator<Item = (&'a str, Schema, bool)>) -> Schema {
    let mut object = Object::with_type(Type::Object);
    for (name, schema, required) in properties {
        object.properties.insert(name.to_owned(), RefOr::T(schema));
        if required {
            object.required.push(name.to_owned());
        }
    }
    Schema::Object(object)
}

/// A column's schema: its type's, with its rules and doc comment.
pub(crate) fn column_schema(column: &ColumnMeta, allow_null: bool) -> Schema {
    let mut schema = (column.schema)();
    if !allow_null {
        schema = strip_null(schema);
    }
    for rule in column.rules {
        rule.describe(&mut schema);
    }
    if let Some(doc) = column.doc {
        match &mut schema {
            Schema::Object(object) => object.description = Some(doc.to_owned()),
            Schema::Array(array) => array.description = Some(doc.to_owned()),
            _ => {}
        }
    }
    schema
}

pub(crate) fn strip_null(mut schema: Schema) -> Schema {
    let strip = |ty: &mut SchemaType| {
        if let SchemaType::Array(types) = ty {
            types.retain(|t| *t != Type::Null);
            if types.len() == 1 {
                *ty = SchemaType::Type(types[0].clone());
            }
        }
    };
    match &mut schema {
        Schema::Object(object) => strip(&mut object.schema_type),
        Schema::Array(array) => strip(&mut array.schema_type),
        _ => {}
    }
    schema
}

pub(crate) fn described(mut schema: Schema, description: String) -> Schema {
    if let Schema::Object(object) = &mut schema {
        object.description = Some(description);
        if let Some(example) = example_of_object(object) {
            object.examples = vec![example];
        }
    }
    schema
}

fn as_f64(number: &Option<Number>) -> Option<f64> {
    match number {
        Some(Number::Int(i)) => Some(*i as f64),
        Some(Number::UInt(u)) => Some(*u as f64),
        Some(Number::Float(f)) => Some(*f),
        None => None,
    }
}

/// A value that satisfies a scalar schema's type, format and bounds; `None` when one cannot be
/// made up (a `pattern`), so no example is ever invalid.
fn example_of(schema: &RefOr<Schema>, refs: Refs<'_>) -> Option<serde_json::Value> {
    use serde_json::json;
    let schema = match schema {
        RefOr::T(schema) => schema,
        RefOr::Ref(reference) => {
            let (registry, depth) = refs?;
            let name = reference.ref_location.rsplit('/').next()?;
            let RefOr::T(target) = registry.schemas.get(name)? else {
                return None;
            };
            // Components that refer to themselves end somewhere.
            return (depth < 4)
                .then(|| example_of(&RefOr::T(target.clone()), Some((registry, depth + 1))))?;
        }
    };
    match schema {
        Schema::AllOf(all) => {
            let mut merged = serde_json::Map::new();
            for part in &all.items {
                match example_of(part, refs)? {
                    serde_json::Value::Object(fields) => merged.extend(fields),
                    _ => return None,
                }
            }
            Some(serde_json::Value::Object(merged))
        }
        Schema::Array(array) => {
            let minimum = array.min_items.unwrap_or(0);
            let item = match &array.items {
                utoipa::openapi::schema::ArrayItems::RefOrSchema(item) => example_of(item, refs),
                _ => None,
            };
            match item {
                Some(item) => Some(serde_json::Value::Array(vec![
                    item;
                    minimum.max(1).min(
                        array.max_items.unwrap_or(1)
                    )
                ])),
                None if minimum == 0 => Some(json!([])),
                None => None,
            }
        }
        Schema::Object(object) => {
            if let Some(values) = &object.enum_values {
                return values.first().cloned();
            }
            let ty = match &object.schema_type {
                SchemaType::Type(ty) => ty.clone(),
                SchemaType::Array(types) => types.iter().find(|t| **t != Type::Null)?.clone(),
                SchemaType::AnyValue => return Some(json!({})),
            };
            let format = match &object.format {
                Some(SchemaFormat::Custom(format)) => format.as_str(),
                _ => "",
            };
            match ty {
                Type::String
                    if object
                        .pattern
                        .as_deref()
                        .is_some_and(|pattern| pattern != NO_NUL_PATTERN) =>
                {
                    None
                }
                Type::String => Some(json!(match format {
                    "email" => "user@example.com".to_owned(),
                    "uri" => "https://example.com".to_owned(),
                    "uuid" => "0190a5c8-3f9e-7b6a-9c1d-2e3f4a5b6c7d".to_owned(),
                    "date-time" => "2025-01-01T12:00:00Z".to_owned(),
                    _ => {
                        let min = object.min_length.unwrap_or(0).max(6);
                        let max = object.max_length.unwrap_or(usize::MAX).max(1);
                        "string".chars().cycle().take(min.min(max)).collect()
                    }
                })),
                Type::Integer | Type::Number => {
                    let low = as_f64(&object.minimum)
                        .or(as_f64(&object.exclusive_minimum).map(|n| n + 1.0));
                    let high = as_f64(&object.maximum)
                        .or(as_f64(&object.exclusive_maximum).map(|n| n - 1.0));
                    let value = match (low, high) {
                        (Some(low), _) => low.max(1.0).min(high.unwrap_or(f64::MAX)),
                        (None, Some(high)) => high.min(1.0),
                        (None, None) => 1.0,
                    };
                    if ty == Type::Integer {
                        Some(json!(value.round() as i64))
                    } else {
                        Some(json!(value))
                    }
                }
                Type::Boolean => Some(json!(true)),
                Type::Object => example_of_object_in(object, refs),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The components an example may look into, and how deep it already is.
type Refs<'a> = Option<(&'a Registry, usize)>;

/// An example object: every required property (and the optional ones that can be made up).
pub(crate) fn example_of_object(object: &Object) -> Option<serde_json::Value> {
    example_of_object_in(object, None)
}

/// [`example_of_object`], following `$ref`s into `registry`'s components.
pub(crate) fn example_of_object_in(object: &Object, refs: Refs<'_>) -> Option<serde_json::Value> {
    let mut example = serde_json::Map::new();
    for (name, schema) in &object.properties {
        match example_of(schema, refs) {
            Some(value) => {
                example.insert(name.clone(), value);
            }
            None if object.required.contains(name) => return None,
            None => {}
        }
    }
    Some(serde_json::Value::Object(example))
}

/// `{Name}Response`: every field but the write-only ones, all present in every answer.
pub fn response_schema(meta: &ResourceMeta) -> Schema {
    let properties = meta
        .columns
        .iter()
        .filter(|c| c.in_response)
        .map(|c| (c.field, column_schema(c, c.nullable), true));
    let description = meta
        .doc
        .map_or_else(|| format!("A {}.", meta.name), str::to_owned);
    described(object(properties), description)
}

/// The list envelope of a resource: `{Name}Page`.
pub fn page_schema(item: RefOr<Schema>) -> Schema {
    let mut object = Object::with_type(Type::Object);
    object
        .properties
        .insert("items".into(), RefOr::T(Schema::Array(Array::new(item))));
    object
        .properties
        .insert("total".into(), RefOr::T(i64::schema()));
    object
        .properties
        .insert("offset".into(), RefOr::T(i64::schema()));
    object
        .properties
        .insert("limit".into(), RefOr::T(i64::schema()));
    object.required = vec![
        "items".into(),
        "total".into(),
        "offset".into(),
        "limit".into(),
    ];
    Schema::Object(object)
}

/// The keyset page of a resource: `{Name}CursorPage` (`total` only when asked for).
pub fn cursor_page_schema(item: RefOr<Schema>) -> Schema {
    let mut object = Object::with_type(Type::Object);
    object
        .properties
        .insert("items".into(), RefOr::T(Schema::Array(Array::new(item))));
    let mut next = Object::with_type(utoipa::openapi::schema::SchemaType::from_iter([
        Type::String,
        Type::Null,
    ]));
    next.description = Some("Pass as `cursor` for the next page; `null` on the last".into());
    object
        .properties
        .insert("next_cursor".into(), RefOr::T(Schema::Object(next)));
    object
        .properties
        .insert("limit".into(), RefOr::T(i64::schema()));
    object
        .properties
        .insert("total".into(), RefOr::T(i64::schema()));
    object.required = vec!["items".into(), "next_cursor".into(), "limit".into()];
    Schema::Object(object)
}

/// A utoipa number from a bound.
pub fn number<N: Into<Number>>(n: N) -> Number {
    n.into()
}
