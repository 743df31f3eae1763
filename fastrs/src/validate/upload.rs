//! [`Upload`]: a file sent in a `multipart/form-data` body, as a model field.

use axum::body::Bytes;
use serde_json::Value;

use super::{Cx, Validate, Violation};

/// A file sent in a `multipart/form-data` body (FastAPI's `UploadFile`), as a field of a model
/// read by [`Multipart`](crate::extract::Multipart): its name and type as the client gave
/// them, and its bytes. `#[validate(length(min = .., max = ..))]` bounds its size in bytes;
/// `Option<Upload>` makes it optional and `Vec<Upload>` takes the field repeated. The document
/// shows it as `format: binary`. A file cannot come in JSON: in a JSON body the field is
/// refused.
///
/// ```
/// use fastrs::prelude::*;
/// use fastrs::extract::{Multipart, Upload};
///
/// #[derive(Model)]
/// struct Avatar {
///     #[validate(length(max = 1_000_000))]
///     image: Upload,
///     caption: Option<String>,
/// }
///
/// async fn upload(Multipart(avatar): Multipart<Avatar>) -> String {
///     format!("{} bytes", avatar.image.len())
/// }
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Upload {
    /// The file's name, as the client gave it (never trust it as a path).
    pub filename: Option<String>,
    /// The part's `Content-Type`, as the client gave it.
    pub content_type: Option<String>,
    /// The file's content.
    pub bytes: Bytes,
}

impl Upload {
    /// The size in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// True for an empty file.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

/// The key of the placeholder a file part stands as while its model is read (no text part can
/// produce an object, so no client value can pass for one).
pub(crate) const UPLOAD_KEY: &str = "$upload";

impl Validate for Upload {
    fn read(value: Value, cx: &mut Cx) -> Option<Self> {
        let value = cx.one(value);
        if let Value::Object(object) = &value
            && let Some(index) = object.get(UPLOAD_KEY).and_then(Value::as_u64)
            && let Some(upload) = cx.take_upload(index as usize)
        {
            return Some(upload);
        }
        let input = match value {
            Value::Object(_) => None,
            other => Some(other),
        };
        cx.fail(
            Violation::value_error("Value error, Expected a file upload, received text"),
            input,
        );
        None
    }
}

/// What a response shows of a file: its name, type and size (never its bytes).
impl serde::Serialize for Upload {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut state = serializer.serialize_struct("Upload", 3)?;
        state.serialize_field("filename", &self.filename)?;
        state.serialize_field("content_type", &self.content_type)?;
        state.serialize_field("size", &self.bytes.len())?;
        state.end()
    }
}

/// A file never comes in JSON: deserializing one fails (the model's reader then reports it).
impl<'de> serde::Deserialize<'de> for Upload {
    fn deserialize<D: serde::Deserializer<'de>>(_deserializer: D) -> Result<Self, D::Error> {
        Err(serde::de::Error::custom(
            "a file is sent as multipart/form-data",
        ))
    }
}
