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

/// `null` is [`Patch::Null`], a value is [`Patch::Value`]; a field left out is
/// [`Patch::Absent`] through `#[serde(default)]` (what the derived update bodies declare).
impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Patch<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Option::<T>::deserialize(deserializer).map(|value| value.map_or(Patch::Null, Patch::Value))
    }
}

/// A value as itself; `Absent` and `Null` as `null`.
impl<T: serde::Serialize> serde::Serialize for Patch<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Patch::Value(value) => serializer.serialize_some(value),
            Patch::Absent | Patch::Null => serializer.serialize_none(),
        }
    }
}
