//! Encryption at rest for secrets the server must read back (OAuth provider tokens, PKCE
//! verifiers, later integration keys and webhook secrets): XChaCha20-Poly1305 with a 256-bit
//! key from configuration. Stored as base64(nonce ‖ ciphertext); the random 192-bit nonce
//! makes reuse practically impossible.

use std::{fmt, path::Path};

use base64::{engine::general_purpose::STANDARD, Engine};
use chacha20poly1305::{
    aead::{Aead, KeyInit},
    Key, XChaCha20Poly1305, XNonce,
};

const NONCE_LEN: usize = 24;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("SECRET_KEY must be 32 bytes, base64-encoded (e.g. `openssl rand -base64 32`)")]
    Malformed,
    #[error("SECRET_KEY is required when APP_ENV=production")]
    MissingInProduction,
    #[error("could not read or create the key file {path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
}

#[derive(Debug, thiserror::Error)]
#[error("a stored secret could not be decrypted (wrong SECRET_KEY, or the value was altered)")]
pub struct DecryptError;

#[derive(Clone)]
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

impl SecretBox {
    pub fn from_base64(key: &str) -> Result<Self, KeyError> {
        let bytes = STANDARD
            .decode(key.trim())
            .map_err(|_| KeyError::Malformed)?;
        let key = Key::try_from(bytes.as_slice()).map_err(|_| KeyError::Malformed)?;
        Ok(Self {
            cipher: XChaCha20Poly1305::new(&key),
        })
    }

    /// The embedded default: a key generated once into `path` (mode 0600) and reused.
    pub fn from_key_file(path: &Path) -> Result<Self, KeyError> {
        let err = |source| KeyError::File {
            path: path.display().to_string(),
            source,
        };
        if let Ok(existing) = std::fs::read_to_string(path) {
            return Self::from_base64(&existing);
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(err)?;
        }
        let mut raw = [0u8; 32];
        getrandom::fill(&mut raw).expect("the operating system's random source is available");
        let encoded = STANDARD.encode(raw);
        write_private(path, &encoded).map_err(err)?;
        Self::from_base64(&encoded)
    }

    pub fn encrypt(&self, plaintext: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).expect("the operating system's random source is available");
        let sealed = self
            .cipher
            .encrypt(&XNonce::from(nonce), plaintext.as_bytes())
            .expect("XChaCha20-Poly1305 encryption of an in-memory buffer cannot fail");
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        STANDARD.encode(out)
    }

    pub fn decrypt(&self, stored: &str) -> Result<String, DecryptError> {
        let raw = STANDARD.decode(stored).map_err(|_| DecryptError)?;
        if raw.len() < NONCE_LEN {
            return Err(DecryptError);
        }
        let (nonce, sealed) = raw.split_at(NONCE_LEN);
        let nonce = XNonce::try_from(nonce).map_err(|_| DecryptError)?;
        let plain = self
            .cipher
            .decrypt(&nonce, sealed)
            .map_err(|_| DecryptError)?;
        String::from_utf8(plain).map_err(|_| DecryptError)
    }
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(contents.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_box() -> SecretBox {
        SecretBox::from_base64(&STANDARD.encode([7u8; 32])).unwrap()
    }

    #[test]
    fn round_trips_and_never_repeats_ciphertext() {
        let b = test_box();
        let a = b.encrypt("gho_secret");
        let c = b.encrypt("gho_secret");
        assert_ne!(a, c, "fresh nonce each time");
        assert!(!a.contains("gho_secret"));
        assert_eq!(b.decrypt(&a).unwrap(), "gho_secret");
    }

    #[test]
    fn tampering_and_wrong_keys_are_detected() {
        let b = test_box();
        let mut raw = STANDARD.decode(b.encrypt("x")).unwrap();
        let last = raw.len() - 1;
        raw[last] ^= 1;
        assert!(b.decrypt(&STANDARD.encode(raw)).is_err());
        let other = SecretBox::from_base64(&STANDARD.encode([8u8; 32])).unwrap();
        assert!(other.decrypt(&b.encrypt("x")).is_err());
        assert!(b.decrypt("not base64 !").is_err());
    }

    #[test]
    fn keys_must_be_32_bytes() {
        assert!(SecretBox::from_base64(&STANDARD.encode([1u8; 16])).is_err());
        assert!(SecretBox::from_base64("%%%").is_err());
    }

    #[test]
    fn key_file_is_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/secret.key");
        let a = SecretBox::from_key_file(&path).unwrap();
        let b = SecretBox::from_key_file(&path).unwrap();
        assert_eq!(b.decrypt(&a.encrypt("same key")).unwrap(), "same key");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
