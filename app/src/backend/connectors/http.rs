//! Talking to another system's API: one shared client with timeouts, 429 and 5xx answered
//! with the server's `Retry-After` (or a doubling backoff), and every failure named by what
//! a person or the sync should do about it.

use std::time::Duration;

use serde::de::DeserializeOwned;

/// Timeouts and retries for calls to connected systems.
#[derive(Clone, Debug)]
pub struct HttpSettings {
    pub timeout: Duration,
    /// Attempts per call before a 429 or 5xx is given up (the job is then retried later).
    pub max_attempts: u32,
    /// First backoff without a `Retry-After`; doubles with each retry.
    pub backoff: Duration,
    /// The longest `Retry-After` honoured in line; a longer one ends the attempt as rate
    /// limited and the queue retries the job later.
    pub max_wait: Duration,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            max_attempts: 4,
            backoff: Duration::from_millis(500),
            max_wait: Duration::from_secs(60),
        }
    }
}

/// Why a call to another system failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RemoteError {
    /// The credential was refused (revoked, expired, mistyped): only a person can fix it.
    #[error("{system} refused the credential: {message}")]
    BadCredentials {
        system: &'static str,
        message: String,
    },
    /// The credential lacks a permission the sync needs.
    #[error("{system} says the credential lacks a permission: {message}")]
    MissingScope {
        system: &'static str,
        message: String,
    },
    #[error("{system} has no such record: {message}")]
    NotFound {
        system: &'static str,
        message: String,
    },
    #[error("{system} is rate limiting these calls")]
    RateLimited {
        system: &'static str,
        retry_after: Option<Duration>,
    },
    /// A 5xx, a timeout or a broken connection: worth trying again later.
    #[error("{system} is unavailable: {message}")]
    Unavailable {
        system: &'static str,
        message: String,
    },
    /// An answer that is not what the API documents (truncated, not JSON, fields missing).
    #[error("{system} sent an answer that could not be read: {message}")]
    Malformed {
        system: &'static str,
        message: String,
    },
    /// Any other refusal (400, 409 …), with the system's message.
    #[error("{system} refused the request ({status}): {message}")]
    Refused {
        system: &'static str,
        status: u16,
        message: String,
    },
}

impl RemoteError {
    /// Whether a person has to act (reconnect, grant a scope) before syncing again.
    pub fn needs_person(&self) -> bool {
        matches!(
            self,
            RemoteError::BadCredentials { .. } | RemoteError::MissingScope { .. }
        )
    }
}

impl From<RemoteError> for crate::backend::Error {
    fn from(e: RemoteError) -> Self {
        use crate::backend::Error;
        match e {
            RemoteError::RateLimited {
                ref retry_after, ..
            } => Error::RateLimited(retry_after.unwrap_or(Duration::from_secs(60))),
            RemoteError::Unavailable { .. } | RemoteError::Malformed { .. } => {
                Error::Unavailable(e.to_string())
            }
            RemoteError::NotFound { .. } => Error::BadRequest(e.to_string()),
            RemoteError::BadCredentials { .. }
            | RemoteError::MissingScope { .. }
            | RemoteError::Refused { .. } => Error::BadRequest(e.to_string()),
        }
    }
}

/// The client every connector shares: building one loads the TLS roots, and a shared one
/// keeps connections to the other system open between pages.
pub fn client(settings: &HttpSettings) -> reqwest::Client {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(10))
                .timeout(settings.timeout)
                .build()
                .unwrap_or_default()
        })
        .clone()
}

/// Seconds in a `Retry-After` header (the HTTP-date form is not used by these APIs).
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// How a system says what went wrong: the message field of its JSON error body.
pub type MessageOf = fn(&str) -> String;

/// Sends `build()` until it is not a 429/5xx, within `settings`; a failed answer becomes a
/// `RemoteError` through `classify`.
pub async fn send(
    system: &'static str,
    settings: &HttpSettings,
    message_of: MessageOf,
    build: impl Fn() -> reqwest::RequestBuilder,
) -> Result<reqwest::Response, RemoteError> {
    let mut wait = settings.backoff;
    let attempts = settings.max_attempts.max(1);
    let mut attempt = 0;
    loop {
        attempt += 1;
        let response = match build().send().await {
            Ok(r) => r,
            Err(e) if attempt < attempts => {
                tracing::debug!(system, error = %without_url(&e), "retrying a failed call");
                tokio::time::sleep(wait).await;
                wait = wait.saturating_mul(2);
                continue;
            }
            Err(e) => {
                return Err(RemoteError::Unavailable {
                    system,
                    message: without_url(&e),
                })
            }
        };
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let hinted = retry_after(response.headers());
        let retryable = status.as_u16() == 429 || status.is_server_error();
        if retryable && attempt < attempts && hinted.is_none_or(|d| d <= settings.max_wait) {
            tokio::time::sleep(hinted.unwrap_or(wait)).await;
            wait = wait.saturating_mul(2);
            continue;
        }
        let body = response.text().await.unwrap_or_default();
        return Err(classify(
            system,
            status.as_u16(),
            &message_of(&body),
            hinted,
        ));
    }
}

/// Reads a successful answer as `T`; anything else is `Malformed`, naming what was wrong.
pub async fn json<T: DeserializeOwned>(
    system: &'static str,
    response: reqwest::Response,
) -> Result<T, RemoteError> {
    let bytes = response
        .bytes()
        .await
        .map_err(|e| RemoteError::Unavailable {
            system,
            message: without_url(&e),
        })?;
    serde_json::from_slice(&bytes).map_err(|e| RemoteError::Malformed {
        system,
        message: e.to_string(),
    })
}

/// A failed answer's status and message, as the error the sync and a person act on.
pub fn classify(
    system: &'static str,
    status: u16,
    message: &str,
    retry_after: Option<Duration>,
) -> RemoteError {
    let message = truncate(message, 300);
    match status {
        401 => RemoteError::BadCredentials { system, message },
        403 => RemoteError::MissingScope { system, message },
        404 => RemoteError::NotFound { system, message },
        429 => RemoteError::RateLimited {
            system,
            retry_after,
        },
        500..=599 => RemoteError::Unavailable {
            system,
            message: format!("{status}: {message}"),
        },
        _ => RemoteError::Refused {
            system,
            status,
            message,
        },
    }
}

/// reqwest's error without the URL (which can carry a key in its query).
fn without_url(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "the answer broke off"
    } else {
        "the request failed"
    };
    kind.to_owned()
}

fn truncate(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        s.chars().take(max).collect::<String>() + "…"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_status_names_what_to_do() {
        assert!(classify("HubSpot", 401, "expired", None).needs_person());
        assert!(classify("HubSpot", 403, "scope", None).needs_person());
        assert!(!classify("HubSpot", 503, "down", None).needs_person());
        assert_eq!(
            classify("HubSpot", 429, "slow down", Some(Duration::from_secs(3))),
            RemoteError::RateLimited {
                system: "HubSpot",
                retry_after: Some(Duration::from_secs(3))
            }
        );
        assert!(matches!(
            classify("HubSpot", 400, "bad filter", None),
            RemoteError::Refused { status: 400, .. }
        ));
    }

    #[test]
    fn a_long_message_is_cut() {
        let long = "x".repeat(1000);
        match classify("HubSpot", 400, &long, None) {
            RemoteError::Refused { message, .. } => assert!(message.chars().count() <= 301),
            other => panic!("{other:?}"),
        }
    }
}
