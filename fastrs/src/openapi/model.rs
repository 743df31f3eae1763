//! The schemas of `#[derive(Model)]` types, built from the same [`FieldSpec`]s that validate
//! them: a field's constraints in the document are its rules describing themselves.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{AllOf, Discriminator, Object, OneOf, Schema, Type};

use super::schema::{Registry, ToSchema, example_of_object_in, strip_null};
use crate::validate::FieldSpec;

/// One property of a model's schema.
#[derive(Debug)]
pub struct Property {
    name: &'static str,
    schema: RefOr<Schema>,
    required: bool,
}

/// The schema of a field of type `F` whose rules are `spec`'s: `F`'s schema (a `$ref` for a
/// named type) with every rule's keywords, the doc comment as its description, write-only
/// when the field is secret, and without `null` when `not_null`.
pub fn property<F: ToSchema, T>(
    registry: &mut Registry,
    spec: &FieldSpec<T>,
    doc: Option<&str>,
    required: bool,
    not_null: bool,
) -> Property {
    let mut schema = F::reference(registry);
    if let (RefOr::T(inner), true) = (&mut schema, not_null) {
        *inner = strip_null(std::mem::take(inner));
    }
    if let RefOr::T(schema) = &mut schema {
        for rule in spec.rules {
            rule.describe(schema);
        }
        if let Schema::Object(object) = schema {
            if let Some(doc) = doc {
                object.description = Some(doc.to_owned());
            }
            if spec.secret {
                object.write_only = Some(true);
            }
        }
        if let (Schema::Array(array), Some(doc)) = (&mut *schema, doc) {
            array.description = Some(doc.to_owned());
        }
    }
    Property {
        name: spec.name,
        schema,
        required,
    }
}

/// An object schema from its properties, with `flattened` models merged in (`allOf`), the
/// model's doc comment as its description and an example that satisfies its own rules (made
/// from the components already in `registry`).
pub fn object_schema(
    registry: &mut Registry,
    properties: Vec<Property>,
    flattened: Vec<RefOr<Schema>>,
    doc: Option<&str>,
    deny_unknown: bool,
) -> Schema {
    let mut object = Object::with_type(Type::Object);
    for property in properties {
        object
            .properties
            .insert(property.name.to_owned(), property.schema);
        if property.required {
            object.required.push(property.name.to_owned());
        }
    }
    if deny_unknown {
        object.additional_properties = Some(Box::new(
            utoipa::openapi::schema::AdditionalProperties::FreeForm(false),
        ));
    }
    object.description = doc.map(str::to_owned);
    if flattened.is_empty() {
        if let Some(example) = example_of_object_in(&object, Some((registry, 0))) {
            object.examples = vec![example];
        }
        return Schema::Object(object);
    }
    let mut all = AllOf::new();
    all.items.push(RefOr::T(Schema::Object(object)));
    all.items.extend(flattened);
    Schema::AllOf(all)
}

/// The schema of a unit-variant enum: a string with its values listed.
pub fn string_enum(values: &[&str], doc: Option<&str>) -> Schema {
    let mut object = Object::with_type(Type::String);
    object.enum_values = Some(values.iter().map(|v| (*v).into()).collect());
    object.description = doc.map(str::to_owned);
    if let Some(first) = values.first() {
        object.examples = vec![(*first).into()];
    }
    Schema::Object(object)
}

/// The schema of a flattened field: its type's, inline or as a reference.
pub fn flattened<F: ToSchema>(registry: &mut Registry) -> RefOr<Schema> {
    F::reference(registry)
}

/// One variant of a tagged union: its tag, the component that documents it, and the schema of
/// the model it carries (none for a unit variant).
#[derive(Debug, Clone, Copy)]
pub struct Variant {
    /// The tag's value for this variant.
    pub tag: &'static str,
    /// The component's name (`{Enum}{Variant}`).
    pub component: &'static str,
    /// The carried model's schema.
    pub schema: Option<fn(&mut Registry) -> Schema>,
}

/// The schema of a tagged union (`#[serde(tag = "kind")]`): `oneOf` its variants, each a
/// component holding the carried model's fields and the tag, with a `discriminator` mapping
/// each tag to its component.
pub fn tagged_union(
    registry: &mut Registry,
    tag: &str,
    variants: &[Variant],
    doc: Option<&str>,
) -> Schema {
    let mut one_of = OneOf::new();
    let mut discriminator = Discriminator::new(tag);
    for variant in variants {
        let reference = registry.component(variant.component, |registry| {
            let carried = variant
                .schema
                .map(|schema| schema(registry))
                .unwrap_or_else(|| Schema::Object(Object::with_type(Type::Object)));
            with_tag(registry, carried, tag, variant.tag)
        });
        discriminator.mapping.insert(
            variant.tag.to_owned(),
            format!("#/components/schemas/{}", variant.component),
        );
        one_of.items.push(reference);
    }
    one_of.discriminator = Some(discriminator);
    one_of.description = doc.map(str::to_owned);
    Schema::OneOf(one_of)
}

/// `schema` (an object, or the `allOf` of a model with flattened fields) with the required
/// property `tag` whose only value is `value`, and an example that carries it.
fn with_tag(registry: &mut Registry, schema: Schema, tag: &str, value: &str) -> Schema {
    let mut tag_schema = Object::with_type(Type::String);
    tag_schema.enum_values = Some(vec![value.into()]);
    match schema {
        Schema::Object(mut object) => {
            object
                .properties
                .insert(tag.to_owned(), RefOr::T(Schema::Object(tag_schema)));
            object.required.insert(0, tag.to_owned());
            object.examples.clear();
            if let Some(example) = example_of_object_in(&object, Some((registry, 0))) {
                object.examples = vec![example];
            }
            Schema::Object(object)
        }
        other => {
            let mut tagged = Object::with_type(Type::Object);
            tagged
                .properties
                .insert(tag.to_owned(), RefOr::T(Schema::Object(tag_schema)));
            tagged.required.push(tag.to_owned());
            let mut all = AllOf::new();
            all.items.push(RefOr::T(Schema::Object(tagged)));
            all.items.push(RefOr::T(other));
            Schema::AllOf(all)
        }
    }
}
