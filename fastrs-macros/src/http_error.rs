//! `#[derive(HttpError)]`: an app's own error type, each variant a status and a message.
//!
//! The derive reads `#[error(status, "message")]` on each variant (or on the struct), checks
//! the status is a 4xx or 5xx, and emits `Display` (the message, formatted from the fields),
//! `std::error::Error`, `From<Inner>` for `#[from]` fields, and the calls into
//! `fastrs::error` that answer and document it.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::spanned::Spanned;

use crate::ast::doc_of;

/// What one `#[error(...)]` says: a status and a message, or `transparent` (status 0: the
/// inner error's).
struct Spec {
    status: u16,
    message: syn::LitStr,
}

impl Spec {
    fn transparent(&self) -> bool {
        self.status == 0
    }
}

fn spec_of(
    attrs: &[syn::Attribute],
    span: Span,
    errors: &mut darling::error::Accumulator,
) -> Option<Spec> {
    let Some(attr) = attrs.iter().find(|a| a.path().is_ident("error")) else {
        errors.push(
            darling::Error::custom(
                "add `#[error(404, \"message\")]` (the status this answers and its message) or `#[error(transparent)]`",
            )
            .with_span(&span),
        );
        return None;
    };
    if attr
        .parse_args::<syn::Ident>()
        .is_ok_and(|word| word == "transparent")
    {
        return Some(Spec {
            status: 0,
            message: syn::LitStr::new("{__0}", span),
        });
    }
    let parsed = attr.parse_args_with(|input: syn::parse::ParseStream<'_>| {
        let status: syn::LitInt = input.parse()?;
        input.parse::<syn::Token![,]>()?;
        let message: syn::LitStr = input.parse()?;
        Ok((status, message))
    });
    match parsed {
        Ok((status, message)) => match status.base10_parse::<u16>() {
            Ok(code @ 400..=599) => Some(Spec {
                status: code,
                message,
            }),
            _ => {
                errors.push(
                    darling::Error::custom("an error's status is a 4xx or 5xx code")
                        .with_span(&status),
                );
                None
            }
        },
        Err(error) => {
            errors.push(
                darling::Error::custom(format!("expected `#[error(404, \"message\")]`: {error}"))
                    .with_span(&attr.meta),
            );
            None
        }
    }
}

/// `{0}` (a tuple field) as `{__0}`, the name its binding has; `{{` stays literal.
fn positional_to_named(message: &str) -> String {
    let mut out = String::with_capacity(message.len() + 8);
    let mut chars = message.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '{' {
            if chars.peek() == Some(&'{') {
                out.push('{');
                chars.next();
            } else if chars.peek().is_some_and(char::is_ascii_digit) {
                out.push_str("__");
            }
        }
    }
    out
}

/// One variant (or the struct): how it is matched, formatted and converted.
struct Arm {
    /// `Self::Name`.
    path: TokenStream,
    pattern: TokenStream,
    spec: Spec,
    doc: Option<String>,
    /// `#[from]`: the field's type, and how to build the value from it.
    from: Option<(syn::Type, TokenStream)>,
    /// The `#[from]` field's binding, for `source()`.
    source: Option<syn::Ident>,
}

fn arm(
    path: TokenStream,
    fields: &syn::Fields,
    spec: Spec,
    doc: Option<String>,
    errors: &mut darling::error::Accumulator,
) -> Arm {
    let mut from = None;
    let mut source = None;
    let is_from = |field: &syn::Field| field.attrs.iter().any(|a| a.path().is_ident("from"));
    if fields.iter().filter(|f| is_from(f)).count() > 0 && fields.len() != 1 {
        errors.push(
            darling::Error::custom("`#[from]` goes on the only field of a variant")
                .with_span(&fields.span()),
        );
    }
    if spec.transparent() && !matches!(fields, syn::Fields::Unnamed(f) if f.unnamed.len() == 1) {
        errors.push(
            darling::Error::custom(
                "`#[error(transparent)]` goes on a variant holding one error: `Api(ApiError)`",
            )
            .with_span(&fields.span()),
        );
    }
    let pattern = match fields {
        syn::Fields::Unit => quote!(#path),
        syn::Fields::Unnamed(unnamed) => {
            let bindings: Vec<_> = (0..unnamed.unnamed.len())
                .map(|i| format_ident!("__{}", i))
                .collect();
            if let Some(field) = unnamed
                .unnamed
                .first()
                .filter(|f| is_from(f) && fields.len() == 1)
            {
                from = Some((field.ty.clone(), quote!(#path(__from))));
                source = Some(format_ident!("__0"));
            }
            quote!(#path(#(#bindings),*))
        }
        syn::Fields::Named(named) => {
            let names: Vec<_> = named.named.iter().filter_map(|f| f.ident.clone()).collect();
            if let Some(field) = named
                .named
                .first()
                .filter(|f| is_from(f) && fields.len() == 1)
                && let Some(name) = &field.ident
            {
                from = Some((field.ty.clone(), quote!(#path { #name: __from })));
                source = Some(name.clone());
            }
            quote!(#path { #(#names),* })
        }
    };
    Arm {
        path,
        pattern,
        spec,
        doc,
        from,
        source,
    }
}

pub(crate) fn expand(input: &syn::DeriveInput) -> TokenStream {
    let mut errors = darling::Error::accumulator();
    let ident = &input.ident;
    if !input.generics.params.is_empty() {
        errors.push(
            darling::Error::custom("an HttpError cannot have generic parameters")
                .with_span(&input.generics),
        );
    }
    let mut arms = Vec::new();
    match &input.data {
        syn::Data::Enum(data) => {
            for variant in &data.variants {
                let name = &variant.ident;
                if let Some(spec) = spec_of(&variant.attrs, variant.ident.span(), &mut errors) {
                    arms.push(arm(
                        quote!(Self::#name),
                        &variant.fields,
                        spec,
                        doc_of(&variant.attrs),
                        &mut errors,
                    ));
                }
            }
        }
        syn::Data::Struct(data) => {
            if let Some(spec) = spec_of(&input.attrs, ident.span(), &mut errors) {
                arms.push(arm(
                    quote!(Self),
                    &data.fields,
                    spec,
                    doc_of(&input.attrs),
                    &mut errors,
                ));
            }
        }
        syn::Data::Union(_) => errors
            .push(darling::Error::custom("an HttpError is an enum or a struct").with_span(ident)),
    }
    if let Err(errors) = errors.finish() {
        return errors.write_errors();
    }
    let p = quote!(::fastrs::__private);
    let patterns: Vec<_> = arms.iter().map(|arm| &arm.pattern).collect();
    let messages = arms.iter().map(|arm| {
        let text = positional_to_named(&arm.spec.message.value());
        syn::LitStr::new(&text, arm.spec.message.span())
    });
    let statuses = arms.iter().map(|arm| {
        let status = arm.spec.status;
        if arm.spec.transparent() {
            quote!(#p::AsApiError::status(__0))
        } else {
            quote!(#p::http_status(#status))
        }
    });
    let conversions = arms.iter().map(|arm| {
        let pattern = &arm.pattern;
        if arm.spec.transparent() {
            quote!(#pattern => #p::AsApiError::into_api_error(__0),)
        } else {
            let path = &arm.path;
            quote!(__other @ #path { .. } => #p::api_error(&__other),)
        }
    });
    let responses = arms
        .iter()
        .filter(|arm| !arm.spec.transparent())
        .map(|arm| {
            let status = arm.spec.status;
            let description = arm.doc.clone().unwrap_or_else(|| arm.spec.message.value());
            quote!((#status, #description))
        });
    let sources = arms.iter().map(|arm| match &arm.source {
        _ if arm.spec.transparent() => quote!(::std::error::Error::source(__0)),
        Some(binding) => quote!(::core::option::Option::Some(#binding)),
        None => quote!(::core::option::Option::None),
    });
    let froms = arms.iter().filter_map(|arm| {
        let (ty, build) = arm.from.as_ref()?;
        Some(quote! {
            impl ::core::convert::From<#ty> for #ident {
                fn from(__from: #ty) -> Self {
                    #build
                }
            }
        })
    });
    quote! {
        #[allow(clippy::all)]
        const _: () = {
            impl ::core::fmt::Display for #ident {
                fn fmt(&self, __f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    match self {
                        #(#[allow(unused_variables)] #patterns => ::core::write!(__f, #messages),)*
                    }
                }
            }

            impl ::std::error::Error for #ident {
                fn source(&self) -> ::core::option::Option<&(dyn ::std::error::Error + 'static)> {
                    match self {
                        #(#[allow(unused_variables)] #patterns => #sources,)*
                    }
                }
            }

            #(#froms)*

            impl ::fastrs::error::HttpError for #ident {
                const RESPONSES: &'static [(u16, &'static str)] = &[#(#responses),*];

                fn status(&self) -> #p::StatusCode {
                    match self {
                        #(#[allow(unused_variables)] #patterns => #statuses,)*
                    }
                }
            }

            impl #ident {
                fn __fastrs_into_api_error(self) -> ::fastrs::ApiError {
                    #[allow(unused_variables)]
                    match self {
                        #(#conversions)*
                    }
                }
            }

            impl ::core::convert::From<#ident> for ::fastrs::ApiError {
                fn from(__error: #ident) -> Self {
                    __error.__fastrs_into_api_error()
                }
            }

            impl ::fastrs::axum::response::IntoResponse for #ident {
                fn into_response(self) -> ::fastrs::axum::response::Response {
                    ::fastrs::axum::response::IntoResponse::into_response(::fastrs::ApiError::from(self))
                }
            }

            impl #p::ApiOutput for #ident {
                fn document(
                    __operation: &mut #p::OpenApiOperation,
                    __registry: &mut #p::Registry,
                ) {
                    #p::document_http_error::<Self>(__operation, __registry);
                }
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::positional_to_named;

    #[test]
    fn positional_fields_are_named_and_escapes_kept() {
        assert_eq!(
            positional_to_named("no {0} at {1:?}"),
            "no {__0} at {__1:?}"
        );
        assert_eq!(positional_to_named("{{0}} {id}"), "{{0}} {id}");
    }
}
