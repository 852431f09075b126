//! The wire layer that generated code builds on: reading the request body
//! without framework-shaped failures, the request id, and writing replies.
//!
//! Nothing here knows about a particular operation; `generated.rs` supplies
//! the types and statuses from the spec. The error body follows the OCI
//! convention (`code` + `message`), which the generator checks in the spec.

use std::marker::PhantomData;
use std::net::SocketAddr;

use dropshot::{
    ApiEndpointBodyContentType, ErrorStatusCode, ExclusiveExtractor, ExtractorMetadata, HttpError,
    HttpResponseError, RequestContext, ServerContext, TypedBody,
};
use http::HeaderValue;
use http_body_util::BodyExt;
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// What an implementation learns about the request it is serving.
#[derive(Debug, Clone)]
pub struct OperationContext {
    /// The request's id, sent back in the spec's request id header
    /// (`opc-request-id`). Quote it in logs; support asks for it.
    pub request_id: String,
    /// A logger whose every line carries the request id.
    pub log: slog::Logger,
    /// The peer's address.
    pub remote_addr: SocketAddr,
}

impl OperationContext {
    #[doc(hidden)]
    pub fn new<C: ServerContext>(
        rqctx: &RequestContext<C>,
        request_id_header: &'static str,
    ) -> Self {
        // The caller's id when it is well-formed, else dropshot's own request
        // id, so that dropshot's log lines for the request carry it too.
        let request_id = rqctx
            .request
            .headers()
            .get(request_id_header)
            .and_then(|v| v.to_str().ok())
            .filter(|v| is_valid_request_id(v))
            .map_or_else(|| rqctx.request_id.clone(), str::to_owned);
        let log = rqctx
            .log
            .new(slog::o!(request_id_header => request_id.clone()));
        Self {
            request_id,
            log,
            remote_addr: rqctx.request.remote_addr(),
        }
    }
}

/// Longest caller-chosen request id that is echoed back.
pub const MAX_REQUEST_ID_LEN: usize = 98;

/// 1 to 98 ASCII letters, digits, `-` or `_`: safe to echo and to log.
pub fn is_valid_request_id(id: &str) -> bool {
    (1..=MAX_REQUEST_ID_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The spec's error body, as the runtime needs to build one.
pub trait ErrorBody: Serialize + JsonSchema + Send + Sync + 'static {
    fn from_parts(code: &str, message: String) -> Self;
}

/// OCI's error codes for requests that never reach the implementation.
pub mod codes {
    pub const CANNOT_PARSE_REQUEST: &str = "CannotParseRequest";
    pub const MISSING_PARAMETER: &str = "MissingParameter";
    pub const INVALID_PARAMETER: &str = "InvalidParameter";
    pub const INTERNAL_SERVER_ERROR: &str = "InternalServerError";
    pub const METHOD_NOT_ALLOWED: &str = "MethodNotAllowed";
}

/// Why a request body was refused. The message never quotes the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub code: &'static str,
    pub message: String,
}

impl Rejection {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// The spec's error body for this rejection.
    pub fn into_body<E: ErrorBody>(self, ctx: &OperationContext) -> E {
        slog::info!(ctx.log, "request refused"; "code" => self.code, "reason" => &self.message);
        E::from_parts(self.code, self.message)
    }
}

/// A JSON request body, read by the generated handler within the limit the
/// implementation chooses. A refusal is a value, which the handler turns into
/// the spec's 400 instead of dropshot's own error body.
#[derive(Debug)]
pub struct JsonBody<T> {
    request: hyper::Request<dropshot::Body>,
    body_type: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> JsonBody<T> {
    /// The body as `T`, or why it was refused; at most `max_bytes` are read.
    pub async fn read(self, max_bytes: usize) -> Result<T, Rejection> {
        read_json(max_bytes, self.request).await
    }
}

#[async_trait::async_trait]
impl<T> ExclusiveExtractor for JsonBody<T>
where
    T: JsonSchema + DeserializeOwned + Send + Sync + 'static,
{
    async fn from_request<C: ServerContext>(
        _rqctx: &RequestContext<C>,
        request: hyper::Request<dropshot::Body>,
    ) -> Result<Self, HttpError> {
        Ok(Self {
            request,
            body_type: PhantomData,
        })
    }

    fn metadata(content_type: ApiEndpointBodyContentType) -> ExtractorMetadata {
        // The same document entry as dropshot's own JSON body.
        <TypedBody<T> as ExclusiveExtractor>::metadata(content_type)
    }
}

async fn read_json<T: DeserializeOwned>(
    max_bytes: usize,
    request: hyper::Request<dropshot::Body>,
) -> Result<T, Rejection> {
    let content_type = request
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let mime = content_type.split(';').next().unwrap_or_default().trim();
    if !mime.eq_ignore_ascii_case("application/json") {
        return Err(Rejection::new(
            codes::INVALID_PARAMETER,
            "the Content-Type header must be application/json",
        ));
    }

    let bytes = http_body_util::Limited::new(request.into_body(), max_bytes)
        .collect()
        .await
        .map_err(|e| {
            if e.is::<http_body_util::LengthLimitError>() {
                Rejection::new(
                    codes::CANNOT_PARSE_REQUEST,
                    format!("the request body is larger than {max_bytes} bytes"),
                )
            } else {
                Rejection::new(
                    codes::CANNOT_PARSE_REQUEST,
                    "the request body could not be read",
                )
            }
        })?
        .to_bytes();

    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Rejection::new(
            codes::CANNOT_PARSE_REQUEST,
            "the request body is empty; expected a JSON object",
        ));
    }
    // A derived `Deserialize` also takes an array of field values; the spec
    // says object, so anything else is refused before deserializing.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(match serde_json::from_slice::<serde_json::Value>(&bytes) {
            Ok(value) => Rejection::new(
                codes::INVALID_PARAMETER,
                format!(
                    "the request body must be a JSON object, not {}",
                    json_kind(&value)
                ),
            ),
            Err(e) => not_json(&e),
        });
    }
    // The common case pays for nothing more than dropshot's own body does;
    // a failure is deserialized again, tracking the path, to explain it.
    serde_json::from_slice(&bytes).map_err(|first| explain::<T>(&bytes, &first))
}

/// Why `bytes` did not deserialize into `T`, naming the field at fault.
fn explain<T: DeserializeOwned>(bytes: &[u8], first: &serde_json::Error) -> Rejection {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
        Err(e) => classify(&e),
        // Only trailing characters after a valid value are left.
        Ok(_) => not_json(first),
    }
}

/// serde_json's syntax messages give a position, never the input.
fn not_json(e: &serde_json::Error) -> Rejection {
    Rejection::new(
        codes::CANNOT_PARSE_REQUEST,
        format!("the request body is not valid JSON: {e}"),
    )
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Turns a field-level failure into a message that names the field and what
/// was expected, without repeating the value (it may be a password).
fn classify(e: &serde_path_to_error::Error<serde_json::Error>) -> Rejection {
    if matches!(
        e.inner().classify(),
        serde_json::error::Category::Syntax | serde_json::error::Category::Eof
    ) {
        return not_json(e.inner());
    }
    let path = e.path().to_string();
    // Positions ("at line 1 column 9") mean nothing to the caller here.
    let inner = e.inner().to_string();
    let inner = inner
        .split(" at line ")
        .next()
        .unwrap_or_default()
        .to_owned();
    if let Some(rest) = inner.strip_prefix("missing field ") {
        let field = rest.trim_matches('`');
        let field = if path == "." {
            field.to_owned()
        } else {
            format!("{path}.{field}")
        };
        return Rejection::new(codes::MISSING_PARAMETER, format!("`{field}` is required"));
    }
    // serde's messages quote the value ("invalid type: string \"...\",
    // expected a string", "unknown variant `...`, expected one of ..."); keep
    // only what was expected, so no value is ever echoed.
    let reason = match inner.find(", expected ") {
        Some(i) => format!("must be {}", &inner[i + ", expected ".len()..]),
        // serde's other messages name fields, not values, and the generated
        // types' own messages state the constraint.
        None => inner,
    };
    Rejection::new(codes::INVALID_PARAMETER, format!("`{path}` {reason}"))
}

/// Builds every response of a generated operation: the status, a JSON body,
/// the documented headers, and the request id header on each one.
pub struct Reply<'a> {
    request_id_header: &'a str,
    request_id: &'a str,
    headers: Vec<(&'a str, String)>,
}

impl<'a> Reply<'a> {
    pub fn new(request_id_header: &'a str, request_id: &'a str) -> Self {
        Self {
            request_id_header,
            request_id,
            headers: Vec::new(),
        }
    }

    pub fn header(mut self, name: &'a str, value: impl Into<Option<String>>) -> Self {
        if let Some(value) = value.into() {
            self.headers.push((name, value));
        }
        self
    }

    /// The response; if the body or a header cannot be encoded (a bug in the
    /// implementation), the spec's 500 with a generic message instead.
    pub fn json<E: ErrorBody>(
        self,
        status: u16,
        body: &impl Serialize,
    ) -> http::Response<dropshot::Body> {
        self.try_json(status, body).unwrap_or_else(|_| {
            let body = E::from_parts(
                codes::INTERNAL_SERVER_ERROR,
                "the service could not encode its response".to_owned(),
            );
            Reply::new(self.request_id_header, self.request_id)
                .try_json(500, &body)
                .expect("an error body and a checked request id always encode")
        })
    }

    fn try_json(
        &self,
        status: u16,
        body: &impl Serialize,
    ) -> Result<http::Response<dropshot::Body>, String> {
        let bytes = serde_json::to_vec(body).map_err(|e| e.to_string())?;
        let mut builder = http::Response::builder()
            .status(status)
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(
                self.request_id_header,
                HeaderValue::from_str(self.request_id).map_err(|e| e.to_string())?,
            );
        for (name, value) in &self.headers {
            builder = builder.header(
                *name,
                HeaderValue::from_str(value).map_err(|e| e.to_string())?,
            );
        }
        builder.body(bytes.into()).map_err(|e| e.to_string())
    }
}

/// The error type of generated handlers. Handlers answer every documented
/// status through their reply type and never return it; it exists so that
/// the rendered document names the spec's error schema, and so that a failure
/// inside dropshot still gets the spec's body shape.
#[derive(Debug)]
pub struct ErrorReply<E> {
    status: ErrorStatusCode,
    body: E,
}

impl<E: ErrorBody> From<HttpError> for ErrorReply<E> {
    fn from(error: HttpError) -> Self {
        let code = if error.status_code.is_client_error() {
            codes::INVALID_PARAMETER
        } else {
            codes::INTERNAL_SERVER_ERROR
        };
        Self {
            status: error.status_code,
            body: E::from_parts(code, error.external_message),
        }
    }
}

impl<E> std::fmt::Display for ErrorReply<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.status.as_status())
    }
}

impl<E: Serialize> Serialize for ErrorReply<E> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.body.serialize(serializer)
    }
}

impl<E: JsonSchema> JsonSchema for ErrorReply<E> {
    fn schema_name() -> String {
        E::schema_name()
    }
    fn json_schema(generator: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        E::json_schema(generator)
    }
}

impl<E: ErrorBody> HttpResponseError for ErrorReply<E> {
    fn status_code(&self) -> ErrorStatusCode {
        self.status
    }
}

/// Methods a path answers with 405 when the spec does not document them.
const STANDARD_METHODS: [http::Method; 8] = [
    http::Method::GET,
    http::Method::HEAD,
    http::Method::POST,
    http::Method::PUT,
    http::Method::DELETE,
    http::Method::OPTIONS,
    http::Method::PATCH,
    http::Method::TRACE,
];

/// Registers hidden endpoints for the standard methods `path` does not
/// document, so that they get a 405 with `Allow` and the spec's error body
/// rather than dropshot's.
pub fn register_method_not_allowed<C: ServerContext, E: ErrorBody>(
    api: &mut dropshot::ApiDescription<C>,
    path: &'static str,
    allowed: &'static [http::Method],
) -> Result<(), dropshot::ApiDescriptionRegisterError> {
    for method in STANDARD_METHODS
        .into_iter()
        .filter(|m| !allowed.contains(m))
    {
        let handler = move |rqctx: RequestContext<C>| async move {
            Ok::<_, ErrorReply<E>>(method_not_allowed::<C, E>(&rqctx, allowed))
        };
        let endpoint = dropshot::ApiEndpoint::new(
            format!("{method} {path} (not allowed)"),
            handler,
            method,
            "application/json",
            path,
            dropshot::ApiEndpointVersions::All,
        )
        .visible(false);
        api.register(endpoint)?;
    }
    Ok(())
}

fn method_not_allowed<C: ServerContext, E: ErrorBody>(
    rqctx: &RequestContext<C>,
    allowed: &[http::Method],
) -> http::Response<dropshot::Body> {
    let ctx = OperationContext::new(rqctx, crate::REQUEST_ID_HEADER);
    let method = rqctx.request.method();
    let allow = allowed
        .iter()
        .map(http::Method::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    let body = E::from_parts(
        codes::METHOD_NOT_ALLOWED,
        format!("{method} is not allowed here; allowed: {allow}"),
    );
    let mut response = Reply::new(crate::REQUEST_ID_HEADER, &ctx.request_id)
        .header("allow", allow)
        .json::<E>(405, &body);
    if method == http::Method::HEAD {
        *response.body_mut() = dropshot::Body::empty();
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum Kind {
        Plain,
    }

    #[derive(Debug, serde::Deserialize)]
    struct Body {
        #[allow(dead_code)]
        kind: Kind,
    }

    fn rejection(json: &str) -> Rejection {
        let mut deserializer = serde_json::Deserializer::from_str(json);
        let e = serde_path_to_error::deserialize::<_, Body>(&mut deserializer).unwrap_err();
        classify(&e)
    }

    #[test]
    fn trailing_characters_are_not_json() {
        let bytes = br#"{"kind": "plain"} {"kind": "plain"}"#;
        let first = serde_json::from_slice::<Body>(bytes).unwrap_err();
        let r = explain::<Body>(bytes, &first);
        assert_eq!(r.code, codes::CANNOT_PARSE_REQUEST);
        assert!(r.message.contains("trailing characters"), "{}", r.message);
    }

    #[test]
    fn rejections_never_quote_the_value() {
        let r = rejection(r#"{"kind": "hunter2-secret"}"#);
        assert_eq!(r.code, codes::INVALID_PARAMETER);
        assert_eq!(r.message, "`kind` must be `plain`");
        let r = rejection(r#"{"kind": 12345}"#);
        assert!(!r.message.contains("12345"), "{}", r.message);
        let r = rejection(r#"{}"#);
        assert_eq!(
            (r.code, r.message.as_str()),
            (codes::MISSING_PARAMETER, "`kind` is required")
        );
    }
}
