//! The static `ResourceMeta`, `impl Resource`, and the `FromRow` impls of the model and its
//! response type.

use proc_macro2::TokenStream;
use quote::quote;

use super::Names;
use super::input::{resource_needs, rule_ident};
use crate::ast::{Field, Insert, Kind, Resource, Role, RuleKind};

fn column(index: usize, field: &Field<'_>) -> TokenStream {
    let p = quote!(::fastrs::__private);
    let (name, column, nullable) = (&field.name, &field.column, field.nullable);
    let sql_type = match field.kind {
        Kind::I32 => quote!(Int),
        Kind::I64 => quote!(BigInt),
        Kind::F64 => quote!(Double),
        Kind::Bool => quote!(Bool),
        Kind::String | Kind::Enum => quote!(Text),
        Kind::Uuid => quote!(Uuid),
        Kind::DateTime => quote!(Timestamp),
        Kind::Json | Kind::List => quote!(Json),
    };
    let role = match (field.role, field.count, field.flag) {
        (Role::Id, ..) => quote!(Id),
        (Role::Data, ..) => quote!(Data),
        (Role::CreatedAt, ..) => quote!(CreatedAt),
        (Role::UpdatedAt, ..) => quote!(UpdatedAt),
        (Role::Owner, ..) => quote!(Owner),
        (Role::Computed, Some(source), _) => {
            quote!(Computed(#p::Computed::Count(<#source as #p::Resource>::meta)))
        }
        (Role::Computed, None, Some(source)) => {
            quote!(Computed(#p::Computed::Flag(<#source as #p::Resource>::meta)))
        }
        (Role::Computed, None, None) => quote!(Data),
    };
    let insert = match field.insert() {
        Insert::Body => quote!(Body),
        Insert::Default => quote!(Default),
        Insert::Auto => quote!(Auto),
        Insert::Database => quote!(Database),
    };
    let (in_create, in_update, in_response) =
        (field.in_create(), field.in_update(), field.in_response());
    let settable = field.settable();
    let (unique, index_flag) = (field.unique, field.index);
    let (login, password) = (field.login.is_some(), field.password.is_some());
    let ty = field.ty;
    let has_default = field.default.is_some();
    let default_sql = option_str(field.default_sql());
    let doc = option_str(field.doc.clone());
    let rules = field
        .rules
        .iter()
        .enumerate()
        .filter(|(_, rule)| {
            resource_needs(field, rule) && !matches!(rule.kind, RuleKind::Custom(_))
        })
        .map(|(j, _)| rule_ident(index, j));
    let inner = field.inner;
    let references = match field.references {
        Some(target) => {
            let on_delete = match field.on_delete.as_ref().map(|(v, _)| v.as_str()) {
                Some("cascade") => quote!(Cascade),
                Some("set_null") => quote!(SetNull),
                _ => quote!(Restrict),
            };
            let embed = field.embed.is_some();
            quote!(::core::option::Option::Some(#p::Reference {
                target: <#target as #p::Resource>::meta,
                on_delete: #p::OnDelete::#on_delete,
                rows: #p::rows_by_id::<#target>,
                embed: #embed,
            }))
        }
        None => quote!(::core::option::Option::None),
    };
    let (filter, sort) = (field.filter.is_some(), field.sort.is_some());
    let nested = field.nested.is_some();
    let link = field.link.is_some();
    let values = match field.kind {
        Kind::Enum => quote!(<#inner as #p::TextEnum>::VALUES),
        _ => quote!(&[]),
    };
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
            settable: #settable,
            in_response: #in_response,
            unique: #unique,
            index: #index_flag,
                        login: #login,
            password: #password,
            schema: <#ty as #p::ToSchema>::schema,
            has_default: #has_default,
            default_sql: #default_sql,
            doc: #doc,
            rules: &[#(&#rules),*],
            values: #values,
            references: #references,
            filter: #filter,
            sort: #sort,
            nested: #nested,
            link: #link,
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
    let rules = &resource.auth;
    let (create_auth, read_auth, update_auth, delete_auth) =
        (rules.create, rules.read, rules.update, rules.delete);
    let scope = option_str(rules.scope.clone());
    let auth = quote!(#p::AuthRules {
        create: #create_auth,
        read: #read_auth,
        update: #update_auth,
        delete: #delete_auth,
        scope: #scope,
    });
    let owner_reads = resource.owner_reads.is_some();
    let operations = resource.operations;
    let (unique_together, indexes) = (&resource.unique_together, &resource.indexes);
    let soft_delete = resource.soft_delete;
    let hooks = resource.hooks;
    let cursor = resource.cursor;
    // Without `hooks`, the model's hooks are the defaults (never called).
    let empty_hooks = (!hooks).then(|| {
        quote! {
            #[automatically_derived]
            impl #p::Hooks for #ident {}
        }
    });
    let vis = resource.vis;
    let column_consts = resource.fields.iter().enumerate().map(|(index, field)| {
        let name = quote::format_ident!(
            "{}",
            field
                .ident
                .to_string()
                .trim_start_matches("r#")
                .to_uppercase()
        );
        let ty = field.ty;
        let doc = format!(
            "The `{}` column, for the data API's filters and orders.",
            field.name
        );
        quote! {
            #[doc = #doc]
            #vis const #name: #p::Column<#ident, #ty> = #p::Column::new(#index);
        }
    });
    let user = auth_user(resource);
    let model_row = from_row(ident, resource.fields.iter());
    let schemas = [(response, quote!(response_schema))]
        .into_iter()
        .map(|(ty, build)| {
            let name = ty.to_string();
            quote! {
                impl #p::ToSchema for #ty {
                    fn name() -> ::core::option::Option<::std::string::String> {
                        ::core::option::Option::Some(::std::string::ToString::to_string(#name))
                    }

                    fn schema() -> #p::Schema {
                        #p::#build(<#ident as #p::Resource>::meta())
                    }
                }
            }
        });
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
            auth: #auth,
            owner_reads: #owner_reads,
            operations: #p::Operations::from_bits(#operations),
            soft_delete: #soft_delete,
            unique_together: &[#(&[#(#unique_together),*]),*],
            indexes: &[#(&[#(#indexes),*]),*],
            create_schema: <#create as #p::ToSchema>::reference,
            update_schema: <#update as #p::ToSchema>::reference,
            hooks: #hooks,
            cursor: #cursor,
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

            fn id(&self) -> &#id_ty {
                &self.#id_name
            }

            fn statements() -> &'static #p::Statements {
                static __STATEMENTS: #p::std::sync::OnceLock<#p::Statements> = #p::std::sync::OnceLock::new();
                __STATEMENTS.get_or_init(|| #p::Statements::new(&__META))
            }
        }

        #empty_hooks

        #[automatically_derived]
        impl #ident {
            #(#column_consts)*
        }

        #user

        #model_row
        #response_row

        #(#schemas)*
    }
}

/// `impl AuthUser` for a `#[resource(user)]` model.
fn auth_user(resource: &Resource<'_>) -> TokenStream {
    let p = quote!(::fastrs::__private);
    let ident = resource.ident;
    let (Some(_), Some(id)) = (resource.user, resource.id()) else {
        return TokenStream::new();
    };
    let Some((index, password)) = resource
        .fields
        .iter()
        .enumerate()
        .find(|(_, f)| f.password.is_some())
    else {
        return TokenStream::new();
    };
    let (id_name, password_name) = (id.ident, password.ident);
    let spec = quote::format_ident!("__FIELD_{}", index);
    let is_active = match resource.fields.iter().find(|f| f.active.is_some()) {
        Some(active) => {
            let name = active.ident;
            quote!(self.#name)
        }
        None => quote!(true),
    };
    let scopes = match resource.fields.iter().find(|f| f.scopes.is_some()) {
        Some(scopes) => {
            let name = scopes.ident;
            quote!(&self.#name)
        }
        None => quote!(&[]),
    };
    quote! {
        #[automatically_derived]
        impl #p::AuthUser for #ident {
            fn subject(&self) -> ::std::string::String {
                ::std::string::ToString::to_string(&self.#id_name)
            }

            fn password_hash(&self) -> &str {
                &self.#password_name
            }

            fn is_active(&self) -> bool {
                #is_active
            }

            fn scopes(&self) -> &[::std::string::String] {
                #scopes
            }

            fn password_spec() -> &'static #p::FieldSpec<::std::string::String> {
                &#spec
            }
        }

        #[automatically_derived]
        impl #p::Caller for #ident {
            fn principal(&self) -> ::core::option::Option<#p::Principal> {
                ::core::option::Option::Some(#p::user_principal(self))
            }
        }
    }
}
