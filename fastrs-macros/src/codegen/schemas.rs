//! `{Name}Create`, `{Name}Update` and `{Name}Response`, and `From<Model> for {Name}Response`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::Names;
use crate::ast::{Field, Resource};

fn doc(field: &Field<'_>) -> TokenStream {
    // A reference says what it points at, in rustdoc and in the document.
    let link = field.references.map(|target| {
        let name = target
            .segments
            .last()
            .map(|segment| segment.ident.to_string())
            .unwrap_or_default();
        format!("The id of a `{name}`.")
    });
    match (&field.doc, link) {
        (Some(doc), Some(link)) => quote!(#[doc = #doc] #[doc = ""] #[doc = #link]),
        (Some(doc), None) => quote!(#[doc = #doc]),
        (None, Some(link)) => quote!(#[doc = #link]),
        (None, None) => quote!(),
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
        "The body of `POST {}`: the fields of `{model}` a client may set.",
        resource.path
    );
    let update_doc = format!(
        "The body of `PATCH {}/{{id}}`: fields left out are unchanged; `null` clears an optional field.",
        resource.path
    );
    let response_doc = format!("A [`{model}`] as the API answers it (no write-only fields).");

    // The bodies are models: the same validation, (de)serialization and schema as any
    // `#[derive(Model)]`, with the field's own `#[validate]` attributes.
    let validate_attrs = |f: &Field<'_>| {
        let attrs = f.attrs.iter().filter(|a| a.path().is_ident("validate"));
        quote!(#(#attrs)*)
    };
    let secret = |f: &Field<'_>| f.write_only().then(|| quote!(#[model(secret)]));
    let mut default_fns = Vec::new();
    let create_fields: Vec<TokenStream> = resource
        .fields
        .iter()
        .filter(|f| f.in_create())
        .map(|f| {
            let (doc, name, ty) = (doc(f), f.ident, f.ty);
            let (validate, secret) = (validate_attrs(f), secret(f));
            let default = super::input::default_value(f).map(|value| {
                let function = format_ident!("__fastrs_default_{}_{}", ident, name);
                let path = function.to_string();
                default_fns.push(quote! {
                    #[doc(hidden)]
                    #[allow(non_snake_case)]
                    fn #function() -> #ty {
                        #value
                    }
                });
                quote!(#[serde(default = #path)])
            });
            let rename = rename(f);
            quote!(#doc #validate #secret #default #rename pub #name: #ty)
        })
        .collect();
    // Server-set fields ride along hidden: never read from a request, never documented, set
    // by hooks and the data API.
    let hidden_doc = "Set by the server (hooks, the data API); never read from a request.";
    let hidden_create = resource
        .fields
        .iter()
        .filter(|f| f.hidden_in_create())
        .map(|f| {
            let (name, ty) = (f.ident, f.ty);
            let function = format_ident!("__fastrs_default_{}_{}", ident, name);
            let path = function.to_string();
            let value = super::input::default_value(f);
            default_fns.push(quote! {
                #[doc(hidden)]
                #[allow(non_snake_case)]
                fn #function() -> #ty {
                    #value
                }
            });
            quote!(#[doc = #hidden_doc] #[serde(skip, default = #path)] pub #name: #ty)
        });
    let create_fields: Vec<TokenStream> = create_fields.into_iter().chain(hidden_create).collect();
    let update_fields = resource.fields.iter().filter(|f| f.settable()).map(|f| {
        let (doc, name, inner) = (doc(f), f.ident, f.inner);
        if !f.in_update() {
            return quote!(#[doc = #hidden_doc] #[serde(skip)] pub #name: ::fastrs::Patch<#inner>);
        }
        let (validate, secret) = (validate_attrs(f), secret(f));
        let not_null = (!f.nullable).then(|| quote!(#[model(not_null)]));
        let rename = rename(f);
        quote!(#doc #validate #secret #not_null #rename #[serde(default)] pub #name: ::fastrs::Patch<#inner>)
    });
    let response_fields = resource.fields.iter().filter(|f| f.in_response()).map(|f| {
        let (doc, name, ty) = (doc(f), f.ident, f.ty);
        let rename = rename(f);
        quote!(#doc #rename pub #name: #ty)
    });
    let moved = resource.fields.iter().filter(|f| f.in_response()).map(|f| {
        let name = f.ident;
        quote!(#name: __model.#name)
    });
    let debug_create = debug(
        create,
        resource
            .fields
            .iter()
            .filter(|f| f.in_create() || f.hidden_in_create()),
    );
    let debug_update = debug(update, resource.fields.iter().filter(|f| f.settable()));

    let create_check = resource
        .validate
        .map(|path| quote!(#[model(validate = #path)]));
    let update_check = resource
        .validate_update
        .map(|path| quote!(#[model(validate = #path)]));
    quote! {
        #[doc = #create_doc]
        #[derive(Clone, ::fastrs::Model)]
        #create_check
        #vis struct #create { #(#create_fields,)* }

        #[doc = #update_doc]
        #[derive(Clone, Default, ::fastrs::Model)]
        #update_check
        #vis struct #update { #(#update_fields,)* }

        #(#default_fns)*

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

/// `#[serde(rename = "...")]` when the field's JSON name is not its Rust name
/// (`rename_all`).
fn rename(field: &Field<'_>) -> Option<TokenStream> {
    let name = &field.name;
    (field.ident.to_string().trim_start_matches("r#") != name)
        .then(|| quote!(#[serde(rename = #name)]))
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
