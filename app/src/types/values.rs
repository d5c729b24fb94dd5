//! Domain values that parse instead of validate: once you hold an `Email` or a `Slug`, it is
//! well-formed. Shared with the browser so forms can say what is wrong before sending.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An e-mail address, trimmed and lower-cased (addresses are compared case-insensitively
/// here; the local part's case is not significant at any provider we know of).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 320;

    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let s = raw.trim().to_lowercase();
        if s.is_empty() {
            return Err("is required");
        }
        if s.len() > Self::MAX_LEN {
            return Err("is too long");
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return Err("must look like name@example.com");
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        if local.is_empty()
            || local.contains('@')
            || !domain_ok
            || s.chars().any(char::is_whitespace)
        {
            return Err("must look like name@example.com");
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = &'static str;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Email::parse(&s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A workspace's URL name: 2–48 characters of a–z, 0–9 and inner hyphens.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

impl Slug {
    pub const MAX_LEN: usize = 48;

    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let s = raw.trim();
        if s.len() < 2 || s.len() > Self::MAX_LEN {
            return Err("must be 2 to 48 characters");
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err("may only use a–z, 0–9 and hyphens");
        }
        if s.starts_with('-') || s.ends_with('-') || s.contains("--") {
            return Err("must not start or end with a hyphen, or repeat one");
        }
        Ok(Self(s.to_owned()))
    }

    /// A slug made from a display name ("Acme Corp." → "acme-corp"), or None if nothing usable is left.
    pub fn from_name(name: &str) -> Option<Self> {
        let mut out = String::new();
        for c in name.to_lowercase().chars() {
            if c.is_ascii_alphanumeric() {
                out.push(c);
            } else if !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
            if out.len() >= Self::MAX_LEN - 4 {
                break;
            }
        }
        let out = out.trim_end_matches('-');
        Slug::parse(out).ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Slug {
    type Error = &'static str;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Slug::parse(&s)
    }
}

impl From<Slug> for String {
    fn from(s: Slug) -> String {
        s.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A company's internet domain, normalised: lower-case host without scheme, `www.`, port
/// or path ("https://www.Acme.com/about" → "acme.com").
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(try_from = "String", into = "String")]
pub struct Domain(String);

impl Domain {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let mut s = raw.trim().to_lowercase();
        if let Some(rest) = s.split_once("://").map(|(_, r)| r.to_owned()) {
            s = rest;
        }
        let host = s.split(['/', '?', '#']).next().unwrap_or("");
        let host = host.rsplit_once('@').map(|(_, h)| h).unwrap_or(host);
        let host = host.split(':').next().unwrap_or("").trim_end_matches('.');
        let host = host.strip_prefix("www.").unwrap_or(host);
        if host.is_empty() {
            return Err("is required");
        }
        if host.len() > 253 || !host.contains('.') {
            return Err("must be a domain such as acme.com");
        }
        let labels_ok = host.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
        if !labels_ok {
            return Err("must be a domain such as acme.com (letters, digits, hyphens and dots)");
        }
        Ok(Self(host.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Domain {
    type Error = &'static str;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Domain::parse(&s)
    }
}

impl From<Domain> for String {
    fn from(d: Domain) -> String {
        d.0
    }
}

/// An absolute http(s) URL without spaces; `example.com/x` gets `https://` in front.
pub fn parse_web_url(raw: &str) -> Result<String, &'static str> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("is required");
    }
    let with_scheme = if s.starts_with("http://") || s.starts_with("https://") {
        s.to_owned()
    } else if s.contains("://") {
        return Err("must start with http:// or https://");
    } else {
        format!("https://{s}")
    };
    let host = with_scheme
        .split("://")
        .nth(1)
        .and_then(|r| r.split(['/', '?', '#']).next())
        .unwrap_or("");
    if with_scheme.len() > 2048
        || with_scheme.chars().any(char::is_whitespace)
        || Domain::parse(host).is_err()
    {
        return Err("must be a web address such as https://acme.com");
    }
    Ok(with_scheme)
}

/// An ISO 3166-1 alpha-2 country code, upper-case ("de" → "DE").
pub fn parse_country(raw: &str) -> Result<String, &'static str> {
    let s = raw.trim().to_uppercase();
    if s.len() == 2 && s.chars().all(|c| c.is_ascii_uppercase()) {
        Ok(s)
    } else {
        Err("must be a two-letter country code such as DE or US")
    }
}

/// Optional text: trimmed, empty → None, at most `max` characters.
pub fn parse_optional_text(raw: Option<&str>, max: usize) -> Result<Option<String>, String> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) if s.chars().count() > max => Err(format!("must be at most {max} characters")),
        Some(s) => Ok(Some(s.to_owned())),
    }
}

/// A required, trimmed, single-line name of at most `max` characters.
pub fn parse_name(raw: &str, max: usize) -> Result<String, String> {
    let s = raw.trim();
    if s.is_empty() {
        Err("is required".into())
    } else if s.chars().count() > max {
        Err(format!("must be at most {max} characters"))
    } else if s.chars().any(|c| c.is_control()) {
        Err("must be a single line of text".into())
    } else {
        Ok(s.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse("  Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "ada@ex..com",
            "ada@.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(serde_json::from_str::<Email>("\"nope\"").is_err());
    }

    #[test]
    fn slugs() {
        assert!(Slug::parse("acme").is_ok());
        assert!(Slug::parse("acme-2").is_ok());
        for bad in [
            "a",
            "Acme",
            "-acme",
            "acme-",
            "ac--me",
            "acme corp",
            "<script>",
            &"a".repeat(49),
        ] {
            assert!(Slug::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(Slug::from_name("Acme Corp.").unwrap().as_str(), "acme-corp");
        assert_eq!(
            Slug::from_name("  Ünïcode  Ltd ").unwrap().as_str(),
            "n-code-ltd"
        );
        assert!(Slug::from_name("!!!").is_none());
    }

    #[test]
    fn domains() {
        for (raw, want) in [
            ("acme.com", "acme.com"),
            ("https://www.Acme.com/about?x=1", "acme.com"),
            ("http://user@shop.acme.co.uk:8080/", "shop.acme.co.uk"),
            ("ACME.COM.", "acme.com"),
        ] {
            assert_eq!(Domain::parse(raw).unwrap().as_str(), want, "{raw}");
        }
        for bad in [
            "",
            "localhost",
            "acme..com",
            "-acme.com",
            "ac me.com",
            "<script>.com",
            "acme_corp.com",
        ] {
            assert!(Domain::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn urls_and_countries() {
        assert_eq!(parse_web_url("acme.com/x").unwrap(), "https://acme.com/x");
        assert_eq!(parse_web_url("http://acme.com").unwrap(), "http://acme.com");
        assert!(parse_web_url("javascript:alert(1)").is_err());
        assert!(parse_web_url("ftp://acme.com").is_err());
        assert!(parse_web_url("https://acme .com").is_err());
        assert_eq!(parse_country(" de ").unwrap(), "DE");
        assert!(parse_country("Germany").is_err());
        assert_eq!(parse_optional_text(Some("  "), 5).unwrap(), None);
        assert!(parse_optional_text(Some("toolong"), 5).is_err());
    }

    #[test]
    fn names() {
        assert_eq!(parse_name("  Acme  ", 10).unwrap(), "Acme");
        assert!(parse_name("   ", 10).is_err());
        assert!(parse_name("x\ny", 10).is_err());
        assert!(parse_name(&"x".repeat(11), 10).is_err());
    }
}
