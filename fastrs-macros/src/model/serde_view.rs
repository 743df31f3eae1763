//! What serde makes of a model's `#[serde(...)]` attributes, read by serde's own parser
//! (`serde_derive_internals`, the crate `serde_derive` is built on), so names, `rename_all`,
//! aliases, defaults and `flatten` mean exactly what they mean to serde.

use proc_macro2::TokenStream;
use quote::quote;
use serde_derive_internals::{Ctxt, Derive, ast, attr};

/// Where an absent field's value comes from.
pub(crate) enum Default {
    /// Nowhere: the field is required (unless its type has an absent value, like `Option`).
    None,
    /// `Default::default()`.
    Trait,
    /// A function.
    Path(TokenStream),
}

/// One field, as serde reads it.
pub(crate) struct Field {
    pub(crate) name: String,
    pub(crate) aliases: Vec<String>,
    pub(crate) default: Default,
    pub(crate) flatten: bool,
    pub(crate) skip: bool,
}

/// One enum variant.
pub(crate) struct Variant {
    pub(crate) name: String,
    pub(crate) skip: bool,
    pub(crate) unit: bool,
}

/// How an enum is tagged.
pub(crate) enum Tagging {
    /// serde's default: a unit variant is its name; a variant with data is `{"Name": data}`.
    External,
    /// `#[serde(tag = "kind")]`: the tag is a field of the variant's object.
    Internal(String),
    /// `#[serde(tag, content)]` or `#[serde(untagged)]`.
    Other,
}

/// The container.
pub(crate) struct View {
    pub(crate) deny_unknown: bool,
    pub(crate) tagging: Tagging,
    /// `#[serde(default)]` on the struct.
    pub(crate) default: Default,
    pub(crate) fields: Vec<Field>,
    pub(crate) variants: Vec<Variant>,
    /// Attributes serde accepts but a model cannot honour (yet), with the reason.
    pub(crate) unsupported: Vec<&'static str>,
}

fn default_of(default: &attr::Default) -> Default {
    match default {
        attr::Default::None => Default::None,
        attr::Default::Default => Default::Trait,
        attr::Default::Path(path) => Default::Path(quote!(#path)),
    }
}

fn field_of(field: &ast::Field<'_>, unsupported: &mut Vec<&'static str>) -> Field {
    let attrs = &field.attrs;
    let name = attrs.name().deserialize_name().to_owned();
    if attrs.deserialize_with().is_some() {
        unsupported.push("`deserialize_with` / `with` on a model field");
    }
    Field {
        aliases: attrs
            .aliases()
            .iter()
            .filter(|alias| **alias != name)
            .cloned()
            .collect(),
        name,
        default: default_of(attrs.default()),
        flatten: attrs.flatten(),
        skip: attrs.skip_deserializing(),
    }
}

/// Reads the serde attributes of `input`; `Err` holds serde's own errors, to emit as they are.
pub(crate) fn read(input: &syn::DeriveInput) -> Result<View, TokenStream> {
    let tokens = quote!(#input);
    let input2: syn2::DeriveInput = syn2::parse2(tokens).map_err(|e| e.to_compile_error())?;
    let cx = Ctxt::new();
    let view = ast::Container::from_ast(&cx, &input2, Derive::Deserialize).map(|container| {
        let attrs = &container.attrs;
        let mut unsupported = Vec::new();
        if attrs.transparent() {
            unsupported.push("`#[serde(transparent)]`");
        }
        if attrs.type_from().is_some() || attrs.type_try_from().is_some() {
            unsupported.push("`#[serde(from / try_from)]`");
        }
        if attrs.remote().is_some() {
            unsupported.push("`#[serde(remote)]`");
        }
        let tagging = match attrs.tag() {
            attr::TagType::External => Tagging::External,
            attr::TagType::Internal { tag } => Tagging::Internal(tag.clone()),
            attr::TagType::Adjacent { .. } | attr::TagType::None => {
                unsupported.push(
                    "`#[serde(content)]` or `#[serde(untagged)]` (a tagged union names its tag: `#[serde(tag = \"kind\")]`)",
                );
                Tagging::Other
            }
        };
        let (fields, variants) = match &container.data {
            ast::Data::Struct(_, fields) => (
                fields
                    .iter()
                    .map(|f| field_of(f, &mut unsupported))
                    .collect(),
                Vec::new(),
            ),
            ast::Data::Enum(variants) => {
                let variants = variants
                    .iter()
                    .map(|variant| {
                        if variant.attrs.other() || variant.attrs.deserialize_with().is_some() {
                            unsupported.push("`#[serde(other / deserialize_with)]` on a variant");
                        }
                        if variant.attrs.aliases().len() > 1 {
                            unsupported.push("`#[serde(alias)]` on a variant");
                        }
                        Variant {
                            name: variant.attrs.name().deserialize_name().to_owned(),
                            skip: variant.attrs.skip_deserializing(),
                            unit: matches!(variant.style, ast::Style::Unit),
                        }
                    })
                    .collect();
                (Vec::new(), variants)
            }
        };
        View {
            deny_unknown: attrs.deny_unknown_fields(),
            tagging,
            default: default_of(attrs.default()),
            fields,
            variants,
            unsupported,
        }
    });
    cx.check().map_err(|e| e.to_compile_error())?;
    view.ok_or_else(TokenStream::new)
}
