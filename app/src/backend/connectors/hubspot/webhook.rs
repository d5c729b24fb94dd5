//! HubSpot's webhooks: a change in a connected account triggers an incremental sync.
//!
//! HubSpot signs each call with its v3 signature: base64 of HMAC-SHA256, keyed with the
//! app's client secret, over method + URI + body + timestamp (`X-HubSpot-Signature-v3`,
//! `X-HubSpot-Request-Timestamp` in ms); a call older than five minutes is refused, so a
//! captured one cannot be replayed later. The body is a JSON array of events naming their
//! account (`portalId`); each connected connector of those accounts is synced (a sync
//! already queued or running stands for all events until it starts).

use base64::{engine::general_purpose::STANDARD, Engine};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::backend::repo::connectors as repo;
use crate::backend::{AppState, Error, Result, WorkspaceId};
use crate::types::{ConnectorKind, ConnectorState};

/// The longest a signed call may take to arrive.
pub const MAX_AGE_MS: i64 = 5 * 60 * 1000;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("the X-HubSpot-Signature-v3 or X-HubSpot-Request-Timestamp header is missing")]
    Missing,
    #[error("the request is older than five minutes")]
    Stale,
    #[error("the signature does not match")]
    Mismatch,
}

/// The v3 signature of a call, as HubSpot computes it.
pub fn sign(secret: &str, method: &str, uri: &str, body: &[u8], timestamp: &str) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(method.as_bytes());
    mac.update(uri.as_bytes());
    mac.update(body);
    mac.update(timestamp.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// Checks a call's v3 signature and age (`now_ms`), in constant time.
pub fn verify(
    secret: &str,
    method: &str,
    uri: &str,
    body: &[u8],
    signature: Option<&str>,
    timestamp: Option<&str>,
    now_ms: i64,
) -> std::result::Result<(), SignatureError> {
    let (Some(signature), Some(timestamp)) = (signature, timestamp) else {
        return Err(SignatureError::Missing);
    };
    let at: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| SignatureError::Stale)?;
    if (now_ms - at).abs() > MAX_AGE_MS {
        return Err(SignatureError::Stale);
    }
    let expected = sign(secret, method, uri, body, timestamp.trim());
    if subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), signature.trim().as_bytes()).into() {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Event {
    portal_id: i64,
}

/// Queues a sync of every connected HubSpot connector of the accounts `body` names; answers
/// how many were queued (or were already).
pub async fn received(state: &AppState, body: &[u8]) -> Result<usize> {
    let events: Vec<Event> = serde_json::from_slice(body)
        .map_err(|e| Error::BadRequest(format!("not a HubSpot event list: {e}")))?;
    let mut portals: Vec<String> = events.iter().map(|e| e.portal_id.to_string()).collect();
    portals.sort();
    portals.dedup();
    let mut queued = 0;
    for portal in portals {
        for row in repo::by_account(&state.db, ConnectorKind::Hubspot, &portal).await? {
            if ConnectorState::parse(&row.state) != Some(ConnectorState::Connected) {
                continue;
            }
            // The signed event names the account; its connectors vouch for their workspace.
            let workspace = WorkspaceId::vouched(row.workspace_id);
            super::super::start_sync(state, workspace, &row, false).await?;
            queued += 1;
        }
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy";

    #[test]
    fn a_signed_call_passes_and_any_change_fails() {
        let uri = "https://app.example.com/hooks/hubspot";
        let body =
            br#"[{"portalId":4242,"objectId":1,"subscriptionType":"company.propertyChange"}]"#;
        let now = 1_800_000_000_000_i64;
        let ts = now.to_string();
        let sig = sign(SECRET, "POST", uri, body, &ts);
        assert_eq!(
            verify(SECRET, "POST", uri, body, Some(&sig), Some(&ts), now),
            Ok(())
        );
        assert_eq!(
            verify(SECRET, "POST", uri, b"[]", Some(&sig), Some(&ts), now),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify("other", "POST", uri, body, Some(&sig), Some(&ts), now),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(
                SECRET,
                "POST",
                uri,
                body,
                Some(&sig),
                Some(&ts),
                now + MAX_AGE_MS + 1
            ),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(SECRET, "POST", uri, body, None, Some(&ts), now),
            Err(SignatureError::Missing)
        );
    }
}
