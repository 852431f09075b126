//! Prints the OpenAPI document that dropshot renders from the generated
//! description, with the statuses of each generated response enum, for
//! `cargo xtask openapi`.

fn main() {
    let out = serde_json::json!({
        "document": login_server::openapi_document(),
        "statuses": login_server::operation_statuses(),
    });
    println!("{}", serde_json::to_string_pretty(&out).expect("JSON"));
}
