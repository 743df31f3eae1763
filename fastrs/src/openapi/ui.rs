//! Serving the document and its UIs. Their assets come from crates that ship them in their
//! package (`swagger-ui-dist`, `aide`'s ReDoc), compiled into the binary: the pages work offline
//! and behind firewalls, and no page loads anything from a CDN.

use axum::Router;
use axum::body::Bytes;
use axum::http::header;
use axum::routing::get;

use super::DocsOptions;

/// `/openapi.json` (and the UIs) as a router; the JSON is serialized once, at start-up.
pub(crate) fn router(options: &DocsOptions, json: Bytes) -> Router {
    let mut router = Router::new();
    let Some(openapi_path) = options.openapi_path.clone() else {
        return router;
    };
    router = router.route(
        &openapi_path,
        get(move || {
            let json = json.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], json) }
        }),
    );
    #[cfg(feature = "swagger-ui")]
    if let Some(path) = &options.swagger_path {
        router = router.merge(swagger_ui_dist::generate_routes(
            swagger_ui_dist::ApiDefinition {
                uri_prefix: path.clone(),
                api_definition: swagger_ui_dist::OpenApiSource::Uri(openapi_path.clone()),
                title: Some(options.title.clone()),
            },
        ));
    }
    #[cfg(feature = "redoc")]
    if let Some(path) = &options.redoc_path {
        // Built on first request: the page inlines a 1 MB script that most runs never serve.
        let page = std::sync::Arc::new(std::sync::OnceLock::<axum::body::Bytes>::new());
        let (spec, title) = (openapi_path.clone(), options.title.clone());
        router = router.route(
            path,
            get(move || {
                let html = page
                    .get_or_init(|| {
                        aide::redoc::Redoc::new(spec.clone())
                            .with_title(&title)
                            .html()
                            .into()
                    })
                    .clone();
                async move { ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html) }
            }),
        );
    }
    router
}

/// The paths the docs occupy, for the start-up duplicate check.
pub(crate) fn paths(options: &DocsOptions) -> Vec<String> {
    let Some(openapi) = &options.openapi_path else {
        return Vec::new();
    };
    let mut paths = vec![openapi.clone()];
    if cfg!(feature = "swagger-ui") {
        paths.extend(options.swagger_path.clone());
    }
    if cfg!(feature = "redoc") {
        paths.extend(options.redoc_path.clone());
    }
    paths
}
