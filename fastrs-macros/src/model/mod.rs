//! `#[derive(Model)]`: serde (de)serialization, validation and an OpenAPI component for any
//! named struct or unit-variant enum.
//!
//! serde's own derive does the (de)serialization, on a private copy of the type
//! (`#[serde(remote = "...")]`), so every serde attribute works as documented; the model reads
//! the same attributes with serde's parser ([`serde_view`]) to validate and document under the
//! same names. Rules are the resource derive's (`#[validate(...)]`, one implementation), and the
//! generated code only calls into `fastrs::validate` and `fastrs::openapi`.

mod enums;
mod serde_view;

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::ast::{classify, doc_of, last_segment, rules_of, single_arg};
use crate::codegen::input::{option, rule_static};
use serde_view::{Default, View};

/// `#[model(...)]` on the container.
#[derive(Default)]
struct ContainerOptions {
    validate: Option<syn::Path>,
    /// `from(Rich, ...)`: `From<Rich>` taking the fields of the same names (a response model).
    from: Vec<syn::Path>,
    /// `key = "article"`: the key of its `Keyed` wrapper.
    key: Option<syn::LitStr>,
}

/// `#[model(...)]` on a field.
#[derive(Default)]
struct FieldOptions {
    secret: bool,
    /// On a `Patch` field: `null` is refused (a PATCH of a field that is not optional).
    not_null: bool,
}

fn container_options(
    attrs: &[syn::Attribute],
    errors: &mut darling::error::Accumulator,
) -> ContainerOptions {
    let mut options = ContainerOptions::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("model")) {
        let parsed = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("validate") {
                options.validate = Some(meta.value()?.parse()?);
                Ok(())
            } else if meta.path.is_ident("from") {
                meta.parse_nested_meta(|inner| {
                    options.from.push(inner.path);
                    Ok(())
                })
            } else if meta.path.is_ident("key") {
                options.key = Some(meta.value()?.parse()?);
                Ok(())
            } else {
                Err(meta.error(
                    "unknown model option: expected `validate = path::to::fn`, `from(Type, ...)` or `key = \"name\"`",
                ))
            }
        });
        if let Err(error) = parsed {
            errors.push(error.into());
        }
    }
    options
}

fn field_options(
    attrs: &[syn::Attribute],
    errors: &mut darling::error::Accumulator,
) -> FieldOptions {
    let mut options = FieldOptions::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("model")) {
        let parsed = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("secret") {
                options.secret = true;
                Ok(())
            } else if meta.path.is_ident("not_null") {
                options.not_null = true;
                Ok(())
            } else {
                Err(meta.error("unknown model field option: expected `secret` or `not_null`"))
            }
        });
        if let Err(error) = parsed {
            errors.push(error.into());
        }
    }
    options
}

/// The type the rules of a field check: `T` of `Option<T>` / `Patch<T>`, else the type.
fn rule_type(ty: &syn::Type) -> &syn::Type {
    match last_segment(ty) {
        Some(segment) if segment.ident == "Option" || segment.ident == "Patch" => {
            single_arg(segment).unwrap_or(ty)
        }
        _ => ty,
    }
}

fn is_list(ty: &syn::Type) -> bool {
    last_segment(ty).is_some_and(|segment| segment.ident == "Vec")
}

/// Attributes copied to the serde copy of the type: serde's own.
pub(super) fn serde_attrs(attrs: &[syn::Attribute]) -> impl Iterator<Item = &syn::Attribute> {
    attrs.iter().filter(|a| a.path().is_ident("serde"))
}

pub(super) fn doc_tokens(doc: Option<String>) -> TokenStream {
    option(doc)
}

pub(crate) fn expand(input: &syn::DeriveInput) -> TokenStream {
    let view = match serde_view::read(input) {
        Ok(view) => view,
        Err(errors) => return errors,
    };
    let mut errors = darling::Error::accumulator();
    if !input.generics.params.is_empty() {
        errors.push(
            darling::Error::custom("a Model cannot have generic parameters")
                .with_span(&input.generics),
        );
    }
    for what in &view.unsupported {
        errors.push(
            darling::Error::custom(format!("{what} is not supported on a Model"))
                .with_span(&input.ident),
        );
    }
    let tokens = match &input.data {
        syn::Data::Struct(data) => match &data.fields {
            syn::Fields::Named(fields) => Some(expand_struct(input, fields, &view, &mut errors)),
            _ => {
                errors.push(
                    darling::Error::custom("a Model is a struct with named fields, or an enum")
                        .with_span(&input.ident),
                );
                None
            }
        },
        syn::Data::Enum(data) => Some(enums::expand(input, data, &view, &mut errors)),
        syn::Data::Union(_) => {
            errors
                .push(darling::Error::custom("a Model cannot be a union").with_span(&input.ident));
            None
        }
    };
    match errors.finish() {
        Ok(()) => tokens.unwrap_or_default(),
        Err(errors) => errors.write_errors(),
    }
}

/// `Input` (a JSON body: serde first, every failure only when it refuses) and `ToSchema` (a
/// named component whose schema `schema_in` builds) for the model `ident`: the same for every
/// kind of model.
pub(super) fn body_and_schema(ident: &syn::Ident, schema_in: TokenStream) -> TokenStream {
    let p = quote!(::fastrs::__private);
    let name = ident.to_string();
    quote! {
        impl #p::Input for #ident {
            fn from_json(
                __body: &mut #p::serde_json::Map<::std::string::String, #p::serde_json::Value>,
                __errors: &mut #p::ValidationErrors,
            ) -> ::core::option::Option<Self> {
                #p::input_from_map(__body, __errors)
            }

            fn parse(__bytes: &[u8]) -> ::core::result::Result<Self, #p::ValidationErrors> {
                #p::parse_model(__bytes)
            }
        }

        impl #p::ToSchema for #ident {
            fn name() -> ::core::option::Option<::std::string::String> {
                ::core::option::Option::Some(::std::string::ToString::to_string(#name))
            }

            fn schema() -> #p::Schema {
                Self::schema_in(&mut ::core::default::Default::default())
            }

            fn schema_in(__registry: &mut #p::Registry) -> #p::Schema {
                #schema_in
            }
        }
    }
}

/// The serde copy, and `Serialize` / `Deserialize` for the model through it.
pub(super) fn serde_impls(input: &syn::DeriveInput, body: TokenStream) -> TokenStream {
    let ident = &input.ident;
    let remote = ident.to_string();
    let attrs = serde_attrs(&input.attrs);
    let serde = quote!(::fastrs::__private::serde);
    quote! {
        #[allow(dead_code, non_camel_case_types, clippy::all)]
        #[derive(#serde::Serialize, #serde::Deserialize)]
        #[serde(crate = "::fastrs::__private::serde", remote = #remote)]
        #(#attrs)*
        #body

        impl<'de> #serde::Deserialize<'de> for #ident {
            fn deserialize<__D: #serde::Deserializer<'de>>(
                __deserializer: __D,
            ) -> ::core::result::Result<Self, __D::Error> {
                __Serde::deserialize(__deserializer)
            }
        }

        impl #serde::Serialize for #ident {
            fn serialize<__S: #serde::Serializer>(
                &self,
                __serializer: __S,
            ) -> ::core::result::Result<__S::Ok, __S::Error> {
                __Serde::serialize(self, __serializer)
            }
        }
    }
}

fn expand_struct(
    input: &syn::DeriveInput,
    fields: &syn::FieldsNamed,
    view: &View,
    errors: &mut darling::error::Accumulator,
) -> TokenStream {
    let ident = &input.ident;
    let p = quote!(::fastrs::__private);
    let options = container_options(&input.attrs, errors);
    let mut statics = Vec::new();
    let mut reads = Vec::new();
    let mut flattens = Vec::new();
    let mut builds = Vec::new();
    let mut checks = Vec::new();
    let mut properties = Vec::new();
    let mut flattened = Vec::new();
    let mut copy_fields = Vec::new();

    let mut asserts = Vec::new();
    for (i, (field, serde)) in fields.named.iter().zip(&view.fields).enumerate() {
        let Some(name) = &field.ident else { continue };
        let ty = &field.ty;
        asserts.push(quote_spanned!(ty.span()=> #p::assert_model_field::<#ty>();));
        let local = format_ident!("__f{}", i);
        let field_serde = serde_attrs(&field.attrs);
        copy_fields.push(quote!(#(#field_serde)* #name: #ty));
        builds.push(quote!(#name: #local?));
        let rules = rules_of(&field.attrs, errors);
        let field_options = field_options(&field.attrs, errors);
        if serde.flatten {
            if let Some(rule) = rules.first() {
                errors.push(
                    darling::Error::custom("a flattened field has no rules of its own")
                        .with_span(&rule.span),
                );
            }
            flattens.push(quote! {
                let #local = <#ty as #p::Validate>::read(
                    #p::serde_json::Value::Object(::core::mem::take(&mut __map)),
                    __cx,
                );
            });
            checks.push(quote!(#p::Validate::valid(&self.#name)));
            flattened.push(quote!(#p::model_flattened::<#ty>(__registry)));
            continue;
        }
        let default = match (&serde.default, &view.default) {
            (Default::Trait, _) => Some(quote!(<#ty as ::core::default::Default>::default)),
            (Default::Path(path), _) => Some(quote!(#path)),
            (Default::None, Default::Trait) => {
                Some(quote!(|| <#ident as ::core::default::Default>::default().#name))
            }
            (Default::None, Default::Path(path)) => Some(quote!(|| (#path)().#name)),
            (Default::None, Default::None) => None,
        };
        if serde.skip {
            let default =
                default.unwrap_or_else(|| quote!(<#ty as ::core::default::Default>::default));
            reads.push(quote!(let #local = ::core::option::Option::Some((#default)());));
            continue;
        }
        let inner = rule_type(ty);
        let kind = classify(inner).map(|(kind, _, _)| kind);
        for rule in &rules {
            crate::check::rule(rule, kind, &serde.name, errors);
        }
        let spec = format_ident!("__FIELD_{}", i);
        let rule_idents: Vec<_> = (0..rules.len())
            .map(|j| format_ident!("__RULE_{}_{}", i, j))
            .collect();
        for (rule, rule_ident) in rules.iter().zip(&rule_idents) {
            statics.push(rule_static(rule_ident, rule, inner, is_list(inner)));
        }
        let json_name = &serde.name;
        let secret = field_options.secret;
        statics.push(quote! {
            static #spec: #p::FieldSpec<#inner> = #p::FieldSpec {
                name: #json_name,
                rules: &[#(&#rule_idents),*],
                secret: #secret,
            };
        });
        let aliases = &serde.aliases;
        let default_arg = match &default {
            Some(default) => quote!(::core::option::Option::Some((#default) as fn() -> #ty)),
            None => quote!(::core::option::Option::None),
        };
        let not_null = field_options.not_null;
        let refuse_read =
            not_null.then(|| quote!(let #local = #spec.refuse_null::<#ty>(#local, true, __cx);));
        reads.push(quote! {
            let #local = #spec.read_in::<#ty>(&mut __map, &[#(#aliases),*], #default_arg, __cx);
            #refuse_read
        });
        checks.push(quote!(#spec.valid::<#ty>(&self.#name, #not_null)));
        let doc = doc_tokens(doc_of(&field.attrs));
        let required = if default.is_some() {
            quote!(false)
        } else {
            quote!(<#ty as #p::Validate>::absent().is_none())
        };
        properties
            .push(quote!(#p::model_property::<#ty, #inner>(__registry, &#spec, #doc, #required, #not_null)));
    }

    let deny = view.deny_unknown.then(|| quote!(__cx.deny_unknown(__map);));
    let deny_flag = view.deny_unknown;
    let model_check = options
        .validate
        .as_ref()
        .map(|path| quote!(__cx.model(&__value, #path);));
    let model_valid = options
        .validate
        .as_ref()
        .map(|path| quote!(::core::result::Result::is_ok(&#path(self))));
    let checks = checks.into_iter().chain(model_valid);
    let doc = doc_tokens(doc_of(&input.attrs));
    let serde = serde_impls(input, quote!(struct __Serde { #(#copy_fields,)* }));
    let field_names: Vec<_> = fields
        .named
        .iter()
        .filter_map(|f| f.ident.as_ref())
        .collect();
    let body_and_schema = body_and_schema(
        ident,
        quote! {
            let __properties = ::std::vec![#(#properties),*];
            let __flattened = ::std::vec![#(#flattened),*];
            #p::model_object(__registry, __properties, __flattened, #doc, #deny_flag)
        },
    );
    let key = options.key.as_ref().map(|key| {
        quote! {
            impl #p::Envelope for #ident {
                const KEY: &'static str = #key;
            }
        }
    });
    let froms = options.from.iter().map(|source| {
        let moves = field_names.iter().map(
            |name| quote_spanned!(name.span()=> #name: ::core::convert::Into::into(__from.#name)),
        );
        quote! {
            impl ::core::convert::From<#source> for #ident {
                fn from(__from: #source) -> Self {
                    Self { #(#moves,)* }
                }
            }
        }
    });
    quote! {
        #[allow(non_upper_case_globals, clippy::all)]
        const _: () = {
            fn __fastrs_field_types() {
                #(#asserts)*
            }
            #serde
            #(#statics)*
            #(#froms)*
            #key

            impl #p::Validate for #ident {
                fn read(__value: #p::serde_json::Value, __cx: &mut #p::Cx) -> ::core::option::Option<Self> {
                    #[allow(unused_mut)]
                    let mut __map = __cx.object(__value)?;
                    #(#reads)*
                    #(#flattens)*
                    #deny
                    let __value = Self { #(#builds,)* };
                    #model_check
                    ::core::option::Option::Some(__value)
                }

                fn valid(&self) -> bool {
                    true #(&& #checks)*
                }
            }

            #body_and_schema
        };
    }
}
