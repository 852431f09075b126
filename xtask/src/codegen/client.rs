//! `login-client`: progenitor's client, on the types of `login-types`.

use heck::ToSnakeCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::server::{self, OperationModel};
use super::{doc_attrs, run_progenitor};
use crate::spec::{Spec, SpecError};

/// The source of `crates/login-client/src/generated.rs`.
pub fn generate(spec: &Spec, types_crate: &str) -> Result<TokenStream, SpecError> {
    let mut settings = progenitor::GenerationSettings::new();
    settings.with_interface(progenitor::InterfaceStyle::Positional);
    for name in super::types::component_names(spec) {
        let path = format!("::{types_crate}::{name}");
        settings.with_replacement(&name, path, std::iter::empty());
    }
    let (_, tokens) = run_progenitor(&settings, &spec.doc)?;

    // progenitor always emits a `pub mod types`; with every schema replaced it
    // holds nothing of use, so it becomes a re-export of the shared crate.
    let mut file: syn::File = syn::parse2(tokens).map_err(|e| {
        SpecError::new(
            "#",
            format!("progenitor produced code that does not parse: {e}"),
        )
    })?;
    let types_ident = proc_macro2::Ident::new(types_crate, proc_macro2::Span::call_site());
    for item in &mut file.items {
        if let syn::Item::Mod(m) = item
            && m.ident == "types"
        {
            *item = syn::parse_quote! {
                /// Types used as operation parameters and responses: the shared
                /// `login-types` crate.
                pub use ::#types_ident as types;
            };
        }
    }
    Ok(quote! { #file })
}

/// The source of `crates/login-client/src/generated_typed.rs`: per operation,
/// a method on `TypedClient`, a success type with the body and typed
/// headers, and an error enum with one variant per documented error status.
pub fn generate_typed(spec: &Spec, types_crate: &str) -> Result<TokenStream, SpecError> {
    let request_id_header = server::request_id_header(spec)?;
    let ops = spec
        .operations()
        .map(|op| server::operation_model(spec, &op, &request_id_header))
        .collect::<Result<Vec<_>, _>>()?;
    let types_ident = format_ident!("{}", types_crate);
    let request_id_field = format_ident!("{}", request_id_header.to_snake_case());
    let items = ops
        .iter()
        .map(|op| typed_operation(op, &request_id_header, &request_id_field));
    Ok(quote! {
        use ::#types_ident as types;
        use crate::typed::{RawResponse, RetryHint, Retryable, TypedClient, UnexpectedResponse};

        /// The header that carries each request's id (`x-request-id-header`).
        pub const REQUEST_ID_HEADER: &str = #request_id_header;

        #(#items)*
    })
}

fn typed_operation(
    op: &OperationModel,
    request_id_header: &str,
    request_id_field: &proc_macro2::Ident,
) -> TokenStream {
    let fn_name = op.fn_name();
    let decode = format_ident!("decode_{}", fn_name);
    let success_ty = op.type_name("Success");
    let error_ty = op.type_name("Error");
    let body_ty = &op.body;
    let error_body = &op.error_body;
    let method = format_ident!("{}", op.method);
    let path = &op.path;
    let operation_id = &op.operation_id;
    let success = op
        .responses
        .iter()
        .find(|r| r.status < 400)
        .expect("checked by the model");
    let errors: Vec<_> = op.responses.iter().filter(|r| r.status >= 400).collect();

    // `pub` on struct fields; enum variant fields take the enum's.
    let header_fields = |r: &server::ResponseModel, vis: TokenStream| -> Vec<TokenStream> {
        r.all_headers
            .iter()
            .map(|h| {
                let field = &h.field;
                let docs = h.docs();
                quote! { #docs #vis #field: ::std::option::Option<::std::string::String>, }
            })
            .collect()
    };
    let header_reads = |r: &server::ResponseModel| -> Vec<TokenStream> {
        r.all_headers
            .iter()
            .map(|h| {
                let field = &h.field;
                let name = &h.name;
                quote! { #field: raw.header(#name), }
            })
            .collect()
    };

    let success_doc = doc_attrs(Some(&format!(
        "The success of [`TypedClient::{fn_name}`]: `{}` {}",
        success.status, success.description
    )));
    let success_fields = header_fields(success, quote! { pub });
    let success_body = success.body.clone().unwrap_or_else(|| quote! { () });
    let success_status = success.status;
    let success_reads = header_reads(success);
    let success_decode = match &success.body {
        Some(body) => quote! { raw.body::<#body>() },
        None => quote! { Ok(()) },
    };

    let error_variants = errors.iter().map(|r| {
        let variant = &r.variant;
        let docs = doc_attrs(Some(&format!("`{}`: {}", r.status, r.description)));
        let fields = header_fields(r, quote! {});
        quote! { #docs #variant { body: #error_body, #(#fields)* }, }
    });
    let error_arms = errors.iter().map(|r| {
        let variant = &r.variant;
        let status = r.status;
        let reads = header_reads(r);
        quote! {
            #status => Err(raw.body::<#error_body>().map_or_else(
                #error_ty::UnexpectedResponse,
                |body| #error_ty::#variant { body, #(#reads)* },
            )),
        }
    });
    let status_arms = errors.iter().map(|r| {
        let variant = &r.variant;
        let status = server::status_code_expr(r.status);
        quote! { Self::#variant { .. } => Some(#status), }
    });
    let documented: Vec<_> = errors.iter().map(|r| &r.variant).collect();
    let has_request_id =
        |r: &server::ResponseModel| r.all_headers.iter().any(|h| h.name == request_id_header);
    let request_id_arms = errors.iter().map(|r| {
        let variant = &r.variant;
        if has_request_id(r) {
            quote! { Self::#variant { #request_id_field, .. } => #request_id_field.as_deref(), }
        } else {
            quote! { Self::#variant { .. } => None, }
        }
    });
    let method_doc = doc_attrs(Some(&format!(
        "{}\n\n`{} {}` (operation `{operation_id}`). Sends a fresh `{request_id_header}` \
         per attempt unless set with [`TypedClient::with_request_id`].",
        [op.summary.as_deref(), op.description.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("\n\n"),
        op.method,
        op.path
    )));
    // Display texts, with the operation id and header name baked in.
    let transport_fmt = format!("{operation_id}: could not reach the service: {{e}}");
    let timeout_fmt = format!("{operation_id}: timed out: {{e}}");
    let unexpected_fmt = format!("{operation_id}: {{r}} ({request_id_header}: {{}})");
    let documented_fmt = format!("{operation_id}: {{}} {{}}: {{}} ({request_id_header}: {{}})");
    let error_doc = doc_attrs(Some(&format!(
        "A failure of [`TypedClient::{fn_name}`]: one variant per error status the spec documents \
         for `{operation_id}`, and the ways a call can fail without one."
    )));

    quote! {
        #success_doc
        #[derive(Debug, Clone, PartialEq)]
        pub struct #success_ty {
            pub body: #success_body,
            #(#success_fields)*
        }

        #error_doc
        #[derive(Debug)]
        pub enum #error_ty {
            #(#error_variants)*
            /// No response: the connection could not be made, or broke.
            Transport(::reqwest::Error),
            /// No complete response within the client's timeout.
            Timeout(::reqwest::Error),
            /// A response the spec does not describe.
            UnexpectedResponse(::std::boxed::Box<UnexpectedResponse>),
        }

        impl #error_ty {
            /// The response's status, if there was a response.
            pub fn status(&self) -> ::std::option::Option<::http::StatusCode> {
                match self {
                    #(#status_arms)*
                    Self::UnexpectedResponse(r) => Some(r.status),
                    Self::Transport(_) | Self::Timeout(_) => None,
                }
            }

            /// The spec's error body, for a documented status.
            pub fn error_body(&self) -> ::std::option::Option<&#error_body> {
                match self {
                    #(Self::#documented { body, .. })|* => Some(body),
                    _ => None,
                }
            }

            /// The request id the service answered with: quote it to support.
            pub fn request_id(&self) -> ::std::option::Option<&str> {
                match self {
                    #(#request_id_arms)*
                    Self::UnexpectedResponse(r) => r.request_id(REQUEST_ID_HEADER),
                    Self::Transport(_) | Self::Timeout(_) => None,
                }
            }
        }

        impl ::std::fmt::Display for #error_ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                match self {
                    Self::Transport(e) => write!(f, #transport_fmt),
                    Self::Timeout(e) => write!(f, #timeout_fmt),
                    Self::UnexpectedResponse(r) => write!(
                        f,
                        #unexpected_fmt,
                        r.request_id(REQUEST_ID_HEADER).unwrap_or("none"),
                    ),
                    documented => {
                        let body = documented.error_body().expect("a documented status");
                        write!(
                            f,
                            #documented_fmt,
                            documented.status().map(|s| s.as_u16()).unwrap_or_default(),
                            body.code,
                            body.message,
                            documented.request_id().unwrap_or("none"),
                        )
                    }
                }
            }
        }

        impl ::std::error::Error for #error_ty {
            fn source(&self) -> ::std::option::Option<&(dyn ::std::error::Error + 'static)> {
                match self {
                    Self::Transport(e) | Self::Timeout(e) => Some(e),
                    _ => None,
                }
            }
        }

        impl Retryable for #error_ty {
            fn retry_hint(&self) -> RetryHint<'_> {
                match self {
                    Self::Transport(e) => RetryHint::NoResponse { connect: e.is_connect() },
                    Self::Timeout(_) => RetryHint::NoResponse { connect: false },
                    Self::UnexpectedResponse(r) => RetryHint::Response(r.status, None),
                    documented => RetryHint::Response(
                        documented.status().unwrap_or_default(),
                        documented.error_body().map(|b| b.code.as_str()),
                    ),
                }
            }
        }

        fn #decode(
            raw: ::std::result::Result<RawResponse, ::reqwest::Error>,
        ) -> ::std::result::Result<#success_ty, #error_ty> {
            let raw = match raw {
                Ok(raw) => raw,
                Err(e) if e.is_timeout() => return Err(#error_ty::Timeout(e)),
                Err(e) => return Err(#error_ty::Transport(e)),
            };
            match raw.status.as_u16() {
                #success_status => #success_decode
                    .map(|body| #success_ty { body, #(#success_reads)* })
                    .map_err(#error_ty::UnexpectedResponse),
                #(#error_arms)*
                _ => Err(#error_ty::UnexpectedResponse(
                    raw.unexpected("the spec does not document this status"),
                )),
            }
        }

        impl TypedClient {
            #method_doc
            pub async fn #fn_name(&self, body: &#body_ty) -> ::std::result::Result<#success_ty, #error_ty> {
                self.execute(::reqwest::Method::#method, #path, REQUEST_ID_HEADER, body, #decode).await
            }
        }
    }
}
