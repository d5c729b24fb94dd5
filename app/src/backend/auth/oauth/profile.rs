//! The person as the provider describes them: the user info (and, where the provider keeps
//! them apart, the verified e-mail addresses) read into a `ProviderProfile`.

use oauth2::TokenResponse;
use serde_json::Value;

use super::{OAuth, OAuthError, ProviderProfile, TokenResp};
use crate::backend::auth::providers::{FieldMap, ProviderConfig};

impl OAuth {
    pub(super) async fn profile(
        &self,
        p: &ProviderConfig,
        token: &TokenResp,
    ) -> Result<ProviderProfile, OAuthError> {
        let url = fill_placeholders(&p.userinfo_url, &token.extra_fields().fields);
        let json = self
            .get_json(p, &url, token.access_token().secret())
            .await?;
        let mut profile = extract_profile(&json, &p.fields).ok_or_else(|| {
            OAuthError::Profile(format!("no `{}` field in the user info", p.fields.id))
        })?;
        if let Some(emails_url) = &p.emails_url {
            if !profile.email_verified {
                let list = self
                    .get_json(p, emails_url, token.access_token().secret())
                    .await?;
                if let Some(verified) = pick_verified_email(&list, profile.email.as_deref()) {
                    profile.email = Some(verified);
                    profile.email_verified = true;
                }
            }
        }
        Ok(profile)
    }

    async fn get_json(
        &self,
        p: &ProviderConfig,
        url: &str,
        access_token: &str,
    ) -> Result<Value, OAuthError> {
        let mut req = self
            .http
            .get(url)
            .bearer_auth(access_token)
            .header(reqwest::header::ACCEPT, "application/json");
        for (k, v) in &p.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let res = req
            .send()
            .await
            .map_err(|e| OAuthError::Profile(e.without_url().to_string()))?;
        let status = res.status();
        if !status.is_success() {
            return Err(OAuthError::Profile(format!(
                "the provider answered {status}"
            )));
        }
        res.json::<Value>()
            .await
            .map_err(|e| OAuthError::Profile(format!("unreadable answer: {}", e.without_url())))
    }
}

/// The value at a dotted path (`a.b.c`) in a JSON document.
pub fn at_path<'a>(json: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(json, |v, key| v.get(key))
}

fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn as_bool(v: &Value) -> bool {
    matches!(v, Value::Bool(true)) || matches!(v, Value::String(s) if s == "true")
}

pub fn extract_profile(json: &Value, fields: &FieldMap) -> Option<ProviderProfile> {
    let subject = at_path(json, &fields.id).and_then(as_text)?;
    Some(ProviderProfile {
        subject,
        email: at_path(json, &fields.email).and_then(as_text),
        email_verified: fields
            .email_verified
            .as_deref()
            .and_then(|f| at_path(json, f))
            .is_some_and(as_bool),
        name: at_path(json, &fields.name)
            .and_then(as_text)
            .or_else(|| json.get("login").and_then(as_text)),
        avatar_url: fields
            .avatar
            .as_deref()
            .and_then(|f| at_path(json, f))
            .and_then(as_text),
    })
}

/// From a GitHub-style e-mail list: the primary verified address, else `preferred` if it is
/// verified, else any verified one.
pub fn pick_verified_email(list: &Value, preferred: Option<&str>) -> Option<String> {
    let items = list.as_array()?;
    let verified = |i: &&Value| i.get("verified").is_some_and(as_bool);
    let email_of = |i: &Value| i.get("email").and_then(as_text);
    items
        .iter()
        .filter(verified)
        .find(|i| i.get("primary").is_some_and(as_bool))
        .and_then(email_of)
        .or_else(|| {
            items
                .iter()
                .filter(verified)
                .find(|i| email_of(i).as_deref() == preferred)
                .and_then(email_of)
        })
        .or_else(|| items.iter().find(verified).and_then(email_of))
}

/// Replaces `{name}` in `template` with the token response's `name` field (URL-encoded).
fn fill_placeholders(template: &str, fields: &serde_json::Map<String, Value>) -> String {
    let mut out = template.to_owned();
    for (k, v) in fields {
        let needle = format!("{{{k}}}");
        if out.contains(&needle) {
            if let Some(text) = as_text(v) {
                let encoded: String =
                    url::form_urlencoded::byte_serialize(text.as_bytes()).collect();
                out = out.replace(&needle, &encoded);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields() -> FieldMap {
        FieldMap {
            id: "sub".into(),
            email: "email".into(),
            email_verified: Some("email_verified".into()),
            name: "name".into(),
            avatar: Some("picture".into()),
        }
    }

    #[test]
    fn profiles_from_json() {
        let p = extract_profile(
            &json!({"sub": 42, "email": "a@b.co", "email_verified": true, "name": "A"}),
            &fields(),
        )
        .unwrap();
        assert_eq!(p.subject, "42");
        assert!(p.email_verified);
        let p =
            extract_profile(&json!({"sub": "x", "email_verified": "false"}), &fields()).unwrap();
        assert!(!p.email_verified);
        assert_eq!(p.email, None);
        assert!(extract_profile(&json!({"email": "a@b.co"}), &fields()).is_none());
        let nested = FieldMap {
            id: "data.user.id".into(),
            ..fields()
        };
        assert_eq!(
            extract_profile(&json!({"data": {"user": {"id": "n"}}}), &nested)
                .unwrap()
                .subject,
            "n"
        );
    }

    #[test]
    fn verified_email_choice() {
        let list = json!([
            {"email": "old@x.co", "verified": true, "primary": false},
            {"email": "unverified@x.co", "verified": false, "primary": false},
            {"email": "main@x.co", "verified": true, "primary": true},
        ]);
        assert_eq!(
            pick_verified_email(&list, None).as_deref(),
            Some("main@x.co")
        );
        let no_primary =
            json!([{"email": "u@x.co", "verified": false}, {"email": "v@x.co", "verified": true}]);
        assert_eq!(
            pick_verified_email(&no_primary, Some("u@x.co")).as_deref(),
            Some("v@x.co")
        );
        assert_eq!(
            pick_verified_email(&json!([{"email": "u@x.co", "verified": false}]), None),
            None
        );
    }

    #[test]
    fn placeholders_come_from_the_token_response() {
        let mut m = serde_json::Map::new();
        m.insert("userId".into(), json!("u/1 2"));
        assert_eq!(
            fill_placeholders("https://h/users/{userId}", &m),
            "https://h/users/u%2F1+2"
        );
        assert_eq!(fill_placeholders("https://h/me", &m), "https://h/me");
    }
}
