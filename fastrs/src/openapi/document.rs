//! Assembling the document: info, paths, components, security schemes, tags.

use utoipa::openapi::path::{HttpMethod, Operation, PathItem, Paths};
use utoipa::openapi::schema::{Components, Schema, SchemaFormat};
use utoipa::openapi::security::{
    Flow, Http, HttpAuthScheme, OAuth2, Password, Scopes, SecurityScheme,
};
use utoipa::openapi::{Info, OpenApi, RefOr};

use super::operation::{
    self as op, BEARER, OAUTH2, body, error, json_body, respond, secure, too_large,
    validation_error,
};
use super::{Registry, ToSchema, object, resource};
use crate::auth::AuthOptions;
use crate::resource::{PageBounds, ResourceMeta};
use crate::routing::Operation as Route;

/// The document's info and where it and its UIs are served; `None` switches one off.
///
/// ```
/// let docs = fastrs::openapi::DocsOptions { title: "Shop".into(), redoc_path: None, ..Default::default() };
/// # let _ = docs;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocsOptions {
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// `info.description`.
    pub description: Option<String>,
    /// Where the JSON document is served (default `/openapi.json`).
    pub openapi_path: Option<String>,
    /// Where Swagger UI is served (default `/docs`; needs the `swagger-ui` feature).
    pub swagger_path: Option<String>,
    /// Where ReDoc is served (default `/redoc`; needs the `redoc` feature).
    pub redoc_path: Option<String>,
}

impl Default for DocsOptions {
    fn default() -> Self {
        Self {
            title: "fastrs API".into(),
            version: "0.1.0".into(),
            description: None,
            openapi_path: Some("/openapi.json".into()),
            swagger_path: Some("/docs".into()),
            redoc_path: Some("/redoc".into()),
        }
    }
}

/// What a document is made of.
pub struct Parts<'a> {
    pub(crate) options: &'a DocsOptions,
    pub(crate) page: PageBounds,
    pub(crate) resources: Vec<(&'static ResourceMeta, crate::resource::Operations)>,
    pub(crate) auth: Option<(&'static ResourceMeta, &'a AuthOptions)>,
    pub(crate) routes: Vec<(&'a str, &'a Route)>,
    pub(crate) error_format: Option<std::sync::Arc<dyn crate::error::ErrorFormat>>,
    pub(crate) prefix: Option<&'a str>,
}

fn method(method: &axum::http::Method) -> Option<HttpMethod> {
    Some(match method.as_str() {
        "GET" => HttpMethod::Get,
        "POST" => HttpMethod::Post,
        "PUT" => HttpMethod::Put,
        "PATCH" => HttpMethod::Patch,
        "DELETE" => HttpMethod::Delete,
        "HEAD" => HttpMethod::Head,
        "OPTIONS" => HttpMethod::Options,
        _ => return None,
    })
}

fn add(paths: &mut Paths, path: &str, http_method: HttpMethod, operation: Operation) {
    match paths.paths.get_mut(path) {
        Some(item) => item.merge_operations(PathItem::new(http_method, operation)),
        None => {
            paths
                .paths
                .insert(path.to_owned(), PathItem::new(http_method, operation));
        }
    }
}

fn string_with(format: &str) -> Schema {
    let mut schema = String::schema();
    if let Schema::Object(object) = &mut schema {
        object.format = Some(SchemaFormat::Custom(format.into()));
    }
    schema
}

/// The auth routes' operations.
fn auth_operations(
    user: &'static ResourceMeta,
    options: &AuthOptions,
    registry: &mut Registry,
) -> Vec<(String, HttpMethod, Operation)> {
    let prefix = options.auth_prefix.trim_end_matches('/');
    let users = options.users_prefix.trim_end_matches('/');
    let name = user.name;
    let create = (user.create_schema)(registry);
    let response = registry.component(&format!("{name}Response"), |_| super::response_schema(user));
    let token = registry.component("Token", |_| {
        object([
            ("access_token", String::schema(), true),
            ("token_type", String::schema(), true),
            ("refresh_token", String::schema(), true),
        ])
    });
    let form = registry.component("TokenForm", |_| {
        object([
            ("username", String::schema(), true),
            ("password", string_with("password"), true),
            ("grant_type", String::schema(), false),
            ("scope", String::schema(), false),
        ])
    });
    let refresh = registry.component("RefreshRequest", |_| {
        object([("refresh_token", String::schema(), true)])
    });
    // The new password obeys the rules of the user's password field; the document says so.
    let new_password = match user.columns.iter().find(|c| c.password) {
        Some(column) => {
            let mut schema = super::schema::column_schema(column, false);
            if let Schema::Object(object) = &mut schema {
                object.format = Some(SchemaFormat::Custom("password".into()));
                object.description = None;
            }
            schema
        }
        None => string_with("password"),
    };
    let change = registry.component("PasswordChange", |_| {
        object([
            ("current_password", string_with("password"), true),
            ("new_password", new_password, true),
        ])
    });
    let base = |id: &str, summary: &str| {
        let mut operation = Operation::new();
        operation.operation_id = Some(id.to_owned());
        operation.summary = Some(summary.to_owned());
        operation.tags = Some(vec!["auth".to_owned()]);
        operation
    };

    let mut register = base("register", "Register a user");
    json_body(&mut register, create);
    respond(
        &mut register,
        "201",
        "The new user",
        Some(("application/json", response.clone())),
    );
    error(
        &mut register,
        registry,
        "409",
        "The e-mail or username is taken",
    );
    validation_error(&mut register, registry);
    too_large(&mut register, registry);

    let mut login = base("login", "Log in (OAuth2 password flow)");
    login.description =
        Some("`username` is any login field of the user (username or e-mail).".into());
    body(&mut login, "application/x-www-form-urlencoded", form);
    respond(
        &mut login,
        "200",
        "An access and a refresh token",
        Some(("application/json", token.clone())),
    );
    error(
        &mut login,
        registry,
        "401",
        "Incorrect username or password",
    );
    error(&mut login, registry, "403", "Inactive user");
    validation_error(&mut login, registry);
    too_large(&mut login, registry);

    let mut rotate = base("refresh", "Exchange a refresh token for a new pair");
    json_body(&mut rotate, refresh.clone());
    respond(
        &mut rotate,
        "200",
        "A new access and refresh token",
        Some(("application/json", token)),
    );
    error(
        &mut rotate,
        registry,
        "401",
        "Invalid, expired or already used refresh token",
    );
    error(&mut rotate, registry, "403", "Inactive user");
    validation_error(&mut rotate, registry);
    too_large(&mut rotate, registry);

    let mut logout = base("logout", "Log out: end the session of a refresh token");
    logout.description = Some(
        "Revokes the refresh token's session and ends the user's access tokens; the user's other sessions get new access tokens at their next refresh.".into(),
    );
    json_body(&mut logout, refresh.clone());
    respond(&mut logout, "204", "Logged out", None);
    error(
        &mut logout,
        registry,
        "401",
        "Invalid or expired refresh token",
    );
    validation_error(&mut logout, registry);
    too_large(&mut logout, registry);

    let mut password = base("change_password", "Change the caller's password");
    json_body(&mut password, change);
    respond(
        &mut password,
        "204",
        "Changed; every session of the user is revoked and their access tokens end",
        None,
    );
    error(&mut password, registry, "403", "Incorrect current password");
    validation_error(&mut password, registry);
    too_large(&mut password, registry);
    secure(&mut password, registry, &[]);

    let mut me = base("read_me", "The caller");
    me.tags = Some(vec![user.tag.to_owned()]);
    respond(
        &mut me,
        "200",
        "The authenticated user",
        Some(("application/json", response)),
    );
    secure(&mut me, registry, &[]);

    vec![
        (format!("{prefix}/register"), HttpMethod::Post, register),
        (format!("{prefix}/token"), HttpMethod::Post, login),
        (format!("{prefix}/refresh"), HttpMethod::Post, rotate),
        (format!("{prefix}/logout"), HttpMethod::Post, logout),
        (format!("{prefix}/password"), HttpMethod::Post, password),
        (format!("{users}/me"), HttpMethod::Get, me),
    ]
}

/// A hand-written route's operation, from its handler's types and its overrides.
fn route_operation(path: &str, route: &Route, registry: &mut Registry) -> Operation {
    let mut operation = Operation::new();
    (route.document)(&mut operation, registry);
    for document in &route.also {
        document(&mut operation, registry);
    }
    let name = route.handler.rsplit("::").next().unwrap_or(route.handler);
    let name = name.split('<').next().unwrap_or(name);
    let method = route.method.as_str().to_ascii_lowercase();
    operation.operation_id = Some(
        route
            .operation_id
            .clone()
            .unwrap_or_else(|| format!("{name}_{method}")),
    );
    let title = {
        let words = name.replace('_', " ");
        let mut chars = words.chars();
        chars
            .next()
            .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
            .unwrap_or_default()
    };
    operation.summary = Some(route.summary.clone().unwrap_or(title));
    if route.description.is_some() {
        operation.description = route.description.clone();
    }
    if !route.tags.is_empty() {
        operation.tags = Some(route.tags.clone());
    }
    if route.deprecated {
        operation.deprecated = Some(utoipa::openapi::Deprecated::True);
    }
    for (status, description) in &route.responses {
        error(&mut operation, registry, status, description);
    }
    // Every `{name}` of the path is a parameter, even when the handler does not read it.
    op::name_path_parameters(&mut operation, path);
    if operation.responses.responses.is_empty() {
        respond(&mut operation, "200", "Successful Response", None);
    }
    operation
}

fn http_name(method: &HttpMethod) -> &'static str {
    match method {
        HttpMethod::Get => "GET",
        HttpMethod::Post => "POST",
        HttpMethod::Put => "PUT",
        HttpMethod::Patch => "PATCH",
        HttpMethod::Delete => "DELETE",
        HttpMethod::Head => "HEAD",
        HttpMethod::Options => "OPTIONS",
        HttpMethod::Trace => "TRACE",
    }
}

/// Builds the document.
pub fn document(parts: Parts<'_>) -> OpenApi {
    let builtin = parts.auth.is_some_and(|(_, options)| options.routes);
    let mut registry = Registry::new(parts.page)
        .with_error_format(parts.error_format)
        .without_password_flow(!builtin);
    let mut paths = Paths::new();
    let mut tags = Vec::new();
    if let Some((user, options)) = parts.auth.filter(|(_, options)| options.routes) {
        for (path, http_method, operation) in auth_operations(user, options, &mut registry) {
            add(&mut paths, &path, http_method, operation);
        }
    }
    for &(meta, generated) in &parts.resources {
        if !tags
            .iter()
            .any(|t: &utoipa::openapi::Tag| t.name == meta.tag)
        {
            tags.push(resource::tag(meta));
        }
        let all = crate::crud::operations(meta);
        for (path, http_method, operation) in resource::operations(meta, parts.page, &mut registry)
        {
            let kept = all.iter().any(|(op, method, op_path)| {
                generated.contains(*op) && *op_path == path && http_name(&http_method) == *method
            });
            if kept {
                add(&mut paths, &path, http_method, operation);
            }
        }
    }
    relation_links(&mut paths, &parts.resources);
    for (path, route) in &parts.routes {
        if let Some(http_method) = method(&route.method) {
            let operation = route_operation(path, route, &mut registry);
            add(&mut paths, path, http_method, operation);
        }
    }
    let mut components = Components::new();
    components.schemas = registry.into_schemas();
    embedded_relations(&mut paths, &mut components, &parts.resources);
    if let Some((_, options)) = parts.auth {
        if options.routes {
            let token_url = format!("{}/token", options.auth_prefix.trim_end_matches('/'));
            components.security_schemes.insert(
                OAUTH2.into(),
                RefOr::T(SecurityScheme::OAuth2(OAuth2::new([Flow::Password(
                    Password::new(token_url, Scopes::new()),
                )]))),
            );
        }
        let scheme = if options.scheme.eq_ignore_ascii_case("bearer") {
            let mut bearer = Http::new(HttpAuthScheme::Bearer);
            bearer.bearer_format = Some("JWT".into());
            SecurityScheme::Http(bearer)
        } else {
            // Another scheme is an API key in the `Authorization` header, which says how to
            // write it.
            SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Header(
                utoipa::openapi::security::ApiKeyValue::with_description(
                    "Authorization",
                    &format!("`{} <token>`, the access token from login", options.scheme),
                ),
            ))
        };
        components
            .security_schemes
            .insert(BEARER.into(), RefOr::T(scheme));
    }
    let mut info = Info::new(parts.options.title.clone(), parts.options.version.clone());
    info.description = parts.options.description.clone();
    let mut openapi = OpenApi::new(info, paths);
    if let Some(prefix) = parts.prefix {
        openapi.servers = Some(vec![utoipa::openapi::server::Server::new(prefix)]);
    }
    openapi.components = Some(components);
    openapi.tags = (!tags.is_empty()).then_some(tags);
    openapi
}

/// OpenAPI link objects for belongs-to relations: the answers of a resource's create, get,
/// update and restore link each reference to the `GET` of the row it names (when that route
/// is served), so a client or a generator can follow `note_id` to the note.
fn relation_links(
    paths: &mut Paths,
    resources: &[(&'static ResourceMeta, crate::resource::Operations)],
) {
    use crate::resource::{Operations, snake_case};
    use utoipa::openapi::link::Link;
    for &(meta, _) in resources {
        let snake = snake_case(meta.name);
        let mut links = Vec::new();
        for column in meta.columns {
            let Some(reference) = column.references else {
                continue;
            };
            let target = (reference.target)();
            let served = resources.iter().any(|&(mounted, generated)| {
                std::ptr::eq(mounted, target) && generated.contains(Operations::READ)
            });
            if !served {
                continue;
            }
            let name = crate::resource::relation_name(column.field);
            let link = Link::builder()
                .operation_id(format!("get_{}", snake_case(target.name)))
                .parameter("id", format!("$response.body#/{}", column.field))
                .description(format!("The {} this {} references", target.name, meta.name))
                .build();
            links.push((name.to_owned(), link));
        }
        if links.is_empty() {
            continue;
        }
        let ids = ["create", "get", "update", "restore"].map(|verb| format!("{verb}_{snake}"));
        for item in paths.paths.values_mut() {
            let operations = [&mut item.post, &mut item.get, &mut item.patch];
            for operation in operations.into_iter().flatten() {
                let named = operation
                    .operation_id
                    .as_ref()
                    .is_some_and(|id| ids.contains(id));
                if !named {
                    continue;
                }
                for status in ["200", "201"] {
                    if let Some(RefOr::T(response)) = operation.responses.responses.get_mut(status)
                    {
                        for (name, link) in &links {
                            response.links.insert(name.clone(), RefOr::T(link.clone()));
                        }
                    }
                }
            }
        }
    }
}

/// `?include=`: each read of a resource with relations it can embed takes an `include`
/// parameter, and its answer's schema has each relation as an optional property (present only
/// when included; `null` when the reference is empty).
fn embedded_relations(
    paths: &mut Paths,
    components: &mut Components,
    resources: &[(&'static ResourceMeta, crate::resource::Operations)],
) {
    use crate::openapi::operation::parameter;
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::schema::{OneOf, Type};
    for &(meta, _) in resources {
        let embeds = crate::resource::embeddable(meta, |target| {
            resources.iter().any(|&(m, generated)| {
                std::ptr::eq(m, target) && generated.contains(crate::resource::Operations::READ)
            })
        });
        if embeds.is_empty() {
            continue;
        }
        let names: Vec<&str> = embeds.iter().map(|e| e.name).collect();
        let defaults: Vec<&str> = embeds
            .iter()
            .filter(|e| e.column.references.is_some_and(|r| r.embed))
            .map(|e| e.name)
            .collect();
        let alternatives = names.join("|");
        let mut include = utoipa::openapi::schema::Object::with_type(Type::String);
        let list = format!("(?:{alternatives})(?:,(?:{alternatives}))*");
        if defaults.is_empty() {
            include.description = Some(format!(
                "Related rows to embed, comma-separated: {}.",
                names.join(", ")
            ));
            include.pattern = Some(format!("^{list}$"));
        } else {
            include.description = Some(format!(
                "Related rows to embed, comma-separated: {}. Without it: {} (empty: none).",
                names.join(", "),
                defaults.join(", ")
            ));
            include.pattern = Some(format!("^(?:{list})?$"));
            include.default = Some(serde_json::Value::String(defaults.join(",")));
        }
        let snake = crate::resource::snake_case(meta.name);
        let (get, list) = (format!("get_{snake}"), format!("list_{snake}"));
        for item in paths.paths.values_mut() {
            let Some(operation) = item.get.as_mut() else {
                continue;
            };
            let reads = operation.operation_id.as_ref().is_some_and(|id| {
                *id == get || *id == list || id.starts_with(&format!("{list}_of_"))
            });
            if reads {
                parameter(
                    operation,
                    "include",
                    ParameterIn::Query,
                    false,
                    Schema::Object(include.clone()),
                );
            }
        }
        if let Some(RefOr::T(Schema::Object(response))) = components
            .schemas
            .get_mut(&format!("{}Response", meta.name))
        {
            for embed in &embeds {
                let target = RefOr::Ref(utoipa::openapi::Ref::from_schema_name(format!(
                    "{}Response",
                    embed.target.name
                )));
                let property = OneOf::builder()
                    .item(target)
                    .item(Schema::Object(utoipa::openapi::schema::Object::with_type(
                        Type::Null,
                    )))
                    .description(Some(if embed.column.references.is_some_and(|r| r.embed) {
                        format!(
                            "The {} `{}` names (embedded unless `?include=` leaves it out)",
                            embed.target.name, embed.column.field
                        )
                    } else {
                        format!(
                            "The {} `{}` names, with `?include={}`",
                            embed.target.name, embed.column.field, embed.name
                        )
                    }))
                    .build();
                response
                    .properties
                    .insert(embed.name.to_owned(), RefOr::T(Schema::OneOf(property)));
            }
        }
    }
}
