//! `{Name}Create`, `{Name}Update` and `{Name}Response`, and `From<Model> for {Name}Response`.

use proc_macro2::TokenStream;
use quote::quote;

use super::Names;
use crate::ast::{Field, Resource};

fn doc(field: &Field<'_>) -> TokenStream {
    match &field.doc {
        Some(doc) => quote!(#[doc = #doc]),
        None => quote!(),
    }
}

pub(crate) fn structs(resource: &Resource<'_>, names: &Names) -> TokenStream {
    let Names {
        create,
        update,
        response,
    } = names;
    let (ident, vis) = (resource.ident, resource.vis);
    let model = ident.to_string();
    let create_doc = format!(
        "The body of `POST {}`: the fields of [`{model}`] a client may set.",
        resource.path
    );
    let update_doc = format!(
        "The body of `PATCH {}/{{id}}`: every field optional; absent leaves it unchanged, `null` clears an optional field.",
        resource.path
    );
    let response_doc = format!("A [`{model}`] as the API answers it (no write-only fields).");

    let create_fields = resource.fields.iter().filter(|f| f.in_create()).map(|f| {
        let (doc, name, ty) = (doc(f), f.ident, f.ty);
        quote!(#doc pub #name: #ty)
    });
    let update_fields = resource.fields.iter().filter(|f| f.in_update()).map(|f| {
        let (doc, name, inner) = (doc(f), f.ident, f.inner);
        quote!(#doc pub #name: ::fastrs::Patch<#inner>)
    });
    let response_fields = resource.fields.iter().filter(|f| f.in_response()).map(|f| {
        let (doc, name, ty) = (doc(f), f.ident, f.ty);
        quote!(#doc pub #name: #ty)
    });
    let moved = resource.fields.iter().filter(|f| f.in_response()).map(|f| {
        let name = f.ident;
        quote!(#name: __model.#name)
    });
    let debug_create = debug(create, resource.fields.iter().filter(|f| f.in_create()));
    let debug_update = debug(update, resource.fields.iter().filter(|f| f.in_update()));

    quote! {
        #[doc = #create_doc]
        #[derive(Clone)]
        #vis struct #create { #(#create_fields,)* }

        #[doc = #update_doc]
        #[derive(Clone, Default)]
        #vis struct #update { #(#update_fields,)* }

        #[doc = #response_doc]
        #[derive(Debug, Clone, PartialEq, ::fastrs::__private::serde::Serialize, ::fastrs::__private::serde::Deserialize)]
        #[serde(crate = "::fastrs::__private::serde")]
        #vis struct #response { #(#response_fields,)* }

        #debug_create
        #debug_update

        impl ::core::convert::From<#ident> for #response {
            fn from(__model: #ident) -> Self {
                Self { #(#moved,)* }
            }
        }
    }
}

/// `Debug` that never prints a write-only value.
fn debug<'a>(ty: &syn::Ident, fields: impl Iterator<Item = &'a Field<'a>>) -> TokenStream {
    let name = ty.to_string();
    let entries = fields.map(|f| {
        let (ident, label) = (f.ident, &f.name);
        if f.write_only() {
            quote!(.field(#label, &"<redacted>"))
        } else {
            quote!(.field(#label, &self.#ident))
        }
    });
    quote! {
        impl ::core::fmt::Debug for #ty {
            fn fmt(&self, __f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                __f.debug_struct(#name) #(#entries)* .finish()
            }
        }
    }
}
