//! Building blocks of operations: bodies, parameters, responses, errors and security, shared by
//! resources, the auth routes and hand-written routes.

use utoipa::openapi::path::{Operation, Parameter, ParameterIn};
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::response::Response;
use utoipa::openapi::schema::{Array, Object, Schema, SchemaType, Type};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{Content, RefOr, Required};

use super::{Registry, ToSchema, object};

/// The OAuth2 password-flow security scheme's name (Swagger UI's "Authorize" button).
pub const OAUTH2: &str = "OAuth2PasswordBearer";
/// The bearer-JWT security scheme's name.
pub const BEARER: &str = "HTTPBearer";

/// Sets a JSON request body.
pub fn json_body(op: &mut Operation, schema: RefOr<Schema>) {
    body(op, "application/json", schema);
}

/// Sets a request body of any content type.
pub fn body(op: &mut Operation, content_type: &str, schema: RefOr<Schema>) {
    let mut body = RequestBody::new();
    body.content.insert(
        content_type.to_owned(),
        RefOr::T(Content::new(Some(schema))),
    );
    body.required = Some(Required::True);
    op.request_body = Some(RefOr::T(body));
}

/// The name a path parameter known only by its position has until the document names it.
fn positional_name(index: usize) -> String {
    format!("\u{1}{index}")
}

/// Adds the `index`-th parameter of the route's path, to be named from its template
/// ([`name_path_parameters`]).
pub fn positional_path_parameter(op: &mut Operation, index: usize, schema: Schema) {
    parameter(op, &positional_name(index), ParameterIn::Path, true, schema);
}

/// Names the path's parameters from the route's template (`/posts/{slug}/comments/{id}`): a
/// parameter documented by name keeps its schema, one known by position takes its name, and
/// the rest are strings.
pub fn name_path_parameters(op: &mut Operation, path: &str) {
    let names = path
        .split('/')
        .filter_map(|segment| segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| name.trim_start_matches('*'));
    for (index, name) in names.enumerate() {
        let positional = positional_name(index);
        let parameters = op.parameters.get_or_insert_with(Vec::new);
        let named = parameters.iter().any(
            |p| matches!(p, RefOr::T(p) if p.name == name && p.parameter_in == ParameterIn::Path),
        );
        if !named {
            match parameters
                .iter_mut()
                .find(|p| matches!(p, RefOr::T(p) if p.name == positional))
            {
                Some(RefOr::T(parameter)) => parameter.name = name.to_owned(),
                _ => parameter(op, name, ParameterIn::Path, true, String::schema()),
            }
        }
    }
    if let Some(parameters) = &mut op.parameters {
        parameters.retain(|p| !matches!(p, RefOr::T(p) if p.name.starts_with('\u{1}')));
    }
}

/// Adds a parameter.
pub fn parameter(
    op: &mut Operation,
    name: &str,
    location: ParameterIn,
    required: bool,
    schema: impl Into<RefOr<Schema>>,
) {
    let mut parameter = Parameter::new(name);
    parameter.parameter_in = location;
    parameter.required = if required {
        Required::True
    } else {
        Required::False
    };
    let schema = schema.into();
    // The field's doc comment describes the parameter too (where Swagger UI shows it).
    if let RefOr::T(Schema::Object(object)) = &schema {
        parameter.description.clone_from(&object.description);
    }
    parameter.schema = Some(schema);
    let parameters = op.parameters.get_or_insert_with(Vec::new);
    let exists = parameters.iter().any(
        |p| matches!(p, RefOr::T(p) if p.name == name && p.parameter_in == parameter.parameter_in),
    );
    if !exists {
        parameters.push(RefOr::T(parameter));
    }
}

/// Adds (or replaces) a response; `content` is `(content type, schema)`.
pub fn respond(
    op: &mut Operation,
    status: &str,
    description: &str,
    content: Option<(&str, RefOr<Schema>)>,
) {
    let mut response = Response::new(description);
    if let Some((content_type, schema)) = content {
        response.content.insert(
            content_type.to_owned(),
            RefOr::T(Content::new(Some(schema))),
        );
    }
    op.responses
        .responses
        .insert(status.to_owned(), RefOr::T(response));
}

/// Adds a JSON response of `T`.
pub fn respond_json<T: ToSchema>(
    op: &mut Operation,
    registry: &mut Registry,
    status: &str,
    description: &str,
) {
    let schema = T::reference(registry);
    respond(op, status, description, Some(("application/json", schema)));
}

/// `{"detail": "..."}`: FastAPI's `HTTPException` body (or the app's
/// [`ErrorFormat`](crate::error::ErrorFormat)'s).
pub fn error_schema(registry: &mut Registry) -> RefOr<Schema> {
    if let Some(format) = registry.error_format() {
        return registry.component("Error", |registry| format.schema(registry));
    }
    registry.component("HTTPError", |_| {
        let mut schema = object([("detail", String::schema(), true)]);
        if let Schema::Object(object) = &mut schema {
            object.description = Some("An error: `detail` says what went wrong.".into());
        }
        schema
    })
}

/// FastAPI's `HTTPValidationError` / `ValidationError` components (or the app's
/// [`ErrorFormat`](crate::error::ErrorFormat)'s).
pub fn validation_schema(registry: &mut Registry) -> RefOr<Schema> {
    if let Some(format) = registry.error_format() {
        return registry.component("ValidationErrorBody", |registry| {
            format.validation_schema(registry)
        });
    }
    let item = registry.component("ValidationError", |_| {
        let location = Schema::Array(Array::new(Schema::Object(Object::with_type(
            SchemaType::Array(vec![Type::String, Type::Integer]),
        ))));
        object([
            ("loc", location, true),
            ("msg", String::schema(), true),
            ("type", String::schema(), true),
            ("input", serde_json::Value::schema(), false),
            (
                "ctx",
                Schema::Object(Object::with_type(Type::Object)),
                false,
            ),
        ])
    });
    registry.component("HTTPValidationError", |_| {
        object([("detail", Schema::Array(Array::new(item)), true)])
    })
}

/// Adds an error response (`{"detail": "..."}`).
pub fn error(op: &mut Operation, registry: &mut Registry, status: &str, description: &str) {
    let schema = error_schema(registry);
    respond(op, status, description, Some(("application/json", schema)));
}

/// Adds the 422 validation error response.
pub fn validation_error(op: &mut Operation, registry: &mut Registry) {
    let schema = validation_schema(registry);
    respond(
        op,
        "422",
        "Validation Error",
        Some(("application/json", schema)),
    );
}

/// Requires a bearer token (OAuth2 password flow or a plain bearer JWT), with `scopes`: adds the
/// security requirement and the 401 (and 403) answers.
pub fn secure(op: &mut Operation, registry: &mut Registry, scopes: &[&str]) {
    let mut requirements = vec![SecurityRequirement::new(BEARER, scopes.iter().copied())];
    if registry.password_flow() {
        requirements.insert(0, SecurityRequirement::new(OAUTH2, scopes.iter().copied()));
    }
    op.security = Some(requirements);
    error(
        op,
        registry,
        "401",
        "Not authenticated, or the token is invalid or expired",
    );
    error(
        op,
        registry,
        "403",
        "Not allowed: an inactive user, a missing scope, or another user's row",
    );
}

/// Adds the 413 answer of routes with a body.
pub fn too_large(op: &mut Operation, registry: &mut Registry) {
    error(op, registry, "413", "Request body too large");
}

fn bounded_integer(minimum: i64, maximum: i64, default: i64) -> Schema {
    let mut object = Object::with_type(Type::Integer);
    object.format = Some(utoipa::openapi::schema::SchemaFormat::Custom(
        "int64".into(),
    ));
    object.minimum = Some(super::number(minimum));
    object.maximum = Some(super::number(maximum));
    object.default = Some(default.into());
    Schema::Object(object)
}

/// The `offset` and `limit` query parameters of a list, with their bounds, and the 422 that
/// enforces them (resource lists and hand-written routes that take a `Page`).
/// `limit`, `cursor` and `total`: the parameters of a keyset page.
pub fn cursor_parameters(op: &mut Operation, bounds: crate::resource::PageBounds) {
    limit_parameter(op, bounds);
    let mut cursor = utoipa::openapi::schema::Object::with_type(utoipa::openapi::Type::String);
    cursor.description =
        Some("The `next_cursor` of the previous page (none: the first page)".into());
    parameter(
        op,
        "cursor",
        ParameterIn::Query,
        false,
        Schema::Object(cursor),
    );
    let mut total = utoipa::openapi::schema::Object::with_type(utoipa::openapi::Type::Boolean);
    total.description = Some("Also count the matching rows (`total`)".into());
    total.default = Some(serde_json::Value::Bool(false));
    parameter(
        op,
        "total",
        ParameterIn::Query,
        false,
        Schema::Object(total),
    );
}

/// `offset` and `limit`: the parameters of an offset page.
pub fn page_parameters(op: &mut Operation, bounds: crate::resource::PageBounds) {
    parameter(
        op,
        "offset",
        ParameterIn::Query,
        false,
        bounded_integer(0, i64::MAX, 0),
    );
    limit_parameter(op, bounds);
}

/// `limit`, between 1 and the bounds' largest, defaulting to theirs.
fn limit_parameter(op: &mut Operation, bounds: crate::resource::PageBounds) {
    let (default, max) = (i64::from(bounds.default_limit), i64::from(bounds.max_limit));
    parameter(
        op,
        "limit",
        ParameterIn::Query,
        false,
        bounded_integer(1, max, default),
    );
}
