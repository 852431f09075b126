//! `login-types`: every schema of the spec as a Rust type.
//!
//! typify (through progenitor's type space) writes the structs. Constrained
//! strings are the exception: typify's validating newtypes derive `Debug`
//! (printing a password) and a `JsonSchema` that drops `minLength`/`maxLength`.
//! So each constrained string property gets a newtype written here, from the
//! same schema, and typify is told to use it via `with_conversion`.
//!
//! typify matches a conversion by the schema alone, so two properties with
//! the same constraints (`username` and `tenancy`) would share one newtype.
//! Each constrained property is therefore tagged, in the copy of the document
//! progenitor reads, with an extension naming its own newtype.

use heck::ToUpperCamelCase;
use openapiv3::{ReferenceOr, SchemaKind, StringFormat, StringType, Type, VariantOrUnknownOrEmpty};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{doc_attrs, run_progenitor};
use crate::spec::{Spec, SpecError, pointer};

/// A string property with constraints, which gets a newtype of its own.
pub struct ConstrainedString {
    /// The Rust type name, as typify would have named it: `ParentProperty`.
    pub name: String,
    pub secret: bool,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub description: Option<String>,
    /// The schema as typify sees it, for `with_conversion` to match.
    pub schema: schemars::schema::SchemaObject,
    /// Where it is: `#/components/schemas/<schema_name>/properties/<property>`.
    schema_name: String,
    property: String,
}

/// The extension that makes each constrained property's schema unique to
/// typify; it exists only in the copy of the document progenitor reads.
const NEWTYPE_TAG: &str = "x-xtask-newtype";

/// Finds the constrained string properties of the component schemas.
pub fn constrained_strings(spec: &Spec) -> Result<Vec<ConstrainedString>, SpecError> {
    let mut out = Vec::new();
    let Some(components) = &spec.doc.components else {
        return Ok(out);
    };
    for (schema_name, schema) in &components.schemas {
        let ReferenceOr::Item(schema) = schema else {
            continue;
        };
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) if is_constrained(s) => {
                return Err(SpecError::new(
                    pointer(["components", "schemas", schema_name]),
                    "constrained or `format: password` strings are supported as object properties only; \
                     move the constraints onto the property that uses this schema",
                ));
            }
            SchemaKind::Type(Type::Object(object)) => {
                for (prop_name, prop) in &object.properties {
                    let ReferenceOr::Item(prop) = prop else {
                        continue;
                    };
                    let SchemaKind::Type(Type::String(s)) = &prop.schema_kind else {
                        continue;
                    };
                    if !is_constrained(s) {
                        continue;
                    }
                    let here = pointer([
                        "components",
                        "schemas",
                        schema_name,
                        "properties",
                        prop_name,
                    ]);
                    if s.pattern.is_some() || !s.enumeration.is_empty() || prop.schema_data.nullable
                    {
                        return Err(SpecError::new(
                            here,
                            "`pattern`, `enum` and `nullable` on a constrained string are not supported yet",
                        ));
                    }
                    let name = newtype_name(schema_name, prop_name);
                    out.push(ConstrainedString {
                        secret: is_password(s),
                        min_length: s.min_length,
                        max_length: s.max_length,
                        description: prop.schema_data.description.clone(),
                        schema: typify_view(s, &tagged(&prop.schema_data, &name)),
                        name,
                        schema_name: schema_name.clone(),
                        property: prop_name.clone(),
                    });
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// As typify would name a property's type: `ParentProperty`.
fn newtype_name(schema_name: &str, prop_name: &str) -> String {
    format!("{schema_name}{}", prop_name.to_upper_camel_case())
}

/// `data` with the extension naming `newtype`.
fn tagged(data: &openapiv3::SchemaData, newtype: &str) -> openapiv3::SchemaData {
    let mut data = data.clone();
    data.extensions
        .insert(NEWTYPE_TAG.to_owned(), serde_json::Value::from(newtype));
    data
}

/// A copy of the document in which each constrained property carries the
/// extension naming its newtype, as in [`ConstrainedString::schema`].
fn tagged_document(spec: &Spec, strings: &[ConstrainedString]) -> openapiv3::OpenAPI {
    let mut doc = spec.doc.clone();
    for s in strings {
        let prop = doc
            .components
            .as_mut()
            .and_then(|c| c.schemas.get_mut(&s.schema_name))
            .and_then(|schema| match schema {
                ReferenceOr::Item(openapiv3::Schema {
                    schema_kind: SchemaKind::Type(Type::Object(object)),
                    ..
                }) => object.properties.get_mut(&s.property),
                _ => None,
            });
        // `constrained_strings` found each one there, written out in place.
        if let Some(ReferenceOr::Item(prop)) = prop {
            prop.schema_data = tagged(&prop.schema_data, &s.name);
        }
    }
    doc
}

fn is_password(s: &StringType) -> bool {
    matches!(
        s.format,
        VariantOrUnknownOrEmpty::Item(StringFormat::Password)
    )
}

fn is_constrained(s: &StringType) -> bool {
    is_password(s) || s.min_length.is_some() || s.max_length.is_some()
}

/// The schemars object that progenitor hands typify for this string (see
/// progenitor-impl's `to_schema`); typify's conversion lookup compares it
/// exactly, ignoring metadata.
fn typify_view(s: &StringType, data: &openapiv3::SchemaData) -> schemars::schema::SchemaObject {
    use schemars::schema::{InstanceType, SchemaObject, StringValidation};
    let format = match &s.format {
        VariantOrUnknownOrEmpty::Item(StringFormat::Password) => Some("password".to_owned()),
        VariantOrUnknownOrEmpty::Item(other) => Some(
            serde_json::to_value(other)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
        ),
        VariantOrUnknownOrEmpty::Unknown(other) => Some(other.clone()),
        VariantOrUnknownOrEmpty::Empty => None,
    };
    let string = StringValidation {
        max_length: s.max_length.map(|n| n as u32),
        min_length: s.min_length.map(|n| n as u32),
        pattern: None,
    };
    SchemaObject {
        instance_type: Some(InstanceType::String.into()),
        format,
        string: (string != StringValidation::default()).then(|| Box::new(string)),
        extensions: data.extensions.clone().into_iter().collect(),
        ..Default::default()
    }
}

/// The source of `crates/login-types/src/generated.rs`.
pub fn generate(spec: &Spec) -> Result<TokenStream, SpecError> {
    let strings = constrained_strings(spec)?;
    let mut settings = progenitor::GenerationSettings::new();
    settings
        .with_interface(progenitor::InterfaceStyle::Positional)
        .with_derive("::schemars::JsonSchema")
        .with_derive("PartialEq");
    for s in &strings {
        settings.with_conversion(
            s.schema.clone(),
            &s.name,
            [progenitor::TypeImpl::FromStr].into_iter(),
        );
    }
    let (generator, _) = run_progenitor(&settings, &tagged_document(spec, &strings))?;
    let typify_types = generator.get_type_space().to_stream();
    let newtypes = strings.iter().map(newtype);
    Ok(quote! {
        #typify_types
        #(#newtypes)*
    })
}

fn newtype(s: &ConstrainedString) -> TokenStream {
    let name = format_ident!("{}", s.name);
    let name_str = &s.name;
    let docs = doc_attrs(s.description.as_deref());
    let secret_doc = s.secret.then(|| {
        quote! {
            #[doc = ""]
            #[doc = " A secret (`format: password`): `Debug` and `Display` print a redaction, \
                     never the value, and the value is zeroed when dropped. Read it with \
                     [`Self::expose_secret`]."]
        }
    });
    let min_check = s.min_length.map(|min| {
        let msg = if min == 1 {
            "must not be empty".to_owned()
        } else {
            format!("must be at least {min} characters long")
        };
        quote! {
            if value.chars().count() < #min {
                return Err(#msg.into());
            }
        }
    });
    let max_check = s.max_length.map(|max| {
        let msg = format!("must be at most {max} characters long");
        quote! {
            if value.chars().count() > #max {
                return Err(#msg.into());
            }
        }
    });
    let min_schema = opt_u32(s.min_length);
    let max_schema = opt_u32(s.max_length);
    let format_schema = match s.secret {
        true => quote! { Some("password".to_owned()) },
        false => quote! { None },
    };
    let access = if s.secret {
        quote! {
            impl #name {
                /// The secret value. Keep it out of logs and error messages.
                pub fn expose_secret(&self) -> &str {
                    &self.0
                }
            }
            impl ::std::fmt::Debug for #name {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str("[REDACTED]")
                }
            }
            impl ::std::fmt::Display for #name {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str("[REDACTED]")
                }
            }
            impl ::std::ops::Drop for #name {
                fn drop(&mut self) {
                    ::zeroize::Zeroize::zeroize(&mut self.0);
                }
            }
        }
    } else {
        quote! {
            impl ::std::fmt::Debug for #name {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    ::std::fmt::Debug::fmt(&self.0, f)
                }
            }
            impl ::std::fmt::Display for #name {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str(&self.0)
                }
            }
            impl ::std::ops::Deref for #name {
                type Target = str;
                fn deref(&self) -> &str {
                    &self.0
                }
            }
            impl ::std::convert::From<#name> for ::std::string::String {
                fn from(value: #name) -> Self {
                    value.0
                }
            }
        }
    };
    quote! {
        #docs
        #secret_doc
        #[derive(::serde::Serialize, Clone, PartialEq, Eq)]
        #[serde(transparent)]
        pub struct #name(::std::string::String);

        #access

        impl ::std::str::FromStr for #name {
            type Err = self::error::ConversionError;
            fn from_str(value: &str) -> ::std::result::Result<Self, self::error::ConversionError> {
                Self::try_from(value.to_owned())
            }
        }
        impl ::std::convert::TryFrom<&str> for #name {
            type Error = self::error::ConversionError;
            fn try_from(value: &str) -> ::std::result::Result<Self, self::error::ConversionError> {
                Self::try_from(value.to_owned())
            }
        }
        impl ::std::convert::TryFrom<::std::string::String> for #name {
            type Error = self::error::ConversionError;
            fn try_from(value: ::std::string::String) -> ::std::result::Result<Self, self::error::ConversionError> {
                #min_check
                #max_check
                Ok(Self(value))
            }
        }
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
            where
                D: ::serde::Deserializer<'de>,
            {
                let value = <::std::string::String as ::serde::Deserialize>::deserialize(deserializer)?;
                Self::try_from(value).map_err(|e| <D::Error as ::serde::de::Error>::custom(e.to_string()))
            }
        }
        impl ::schemars::JsonSchema for #name {
            fn schema_name() -> ::std::string::String {
                #name_str.to_owned()
            }
            fn is_referenceable() -> bool {
                false
            }
            fn json_schema(_: &mut ::schemars::r#gen::SchemaGenerator) -> ::schemars::schema::Schema {
                ::schemars::schema::SchemaObject {
                    instance_type: Some(::schemars::schema::InstanceType::String.into()),
                    format: #format_schema,
                    string: Some(Box::new(::schemars::schema::StringValidation {
                        min_length: #min_schema,
                        max_length: #max_schema,
                        pattern: None,
                    })),
                    ..Default::default()
                }
                .into()
            }
        }
    }
}

fn opt_u32(n: Option<usize>) -> TokenStream {
    match n.map(|n| n as u32) {
        Some(n) => quote! { Some(#n) },
        None => quote! { None },
    }
}

/// Type names of the component schemas, which the client takes from
/// `login-types` instead of generating its own.
pub fn component_names(spec: &Spec) -> Vec<String> {
    spec.doc
        .components
        .iter()
        .flat_map(|c| c.schemas.keys().cloned())
        .map(|name| name.to_upper_camel_case())
        .collect()
}
