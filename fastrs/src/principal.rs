//! [`Principal`]: who is calling, as the layers below authentication see it (owner checks,
//! flags, scopes), and [`Caller`]: anything that names one. `fastrs::auth` re-exports both;
//! authentication builds a principal from a token.

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

/// Anything that names the caller, or says there is none: what the data API's
/// [`Select::viewer`](crate::data::Select::viewer) and
/// [`Table::insert_for`](crate::data::Table::insert_for) take. A [`Principal`], the user row of
/// the `#[resource(user)]` resource (a [`CurrentUser`](crate::auth::CurrentUser)'s), an `Option`
/// of either (`None`: nobody, as for an [`OptionalUser`](crate::auth::OptionalUser) without a
/// token), and `()` (nobody).
///
/// ```
/// use fastrs::auth::{Caller, Principal};
///
/// let me = Principal { id: "7".into(), scopes: Vec::new() };
/// assert_eq!(me.principal().map(|p| p.id), Some("7".to_owned()));
/// assert_eq!(Some(me).principal().map(|p| p.id), Some("7".to_owned()));
/// assert_eq!(None::<Principal>.principal(), None);
/// assert_eq!(().principal(), None);
/// ```
pub trait Caller {
    /// The caller, if there is one.
    fn principal(&self) -> Option<Principal>;
}

impl Caller for Principal {
    fn principal(&self) -> Option<Principal> {
        Some(self.clone())
    }
}

impl<T: Caller> Caller for Option<T> {
    fn principal(&self) -> Option<Principal> {
        self.as_ref().and_then(Caller::principal)
    }
}

impl<T: Caller + ?Sized> Caller for &T {
    fn principal(&self) -> Option<Principal> {
        (**self).principal()
    }
}

impl Caller for () {
    fn principal(&self) -> Option<Principal> {
        None
    }
}
