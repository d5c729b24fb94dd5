//! The one error that reaches the browser and scripts: `{"code": "...", "message": "..."}`,
//! plus per-field messages for validation. Every server function returns `Result<T, ApiError>`.
//! The HTTP status is derived from the code, once, at the API edge (see `server::api_edge`).

use serde::{Deserialize, Serialize};
use server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};

/// A stable, machine-readable error code. Scripts match on these; never rename one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request could not be read: malformed JSON, a missing or mistyped argument.
    BadRequest,
    /// The request was read but a value is not acceptable; `fields` says which and why.
    Validation,
    /// No valid session or API token.
    Unauthorized,
    /// The endpoint exists but not for this HTTP method (server functions take POST).
    MethodNotAllowed,
    /// Authenticated, but the role does not allow this action (or a cross-site request).
    Forbidden,
    /// The record does not exist — or exists in a workspace the caller cannot see.
    NotFound,
    /// The write conflicts with existing data (a duplicate slug, a stale version).
    Conflict,
    /// The request body is larger than this endpoint accepts.
    PayloadTooLarge,
    /// Too many requests; retry after the `Retry-After` header.
    RateLimited,
    /// A dependency (database, provider) is not available right now.
    Unavailable,
    /// Something failed on our side. The message is generic; the details are in the server log.
    Internal,
}

impl ErrorCode {
    /// The HTTP status this code is sent with.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::BadRequest => 400,
            ErrorCode::Validation => 422,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::NotFound => 404,
            ErrorCode::Conflict => 409,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::RateLimited => 429,
            ErrorCode::Unavailable => 503,
            ErrorCode::Internal => 500,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::Validation => "validation",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::NotFound => "not_found",
            ErrorCode::Conflict => "conflict",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::Internal => "internal",
        }
    }
}

/// A message tied to one input field, shown next to it in forms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
    /// For `rate_limited`: seconds until a retry can succeed (also sent as `Retry-After`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            fields: Vec::new(),
            retry_after: None,
        }
    }

    pub fn unauthorized() -> Self {
        Self::new(
            ErrorCode::Unauthorized,
            "sign in first, or send a valid API token",
        )
    }

    pub fn rate_limited(retry_after: u64) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(
                ErrorCode::RateLimited,
                format!("too many attempts; try again in {retry_after} s"),
            )
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    pub fn internal() -> Self {
        Self::new(
            ErrorCode::Internal,
            "something went wrong on our side; it has been logged",
        )
    }

    /// A validation error with one message per offending field.
    pub fn validation(fields: Vec<FieldError>) -> Self {
        let message = match fields.as_slice() {
            [one] => format!("{}: {}", one.field, one.message),
            _ => format!("{} fields are invalid", fields.len()),
        };
        Self {
            code: ErrorCode::Validation,
            message,
            fields,
            retry_after: None,
        }
    }

    /// The message for `field`, if the error names it (for forms).
    pub fn field(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.field == field)
            .map(|f| f.message.as_str())
    }
}

impl FromServerFnError for ApiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // The caller sent something we could not read.
            ServerFnErrorErr::Args(detail) => {
                ApiError::bad_request(format!("invalid request body: {detail}"))
            }
            ServerFnErrorErr::MissingArg(arg) => {
                ApiError::bad_request(format!("missing argument `{arg}`"))
            }
            // Seen in the browser: the server could not be reached or answered garbage.
            ServerFnErrorErr::Request(detail) => ApiError::new(
                ErrorCode::Unavailable,
                format!("could not reach the server: {detail}"),
            ),
            // On the server this is the request body failing to parse; in the browser it is
            // the response. The crate is built for exactly one of the two.
            ServerFnErrorErr::Deserialization(detail) if cfg!(feature = "ssr") => {
                ApiError::bad_request(format!("invalid request body: {detail}"))
            }
            ServerFnErrorErr::Deserialization(detail) => ApiError::new(
                ErrorCode::Internal,
                format!("unexpected response from the server: {detail}"),
            ),
            ServerFnErrorErr::UnsupportedRequestMethod(m) => {
                ApiError::bad_request(format!("unsupported method {m}"))
            }
            ServerFnErrorErr::Registration(_)
            | ServerFnErrorErr::ServerError(_)
            | ServerFnErrorErr::MiddlewareError(_)
            | ServerFnErrorErr::Serialization(_)
            | ServerFnErrorErr::Response(_) => ApiError::internal(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_to_the_documented_shape() {
        let e = ApiError::new(ErrorCode::NotFound, "company not found");
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "not_found", "message": "company not found"})
        );
    }

    #[test]
    fn codes_serialise_as_their_as_str() {
        for code in [
            ErrorCode::BadRequest,
            ErrorCode::Validation,
            ErrorCode::Unauthorized,
            ErrorCode::Forbidden,
            ErrorCode::MethodNotAllowed,
            ErrorCode::NotFound,
            ErrorCode::Conflict,
            ErrorCode::PayloadTooLarge,
            ErrorCode::RateLimited,
            ErrorCode::Unavailable,
            ErrorCode::Internal,
        ] {
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                serde_json::Value::String(code.as_str().into())
            );
            assert!((400..600).contains(&code.http_status()));
        }
    }

    #[test]
    fn validation_errors_carry_fields() {
        let e = ApiError::validation(vec![FieldError {
            field: "domain".into(),
            message: "is not a domain name".into(),
        }]);
        assert_eq!(e.code.http_status(), 422);
        assert_eq!(e.field("domain"), Some("is not a domain name"));
        assert_eq!(e.message, "domain: is not a domain name");
    }

    #[test]
    fn unreadable_arguments_are_bad_requests() {
        let e = ApiError::from_server_fn_error(ServerFnErrorErr::Args("expected value".into()));
        assert_eq!(e.code, ErrorCode::BadRequest);
    }
}
