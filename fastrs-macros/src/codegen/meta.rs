//! The static `ResourceMeta`, `impl Resource`, and the `FromRow` impls of the model and its
//! response type.

use proc_macro2::TokenStream;
use quote::quote;

use super::Names;
use super::input::rule_ident;
use crate::ast::{Field, Insert, Kind, Resource, Role};

fn column(index: usize, field: &Field<'_>) -> TokenStream {
    let p = quote!(::fastrs::__private);
    let (name, column, nullable) = (&field.name, &field.column, field.nullable);
    let sql_type = match field.kind {
        Kind::I32 => quote!(Int),
        Kind::I64 => quote!(BigInt),
        Kind::F64 => quote!(Double),
        Kind::Bool => quote!(Bool),
        Kind::String => quote!(Text),
        Kind::Uuid => quote!(Uuid),
        Kind::DateTime => quote!(Timestamp),
        Kind::Json | Kind::List => quote!(Json),
    };
    let role = match field.role {
        Role::Id => quote!(Id),
        Role::Data => quote!(Data),
        Role::CreatedAt => quote!(CreatedAt),
        Role::UpdatedAt => quote!(UpdatedAt),
    };
    let insert = match field.insert() {
        Insert::Body => quote!(Body),
        Insert::Default => quote!(Default),
        Insert::Auto => quote!(Auto),
        Insert::Database => quote!(Database),
    };
    let (in_create, in_update, in_response) =
        (field.in_create(), field.in_update(), field.in_response());
    let (unique, index_flag) = (field.unique, field.index);
    let default_sql = option_str(field.default_sql());
    let doc = option_str(field.doc.clone());
    let rules = (0..field.rules.len()).map(|j| rule_ident(index, j));
    quote! {
        #p::ColumnMeta {
            field: #name,
            column: #column,
            sql_type: #p::SqlType::#sql_type,
            nullable: #nullable,
            role: #p::Role::#role,
            insert: #p::InsertFrom::#insert,
            in_create: #in_create,
            in_update: #in_update,
            in_response: #in_response,
            unique: #unique,
            index: #index_flag,
            default_sql: #default_sql,
            doc: #doc,
            rules: &[#(&#rules),*],
        }
    }
}

fn option_str(value: Option<String>) -> TokenStream {
    match value {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    }
}

fn from_row<'a>(ty: &syn::Ident, fields: impl Iterator<Item = &'a Field<'a>>) -> TokenStream {
    let p = quote!(::fastrs::__private);
    let reads = fields.enumerate().map(|(index, field)| {
        let (name, ty) = (field.ident, field.ty);
        quote!(#name: __row.get::<#ty>(#index)?)
    });
    quote! {
        impl #p::FromRow for #ty {
            fn from_row(__row: &#p::Row<'_>) -> ::core::result::Result<Self, #p::sqlx::Error> {
                ::core::result::Result::Ok(Self { #(#reads,)* })
            }
        }
    }
}

pub(crate) fn impls(resource: &Resource<'_>, names: &Names) -> TokenStream {
    let p = quote!(::fastrs::__private);
    let Names {
        create,
        update,
        response,
    } = names;
    let ident = resource.ident;
    let (name, table, path, tag) = (
        ident.to_string(),
        &resource.table,
        &resource.path,
        &resource.tag,
    );
    let doc = option_str(resource.doc.clone());
    let columns = resource
        .fields
        .iter()
        .enumerate()
        .map(|(i, field)| column(i, field));
    let page = match resource.page {
        Some((default_limit, max_limit)) => {
            quote!(::core::option::Option::Some(#p::PageBounds { default_limit: #default_limit, max_limit: #max_limit }))
        }
        None => quote!(::core::option::Option::None),
    };
    let model_row = from_row(ident, resource.fields.iter());
    let response_row = from_row(response, resource.fields.iter().filter(|f| f.in_response()));
    // `check` guarantees exactly one id; without one, nothing is generated at all.
    let Some(id) = resource.id() else {
        return TokenStream::new();
    };
    let (id_name, id_ty) = (id.ident, id.ty);

    quote! {
        static __META: #p::ResourceMeta = #p::ResourceMeta {
            name: #name,
            table: #table,
            path: #path,
            tag: #tag,
            doc: #doc,
            columns: &[#(#columns),*],
            page: #page,
        };

        #[automatically_derived]
        impl #p::Resource for #ident {
            type Id = #id_ty;
            type Create = #create;
            type Update = #update;
            type Response = #response;

            fn meta() -> &'static #p::ResourceMeta {
                &__META
            }

            fn response_id(__response: &#response) -> &#id_ty {
                &__response.#id_name
            }
        }

        #model_row
        #response_row
    }
}
