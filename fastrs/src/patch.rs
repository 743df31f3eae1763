//! [`Patch`]: the three states of a field in a PATCH body.

/// One field of a partial update: absent (leave unchanged), `null` (clear; only for `Option`
/// fields), or a new value.
///
/// ```
/// use fastrs::Patch;
///
/// let mut description = Some("old".to_string());
/// Patch::Null.apply_to_option(&mut description);
/// assert_eq!(description, None);
/// Patch::Absent.apply_to_option(&mut description);
/// assert_eq!(description, None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Patch<T> {
    /// Not in the body: unchanged.
    #[default]
    Absent,
    /// `null` in the body: cleared.
    Null,
    /// A new value.
    Value(T),
}

impl<T> Patch<T> {
    /// True unless absent.
    pub fn is_present(&self) -> bool {
        !matches!(self, Patch::Absent)
    }

    /// The new value, if one was given.
    pub fn value(&self) -> Option<&T> {
        match self {
            Patch::Value(value) => Some(value),
            _ => None,
        }
    }

    /// Applies the patch to a nullable field.
    pub fn apply_to_option(self, target: &mut Option<T>) {
        match self {
            Patch::Absent => {}
            Patch::Null => *target = None,
            Patch::Value(value) => *target = Some(value),
        }
    }

    /// Applies the patch to a non-nullable field (`Null` leaves it unchanged; the validation of
    /// a derived update type never lets `Null` through for such a field).
    pub fn apply(self, target: &mut T) {
        if let Patch::Value(value) = self {
            *target = value;
        }
    }
}
