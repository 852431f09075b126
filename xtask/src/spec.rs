//! Loading and checking the OpenAPI document before any code is generated.
//!
//! Every problem is reported as a [`SpecError`] that names a JSON pointer into
//! the document, so a user can find the offending node without a backtrace.

use std::collections::BTreeMap;
use std::fmt;

use heck::ToSnakeCase;
use openapiv3::{OpenAPI, Operation, ReferenceOr, Response};
use serde_json::Value;

/// A problem with the spec, located by a JSON pointer such as
/// `#/paths/~120160918~1login/post/responses/401`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    pub pointer: String,
    pub message: String,
}

impl SpecError {
    pub fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pointer, self.message)
    }
}

impl std::error::Error for SpecError {}

/// Builds a JSON pointer (`#/a/b~1c`) from unescaped segments.
pub fn pointer<S: AsRef<str>>(segments: impl IntoIterator<Item = S>) -> String {
    let mut out = String::from("#");
    for segment in segments {
        out.push('/');
        out.push_str(&segment.as_ref().replace('~', "~0").replace('/', "~1"));
    }
    out
}

/// One operation of the document, with where it lives.
pub struct OperationRef<'a> {
    pub path: &'a str,
    pub method: &'a str,
    pub operation: &'a Operation,
}

impl OperationRef<'_> {
    pub fn pointer(&self, rest: &[&str]) -> String {
        pointer([&["paths", self.path, self.method], rest].concat())
    }

    pub fn operation_id(&self) -> &str {
        // `load` rejects operations without an id.
        self.operation.operation_id.as_deref().unwrap_or_default()
    }
}

/// A parsed and checked OpenAPI document.
pub struct Spec {
    pub doc: OpenAPI,
    /// The document as JSON, as written (for comparisons).
    pub json: Value,
}

impl Spec {
    pub fn operations(&self) -> impl Iterator<Item = OperationRef<'_>> {
        self.doc.paths.paths.iter().flat_map(|(path, item)| {
            let item = item.as_item().expect("checked by load");
            item.iter().map(move |(method, operation)| OperationRef {
                path,
                method,
                operation,
            })
        })
    }

    /// Follows a `#/components/responses/..` reference.
    pub fn response<'a>(&'a self, r: &'a ReferenceOr<Response>) -> &'a Response {
        resolve(r, |name| self.doc.components.as_ref()?.responses.get(name))
    }

    /// Follows a `#/components/headers/..` reference.
    pub fn header<'a>(&'a self, r: &'a ReferenceOr<openapiv3::Header>) -> &'a openapiv3::Header {
        resolve(r, |name| self.doc.components.as_ref()?.headers.get(name))
    }
}

/// An item, or the component a `#/components/<kind>/<name>` reference names
/// (`load` has checked that it exists).
fn resolve<'a, T>(
    r: &'a ReferenceOr<T>,
    component: impl Fn(&str) -> Option<&'a ReferenceOr<T>>,
) -> &'a T {
    match r {
        ReferenceOr::Item(item) => item,
        ReferenceOr::Reference { reference } => {
            let name = reference.rsplit('/').next().unwrap_or_default();
            component(name)
                .and_then(ReferenceOr::as_item)
                .expect("references are resolved by load")
        }
    }
}

/// Parses the YAML text and checks everything the generators rely on.
pub fn load(text: &str) -> Result<Spec, SpecError> {
    let yaml: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| {
        let at = e
            .location()
            .map(|l| format!(" at line {}, column {}", l.line(), l.column()))
            .unwrap_or_default();
        SpecError::new("#", format!("YAML syntax error{at}: {e}"))
    })?;
    let json = yaml_to_json(&yaml, &mut Vec::new())?;

    match json.get("openapi") {
        Some(Value::String(v)) if v.starts_with("3.0.") => {}
        Some(Value::String(v)) => {
            return Err(SpecError::new(
                "#/openapi",
                format!(
                    "OpenAPI {v} is not supported: progenitor reads only OpenAPI 3.0.x documents"
                ),
            ));
        }
        _ => {
            return Err(SpecError::new(
                "#/openapi",
                "missing or not a string: expected an OpenAPI version such as \"3.0.3\"",
            ));
        }
    }

    check_refs(&json, &json, &mut Vec::new())?;

    let doc: OpenAPI = serde_path_to_error::deserialize(&json).map_err(|e| {
        let segments: Vec<String> = e
            .path()
            .iter()
            .filter_map(|s| match s {
                serde_path_to_error::Segment::Seq { index } => Some(index.to_string()),
                serde_path_to_error::Segment::Map { key } => Some(key.clone()),
                serde_path_to_error::Segment::Enum { variant } => Some(variant.clone()),
                serde_path_to_error::Segment::Unknown => None,
            })
            .collect();
        SpecError::new(
            pointer(segments),
            format!("not a valid OpenAPI 3.0 document: {}", e.inner()),
        )
    })?;

    // dropshot renders the document with a semantic version.
    if let Err(e) = semver::Version::parse(&doc.info.version) {
        return Err(SpecError::new(
            "#/info/version",
            format!(
                "`{}` is not a semantic version such as 1.0.0 ({e}); the generated server renders its document with one",
                doc.info.version
            ),
        ));
    }

    let spec = Spec { doc, json };
    // In this order: the later checks walk operations, then follow `$ref`s.
    for (path, item) in &spec.doc.paths.paths {
        if item.as_item().is_none() {
            return Err(SpecError::new(
                pointer(["paths", path, "$ref"]),
                "path items given by $ref are not supported",
            ));
        }
    }
    check_ref_kinds(&spec)?;
    check_operations(&spec)?;
    Ok(spec)
}

/// Converts YAML to JSON, keeping scalar map keys such as an unquoted `200` as
/// strings, the way OpenAPI tools read them.
fn yaml_to_json(value: &serde_yaml::Value, at: &mut Vec<String>) -> Result<Value, SpecError> {
    use serde_yaml::Value as Y;
    Ok(match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(*b),
        Y::Number(n) => serde_json::to_value(n)
            .map_err(|e| SpecError::new(pointer(at.iter()), e.to_string()))?,
        Y::String(s) => Value::String(s.clone()),
        Y::Sequence(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                at.push(i.to_string());
                out.push(yaml_to_json(item, at)?);
                at.pop();
            }
            Value::Array(out)
        }
        Y::Mapping(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                let key = match k {
                    Y::String(s) => s.clone(),
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    _ => {
                        return Err(SpecError::new(
                            pointer(at.iter()),
                            "map keys must be strings",
                        ));
                    }
                };
                at.push(key.clone());
                out.insert(key, yaml_to_json(v, at)?);
                at.pop();
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => {
            return Err(SpecError::new(
                pointer(at.iter()),
                format!(
                    "YAML tag {} is not supported in an OpenAPI document",
                    tagged.tag
                ),
            ));
        }
    })
}

/// Every `$ref` must be local (`#/...`) and point at something that exists.
fn check_refs(root: &Value, value: &Value, at: &mut Vec<String>) -> Result<(), SpecError> {
    match value {
        Value::Object(map) => {
            if let Some(reference) = map.get("$ref") {
                at.push("$ref".into());
                let here = pointer(at.iter());
                at.pop();
                let Value::String(reference) = reference else {
                    return Err(SpecError::new(here, "$ref must be a string"));
                };
                let Some(target) = reference.strip_prefix('#') else {
                    return Err(SpecError::new(
                        here,
                        format!(
                            "$ref `{reference}` points outside this document, which is not supported"
                        ),
                    ));
                };
                if root.pointer(target).is_none() {
                    return Err(SpecError::new(
                        here,
                        format!(
                            "$ref `{reference}` points at nothing: no such component in this document"
                        ),
                    ));
                }
            }
            for (k, v) in map {
                at.push(k.clone());
                check_refs(root, v, at)?;
                at.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                at.push(i.to_string());
                check_refs(root, v, at)?;
                at.pop();
            }
        }
        _ => {}
    }
    Ok(())
}

/// The server trait's own provided method, which no operation may shadow.
const PROVIDED_METHOD: &str = "request_body_max_bytes";

/// An operation's generated method name (its operationId in snake case) must
/// be a Rust identifier, unique, and not the trait's provided method.
fn check_rust_name(
    id: &str,
    here: &str,
    seen: &mut BTreeMap<String, String>,
) -> Result<(), SpecError> {
    let name = id.to_snake_case();
    if syn::parse_str::<syn::Ident>(&name).is_err() {
        return Err(SpecError::new(
            here,
            format!("operationId `{id}` gives `{name}`, which is not a Rust identifier"),
        ));
    }
    if name == PROVIDED_METHOD {
        return Err(SpecError::new(
            here,
            format!(
                "operationId `{id}` gives the method `{name}`, which the server trait already provides"
            ),
        ));
    }
    if let Some(first) = seen.insert(name.clone(), here.to_owned()) {
        return Err(SpecError::new(
            here,
            format!("operationId `{id}` gives the method `{name}`, as does the one at {first}"),
        ));
    }
    Ok(())
}

/// The responses and headers the generators follow by `$ref` must name a
/// component of the right kind (`check_refs` only knows the target exists),
/// written out in place rather than as another `$ref`.
fn check_ref_kinds(spec: &Spec) -> Result<(), SpecError> {
    let components = spec.doc.components.as_ref();
    let responses = |name: &str| components?.responses.get(name);
    let headers = |name: &str| components?.headers.get(name);
    let check_headers = |response: &Response, at: &[&str]| {
        for (name, header) in &response.headers {
            if let ReferenceOr::Reference { reference } = header {
                let here = pointer([at, &["headers", name, "$ref"]].concat());
                component(reference, "headers", headers, &here)?;
            }
        }
        Ok::<_, SpecError>(())
    };
    // Each response's headers are checked where they are written: inline
    // under the operation, or in the component a `$ref` names.
    for op in spec.operations() {
        for (status, response) in &op.operation.responses.responses {
            let code = status.to_string();
            match response {
                ReferenceOr::Item(response) => {
                    let at = [&["paths", op.path, op.method][..], &["responses", &code]].concat();
                    check_headers(response, &at)?;
                }
                ReferenceOr::Reference { reference } => {
                    let here = op.pointer(&["responses", &code, "$ref"]);
                    component(reference, "responses", responses, &here)?;
                }
            }
        }
    }
    for (name, response) in components.iter().flat_map(|c| &c.responses) {
        if let ReferenceOr::Item(response) = response {
            check_headers(response, &["components", "responses", name])?;
        }
    }
    Ok(())
}

/// The component a `$ref` at `here` names, which must be under
/// `#/components/<kind>/` and written out in place.
fn component<'a, T>(
    reference: &str,
    kind: &str,
    lookup: impl Fn(&str) -> Option<&'a ReferenceOr<T>>,
    here: &str,
) -> Result<&'a T, SpecError> {
    reference
        .strip_prefix(&format!("#/components/{kind}/"))
        .and_then(lookup)
        .and_then(ReferenceOr::as_item)
        .ok_or_else(|| {
            SpecError::new(
                here,
                format!(
                    "$ref `{reference}` must name a component under #/components/{kind} \
                     that is written out, not another $ref"
                ),
            )
        })
}

/// Operation ids are present and unique, and all error responses of an
/// operation share one schema (progenitor's client has one error type per
/// operation).
fn check_operations(spec: &Spec) -> Result<(), SpecError> {
    let mut seen: BTreeMap<&str, String> = BTreeMap::new();
    let mut rust_names = BTreeMap::new();
    for op in spec.operations() {
        let Some(id) = op.operation.operation_id.as_deref() else {
            return Err(SpecError::new(
                op.pointer(&[]),
                "operation has no operationId",
            ));
        };
        let here = op.pointer(&["operationId"]);
        if let Some(first) = seen.insert(id, here.clone()) {
            return Err(SpecError::new(
                here,
                format!("duplicate operationId `{id}`: already used at {first}"),
            ));
        }
        check_rust_name(id, &here, &mut rust_names)?;

        let mut error_schema: Option<(String, String)> = None;
        for (status, response) in &op.operation.responses.responses {
            let code = status.to_string();
            if !code.starts_with('4') && !code.starts_with('5') {
                continue;
            }
            let here = op.pointer(&["responses", &code]);
            let schema = json_schema_of(spec.response(response))
                .map(|s| serde_json::to_string(s).unwrap_or_default())
                .unwrap_or_else(|| "no body".to_owned());
            match &error_schema {
                None => error_schema = Some((schema, here)),
                Some((first, first_at)) if *first != schema => {
                    return Err(SpecError::new(
                        here,
                        format!(
                            "error responses of one operation must share one schema, \
                             but this one is {schema} and {first_at} is {first}"
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
    }
    Ok(())
}

/// The `application/json` schema of a response, if it has one.
pub fn json_schema_of(response: &Response) -> Option<&ReferenceOr<openapiv3::Schema>> {
    response
        .content
        .get("application/json")
        .and_then(|media| media.schema.as_ref())
}
