//! Derive macros for fastrs. Use them through the `fastrs` crate (`use fastrs::prelude::*;`),
//! which documents every attribute.
//!
//! The pipeline: `attr` (darling parses the attributes as written) → `ast` (the resolved
//! resource model) → `check` (rules across fields) → `codegen` (never fails). Every error is
//! collected and reported at once, at the tokens to change.

mod ast;
mod attr;
mod check;
mod codegen;
mod fallback;
mod handler;
mod http_error;
mod model;
mod types;

use darling::FromDeriveInput;
use proc_macro::TokenStream;

/// Derives a fastrs resource; documented on `fastrs::Resource`.
#[proc_macro_derive(Resource, attributes(resource, validate))]
pub fn derive_resource(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand(&input).into()
}

/// Derives a fastrs model; documented on `fastrs::Model`.
#[proc_macro_derive(Model, attributes(serde, validate, model))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    model::expand(&input).into()
}

/// Derives an app's error type; documented on `fastrs::HttpError`.
#[proc_macro_derive(HttpError, attributes(error, from))]
pub fn derive_http_error(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    http_error::expand(&input).into()
}

/// Checks a handler's arguments one by one; documented on `fastrs::handler`.
#[proc_macro_attribute]
pub fn handler(args: TokenStream, item: TokenStream) -> TokenStream {
    handler::expand(args.into(), item.into()).into()
}

fn expand(input: &syn::DeriveInput) -> proc_macro2::TokenStream {
    let mut errors = darling::Error::accumulator();
    let model = errors.handle(attr::ContainerAttrs::from_derive_input(input));
    if let Some(attrs) = &model {
        check::container(attrs, &mut errors);
    }
    let tokens = model.as_ref().and_then(|attrs| {
        let resource = ast::Resource::from_attrs(attrs, &mut errors)?;
        check::resource(&resource, &mut errors);
        Some(codegen::expand(&resource))
    });
    match (errors.finish(), tokens) {
        (Ok(()), Some(tokens)) => tokens,
        (Err(errors), _) => fallback::expand(input, errors),
        (Ok(()), None) => fallback::expand(
            input,
            darling::Error::custom("could not read this struct").with_span(&input.ident),
        ),
    }
}
