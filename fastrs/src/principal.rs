//! [`Principal`]: who is calling, as the layers below authentication see it (owner checks,
//! flags, scopes). `fastrs::auth` re-exports it; authentication builds it from a token.

use crate::ApiError;

/// Who is calling: what resources' owner and scope checks need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The user's id, as text.
    pub id: String,
    /// The user's scopes.
    pub scopes: Vec<String>,
}

impl Principal {
    /// 403 unless the caller has `scope`.
    pub fn require_scope(&self, scope: &str) -> Result<(), ApiError> {
        if self.scopes.iter().any(|s| s == scope) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "Not enough permissions: the `{scope}` scope is required"
            )))
        }
    }
}
