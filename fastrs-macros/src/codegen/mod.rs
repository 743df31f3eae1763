//! Code generation: reads the checked model, never fails. Emits the three schema structs next
//! to the model and every impl inside `const _: () = { ... };`, with absolute paths only.

pub(crate) mod input;
mod meta;
mod schemas;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::ast::Resource;

/// The names of the generated types.
pub(crate) struct Names {
    pub(crate) create: syn::Ident,
    pub(crate) update: syn::Ident,
    pub(crate) response: syn::Ident,
}

impl Names {
    pub(crate) fn of(ident: &syn::Ident) -> Self {
        Names {
            create: format_ident!("{}Create", ident),
            update: format_ident!("{}Update", ident),
            response: format_ident!("{}Response", ident),
        }
    }
}

pub(crate) fn expand(resource: &Resource<'_>) -> TokenStream {
    let names = Names::of(resource.ident);
    let schemas = schemas::structs(resource, &names);
    let rules = input::rule_statics(resource);
    let specs = input::field_specs(resource);
    let inputs = input::impls(resource, &names);
    let meta = meta::impls(resource, &names);
    // A field of the user's own type must be a model enum: said at the type, before anything
    // that needs it fails less clearly.
    let enums = resource
        .fields
        .iter()
        .filter(|f| f.kind == crate::ast::Kind::Enum)
        .map(|f| {
            let inner = f.inner;
            quote::quote_spanned!(syn::spanned::Spanned::span(inner)=>
                ::fastrs::__private::assert_text_enum::<#inner>();
            )
        });
    quote! {
        #schemas

        #[allow(non_upper_case_globals, clippy::all)]
        const _: () = {
            fn __fastrs_field_types() {
                #(#enums)*
            }
            #rules
            #specs
            #inputs
            #meta
        };
    }
}
