//! The API edge: the one place where errors under `/api/` become the JSON error model with
//! the right HTTP status. Server functions return `ApiError`, which Leptos sends as a JSON
//! body with status 500; here the status is set from the error's code. Anything else that
//! fails under `/api/` before reaching a server function (unknown endpoint, wrong method,
//! body too large) is turned into the same `{code, message}` shape.

use axum::{
    body::{to_bytes, Body},
    extract::Request,
    http::{header, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

use app::types::{ApiError, ErrorCode};

/// The header server_fn puts on error responses.
const SERVER_FN_ERROR_HEADER: &str = "serverfnerror";
/// Error bodies are small; anything larger is not one of ours.
const MAX_ERROR_BODY: usize = 64 * 1024;

pub fn json_error(err: &ApiError) -> Response {
    let status =
        StatusCode::from_u16(err.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(err)
        .unwrap_or_else(|_| br#"{"code":"internal","message":"error"}"#.to_vec());
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

/// Fallback for `/api/…` paths no server function claims.
pub async fn unknown_endpoint(method: Method, uri: axum::http::Uri) -> Response {
    json_error(&ApiError::new(
        ErrorCode::NotFound,
        format!("no API endpoint {method} {}", uri.path()),
    ))
}

fn code_for_status(status: StatusCode) -> ErrorCode {
    match status {
        StatusCode::BAD_REQUEST
        | StatusCode::UNSUPPORTED_MEDIA_TYPE
        | StatusCode::LENGTH_REQUIRED => ErrorCode::BadRequest,
        StatusCode::METHOD_NOT_ALLOWED => ErrorCode::MethodNotAllowed,
        StatusCode::UNAUTHORIZED => ErrorCode::Unauthorized,
        StatusCode::FORBIDDEN => ErrorCode::Forbidden,
        StatusCode::NOT_FOUND => ErrorCode::NotFound,
        StatusCode::CONFLICT => ErrorCode::Conflict,
        StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
        StatusCode::UNPROCESSABLE_ENTITY => ErrorCode::Validation,
        StatusCode::TOO_MANY_REQUESTS => ErrorCode::RateLimited,
        StatusCode::SERVICE_UNAVAILABLE => ErrorCode::Unavailable,
        _ => ErrorCode::Internal,
    }
}

fn is_json(res: &Response) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

pub async fn map_errors(req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let res = next.run(req).await;

    if res.headers().contains_key(SERVER_FN_ERROR_HEADER) {
        let (mut parts, body) = res.into_parts();
        let bytes = match to_bytes(body, MAX_ERROR_BODY).await {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(error = %e, %path, "unreadable server function error body");
                return json_error(&ApiError::internal());
            }
        };
        return match serde_json::from_slice::<ApiError>(&bytes) {
            Ok(err) => {
                if err.code == ErrorCode::Internal {
                    tracing::warn!(%method, %path, message = %err.message, "server function failed");
                }
                parts.status = StatusCode::from_u16(err.code.http_status())
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                parts.headers.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                parts.headers.remove(header::CONTENT_LENGTH);
                Response::from_parts(parts, Body::from(bytes))
            }
            Err(e) => {
                tracing::error!(error = %e, %path, "server function error is not an ApiError");
                json_error(&ApiError::internal())
            }
        };
    }

    let status = res.status();
    if (status.is_client_error() || status.is_server_error()) && !is_json(&res) {
        let code = code_for_status(status);
        let message = match code {
            ErrorCode::PayloadTooLarge => {
                "the request body is too large for this endpoint".to_owned()
            }
            _ if status == StatusCode::METHOD_NOT_ALLOWED => {
                format!("{method} is not allowed on {path}; use POST")
            }
            _ => status.canonical_reason().unwrap_or("error").to_lowercase(),
        };
        let mut out = json_error(&ApiError::new(code, message));
        // Keep headers that tell the client what to do next.
        for name in [header::RETRY_AFTER, header::ALLOW] {
            if let Some(v) = res.headers().get(&name) {
                out.headers_mut().insert(name, v.clone());
            }
        }
        return out;
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_codes_that_map_back() {
        for status in [400u16, 401, 403, 404, 405, 409, 413, 422, 429, 503, 500] {
            let s = StatusCode::from_u16(status).unwrap();
            assert_eq!(code_for_status(s).http_status(), status, "{status}");
        }
    }
}
