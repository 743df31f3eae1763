//! [`OperationDocs`]: a summary, description, tags or deprecation for any documented operation,
//! generated or hand-written, set from the app (`App::describe`).

use utoipa::openapi::OpenApi;
use utoipa::openapi::path::Operation;

/// What to change in one operation's document.
///
/// ```
/// use fastrs::openapi::OperationDocs;
///
/// let docs = OperationDocs::new()
///     .summary("Browse the published posts")
///     .tag("public")
///     .deprecated();
/// # let _ = docs;
/// ```
#[derive(Debug, Clone, Default)]
pub struct OperationDocs {
    summary: Option<String>,
    description: Option<String>,
    tags: Vec<String>,
    deprecated: bool,
}

impl OperationDocs {
    /// No change yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces the summary.
    pub fn summary(mut self, summary: &str) -> Self {
        self.summary = Some(summary.to_owned());
        self
    }

    /// Replaces the description.
    pub fn description(mut self, description: &str) -> Self {
        self.description = Some(description.to_owned());
        self
    }

    /// Adds a tag (after the operation's own).
    pub fn tag(mut self, tag: &str) -> Self {
        self.tags.push(tag.to_owned());
        self
    }

    /// Marks the operation deprecated.
    pub fn deprecated(mut self) -> Self {
        self.deprecated = true;
        self
    }

    fn apply(&self, operation: &mut Operation) {
        if let Some(summary) = &self.summary {
            operation.summary = Some(summary.clone());
        }
        if let Some(description) = &self.description {
            operation.description = Some(description.clone());
        }
        if !self.tags.is_empty() {
            let tags = operation.tags.get_or_insert_with(Vec::new);
            for tag in &self.tags {
                if !tags.contains(tag) {
                    tags.push(tag.clone());
                }
            }
        }
        if self.deprecated {
            operation.deprecated = Some(utoipa::openapi::Deprecated::True);
        }
    }
}

/// The operation at `method` (upper case) and `path` in `openapi`.
pub(crate) fn operation_mut<'a>(
    openapi: &'a mut OpenApi,
    method: &str,
    path: &str,
) -> Option<&'a mut Operation> {
    let item = openapi.paths.paths.get_mut(path)?;
    match method {
        "GET" => item.get.as_mut(),
        "POST" => item.post.as_mut(),
        "PUT" => item.put.as_mut(),
        "PATCH" => item.patch.as_mut(),
        "DELETE" => item.delete.as_mut(),
        "HEAD" => item.head.as_mut(),
        "OPTIONS" => item.options.as_mut(),
        _ => None,
    }
}

/// Applies each `(method, path, docs)`; the ones naming no operation are returned.
pub(crate) fn apply<'a>(
    openapi: &mut OpenApi,
    edits: &'a [(String, String, OperationDocs)],
) -> Vec<&'a (String, String, OperationDocs)> {
    let mut missing = Vec::new();
    for edit in edits {
        match operation_mut(openapi, &edit.0, &edit.1) {
            Some(operation) => edit.2.apply(operation),
            None => missing.push(edit),
        }
    }
    missing
}
