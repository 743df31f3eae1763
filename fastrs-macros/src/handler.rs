//! `#[fastrs::handler]`: checks each argument and the return type of a handler on its own, so
//! that a type fastrs cannot route or document is reported at that argument, naming the trait
//! it lacks (what axum's `#[debug_handler]` does for axum's traits). The function itself is
//! left as written.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let function: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        Err(_) => {
            let error = syn::Error::new(
                proc_macro2::Span::call_site(),
                "#[fastrs::handler] goes on an `async fn`",
            )
            .to_compile_error();
            return quote!(#error #item);
        }
    };
    if !args.is_empty() {
        let error = syn::Error::new(args.span(), "#[fastrs::handler] takes no arguments")
            .to_compile_error();
        return quote!(#error #function);
    }
    let signature = &function.sig;
    if signature.asyncness.is_none() {
        let error = syn::Error::new(signature.fn_token.span(), "a handler is an `async fn`")
            .to_compile_error();
        return quote!(#error #function);
    }
    if !signature.generics.params.is_empty() {
        // A generic handler's types are known only where it is routed.
        return quote!(#function);
    }
    let p = quote!(::fastrs::__private);
    let mut checks = Vec::new();
    let mut types = Vec::new();
    for input in &signature.inputs {
        match input {
            syn::FnArg::Typed(typed) => types.push(&*typed.ty),
            syn::FnArg::Receiver(receiver) => {
                let error = syn::Error::new(receiver.span(), "a handler takes no `self`")
                    .to_compile_error();
                return quote!(#error #function);
            }
        }
    }
    let last = types.len().saturating_sub(1);
    for (index, ty) in types.iter().enumerate() {
        if matches!(ty, syn::Type::ImplTrait(_)) {
            continue;
        }
        // Every argument but the last reads the request's head; the last may read its body.
        checks.push(if index == last {
            quote_spanned!(ty.span()=> #p::handler_last_argument::<#ty, _>();)
        } else {
            quote_spanned!(ty.span()=> #p::handler_argument::<#ty>();)
        });
    }
    if let syn::ReturnType::Type(_, output) = &signature.output
        && !matches!(**output, syn::Type::ImplTrait(_))
    {
        checks.push(quote_spanned!(output.span()=> #p::handler_output::<#output>();));
    }
    let name = &signature.ident;
    let unreachable = types.iter().map(|_| quote!(::core::unreachable!()));
    let send = quote_spanned!(signature.ident.span()=>
        #p::handler_future(#name(#(#unreachable),*));
    );
    quote! {
        #function

        #[allow(warnings, unreachable_code, clippy::all)]
        const _: () = {
            fn __fastrs_handler_checks() {
                #(#checks)*
            }
            fn __fastrs_handler_is_send() {
                #send
            }
        };
    }
}
