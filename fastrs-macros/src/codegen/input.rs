//! Rules and binding: the rule statics (shared with `#[derive(Model)]`), the password's
//! `FieldSpec`, and the `BindInsert` / `BindUpdate` impls of the body types.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};

use super::Names;
use crate::ast::{Field, Insert, Kind, Resource, Rule, RuleKind};

pub(crate) fn rule_ident(field: usize, rule: usize) -> syn::Ident {
    format_ident!("__RULE_{}_{}", field, rule)
}

fn spec_ident(field: usize) -> syn::Ident {
    format_ident!("__FIELD_{}", field)
}

pub(crate) fn option<T: quote::ToTokens>(value: Option<T>) -> TokenStream {
    match value {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    }
}

/// The rules the resource itself needs: every rule describes its column in the document, and
/// the password's also check a new password. (The bodies' own checks are their models'.)
pub(crate) fn rule_statics(resource: &Resource<'_>) -> TokenStream {
    let statics = resource.fields.iter().enumerate().flat_map(|(i, field)| {
        let list = field.kind == Kind::List;
        field
            .rules
            .iter()
            .enumerate()
            .filter(|(_, rule)| resource_needs(field, rule))
            .map(move |(j, rule)| rule_static(&rule_ident(i, j), rule, field.inner, list))
    });
    quote!(#(#statics)*)
}

/// A custom rule describes nothing: the resource keeps it only for the password's checks (so a
/// wrong signature is reported once, by the body model).
pub(crate) fn resource_needs(field: &Field<'_>, rule: &Rule) -> bool {
    !matches!(rule.kind, RuleKind::Custom(_)) || field.password.is_some()
}

/// `static IDENT: Type = value;` for one rule on a value of type `inner` (`list`: a `Vec`, whose
/// `length` counts items). Shared by every derive: one implementation of each rule.
pub(crate) fn rule_static(
    ident: &syn::Ident,
    rule: &Rule,
    inner: &syn::Type,
    list: bool,
) -> TokenStream {
    let p = quote!(::fastrs::__private);
    let (ty, value) = match &rule.kind {
        RuleKind::Length { min, max } => {
            let (min, max) = (option(*min), option(*max));
            let ctor = if list { quote!(items) } else { quote!(chars) };
            (quote!(#p::Length), quote!(#p::Length::#ctor(#min, #max)))
        }
        RuleKind::Range(range) => {
            let crate::attr::RangeArgs { gt, ge, lt, le } = &**range;
            let bound = |n: &Option<crate::attr::Number>| {
                option(n.as_ref().map(|n| {
                    let expr = &n.expr;
                    quote!((#expr) as #inner)
                }))
            };
            let (gt, ge, lt, le) = (bound(gt), bound(ge), bound(lt), bound(le));
            (
                quote!(#p::Range<#inner>),
                quote!(#p::Range { gt: #gt, ge: #ge, lt: #lt, le: #le }),
            )
        }
        RuleKind::Email => (quote!(#p::Email), quote!(#p::Email)),
        RuleKind::Url => (quote!(#p::Url), quote!(#p::Url)),
        RuleKind::Pattern(source) => (quote!(#p::Pattern), quote!(#p::Pattern::new(#source))),
        RuleKind::Custom(path) => {
            // A shim with the exact signature, so the user's function may take what `&inner`
            // derefs to (`&str` for a `String`, `&[T]` for a `Vec<T>`).
            let shim = format_ident!("{}", ident.to_string().to_lowercase());
            let call = quote_spanned!(rule.span=> #path(__value));
            return quote! {
                fn #shim(__value: &#inner) -> ::core::result::Result<(), #p::Violation> {
                    #call
                }
                static #ident: #p::Custom<#inner> = #p::Custom::<#inner>::new(#shim);
            };
        }
    };
    quote!(static #ident: #ty = #value;)
}

pub(crate) fn field_specs(resource: &Resource<'_>) -> TokenStream {
    // The bodies validate as models; this spec is the password's, which the auth routes check a
    // new password against.
    let specs = resource.fields.iter().enumerate().filter(|(_, f)| f.password.is_some()).map(|(i, field)| {
        let ident = spec_ident(i);
        let inner = field.inner;
        let name = &field.name;
        let secret = field.write_only();
        let rules = (0..field.rules.len()).map(|j| rule_ident(i, j));
        quote! {
            static #ident: ::fastrs::__private::FieldSpec<#inner> = ::fastrs::__private::FieldSpec {
                name: #name,
                rules: &[#(&#rules),*],
                secret: #secret,
            };
        }
    });
    quote!(#(#specs)*)
}

/// The default value of a field, converted to its type.
pub(crate) fn default_value(field: &Field<'_>) -> Option<TokenStream> {
    let (expr, inner) = (field.default?, field.inner);
    let value = quote!(::core::convert::Into::<#inner>::into(#expr));
    Some(if field.nullable {
        quote!(::core::option::Option::Some(#value))
    } else {
        value
    })
}

pub(crate) fn impls(resource: &Resource<'_>, names: &Names) -> TokenStream {
    let Names { create, update, .. } = names;
    let p = quote!(::fastrs::__private);
    let insert_binds = resource.fields.iter().filter_map(|f| {
        let (name, ty) = (f.ident, f.ty);
        match f.insert() {
            Insert::Body | Insert::Default => Some(quote!(__args.add::<#ty>(self.#name);)),
            Insert::Auto | Insert::Database => None,
        }
    });
    let password_mut = resource
        .fields
        .iter()
        .find(|f| f.password.is_some() && f.in_create())
        .map(|f| {
            let name = f.ident;
            quote! {
                fn password_mut(&mut self) -> ::core::option::Option<&mut ::std::string::String> {
                    ::core::option::Option::Some(&mut self.#name)
                }
            }
        });
    let update_binds = resource.fields.iter().filter(|f| f.settable()).map(|f| {
        let name = f.ident;
        quote!(__args.add_patch(self.#name);)
    });

    quote! {
        impl #p::BindInsert for #create {
            fn bind_insert(self, __args: &mut #p::Args) {
                #(#insert_binds)*
            }

            #password_mut
        }

        impl #p::BindUpdate for #update {
            fn bind_update(self, __args: &mut #p::Args) {
                #(#update_binds)*
            }
        }
    }
}
