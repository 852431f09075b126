//! `login-client`: progenitor's client, on the types of `login-types`.

use proc_macro2::TokenStream;
use quote::quote;

use super::run_progenitor;
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
