//! What the extractors and return types fastrs knows add to an operation's document: the
//! [`ApiInput`] and [`ApiOutput`] impls of axum's and fastrs's own types.

use super::{ApiInput, ApiOutput, Operation, Requirement};
use crate::openapi::operation as doc;
use crate::openapi::{Registry, ToSchema};
use crate::state::AppState;

macro_rules! plain_inputs {
    ($($ty:ty),*) => {$( impl ApiInput for $ty {} )*};
}

plain_inputs!(
    axum::http::HeaderMap,
    axum::http::Method,
    axum::http::Uri,
    axum::http::request::Parts,
    axum::body::Bytes,
    axum::body::Body,
    axum::extract::Request,
    axum::extract::RawQuery,
    axum::extract::MatchedPath,
    axum::extract::State<AppState>,
    String,
    crate::db::Db
);

type OpenApiOperation = utoipa::openapi::path::Operation;
use utoipa::openapi::path::ParameterIn;

impl ApiInput for crate::extract::Page {
    fn document(operation: &mut OpenApiOperation, registry: &mut Registry) {
        doc::page_parameters(operation, registry.page());
        doc::validation_error(operation, registry);
    }
}

fn json_input<T: ToSchema>(operation: &mut OpenApiOperation, registry: &mut Registry) {
    let schema = T::reference(registry);
    doc::json_body(operation, schema);
    doc::validation_error(operation, registry);
    doc::too_large(operation, registry);
}

/// Each property of an object schema becomes a query parameter.
fn query_input<T: ToSchema>(operation: &mut OpenApiOperation, registry: &mut Registry) {
    parameters_input::<T>(operation, registry, ParameterIn::Query, |name| name);
}

/// Each property of an object schema becomes a parameter `in` the given place, named by `name`.
fn parameters_input<T: ToSchema>(
    operation: &mut OpenApiOperation,
    registry: &mut Registry,
    place: ParameterIn,
    name: impl Fn(String) -> String,
) {
    if let utoipa::openapi::schema::Schema::Object(object) = T::schema_in(registry) {
        for (field, schema) in object.properties {
            let required = object.required.contains(&field);
            doc::parameter(operation, &name(field), place.clone(), required, schema);
        }
    }
    doc::validation_error(operation, registry);
}

impl<T: ToSchema> ApiInput for crate::extract::Headers<T> {
    fn document(operation: &mut OpenApiOperation, registry: &mut Registry) {
        parameters_input::<T>(operation, registry, ParameterIn::Header, |field| {
            crate::extract::headers::header_name(&field)
        });
    }
}

impl<T: ToSchema> ApiInput for crate::extract::Cookies<T> {
    fn document(operation: &mut OpenApiOperation, registry: &mut Registry) {
        parameters_input::<T>(operation, registry, ParameterIn::Cookie, |name| name);
    }
}

impl<T: ToSchema> ApiInput for crate::extract::ValidJson<T> {
    fn document(operation: &mut OpenApiOperation, registry: &mut Registry) {
        json_input::<T>(operation, registry);
    }
}

impl<T: ToSchema> ApiInput for axum::Json<T> {
    fn document(operation: &mut OpenApiOperation, registry: &mut Registry) {
        json_input::<T>(operation, registry);
    }
}

impl<T: ToSchema> ApiInput for crate::extract::Form<T> {
    fn document(operation: &mut OpenApiOperation, registry: &mut Registry) {
        let schema = T::reference(registry);
        doc::body(operation, "application/x-www-form-urlencoded", schema);
        doc::validation_error(operation, registry);
    }
}

#[cfg(feature = "multipart")]
impl<T: ToSchema> ApiInput for crate::extract::Multipart<T> {
    fn document(operation: &mut OpenApiOperation, registry: &mut Registry) {
        let schema = T::reference(registry);
        doc::body(operation, "multipart/form-data", schema);
        doc::validation_error(operation, registry);
        doc::too_large(operation, registry);
    }
}

impl<T: ToSchema> ApiInput for axum::Form<T> {
    fn document(operation: &mut OpenApiOperation, registry: &mut Registry) {
        let schema = T::reference(registry);
        doc::body(operation, "application/x-www-form-urlencoded", schema);
        doc::validation_error(operation, registry);
    }
}

impl<T: ToSchema> ApiInput for crate::extract::Query<T> {
    fn document(operation: &mut OpenApiOperation, registry: &mut Registry) {
        query_input::<T>(operation, registry);
    }
}

impl<T: ToSchema> ApiInput for axum::extract::Query<T> {
    fn document(operation: &mut OpenApiOperation, registry: &mut Registry) {
        query_input::<T>(operation, registry);
    }
}

/// The path's parameters with their types: a model's fields by name, a value or a tuple's
/// values by position (named from the route's template when the document is built).
impl<T: ToSchema> ApiInput for crate::extract::Path<T> {
    fn document(operation: &mut OpenApiOperation, registry: &mut Registry) {
        use utoipa::openapi::schema::{Schema, SchemaType, Type};
        match T::schema_in(registry) {
            Schema::Object(object) if object.schema_type == SchemaType::Type(Type::Object) => {
                for (name, schema) in object.properties {
                    doc::parameter(operation, &name, ParameterIn::Path, true, schema);
                }
            }
            Schema::Array(array) if !array.prefix_items.is_empty() => {
                for (index, schema) in array.prefix_items.into_iter().enumerate() {
                    doc::positional_path_parameter(operation, index, schema);
                }
            }
            schema => doc::positional_path_parameter(operation, 0, schema),
        }
        doc::validation_error(operation, registry);
    }
}

impl<T> ApiInput for axum::extract::Path<T> {}
impl<T> ApiInput for axum::Extension<T> {}
impl ApiInput for crate::tasks::BackgroundTasks {}
impl<U> ApiInput for crate::auth::Accounts<U> {}

impl<T: crate::extract::Dependency> ApiInput for crate::extract::Depends<T> {
    fn document(operation: &mut OpenApiOperation, registry: &mut Registry) {
        T::document(operation, registry);
    }
}

impl<T: ApiInput> ApiInput for Option<T> {
    fn describe(operation: &mut Operation) {
        T::describe(operation);
    }
}

impl<U: 'static> ApiInput for crate::auth::CurrentUser<U> {
    fn describe(operation: &mut Operation) {
        operation.requires.push(Requirement::user::<U>());
    }

    fn document(operation: &mut OpenApiOperation, registry: &mut Registry) {
        doc::secure(operation, registry, &[]);
    }
}

impl<U: 'static> ApiInput for crate::auth::OptionalUser<U> {
    fn describe(operation: &mut Operation) {
        operation.requires.push(Requirement::user::<U>());
    }

    fn document(operation: &mut OpenApiOperation, registry: &mut Registry) {
        doc::secure(operation, registry, &[]);
        // The empty requirement: a token is optional.
        if let Some(security) = &mut operation.security {
            security.push(utoipa::openapi::security::SecurityRequirement::default());
        }
    }
}

impl<T: 'static> ApiInput for crate::extract::Dep<T> {
    fn describe(operation: &mut Operation) {
        operation.requires.push(Requirement::dep::<T>());
    }
}

fn success(
    operation: &mut OpenApiOperation,
    content: Option<(
        &str,
        utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
    )>,
) {
    doc::respond(operation, "200", "Successful Response", content);
}

impl ApiOutput for String {
    fn document(operation: &mut OpenApiOperation, _registry: &mut Registry) {
        success(
            operation,
            Some(("text/plain", utoipa::openapi::RefOr::T(String::schema()))),
        );
    }
}

impl ApiOutput for &'static str {
    fn document(operation: &mut OpenApiOperation, registry: &mut Registry) {
        <String as ApiOutput>::document(operation, registry);
    }
}

impl<T: ToSchema> ApiOutput for axum::Json<T> {
    fn document(operation: &mut OpenApiOperation, registry: &mut Registry) {
        let schema = T::reference(registry);
        success(operation, Some(("application/json", schema)));
    }
}

impl ApiOutput for axum::http::StatusCode {
    fn document(operation: &mut OpenApiOperation, _registry: &mut Registry) {
        success(operation, None);
    }
}

impl ApiOutput for () {
    fn document(operation: &mut OpenApiOperation, _registry: &mut Registry) {
        success(operation, None);
    }
}

impl ApiOutput for axum::response::Response {
    fn document(operation: &mut OpenApiOperation, _registry: &mut Registry) {
        // A WebSocket route answers its upgrade (101), documented by `WebSocketUpgrade`.
        if !operation.responses.responses.contains_key("101") {
            success(operation, None);
        }
    }
}

#[cfg(feature = "websocket")]
impl ApiInput for axum::extract::ws::WebSocketUpgrade {
    fn describe(operation: &mut Operation) {
        operation.streaming = true;
    }

    fn document(operation: &mut OpenApiOperation, _registry: &mut Registry) {
        doc::respond(operation, "101", "Switching to a WebSocket", None);
        let websocket = utoipa::openapi::extensions::Extensions::builder()
            .add("x-websocket", true)
            .build();
        operation
            .extensions
            .get_or_insert_with(Default::default)
            .merge(websocket);
    }
}

impl<S> ApiOutput for axum::response::sse::Sse<S> {
    fn describe(operation: &mut Operation) {
        operation.streaming = true;
    }

    fn document(operation: &mut OpenApiOperation, _registry: &mut Registry) {
        doc::respond(
            operation,
            "200",
            "A stream of server-sent events",
            Some(("text/event-stream", String::schema().into())),
        );
    }
}

impl<T> ApiOutput for axum::response::Html<T> {
    fn document(operation: &mut OpenApiOperation, _registry: &mut Registry) {
        success(
            operation,
            Some(("text/html", utoipa::openapi::RefOr::T(String::schema()))),
        );
    }
}

impl<T: ApiOutput> ApiOutput for (axum::http::StatusCode, T) {
    fn document(operation: &mut OpenApiOperation, registry: &mut Registry) {
        T::document(operation, registry);
    }
}

/// An `ApiError` can be any 4xx/5xx; document the specific ones with
/// [`ApiMethodRouter::response`](super::ApiMethodRouter::response).
impl ApiOutput for crate::ApiError {}

/// Documents every status an [`HttpError`](crate::error::HttpError) answers (the derive's
/// `ApiOutput` impl): one response per status, its variants' descriptions joined.
pub fn document_http_error<E: crate::error::HttpError>(
    operation: &mut OpenApiOperation,
    registry: &mut Registry,
) {
    let mut statuses: Vec<u16> = E::RESPONSES.iter().map(|(status, _)| *status).collect();
    statuses.sort_unstable();
    statuses.dedup();
    for status in statuses {
        let descriptions: Vec<&str> = E::RESPONSES
            .iter()
            .filter(|(s, _)| *s == status)
            .map(|(_, description)| *description)
            .collect();
        doc::error(
            operation,
            registry,
            &status.to_string(),
            &descriptions.join("; "),
        );
    }
}

impl<T: ApiOutput, E: ApiOutput> ApiOutput for Result<T, E> {
    fn document(operation: &mut OpenApiOperation, registry: &mut Registry) {
        T::document(operation, registry);
        E::document(operation, registry);
    }
}
