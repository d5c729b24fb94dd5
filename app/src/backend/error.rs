//! The backend's error type. Services and repositories return `Result<T>`; the conversion
//! into the wire `ApiError` happens once, here, so every server function maps errors the
//! same way: database and unexpected errors are logged in full and answered generically.

use crate::types::{ApiError, ErrorCode, FieldError};
use sea_orm::DbErr;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database error: {0}")]
    Db(#[from] DbErr),

    /// The record does not exist or is outside the caller's workspace. Both look the same.
    #[error("{0} not found")]
    NotFound(&'static str),

    #[error("invalid input")]
    Validation(Vec<FieldError>),

    #[error("{0}")]
    Conflict(String),

    #[error("{0}")]
    BadRequest(String),

    /// Not signed in, or the credentials are no longer valid.
    #[error("{0}")]
    Unauthorized(String),

    /// Signed in, but the role does not allow the action.
    #[error("{0}")]
    Forbidden(String),

    #[error("{0}")]
    PayloadTooLarge(String),

    #[error("too many attempts; retry in {} s", .0.as_secs())]
    RateLimited(std::time::Duration),

    #[error("the server's state is not ready: {0}")]
    Unavailable(String),

    /// Background work was asked to stop and did (a job's cancel, met between two steps).
    #[error("cancelled")]
    Cancelled,

    /// The process is shutting down: the work goes back to the queue, unfinished.
    #[error("interrupted by shutdown")]
    Interrupted,

    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl Error {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Error::Validation(vec![FieldError {
            field: field.to_owned(),
            message: message.into(),
        }])
    }
}

impl From<Error> for ApiError {
    fn from(err: Error) -> Self {
        match err {
            Error::NotFound(what) => ApiError::not_found(what),
            Error::Validation(fields) => ApiError::validation(fields),
            Error::Conflict(message) => ApiError::new(ErrorCode::Conflict, message),
            Error::BadRequest(message) => ApiError::bad_request(message),
            Error::Unauthorized(message) => ApiError::new(ErrorCode::Unauthorized, message),
            Error::Forbidden(message) => ApiError::new(ErrorCode::Forbidden, message),
            Error::PayloadTooLarge(message) => ApiError::new(ErrorCode::PayloadTooLarge, message),
            Error::RateLimited(wait) => ApiError::rate_limited(wait.as_secs().max(1)),
            Error::Unavailable(message) => {
                tracing::warn!(%message, "dependency unavailable");
                ApiError::new(ErrorCode::Unavailable, message)
            }
            Error::Cancelled => ApiError::new(
                ErrorCode::Conflict,
                "the work was cancelled; nothing was written",
            ),
            Error::Interrupted => ApiError::new(
                ErrorCode::Unavailable,
                "the server is shutting down; try again",
            ),
            Error::Db(e) => {
                tracing::error!(error = %e, "database error");
                ApiError::internal()
            }
            Error::Other(e) => {
                tracing::error!(error = ?e, "unexpected error");
                ApiError::internal()
            }
        }
    }
}
