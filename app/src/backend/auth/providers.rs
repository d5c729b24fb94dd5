//! OAuth 2.0 / OpenID Connect providers, from configuration rather than code. Presets fill in
//! the endpoints and field names of GitHub, Google and GoHighLevel; any other provider is
//! described entirely by variables (the `generic` preset). See the README for the variables.

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldMap {
    /// Dotted paths into the user-info JSON (e.g. `data.user.id`).
    pub id: String,
    pub email: String,
    /// None: the provider does not say; its e-mails are treated as unverified.
    pub email_verified: Option<String>,
    pub name: String,
    pub avatar: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderConfig {
    /// URL-safe identifier used in paths: /auth/oauth/{id}/start.
    pub id: String,
    pub label: String,
    pub client_id: String,
    pub client_secret: String,
    pub auth_url: String,
    pub token_url: String,
    /// May contain `{field}` placeholders filled from the token response (GoHighLevel's
    /// `{userId}`).
    pub userinfo_url: String,
    /// A GitHub-style list of `{email, verified, primary}`, consulted for a verified address.
    pub emails_url: Option<String>,
    pub scopes: Vec<String>,
    pub fields: FieldMap,
    /// Extra headers for user-info requests (e.g. an API version).
    pub headers: Vec<(String, String)>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProviderConfigError {
    #[error("{0} is required for OAuth provider `{1}`")]
    Missing(String, String),
    #[error("OAuth provider id `{0}` must be lower-case letters, digits and hyphens")]
    BadId(String),
    #[error("unknown OAUTH_{0}_PRESET `{1}` (github, google, gohighlevel or generic)")]
    UnknownPreset(String, String),
    #[error("OAuth provider `{0}` is listed twice in OAUTH_PROVIDERS")]
    Duplicate(String),
    #[error("{0} for OAuth provider `{1}` is not an absolute http(s) URL")]
    BadUrl(String, String),
}

struct Preset {
    label: &'static str,
    auth_url: &'static str,
    token_url: &'static str,
    userinfo_url: &'static str,
    emails_url: Option<&'static str>,
    scopes: &'static str,
    id: &'static str,
    email: &'static str,
    email_verified: Option<&'static str>,
    name: &'static str,
    avatar: Option<&'static str>,
    headers: &'static [(&'static str, &'static str)],
}

fn preset(name: &str) -> Option<Preset> {
    match name {
        "github" => Some(Preset {
            label: "GitHub",
            auth_url: "https://github.com/login/oauth/authorize",
            token_url: "https://github.com/login/oauth/access_token",
            userinfo_url: "https://api.github.com/user",
            emails_url: Some("https://api.github.com/user/emails"),
            scopes: "read:user user:email",
            id: "id",
            email: "email",
            email_verified: None,
            name: "name",
            avatar: Some("avatar_url"),
            headers: &[("X-GitHub-Api-Version", "2022-11-28")],
        }),
        "google" => Some(Preset {
            label: "Google",
            auth_url: "https://accounts.google.com/o/oauth2/v2/auth",
            token_url: "https://oauth2.googleapis.com/token",
            userinfo_url: "https://openidconnect.googleapis.com/v1/userinfo",
            emails_url: None,
            scopes: "openid email profile",
            id: "sub",
            email: "email",
            email_verified: Some("email_verified"),
            name: "name",
            avatar: Some("picture"),
            headers: &[],
        }),
        // GoHighLevel has no user-info endpoint of its own: the token response names the user,
        // whose record the Users API returns.
        "gohighlevel" => Some(Preset {
            label: "GoHighLevel",
            auth_url: "https://marketplace.gohighlevel.com/oauth/chooselocation",
            token_url: "https://services.leadconnectorhq.com/oauth/token",
            userinfo_url: "https://services.leadconnectorhq.com/users/{userId}",
            emails_url: None,
            scopes: "users.readonly",
            id: "id",
            email: "email",
            email_verified: None,
            name: "name",
            avatar: None,
            headers: &[("Version", "2021-07-28")],
        }),
        "generic" => Some(Preset {
            label: "",
            auth_url: "",
            token_url: "",
            userinfo_url: "",
            emails_url: None,
            scopes: "openid email profile",
            id: "sub",
            email: "email",
            email_verified: Some("email_verified"),
            name: "name",
            avatar: Some("picture"),
            headers: &[],
        }),
        _ => None,
    }
}

fn absolute_url(value: String, var: &str, id: &str) -> Result<String, ProviderConfigError> {
    let ok = url::Url::parse(&value.replace(['{', '}'], ""))
        .map(|u| matches!(u.scheme(), "http" | "https"))
        .unwrap_or(false);
    if ok {
        Ok(value)
    } else {
        Err(ProviderConfigError::BadUrl(var.to_owned(), id.to_owned()))
    }
}

/// Reads `OAUTH_PROVIDERS` (comma-separated ids) and each provider's `OAUTH_<ID>_*`
/// variables through `get`.
pub fn from_env(
    get: impl Fn(&str) -> Option<String>,
) -> Result<Vec<ProviderConfig>, ProviderConfigError> {
    let list = get("OAUTH_PROVIDERS").unwrap_or_default();
    let mut out: Vec<ProviderConfig> = Vec::new();
    for id in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let id = id.to_lowercase();
        if !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(ProviderConfigError::BadId(id));
        }
        if out.iter().any(|p| p.id == id) {
            return Err(ProviderConfigError::Duplicate(id));
        }
        let key = id.to_uppercase().replace('-', "_");
        let var = |name: &str| format!("OAUTH_{key}_{name}");
        let opt = |name: &str| {
            get(&var(name))
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let req = |name: &str| {
            opt(name).ok_or_else(|| ProviderConfigError::Missing(var(name), id.clone()))
        };

        let preset_name = opt("PRESET").unwrap_or_else(|| {
            if preset(&id).is_some() {
                id.clone()
            } else {
                "generic".into()
            }
        });
        let p = preset(&preset_name)
            .ok_or_else(|| ProviderConfigError::UnknownPreset(key.clone(), preset_name.clone()))?;
        let or_preset = |name: &str, fallback: &str| -> Result<String, ProviderConfigError> {
            match opt(name) {
                Some(v) => Ok(v),
                None if !fallback.is_empty() => Ok(fallback.to_owned()),
                None => Err(ProviderConfigError::Missing(var(name), id.clone())),
            }
        };
        let scopes = opt("SCOPES").unwrap_or_else(|| p.scopes.to_owned());
        let mut headers: Vec<(String, String)> = p
            .headers
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        if let Some(extra) = opt("HEADERS") {
            for pair in extra.split(';') {
                if let Some((k, v)) = pair.split_once(':') {
                    headers.push((k.trim().to_owned(), v.trim().to_owned()));
                }
            }
        }
        out.push(ProviderConfig {
            label: opt("LABEL").unwrap_or_else(|| {
                if p.label.is_empty() {
                    capitalise(&id)
                } else {
                    p.label.to_owned()
                }
            }),
            client_id: req("CLIENT_ID")?,
            client_secret: req("CLIENT_SECRET")?,
            auth_url: absolute_url(or_preset("AUTH_URL", p.auth_url)?, &var("AUTH_URL"), &id)?,
            token_url: absolute_url(or_preset("TOKEN_URL", p.token_url)?, &var("TOKEN_URL"), &id)?,
            userinfo_url: absolute_url(
                or_preset("USERINFO_URL", p.userinfo_url)?,
                &var("USERINFO_URL"),
                &id,
            )?,
            emails_url: match opt("EMAILS_URL").or(p.emails_url.map(str::to_owned)) {
                Some(u) => Some(absolute_url(u, &var("EMAILS_URL"), &id)?),
                None => None,
            },
            scopes: scopes
                .split([' ', ','])
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            fields: FieldMap {
                id: opt("ID_FIELD").unwrap_or_else(|| p.id.to_owned()),
                email: opt("EMAIL_FIELD").unwrap_or_else(|| p.email.to_owned()),
                email_verified: opt("EMAIL_VERIFIED_FIELD").or(p.email_verified.map(str::to_owned)),
                name: opt("NAME_FIELD").unwrap_or_else(|| p.name.to_owned()),
                avatar: opt("AVATAR_FIELD").or(p.avatar.map(str::to_owned)),
            },
            headers,
            id,
        });
    }
    Ok(out)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn none_configured_is_fine() {
        assert_eq!(from_env(env(&[])).unwrap(), vec![]);
    }

    #[test]
    fn presets_need_only_credentials() {
        let p = from_env(env(&[
            ("OAUTH_PROVIDERS", "github, google"),
            ("OAUTH_GITHUB_CLIENT_ID", "gh-id"),
            ("OAUTH_GITHUB_CLIENT_SECRET", "gh-secret"),
            ("OAUTH_GOOGLE_CLIENT_ID", "g-id"),
            ("OAUTH_GOOGLE_CLIENT_SECRET", "g-secret"),
        ]))
        .unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].label, "GitHub");
        assert!(p[0].emails_url.is_some());
        assert_eq!(
            p[1].fields.email_verified.as_deref(),
            Some("email_verified")
        );
        assert_eq!(p[1].scopes, vec!["openid", "email", "profile"]);
    }

    #[test]
    fn a_generic_provider_is_described_by_variables() {
        let p = from_env(env(&[
            ("OAUTH_PROVIDERS", "acme-sso"),
            ("OAUTH_ACME_SSO_CLIENT_ID", "id"),
            ("OAUTH_ACME_SSO_CLIENT_SECRET", "secret"),
            ("OAUTH_ACME_SSO_AUTH_URL", "https://sso.acme.test/authorize"),
            ("OAUTH_ACME_SSO_TOKEN_URL", "https://sso.acme.test/token"),
            ("OAUTH_ACME_SSO_USERINFO_URL", "https://sso.acme.test/me"),
            ("OAUTH_ACME_SSO_ID_FIELD", "data.uid"),
            ("OAUTH_ACME_SSO_LABEL", "Acme SSO"),
        ]))
        .unwrap();
        assert_eq!(p[0].id, "acme-sso");
        assert_eq!(p[0].label, "Acme SSO");
        assert_eq!(p[0].fields.id, "data.uid");
    }

    #[test]
    fn misconfiguration_is_named() {
        let missing = from_env(env(&[
            ("OAUTH_PROVIDERS", "github"),
            ("OAUTH_GITHUB_CLIENT_ID", "x"),
        ]));
        assert_eq!(
            missing.unwrap_err(),
            ProviderConfigError::Missing("OAUTH_GITHUB_CLIENT_SECRET".into(), "github".into())
        );
        let generic = from_env(env(&[
            ("OAUTH_PROVIDERS", "corp"),
            ("OAUTH_CORP_CLIENT_ID", "x"),
            ("OAUTH_CORP_CLIENT_SECRET", "y"),
        ]));
        assert!(
            matches!(generic, Err(ProviderConfigError::Missing(v, _)) if v == "OAUTH_CORP_AUTH_URL")
        );
        let bad_url = from_env(env(&[
            ("OAUTH_PROVIDERS", "corp"),
            ("OAUTH_CORP_CLIENT_ID", "x"),
            ("OAUTH_CORP_CLIENT_SECRET", "y"),
            ("OAUTH_CORP_AUTH_URL", "javascript:alert(1)"),
            ("OAUTH_CORP_TOKEN_URL", "https://t"),
            ("OAUTH_CORP_USERINFO_URL", "https://u"),
        ]));
        assert!(matches!(bad_url, Err(ProviderConfigError::BadUrl(..))));
        assert!(matches!(
            from_env(env(&[("OAUTH_PROVIDERS", "Bad Id")])),
            Err(ProviderConfigError::BadId(_))
        ));
        assert!(matches!(
            from_env(env(&[("OAUTH_PROVIDERS", "x"), ("OAUTH_X_PRESET", "nope")])),
            Err(ProviderConfigError::UnknownPreset(..))
        ));
    }
}
