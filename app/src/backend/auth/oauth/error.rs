//! Why a sign-in through a provider did not complete, with a stable code for each reason.

use crate::backend::Error;

/// Why a sign-in through a provider did not complete. Each has a stable code (for the
/// `?error=` of the sign-in page) and a message for the person.
#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("there is no sign-in provider called `{0}`")]
    UnknownProvider(String),
    #[error("the provider did not sign you in: {0}")]
    Denied(String),
    #[error("the sign-in link was incomplete; start again")]
    MissingParams,
    #[error("this sign-in attempt is unknown, expired or already used; start again")]
    InvalidState,
    #[error(
        "this sign-in was started in another browser (or its cookie was lost); start again here"
    )]
    BrowserMismatch,
    #[error("the provider did not accept the sign-in code: {0}")]
    Exchange(String),
    #[error("could not read your profile from the provider: {0}")]
    Profile(String),
    #[error("the provider did not share an e-mail address, which an account needs")]
    NoEmail,
    #[error("an account with {0} already exists; sign in to it first, then connect this provider from your account page")]
    EmailTaken(String),
    #[error("sign-up is closed on this server; ask an administrator for an invitation")]
    SignupClosed,
    #[error(transparent)]
    Internal(#[from] Error),
}

impl OAuthError {
    pub fn code(&self) -> &'static str {
        match self {
            OAuthError::UnknownProvider(_) => "unknown_provider",
            OAuthError::Denied(_) => "provider_denied",
            OAuthError::MissingParams => "missing_params",
            OAuthError::InvalidState => "invalid_state",
            OAuthError::BrowserMismatch => "browser_mismatch",
            OAuthError::Exchange(_) => "exchange_failed",
            OAuthError::Profile(_) => "profile_failed",
            OAuthError::NoEmail => "no_email",
            OAuthError::EmailTaken(_) => "email_taken",
            OAuthError::SignupClosed => "signup_closed",
            OAuthError::Internal(_) => "internal",
        }
    }
}

impl From<sea_orm::DbErr> for OAuthError {
    fn from(e: sea_orm::DbErr) -> Self {
        OAuthError::Internal(Error::Db(e))
    }
}
