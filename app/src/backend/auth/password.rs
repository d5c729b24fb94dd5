//! Passwords: Argon2id (the `argon2` crate's defaults, OWASP's recommendation) in PHC strings.
//! Hashing costs tens of milliseconds of CPU on purpose, so it runs on the blocking pool.

use argon2::{
    password_hash::{phc::PasswordHash, PasswordHasher, PasswordVerifier},
    Argon2,
};

pub const MIN_LEN: usize = 10;
/// Argon2 accepts anything, but a megabyte "password" is a denial-of-service, not a secret.
pub const MAX_LEN: usize = 1024;

/// What is wrong with a new password, if anything.
pub fn check_new(password: &str) -> Option<String> {
    let n = password.chars().count();
    if n < MIN_LEN {
        Some(format!("must be at least {MIN_LEN} characters"))
    } else if password.len() > MAX_LEN {
        Some(format!("must be at most {MAX_LEN} bytes"))
    } else if password.trim().is_empty() {
        Some("must not be only spaces".into())
    } else {
        None
    }
}

pub async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
    })
    .await?
}

/// Verifies in constant time (inside argon2). With no stored hash (unknown user, or a user
/// who only signs in with a provider) it still does the same work against a dummy hash, so
/// timing does not reveal which e-mail addresses have accounts.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    let known = stored.is_some();
    let phc = stored.unwrap_or_else(|| DUMMY_HASH.to_owned());
    let ok = tokio::task::spawn_blocking(move || {
        if password.len() > MAX_LEN {
            return false;
        }
        match PasswordHash::new(&phc) {
            Ok(parsed) => Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok(),
            Err(_) => false,
        }
    })
    .await
    .unwrap_or(false);
    known && ok
}

/// Argon2id hash of a random string nobody knows, with the default parameters.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$YWJjZGVmZ2hpamtsbW5vcA$Hu1x0Q4a4aYbI7NhNnVBV+CM6gTqsm4EOhjDvDcrg0E";

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_reject() {
        let h = hash("correct horse battery".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery".into(), Some(h.clone())).await);
        assert!(!verify("wrong horse battery".into(), Some(h)).await);
    }

    #[tokio::test]
    async fn unknown_users_never_verify() {
        assert!(!verify("anything at all".into(), None).await);
        assert!(
            PasswordHash::new(DUMMY_HASH).is_ok(),
            "the dummy hash parses, so the work is done"
        );
    }

    #[test]
    fn new_password_rules() {
        assert!(check_new("short").is_some());
        assert!(check_new("          ").is_some());
        assert!(check_new(&"x".repeat(2000)).is_some());
        assert!(check_new("long enough pass").is_none());
    }
}
