//! `cargo xtask openapi --check`: the document dropshot renders from the
//! generated server must say what the spec says.
//!
//! Both documents have their `$ref`s inlined, then each side gets the
//! normalizations on [`ALLOW_LIST`] (known, harmless differences in how
//! dropshot renders), and what is left must be equal.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::spec::{self, SpecError};

/// Every difference the check forgives, and why.
pub const ALLOW_LIST: &[(&str, &str)] = &[
    (
        "error statuses",
        "dropshot documents errors as `4XX`/`5XX` ranges with one error schema; each documented \
         4xx/5xx status must have that schema, and the exact codes are checked against the \
         generated response enum instead",
    ),
    (
        "x-* extensions",
        "vendor extensions are inputs to the generator (request id header, body limit), not API surface",
    ),
    (
        "servers",
        "dropshot renders no servers; the spec's is a local default",
    ),
    (
        "request id header parameter",
        "the runtime reads `x-request-id-header` itself, so no extractor documents it",
    ),
    (
        "request body description and examples",
        "dropshot's body extractor renders neither",
    ),
    (
        "nullable on optional fields",
        "schemars marks every `Option` field `nullable: true`; absence already says optional",
    ),
    (
        "header style",
        "dropshot writes the default `style: simple` on headers",
    ),
    (
        "order of `required`",
        "a set in JSON Schema; schemars sorts it",
    ),
];

/// Compares the spec with the rendered document and the statuses of the
/// generated response enums; returns one line per difference.
pub fn compare(
    spec_text: &str,
    rendered: &Value,
    statuses: &BTreeMap<String, Vec<u16>>,
) -> Result<Vec<String>, SpecError> {
    let loaded = spec::load(spec_text)?;
    let request_id_header = crate::codegen::server::request_id_header(&loaded)?;
    let mut differences = Vec::new();

    for op in loaded.operations() {
        let mut documented: Vec<u16> = op
            .operation
            .responses
            .responses
            .keys()
            .filter_map(|s| match s {
                openapiv3::StatusCode::Code(c) => Some(*c),
                openapiv3::StatusCode::Range(_) => None,
            })
            .collect();
        documented.sort_unstable();
        let generated = statuses.get(op.operation_id()).cloned().unwrap_or_default();
        if generated != documented {
            differences.push(format!(
                "{}: the spec documents statuses {documented:?}, the generated response enum has {generated:?}",
                op.pointer(&["responses"])
            ));
        }
    }

    let mut spec_doc = inline_refs(&loaded.json, &loaded.json, 0);
    let mut rendered_doc = inline_refs(rendered, rendered, 0);
    for doc in [&mut spec_doc, &mut rendered_doc] {
        if let Some(map) = doc.as_object_mut() {
            map.remove("components");
        }
    }
    normalize_spec(&mut spec_doc, &request_id_header);
    strip_rendering_noise(&mut rendered_doc);
    sort_required(&mut spec_doc);
    sort_required(&mut rendered_doc);
    collapse_error_statuses(&mut spec_doc, &mut rendered_doc, &mut differences);

    diff(
        &spec_doc,
        &rendered_doc,
        &mut String::from("#"),
        &mut differences,
    );
    Ok(differences)
}

/// Replaces every local `$ref` with (a copy of) its target.
fn inline_refs(root: &Value, value: &Value, depth: usize) -> Value {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref")
                && depth < 32
                && let Some(target) = r.strip_prefix('#').and_then(|p| root.pointer(p))
            {
                return inline_refs(root, target, depth + 1);
            }
            Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), inline_refs(root, v, depth)))
                    .collect(),
            )
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| inline_refs(root, v, depth)).collect())
        }
        other => other.clone(),
    }
}

fn normalize_spec(doc: &mut Value, request_id_header: &str) {
    strip_extensions(doc);
    let Some(map) = doc.as_object_mut() else {
        return;
    };
    map.remove("servers");
    for_each_operation(map, |op| {
        if let Some(Value::Array(params)) = op.get_mut("parameters") {
            params.retain(|p| {
                !(p["in"] == "header"
                    && p["name"]
                        .as_str()
                        .is_some_and(|n| n.eq_ignore_ascii_case(request_id_header)))
            });
            if params.is_empty() {
                op.remove("parameters");
            }
        }
        if let Some(Value::Object(body)) = op.get_mut("requestBody") {
            body.remove("description");
            if let Some(Value::Object(content)) = body.get_mut("content") {
                for media in content.values_mut().filter_map(Value::as_object_mut) {
                    media.remove("example");
                    media.remove("examples");
                }
            }
        }
    });
}

fn strip_extensions(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|k, _| !k.starts_with("x-"));
            map.values_mut().for_each(strip_extensions);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_extensions),
        _ => {}
    }
}

/// `nullable: true` and `style: simple`, wherever dropshot writes them.
fn strip_rendering_noise(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("nullable") == Some(&Value::Bool(true)) {
                map.remove("nullable");
            }
            if map.get("style") == Some(&Value::String("simple".into()))
                && map.contains_key("schema")
            {
                map.remove("style");
            }
            map.values_mut().for_each(strip_rendering_noise);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_rendering_noise),
        _ => {}
    }
}

fn sort_required(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(required)) = map.get_mut("required") {
                required.sort_by_key(Value::to_string);
            }
            map.values_mut().for_each(sort_required);
        }
        Value::Array(items) => items.iter_mut().for_each(sort_required),
        _ => {}
    }
}

/// Checks each exact 4xx/5xx of the spec against dropshot's range, then
/// removes both.
fn collapse_error_statuses(spec: &mut Value, rendered: &mut Value, differences: &mut Vec<String>) {
    let Some(spec_paths) = spec.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in spec_paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                continue;
            };
            let rendered_responses = rendered
                .pointer_mut(&format!("/paths/{}/{method}/responses", escape(path)))
                .and_then(Value::as_object_mut);
            let Some(rendered_responses) = rendered_responses else {
                continue;
            };
            let ranges: Map<String, Value> = ["4XX", "5XX"]
                .iter()
                .filter_map(|r| rendered_responses.remove(*r).map(|v| (r.to_string(), v)))
                .collect();
            let errors: Vec<String> = responses
                .keys()
                .filter(|k| k.starts_with('4') || k.starts_with('5'))
                .cloned()
                .collect();
            for code in errors {
                let response = responses.remove(&code).unwrap_or_default();
                let range = format!("{}XX", &code[..1]);
                let here = format!("#/paths/{}/{method}/responses/{code}", escape(path));
                match ranges.get(&range) {
                    None => differences
                        .push(format!("{here}: rendered document has no {range} response")),
                    Some(rendered_range)
                        if rendered_range.get("content") != response.get("content") =>
                    {
                        differences.push(format!(
                            "{here}: body differs from the rendered {range} response: spec {}, rendered {}",
                            short(response.get("content")),
                            short(rendered_range.get("content"))
                        ));
                    }
                    Some(_) => {}
                }
            }
        }
    }
}

fn for_each_operation(doc: &mut Map<String, Value>, mut f: impl FnMut(&mut Map<String, Value>)) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for op in item.values_mut().filter_map(Value::as_object_mut) {
            f(op);
        }
    }
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn short(value: Option<&Value>) -> String {
    let text = value
        .map(Value::to_string)
        .unwrap_or_else(|| "nothing".to_owned());
    if text.len() > 160 {
        format!("{}...", &text[..160])
    } else {
        text
    }
}

fn diff(spec: &Value, rendered: &Value, at: &mut String, out: &mut Vec<String>) {
    match (spec, rendered) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                let len = at.len();
                at.push('/');
                at.push_str(&escape(key));
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => diff(x, y, at, out),
                    (Some(x), None) => out.push(format!(
                        "{at}: in the spec ({}) but not rendered",
                        short(Some(x))
                    )),
                    (None, Some(y)) => out.push(format!(
                        "{at}: rendered ({}) but not in the spec",
                        short(Some(y))
                    )),
                    (None, None) => {}
                }
                at.truncate(len);
            }
        }
        (a, b) if a != b => out.push(format!(
            "{at}: spec {}, rendered {}",
            short(Some(a)),
            short(Some(b))
        )),
        _ => {}
    }
}
