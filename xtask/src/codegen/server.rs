//! `login-server`: the trait an implementation fills in, one response enum
//! per operation, and the dropshot glue that puts them on the wire.
//!
//! The glue registers plain `ApiEndpoint`s with generic handler functions
//! rather than going through `#[dropshot::api_description]`: every response,
//! the failures before the implementation runs included, is written by
//! `runtime::Reply` from the spec's statuses, so nothing dropshot-shaped
//! reaches the wire.

use heck::{ToSnakeCase, ToUpperCamelCase};
use openapiv3::{ParameterData, ReferenceOr, SchemaKind, StatusCode, Type};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::doc_attrs;
use crate::spec::{OperationRef, Spec, SpecError, json_schema_of};

/// Request body limit when the operation has no `x-body-max-bytes`.
pub const DEFAULT_BODY_MAX_BYTES: u64 = 16 * 1024;

/// One documented response of an operation.
pub struct ResponseModel {
    pub status: u16,
    pub variant: proc_macro2::Ident,
    pub description: String,
    pub body: Option<TokenStream>,
    /// Headers the implementation sets (the request id header excluded).
    pub headers: Vec<HeaderModel>,
    /// All documented headers, for the rendered document.
    pub all_headers: Vec<HeaderModel>,
}

pub struct HeaderModel {
    pub name: String,
    pub field: proc_macro2::Ident,
    pub description: Option<String>,
    pub required: bool,
}

impl HeaderModel {
    /// Rustdoc for the header's field: its name and the spec's description.
    pub fn docs(&self) -> TokenStream {
        let description = self
            .description
            .as_deref()
            .map(|d| format!(" {d}"))
            .unwrap_or_default();
        doc_attrs(Some(&format!("The `{}` header.{description}", self.name)))
    }
}

/// What the server generator needs of one operation.
pub struct OperationModel {
    pub operation_id: String,
    pub method: String,
    pub path: String,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub body: TokenStream,
    pub body_max_bytes: u64,
    pub error_body: TokenStream,
    pub responses: Vec<ResponseModel>,
}

impl OperationModel {
    pub fn fn_name(&self) -> proc_macro2::Ident {
        format_ident!("{}", self.operation_id.to_snake_case())
    }

    /// `CREATE_SESSION_BODY_MAX_BYTES`: the operation's `x-body-max-bytes`.
    pub fn body_limit_name(&self) -> proc_macro2::Ident {
        format_ident!(
            "{}_BODY_MAX_BYTES",
            self.operation_id.to_snake_case().to_uppercase()
        )
    }

    pub fn type_name(&self, suffix: &str) -> proc_macro2::Ident {
        format_ident!("{}{}", self.operation_id.to_upper_camel_case(), suffix)
    }
}

/// The header that carries the request id: the root `x-request-id-header`.
pub fn request_id_header(spec: &Spec) -> Result<String, SpecError> {
    match spec.doc.extensions.get("x-request-id-header") {
        Some(serde_json::Value::String(name)) => Ok(name.to_ascii_lowercase()),
        Some(_) => Err(SpecError::new(
            "#/x-request-id-header",
            "must be a header name",
        )),
        None => Err(SpecError::new(
            "#",
            "missing `x-request-id-header`: name the header that carries the request id \
             (for example `opc-request-id`); the server sets it on every response",
        )),
    }
}

/// `#/components/schemas/Name` as the Rust type `types::Name`.
fn schema_type(
    schema: &ReferenceOr<openapiv3::Schema>,
    at: String,
) -> Result<TokenStream, SpecError> {
    match schema {
        ReferenceOr::Reference { reference } => {
            match reference.strip_prefix("#/components/schemas/") {
                Some(name) => {
                    let ident = format_ident!("{}", name.to_upper_camel_case());
                    Ok(quote! { types::#ident })
                }
                None => Err(SpecError::new(
                    at,
                    format!("`{reference}` is not a component schema"),
                )),
            }
        }
        ReferenceOr::Item(_) => Err(SpecError::new(
            at,
            "inline body schemas are not supported: move the schema under #/components/schemas and $ref it",
        )),
    }
}

/// The status as generated code names it: `::http::StatusCode::NOT_FOUND`
/// when `http` has a constant for it, else built from its number.
pub fn status_code_expr(status: u16) -> TokenStream {
    let reason = http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason());
    match reason {
        // `http` names its constants after the reason: "I'm a teapot" is
        // IM_A_TEAPOT, "Not Found" NOT_FOUND.
        Some(reason) => {
            let name = reason
                .replace('\'', "")
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|word| !word.is_empty())
                .map(str::to_ascii_uppercase)
                .collect::<Vec<_>>()
                .join("_");
            let name = format_ident!("{}", name);
            quote! { ::http::StatusCode::#name }
        }
        None => quote! {
            ::http::StatusCode::from_u16(#status).expect("the generator checked the status")
        },
    }
}

fn variant_name(status: u16) -> proc_macro2::Ident {
    let reason = http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .map(|r| r.to_upper_camel_case());
    format_ident!("{}", reason.unwrap_or_else(|| format!("Status{status}")))
}

/// Checks that the error schema is OCI-shaped: required string `code` and
/// `message`, which the runtime fills for requests it refuses itself.
fn check_error_schema(
    spec: &Spec,
    schema: &ReferenceOr<openapiv3::Schema>,
    at: String,
) -> Result<(), SpecError> {
    let name = match schema {
        ReferenceOr::Reference { reference } => {
            reference.trim_start_matches("#/components/schemas/")
        }
        ReferenceOr::Item(_) => {
            return Err(SpecError::new(
                at,
                "the error body must be a $ref to a component schema",
            ));
        }
    };
    let object = spec
        .doc
        .components
        .as_ref()
        .and_then(|c| c.schemas.get(name))
        .and_then(ReferenceOr::as_item)
        .and_then(|s| match &s.schema_kind {
            SchemaKind::Type(Type::Object(o)) => Some(o),
            _ => None,
        });
    let here = crate::spec::pointer(["components", "schemas", name]);
    let Some(object) = object else {
        return Err(SpecError::new(
            here,
            "the error body must be an object with `code` and `message`",
        ));
    };
    for field in ["code", "message"] {
        let is_string = matches!(
            object.properties.get(field),
            Some(ReferenceOr::Item(s)) if matches!(s.schema_kind, SchemaKind::Type(Type::String(_)))
        );
        if !is_string || !object.required.iter().any(|r| r == field) {
            return Err(SpecError::new(
                here,
                format!("the error body needs a required string property `{field}`"),
            ));
        }
    }
    Ok(())
}

/// Reads one operation into the model, refusing what the server cannot serve.
pub fn operation_model(
    spec: &Spec,
    op: &OperationRef<'_>,
    request_id_header: &str,
) -> Result<OperationModel, SpecError> {
    for (i, parameter) in op.operation.parameters.iter().enumerate() {
        let here = op.pointer(&["parameters", &i.to_string()]);
        let ReferenceOr::Item(parameter) = parameter else {
            return Err(SpecError::new(
                here,
                "parameters given by $ref are not supported yet",
            ));
        };
        let ParameterData { name, .. } = parameter.parameter_data_ref();
        let is_request_id = matches!(parameter, openapiv3::Parameter::Header { .. })
            && name.eq_ignore_ascii_case(request_id_header);
        if !is_request_id {
            return Err(SpecError::new(
                here,
                format!(
                    "parameter `{name}` is not supported: the server generator takes a JSON body and the request id header only"
                ),
            ));
        }
    }

    let body = match &op.operation.request_body {
        Some(ReferenceOr::Item(body)) => {
            let media = body
                .content
                .get("application/json")
                .filter(|_| body.content.len() == 1);
            let schema = media.and_then(|m| m.schema.as_ref()).ok_or_else(|| {
                SpecError::new(
                    op.pointer(&["requestBody", "content"]),
                    "the request body must have exactly one media type, application/json, with a schema",
                )
            })?;
            if !body.required {
                return Err(SpecError::new(
                    op.pointer(&["requestBody", "required"]),
                    "optional request bodies are not supported: set `required: true`",
                ));
            }
            schema_type(
                schema,
                op.pointer(&["requestBody", "content", "application/json", "schema"]),
            )?
        }
        _ => {
            return Err(SpecError::new(
                op.pointer(&["requestBody"]),
                "operations without an inline JSON request body are not supported yet",
            ));
        }
    };

    let body_max_bytes = match op.operation.extensions.get("x-body-max-bytes") {
        None => DEFAULT_BODY_MAX_BYTES,
        Some(v) => v.as_u64().filter(|n| *n > 0).ok_or_else(|| {
            SpecError::new(
                op.pointer(&["x-body-max-bytes"]),
                "must be a positive whole number of bytes",
            )
        })?,
    };

    let mut responses = Vec::new();
    let mut error_body = None;
    if op.operation.responses.default.is_some() {
        return Err(SpecError::new(
            op.pointer(&["responses", "default"]),
            "a `default` response is not supported: document each status",
        ));
    }
    for (status, response) in &op.operation.responses.responses {
        let code = status.to_string();
        let here = op.pointer(&["responses", &code]);
        let StatusCode::Code(status) = *status else {
            return Err(SpecError::new(
                here,
                "status ranges are not supported: document each status",
            ));
        };
        if !(100..=599).contains(&status) {
            return Err(SpecError::new(
                here,
                "not an HTTP status: expected 100 to 599",
            ));
        }
        let response = spec.response(response);
        let schema = json_schema_of(response);
        if response.content.keys().any(|k| k != "application/json") {
            return Err(SpecError::new(
                format!("{here}/content"),
                "only application/json responses are supported",
            ));
        }
        let body = match (status, schema) {
            (204, None) => None,
            (204, Some(_)) => return Err(SpecError::new(here, "a 204 response has no body")),
            (_, None) => {
                return Err(SpecError::new(
                    here,
                    "the response needs an application/json schema",
                ));
            }
            (_, Some(s)) => Some(schema_type(
                s,
                format!("{here}/content/application~1json/schema"),
            )?),
        };
        if status >= 400 {
            check_error_schema(spec, schema.expect("checked above"), here.clone())?;
            error_body = body.clone();
        } else if !matches!(status, 200 | 201 | 202 | 204) {
            return Err(SpecError::new(
                here,
                "only 200, 201, 202 and 204 are supported as success statuses",
            ));
        }
        let mut all_headers = Vec::new();
        for (name, header) in &response.headers {
            let header = spec.header(header);
            let is_string = matches!(
                &header.format,
                openapiv3::ParameterSchemaOrContent::Schema(ReferenceOr::Item(s))
                    if matches!(s.schema_kind, SchemaKind::Type(Type::String(_)))
            );
            if !is_string {
                return Err(SpecError::new(
                    format!("{here}/headers/{name}"),
                    "only string headers with an inline schema are supported",
                ));
            }
            all_headers.push(HeaderModel {
                name: name.to_ascii_lowercase(),
                field: format_ident!("{}", name.to_snake_case()),
                description: header.description.clone(),
                required: header.required,
            });
        }
        let headers = all_headers
            .iter()
            .filter(|h| h.name != request_id_header)
            .map(|h| HeaderModel {
                name: h.name.clone(),
                field: h.field.clone(),
                description: h.description.clone(),
                required: h.required,
            })
            .collect();
        responses.push(ResponseModel {
            status,
            variant: variant_name(status),
            description: response.description.clone(),
            body,
            headers,
            all_headers,
        });
    }

    let successes = responses.iter().filter(|r| r.status < 400).count();
    if successes != 1 {
        return Err(SpecError::new(
            op.pointer(&["responses"]),
            format!("exactly one success response is supported, found {successes}"),
        ));
    }
    if let Some(r) = responses
        .iter()
        .find(|r| r.status == 400 && !r.headers.is_empty())
    {
        return Err(SpecError::new(
            op.pointer(&["responses", "400", "headers"]),
            format!(
                "the 400 response may document only the request id header; the server writes it \
                 for malformed requests and cannot fill `{}`",
                r.headers[0].name
            ),
        ));
    }
    if !responses.iter().any(|r| r.status == 400) {
        return Err(SpecError::new(
            op.pointer(&["responses"]),
            "an operation with a request body must document 400, the answer to a malformed body",
        ));
    }

    Ok(OperationModel {
        operation_id: op.operation_id().to_owned(),
        method: op.method.to_ascii_uppercase(),
        path: op.path.to_owned(),
        summary: op.operation.summary.clone(),
        description: op.operation.description.clone(),
        tags: op.operation.tags.clone(),
        body,
        body_max_bytes,
        error_body: error_body.expect("400 is documented"),
        responses,
    })
}

/// The source of `crates/login-server/src/generated.rs`.
pub fn generate(spec: &Spec, types_crate: &str) -> Result<TokenStream, SpecError> {
    let request_id_header = request_id_header(spec)?;
    let ops = spec
        .operations()
        .map(|op| operation_model(spec, &op, &request_id_header))
        .collect::<Result<Vec<_>, _>>()?;

    let info = &spec.doc.info;
    let trait_name = format_ident!("{}", info.title.to_upper_camel_case());
    let trait_doc = doc_attrs(Some(&format!(
        "The server side of the {}: implement this trait, then serve \
         [`api_description`] with dropshot.{}",
        info.title,
        info.description
            .as_deref()
            .map(|d| format!("\n\n{d}"))
            .unwrap_or_default()
    )));
    let types_ident = format_ident!("{}", types_crate);

    let mut error_bodies: Vec<TokenStream> = Vec::new();
    for op in &ops {
        if !error_bodies
            .iter()
            .any(|b| b.to_string() == op.error_body.to_string())
        {
            error_bodies.push(op.error_body.clone());
        }
    }
    let error_body_impls = error_bodies.iter().map(|ty| {
        quote! {
            impl runtime::ErrorBody for #ty {
                fn from_parts(code: &str, message: ::std::string::String) -> Self {
                    Self { code: code.to_owned(), message }
                }
            }
        }
    });

    let trait_methods = ops.iter().map(|op| {
        let fn_name = op.fn_name();
        let response = op.type_name("Response");
        let body = &op.body;
        let docs = operation_docs(op);
        quote! {
            #docs
            fn #fn_name(
                &self,
                ctx: &runtime::OperationContext,
                body: #body,
            ) -> impl ::std::future::Future<Output = #response> + Send;
        }
    });

    let per_op = ops
        .iter()
        .map(|op| operation_items(op, &trait_name, &request_id_header));

    let registrations = ops.iter().map(|op| {
        let fn_name = op.fn_name();
        let operation_id = &op.operation_id;
        endpoint(
            op,
            quote! { ::dropshot::ApiEndpoint::new },
            quote! { #operation_id.to_owned(), #fn_name::<T>, },
        )
    });
    let stub_registrations = ops.iter().map(|op| {
        let reply = op.type_name("Reply");
        let body = &op.body;
        let error = &op.error_body;
        let operation_id = &op.operation_id;
        endpoint(
            op,
            quote! {
                ::dropshot::ApiEndpoint::new_for_types::<
                    (runtime::JsonBody<#body>,),
                    ::std::result::Result<#reply, runtime::ErrorReply<#error>>,
                >
            },
            quote! { #operation_id.to_owned(), },
        )
    });

    // Per path: its documented methods, for the 405 answers of the others.
    let mut by_path: Vec<(&str, Vec<proc_macro2::Ident>, &TokenStream)> = Vec::new();
    for op in &ops {
        let method = format_ident!("{}", op.method);
        match by_path.iter_mut().find(|(p, ..)| *p == op.path) {
            Some((_, methods, _)) => methods.push(method),
            None => by_path.push((&op.path, vec![method], &op.error_body)),
        }
    }
    let paths = by_path.iter().map(|(p, ..)| *p);
    let path_methods = by_path.iter().map(|(_, m, _)| m);
    let path_error_bodies = by_path.iter().map(|(.., e)| *e);
    let operation_ids = ops.iter().map(|op| &op.operation_id);
    let tag_names = spec.doc.tags.iter().map(|t| &t.name);
    let tag_descriptions = spec.doc.tags.iter().map(|t| match &t.description {
        Some(d) => quote! { Some(#d.to_owned()) },
        None => quote! { None },
    });
    let status_consts = ops.iter().map(|op| op.type_name("Response"));
    let title = &info.title;
    let version = &info.version;
    let description = info.description.iter();
    let contact = info.contact.iter().flat_map(|c| &c.name);
    let license = info.license.iter().map(|l| &l.name);

    Ok(quote! {
        use ::#types_ident as types;
        use crate::runtime;

        /// The header that carries each request's id (`x-request-id-header`).
        pub const REQUEST_ID_HEADER: &str = #request_id_header;

        #(#error_body_impls)*

        #trait_doc
        pub trait #trait_name: Send + Sync + 'static {
            #(#trait_methods)*

            /// The largest request body read for `operation_id`; a larger one
            /// gets the spec's 400. By default `spec_limit`: the operation's
            /// `x-body-max-bytes` in the spec. Override it to serve another.
            fn request_body_max_bytes(&self, operation_id: &str, spec_limit: usize) -> usize {
                let _ = operation_id;
                spec_limit
            }
        }

        #(#per_op)*

        /// The spec's tags, with their descriptions, for the rendered document.
        fn tag_config() -> ::dropshot::TagConfig {
            ::dropshot::TagConfig {
                allow_other_tags: true,
                policy: ::dropshot::EndpointTagPolicy::Any,
                tags: ::std::collections::HashMap::from([
                    #((#tag_names.to_owned(), ::dropshot::TagDetails {
                        description: #tag_descriptions,
                        external_docs: None,
                    })),*
                ]),
            }
        }

        /// Each operation's id with the statuses of its response enum.
        pub fn operation_statuses() -> ::std::collections::BTreeMap<&'static str, &'static [u16]> {
            ::std::collections::BTreeMap::from([
                #((#operation_ids, #status_consts::STATUS_CODES)),*
            ])
        }

        /// The API for an implementation, ready for `dropshot::ServerBuilder`.
        pub fn api_description<T: #trait_name>()
            -> ::std::result::Result<::dropshot::ApiDescription<T>, ::dropshot::ApiDescriptionBuildErrors>
        {
            let mut api = ::dropshot::ApiDescription::new().tag_config(tag_config());
            #(#registrations)*
            #(
                runtime::register_method_not_allowed::<T, #path_error_bodies>(
                    &mut api,
                    #paths,
                    &[#(::dropshot::Method::#path_methods),*],
                )
                .map_err(|e| ::dropshot::ApiDescriptionBuildErrors::new(vec![e]))?;
            )*
            Ok(api)
        }

        /// The API without an implementation, for rendering its document.
        pub fn stub_api_description()
            -> ::std::result::Result<::dropshot::ApiDescription<::dropshot::StubContext>, ::dropshot::ApiDescriptionBuildErrors>
        {
            let mut api = ::dropshot::ApiDescription::new().tag_config(tag_config());
            #(#stub_registrations)*
            Ok(api)
        }

        /// The OpenAPI document that dropshot renders for this API.
        pub fn openapi_document() -> ::serde_json::Value {
            let api = stub_api_description().expect("the generated description registers");
            let mut definition = api.openapi(#title, #version.parse().expect("info.version is semver"));
            #(definition.description(#description);)*
            #(definition.contact_name(#contact);)*
            #(definition.license_name(#license);)*
            definition.json().expect("the rendered document is JSON")
        }
    })
}

fn operation_docs(op: &OperationModel) -> TokenStream {
    let text = [op.summary.as_deref(), op.description.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("\n\n");
    let text = format!(
        "{text}\n\n`{} {}` (operation `{}`)",
        op.method, op.path, op.operation_id
    );
    doc_attrs(Some(&text))
}

/// `api.register(...)` for one operation: `constructor` is `ApiEndpoint::new`
/// or `new_for_types`, `leading` its arguments before the method.
fn endpoint(op: &OperationModel, constructor: TokenStream, leading: TokenStream) -> TokenStream {
    let method = format_ident!("{}", op.method);
    let path = &op.path;
    let max = op.body_limit_name();
    let summary = op.summary.iter();
    let description = op.description.iter();
    let tags = &op.tags;
    quote! {
        api.register(
            #constructor(
                #leading
                ::dropshot::Method::#method,
                "application/json",
                #path,
                ::dropshot::ApiEndpointVersions::All,
            )
            #(.summary(#summary))*
            #(.description(#description))*
            #(.tag(#tags))*
            .request_body_max_bytes(#max),
        )
        .map_err(|e| ::dropshot::ApiDescriptionBuildErrors::new(vec![e]))?;
    }
}

/// The response enum, its wire form and the handler of one operation.
fn operation_items(
    op: &OperationModel,
    trait_name: &proc_macro2::Ident,
    request_id_header: &str,
) -> TokenStream {
    let response = op.type_name("Response");
    let reply = op.type_name("Reply");
    let success = op
        .responses
        .iter()
        .find(|r| r.status < 400)
        .expect("checked");
    let success_headers = op.type_name(&format!("{}Headers", success.variant));
    let fn_name = op.fn_name();
    let body = &op.body;
    let error = &op.error_body;
    let bad_request = &op
        .responses
        .iter()
        .find(|r| r.status == 400)
        .expect("checked")
        .variant;
    let operation_id = &op.operation_id;

    let variants = op.responses.iter().map(|r| {
        let variant = &r.variant;
        let docs = doc_attrs(Some(&format!("`{}`: {}", r.status, r.description)));
        let body = r.body.as_ref().map(|b| quote! { body: #b, });
        let headers = r.headers.iter().map(|h| {
            let field = &h.field;
            let docs = h.docs();
            let ty = if h.required {
                quote! { ::std::string::String }
            } else {
                quote! { ::std::option::Option<::std::string::String> }
            };
            quote! { #docs #field: #ty, }
        });
        quote! {
            #docs
            #variant { #body #(#headers)* },
        }
    });

    let status_arms = op.responses.iter().map(|r| {
        let variant = &r.variant;
        let status = status_code_expr(r.status);
        quote! { Self::#variant { .. } => #status, }
    });

    let status_list = op.responses.iter().map(|r| r.status);

    let reply_arms = op.responses.iter().map(|r| {
        let variant = &r.variant;
        let status = r.status;
        let fields = r.headers.iter().map(|h| &h.field);
        let set_headers = r.headers.iter().map(|h| {
            let field = &h.field;
            let name = &h.name;
            quote! { .header(#name, #field) }
        });
        let (bind_body, write) = match &r.body {
            Some(_) => (quote! { body, }, quote! { .json::<#error>(#status, &body) }),
            None => (quote! {}, quote! { .json::<#error>(#status, &()) }),
        };
        quote! {
            #response::#variant { #bind_body #(#fields,)* } => reply #(#set_headers)* #write,
        }
    });

    let header_fields = success.all_headers.iter().map(|h| {
        let field = &h.field;
        let name = &h.name;
        let docs = doc_attrs(h.description.as_deref());
        if h.required {
            quote! { #docs #[serde(rename = #name)] #field: ::std::string::String, }
        } else {
            quote! { #docs #[serde(rename = #name)] #field: ::std::option::Option<::std::string::String>, }
        }
    });
    let success_body = success.body.clone().unwrap_or_else(|| quote! { () });
    let success_wrapper = match success.status {
        200 => quote! { ::dropshot::HttpResponseOk<#success_body> },
        201 => quote! { ::dropshot::HttpResponseCreated<#success_body> },
        202 => quote! { ::dropshot::HttpResponseAccepted<#success_body> },
        _ => quote! { ::dropshot::HttpResponseUpdatedNoContent },
    };
    let success_description = &success.description;
    let response_doc = doc_attrs(Some(&format!(
        "The answer of [`{trait_name}::{fn_name}`]: one variant per status the spec documents for \
         `{operation_id}`, each with that status's body and headers. The `{request_id_header}` \
         header is set by the server on every response."
    )));

    let body_limit = op.body_limit_name();
    let body_limit_value = op.body_max_bytes as usize;
    let body_limit_doc = format!(
        " The largest request body `{operation_id}` reads: its `x-body-max-bytes` in the spec. \
         An implementation may serve another with [`{trait_name}::request_body_max_bytes`]."
    );

    quote! {
        #[doc = #body_limit_doc]
        pub const #body_limit: usize = #body_limit_value;

        #response_doc
        #[derive(Debug, Clone, PartialEq)]
        pub enum #response {
            #(#variants)*
        }

        impl #response {
            /// Every status this operation documents, one per variant.
            pub const STATUS_CODES: &[u16] = &[#(#status_list),*];

            /// The HTTP status of this answer.
            pub fn status_code(&self) -> ::http::StatusCode {
                match self {
                    #(#status_arms)*
                }
            }
        }

        #[doc(hidden)]
        pub struct #reply {
            request_id: ::std::string::String,
            response: #response,
        }

        /// The success headers, as dropshot documents them.
        #[doc(hidden)]
        #[derive(::serde::Serialize, ::schemars::JsonSchema)]
        pub struct #success_headers {
            #(#header_fields)*
        }

        impl ::dropshot::HttpResponse for #reply {
            fn to_result(self) -> ::std::result::Result<::http::Response<::dropshot::Body>, ::dropshot::HttpError> {
                let reply = runtime::Reply::new(REQUEST_ID_HEADER, &self.request_id);
                Ok(match self.response {
                    #(#reply_arms)*
                })
            }

            fn response_metadata() -> ::dropshot::ApiEndpointResponse {
                let mut metadata = <::dropshot::HttpResponseHeaders<#success_wrapper, #success_headers>
                    as ::dropshot::HttpResponse>::response_metadata();
                metadata.description = Some(#success_description.to_owned());
                metadata
            }

            fn status_code(&self) -> ::http::StatusCode {
                self.response.status_code()
            }
        }

        async fn #fn_name<T: #trait_name>(
            rqctx: ::dropshot::RequestContext<T>,
            body: runtime::JsonBody<#body>,
        ) -> ::std::result::Result<#reply, runtime::ErrorReply<#error>> {
            let ctx = runtime::OperationContext::new(&rqctx, REQUEST_ID_HEADER);
            let max_bytes = rqctx
                .context()
                .request_body_max_bytes(#operation_id, rqctx.request_body_max_bytes());
            let response = match body.read(max_bytes).await {
                Ok(body) => rqctx.context().#fn_name(&ctx, body).await,
                Err(rejection) => #response::#bad_request { body: rejection.into_body(&ctx) },
            };
            Ok(#reply { request_id: ctx.request_id, response })
        }
    }
}
