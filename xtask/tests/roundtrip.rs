//! The document dropshot renders from the generated server says what the spec
//! says, modulo the allow-list; an edited spec is caught.

use std::collections::BTreeMap;
use std::path::Path;

use xtask::roundtrip;

fn spec_text() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    std::fs::read_to_string(root.join(xtask::codegen::SPEC_PATH)).unwrap()
}

fn statuses() -> BTreeMap<String, Vec<u16>> {
    login_server::operation_statuses()
        .into_iter()
        .map(|(id, codes)| (id.to_owned(), codes.to_vec()))
        .collect()
}

fn compare(spec: &str) -> Vec<String> {
    roundtrip::compare(spec, &login_server::openapi_document(), &statuses()).unwrap()
}

#[test]
fn rendered_document_matches_the_spec() {
    assert_eq!(compare(&spec_text()), Vec::<String>::new());
}

#[test]
fn an_edited_constraint_is_caught() {
    let spec = spec_text().replacen("maxLength: 255", "maxLength: 128", 1);
    let differences = compare(&spec);
    assert_eq!(
        differences,
        [
            "#/paths/~120160918~1login/post/requestBody/content/application~1json/schema/properties/username/maxLength: spec 128, rendered 255"
        ]
    );
}

#[test]
fn an_edited_header_description_is_caught() {
    let spec = spec_text().replace(
        "For optimistic concurrency control. See `if-match`.",
        "Version of the session.",
    );
    let differences = compare(&spec);
    assert_eq!(differences.len(), 1, "{differences:?}");
    assert!(
        differences[0]
            .starts_with("#/paths/~120160918~1login/post/responses/200/headers/etag/description")
    );
}

#[test]
fn a_status_missing_from_the_generated_enum_is_caught() {
    let spec = spec_text().replace(
        "        '500':\n          $ref: '#/components/responses/InternalServerError'",
        "        '500':\n          $ref: '#/components/responses/InternalServerError'\n        '503':\n          $ref: '#/components/responses/InternalServerError'",
    );
    let differences = compare(&spec);
    assert_eq!(
        differences,
        [
            "#/paths/~120160918~1login/post/responses: the spec documents statuses [200, 400, 401, 404, 409, 500, 503], the generated response enum has [200, 400, 401, 404, 409, 500]"
        ]
    );
}

#[test]
fn an_error_status_with_another_body_is_caught() {
    // progenitor refuses two error schemas, so the spec check comes first.
    let spec = spec_text().replacen(
        "      content:\n        application/json:\n          schema:\n            $ref: '#/components/schemas/Error'",
        "      content:\n        application/json:\n          schema:\n            $ref: '#/components/schemas/Session'",
        1,
    );
    let err =
        roundtrip::compare(&spec, &login_server::openapi_document(), &statuses()).unwrap_err();
    assert!(err.message.contains("must share one schema"), "{err}");
}

#[test]
fn every_allow_list_entry_explains_itself() {
    for (name, why) in roundtrip::ALLOW_LIST {
        assert!(!name.is_empty() && why.len() > 20, "{name}");
    }
}
