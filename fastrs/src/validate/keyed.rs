//! [`Keyed`]: a model wrapped in a one-key object named by its type (`{"article": {...}}`).

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::{Cx, Input, Validate, ValidationErrors, Violation};

/// The key a model is wrapped under in a [`Keyed`] body or answer: set it with
/// `#[model(key = "article")]`.
pub trait Envelope {
    /// The object's one key.
    const KEY: &'static str;
}

/// A model wrapped in a one-key object named by its type, as RealWorld and many JSON APIs
/// write bodies and answers: `{"article": {"title": ...}}`. As a body (`ValidJson<Keyed<T>>`)
/// the inner model is validated at `["body", "article", ...]` and a missing key is a 422; as
/// an answer (`Json<Keyed<T>>`) it is written wrapped; the document shows the wrapper.
///
/// ```
/// use fastrs::prelude::*;
/// use fastrs::validate::Keyed;
///
/// #[derive(Model)]
/// #[model(key = "article")]
/// struct NewArticle {
///     #[validate(length(min = 1))]
///     title: String,
/// }
///
/// async fn create(ValidJson(Keyed(article)): ValidJson<Keyed<NewArticle>>) -> Json<Keyed<NewArticle>> {
///     Json(Keyed(article))
/// }
///
/// let json = serde_json::to_string(&Keyed(NewArticle { title: "Hi".into() })).unwrap();
/// assert_eq!(json, r#"{"article":{"title":"Hi"}}"#);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Keyed<T>(pub T);

impl<T: Serialize + Envelope> Serialize for Keyed<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(T::KEY, &self.0)?;
        map.end()
    }
}

impl<'de, T: Deserialize<'de> + Envelope> Deserialize<'de> for Keyed<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Wrapper<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de> + Envelope> Visitor<'de> for Wrapper<T> {
            type Value = Keyed<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "an object with the key `{}`", T::KEY)
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Keyed<T>, A::Error> {
                let mut inner = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key == T::KEY && inner.is_none() {
                        inner = Some(map.next_value::<T>()?);
                    } else {
                        map.next_value::<de::IgnoredAny>()?;
                    }
                }
                inner
                    .map(Keyed)
                    .ok_or_else(|| de::Error::missing_field(T::KEY))
            }
        }

        deserializer.deserialize_map(Wrapper(PhantomData))
    }
}

impl<T: Validate + Envelope> Validate for Keyed<T> {
    fn read(value: Value, cx: &mut Cx) -> Option<Self> {
        let mut object = cx.object(value)?;
        match object.remove(T::KEY) {
            Some(inner) => cx.at(T::KEY, |cx| T::read(inner, cx)).map(Keyed),
            None => {
                cx.at(T::KEY, |cx| {
                    cx.fail(Violation::new("missing", "Field required"), None);
                });
                None
            }
        }
    }

    fn valid(&self) -> bool {
        self.0.valid()
    }
}

impl<T: Validate + DeserializeOwned + Envelope + Send + 'static> Input for Keyed<T> {
    fn from_json(body: &mut Map<String, Value>, errors: &mut ValidationErrors) -> Option<Self> {
        super::input_from_map(body, errors)
    }

    fn parse(bytes: &[u8]) -> Result<Self, ValidationErrors> {
        super::parse_model(bytes)
    }
}
