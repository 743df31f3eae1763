//! What is emitted next to the errors when the derive fails: empty `{Name}Create`,
//! `{Name}Update` and `{Name}Response` types, so code that names them does not add a cascade of
//! "cannot find type" errors to the real ones.

use proc_macro2::TokenStream;
use quote::quote;

use crate::codegen::Names;

pub(crate) fn expand(input: &syn::DeriveInput, errors: darling::Error) -> TokenStream {
    let errors = errors.write_errors();
    let Names {
        create,
        update,
        response,
    } = Names::of(&input.ident);
    let vis = &input.vis;
    quote! {
        #errors
        #vis struct #create {}
        #vis struct #update {}
        #vis struct #response {}
    }
}
