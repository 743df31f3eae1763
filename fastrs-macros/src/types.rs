//! What a field's Rust type is, read from its tokens: the [`Kind`] storage and validation care
//! about, and the small path helpers every derive uses.

use syn::{GenericArgument, PathArguments, Type};

/// What a field's Rust type is, as far as storage and validation care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    I32,
    I64,
    F64,
    Bool,
    String,
    Uuid,
    DateTime,
    Json,
    List,
    /// A type of the user's own: a `#[derive(Model)]` unit enum, stored as text.
    Enum,
}

impl Kind {
    pub(crate) fn is_number(self) -> bool {
        matches!(self, Kind::I32 | Kind::I64 | Kind::F64)
    }
}

pub(crate) fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(path) if path.qself.is_none() => path.path.segments.last(),
        Type::Group(group) => last_segment(&group.elem),
        _ => None,
    }
}

pub(crate) fn single_arg(segment: &syn::PathSegment) -> Option<&Type> {
    match &segment.arguments {
        PathArguments::AngleBracketed(args) if args.args.len() == 1 => match args.args.first() {
            Some(GenericArgument::Type(ty)) => Some(ty),
            _ => None,
        },
        _ => None,
    }
}

/// `Some((kind, inner, nullable))` for a supported type.
pub(crate) fn classify(ty: &Type) -> Option<(Kind, &Type, bool)> {
    let segment = last_segment(ty)?;
    if segment.ident == "Option" {
        let inner = single_arg(segment)?;
        let (kind, _, nested) = classify(inner)?;
        return (!nested).then_some((kind, inner, true));
    }
    let kind = match segment.ident.to_string().as_str() {
        "i32" => Kind::I32,
        "i64" => Kind::I64,
        "f64" => Kind::F64,
        "bool" => Kind::Bool,
        "String" => Kind::String,
        "Uuid" => Kind::Uuid,
        "Value" | "JsonValue" => Kind::Json,
        "DateTime" => {
            let tz = single_arg(segment).and_then(last_segment)?;
            if tz.ident != "Utc" {
                return None;
            }
            Kind::DateTime
        }
        "Vec" => {
            // Lists of scalars, stored as JSON; nested lists and `Vec<Option<_>>` are not.
            let (element, _, nullable) = classify(single_arg(segment)?)?;
            if nullable || element == Kind::List {
                return None;
            }
            Kind::List
        }
        // A file (`fastrs::extract::Upload`): a model field, never a column; its rules are
        // checked by the compiler (`Rule<Upload>`).
        "Upload" => return None,
        // A type of the user's own (`Status`): an enum stored as text; the compiler checks it
        // is one (`TextEnum`). Lowercase names (`u8`, `usize`) are primitives fastrs refuses.
        name if segment.arguments.is_none()
            && name.chars().next().is_some_and(char::is_uppercase)
            && !matches!(name, "Option" | "Vec" | "HashMap" | "BTreeMap" | "Box") =>
        {
            Kind::Enum
        }
        _ => return None,
    };
    if kind != Kind::List && kind != Kind::DateTime && !segment.arguments.is_none() {
        return None;
    }
    Some((kind, ty, false))
}

/// `"tag_list"` → `"tagList"`.
pub(crate) fn camel_case(name: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in name.chars() {
        if c == '_' && !out.is_empty() {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `"OrderItem"` → `"order_item"`.
pub(crate) fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    #[test]
    fn classifies_supported_types() {
        let cases: Vec<(Type, Kind, bool)> = vec![
            (parse_quote!(i64), Kind::I64, false),
            (parse_quote!(Option<String>), Kind::String, true),
            (
                parse_quote!(chrono::DateTime<chrono::Utc>),
                Kind::DateTime,
                false,
            ),
            (parse_quote!(uuid::Uuid), Kind::Uuid, false),
            (parse_quote!(serde_json::Value), Kind::Json, false),
            (parse_quote!(Vec<String>), Kind::List, false),
            (parse_quote!(Option<Vec<i64>>), Kind::List, true),
            (parse_quote!(Status), Kind::Enum, false),
            (parse_quote!(Option<crate::Status>), Kind::Enum, true),
            (parse_quote!(Vec<MyType>), Kind::List, false),
        ];
        for (ty, kind, nullable) in cases {
            let (got, _, got_nullable) = classify(&ty).unwrap();
            assert_eq!((got, got_nullable), (kind, nullable));
        }
        for ty in [
            parse_quote!(u8),
            parse_quote!(Vec<Vec<i64>>),
            parse_quote!(Option<Option<i64>>),
            parse_quote!(DateTime<Local>),
            parse_quote!(HashMap<String, i64>),
            parse_quote!(fastrs::extract::Upload),
        ] {
            let ty: Type = ty;
            assert!(classify(&ty).is_none());
        }
    }

    #[test]
    fn camel_cases_names() {
        assert_eq!(camel_case("tag_list"), "tagList");
        assert_eq!(camel_case("id"), "id");
        assert_eq!(camel_case("created_at_utc"), "createdAtUtc");
    }

    #[test]
    fn snake_cases_names() {
        assert_eq!(snake_case("OrderItem"), "order_item");
        assert_eq!(snake_case("Item"), "item");
    }
}
