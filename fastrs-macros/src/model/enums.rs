//! Enums as models: unit-variant enums are string enums (and columns, stored as text); an enum
//! whose variants carry models is a tagged union (`#[serde(tag = "kind")]`), documented as
//! `oneOf` with a discriminator and read as Pydantic reads a discriminated union.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::serde_view::{Tagging, View};
use super::{body_and_schema, doc_tokens, serde_attrs, serde_impls};
use crate::ast::doc_of;

pub(super) fn expand(
    input: &syn::DeriveInput,
    data: &syn::DataEnum,
    view: &View,
    errors: &mut darling::error::Accumulator,
) -> TokenStream {
    match &view.tagging {
        Tagging::Internal(tag) => tagged_union(input, data, view, tag, errors),
        _ => string_enum(input, data, view, errors),
    }
}

/// A unit-variant enum: a string enum, storable as a column.
fn string_enum(
    input: &syn::DeriveInput,
    data: &syn::DataEnum,
    view: &View,
    errors: &mut darling::error::Accumulator,
) -> TokenStream {
    let ident = &input.ident;
    let p = quote!(::fastrs::__private);
    let mut names = Vec::new();
    let mut arms = Vec::new();
    let mut indexes = Vec::new();
    let mut copies = Vec::new();
    for (variant, serde) in data.variants.iter().zip(&view.variants) {
        if !serde.unit {
            errors.push(
                darling::Error::custom(
                    "an enum whose variants carry data is a tagged union: name its tag with `#[serde(tag = \"kind\")]`",
                )
                .with_span(&variant.fields.span()),
            );
            continue;
        }
        let attrs = serde_attrs(&variant.attrs);
        let name = &variant.ident;
        copies.push(quote!(#(#attrs)* #name));
        if serde.skip {
            continue;
        }
        let index = names.len();
        names.push(serde.name.clone());
        arms.push(quote!(#index => ::core::option::Option::Some(Self::#name),));
        indexes.push(quote!(Self::#name => #index,));
    }
    let doc = doc_tokens(doc_of(&input.attrs));
    let type_name = ident.to_string();
    let serde = serde_impls(input, quote!(enum __Serde { #(#copies,)* }));
    quote! {
        #[allow(non_upper_case_globals, clippy::all)]
        const _: () = {
            #serde

            const __VALUES: &[&str] = &[#(#names),*];

            impl #p::Validate for #ident {
                fn read(__value: #p::serde_json::Value, __cx: &mut #p::Cx) -> ::core::option::Option<Self> {
                    match __cx.variant(__value, __VALUES)? {
                        #(#arms)*
                        _ => ::core::option::Option::None,
                    }
                }
            }

            impl #p::ToSchema for #ident {
                fn name() -> ::core::option::Option<::std::string::String> {
                    ::core::option::Option::Some(::std::string::ToString::to_string(#type_name))
                }

                fn schema() -> #p::Schema {
                    #p::model_enum(__VALUES, #doc)
                }
            }

            impl #p::TextEnum for #ident {
                const VALUES: &'static [&'static str] = __VALUES;

                fn index(&self) -> usize {
                    match self {
                        #(#indexes)*
                        #[allow(unreachable_patterns)]
                        _ => usize::MAX,
                    }
                }

                fn from_index(__index: usize) -> ::core::option::Option<Self> {
                    match __index {
                        #(#arms)*
                        _ => ::core::option::Option::None,
                    }
                }
            }

            impl #p::ColumnType for #ident {
                fn bind(self, __args: &mut #p::Args) {
                    #p::bind_enum(&self, __args);
                }

                fn bind_null(__args: &mut #p::Args) {
                    <::std::string::String as #p::ColumnType>::bind_null(__args);
                }

                fn decode(__row: &#p::Row<'_>, __index: usize) -> ::core::result::Result<Self, #p::sqlx::Error> {
                    #p::decode_enum(__row, __index)
                }

                fn decode_nullable(
                    __row: &#p::Row<'_>,
                    __index: usize,
                ) -> ::core::result::Result<::core::option::Option<Self>, #p::sqlx::Error> {
                    #p::decode_nullable_enum(__row, __index)
                }
            }
        };
    }
}

/// An enum whose variants carry a model each (or nothing), tagged inside the object.
fn tagged_union(
    input: &syn::DeriveInput,
    data: &syn::DataEnum,
    view: &View,
    tag: &str,
    errors: &mut darling::error::Accumulator,
) -> TokenStream {
    let ident = &input.ident;
    let p = quote!(::fastrs::__private);
    let mut tags = Vec::new();
    let mut reads = Vec::new();
    let mut valids = Vec::new();
    let mut variants = Vec::new();
    let mut copies = Vec::new();
    let mut asserts = Vec::new();
    for (variant, serde) in data.variants.iter().zip(&view.variants) {
        let attrs = serde_attrs(&variant.attrs);
        let name = &variant.ident;
        let carried = match &variant.fields {
            syn::Fields::Unit => None,
            syn::Fields::Unnamed(fields) if fields.unnamed.len() == 1 => {
                fields.unnamed.first().map(|field| &field.ty)
            }
            other => {
                errors.push(
                    darling::Error::custom(
                        "a variant of a tagged union carries one model, `Circle(Circle)`, or nothing",
                    )
                    .with_span(&other.span()),
                );
                continue;
            }
        };
        copies.push(match carried {
            Some(ty) => quote!(#(#attrs)* #name(#ty)),
            None => quote!(#(#attrs)* #name),
        });
        if serde.skip {
            valids.push(quote!(Self::#name { .. } => true,));
            continue;
        }
        let index = tags.len();
        let value = &serde.name;
        tags.push(value.clone());
        let component = format!("{ident}{name}");
        match carried {
            Some(ty) => {
                asserts.push(quote_spanned!(ty.span()=> #p::assert_model_field::<#ty>();));
                reads.push(quote! {
                    #index => __cx.at(#value, |__cx| <#ty as #p::Validate>::read(__rest, __cx)).map(Self::#name),
                });
                valids.push(quote!(Self::#name(__inner) => #p::Validate::valid(__inner),));
                variants.push(quote! {
                    #p::ModelVariant {
                        tag: #value,
                        component: #component,
                        schema: ::core::option::Option::Some(<#ty as #p::ToSchema>::schema_in),
                    }
                });
            }
            None => {
                reads.push(quote!(#index => ::core::option::Option::Some(Self::#name),));
                valids.push(quote!(Self::#name => true,));
                variants.push(quote! {
                    #p::ModelVariant { tag: #value, component: #component, schema: ::core::option::Option::None }
                });
            }
        }
    }
    let doc = doc_tokens(doc_of(&input.attrs));
    let serde = serde_impls(input, quote!(enum __Serde { #(#copies,)* }));
    let body_and_schema = body_and_schema(
        ident,
        quote! {
            static __VARIANTS: &[#p::ModelVariant] = &[#(#variants),*];
            #p::model_union(__registry, #tag, __VARIANTS, #doc)
        },
    );
    quote! {
        #[allow(non_upper_case_globals, clippy::all)]
        const _: () = {
            fn __fastrs_field_types() {
                #(#asserts)*
            }
            #serde

            const __TAGS: &[&str] = &[#(#tags),*];

            impl #p::Validate for #ident {
                fn read(__value: #p::serde_json::Value, __cx: &mut #p::Cx) -> ::core::option::Option<Self> {
                    let (__index, __rest) = __cx.tagged(__value, #tag, __TAGS)?;
                    let _ = &__rest;
                    match __index {
                        #(#reads)*
                        _ => ::core::option::Option::None,
                    }
                }

                fn valid(&self) -> bool {
                    match self {
                        #(#valids)*
                    }
                }
            }

            #body_and_schema
        };
    }
}
