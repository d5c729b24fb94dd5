//! GoHighLevel's API (v2, `services.leadconnectorhq.com`) as the sync uses it: the location
//! (sub-account) a credential opens, its opportunity pipelines, and contacts and
//! opportunities a page at a time through the search endpoints (`POST /contacts/search`,
//! `POST /opportunities/search`), sorted by last update, ascending, each page continuing
//! from the `searchAfter` of the last record of the one before. Every call carries the
//! `Version` header and the location's OAuth or private-integration token as a bearer token.
//!
//! GoHighLevel allows 100 calls per 10 seconds per location: when an answer says none are
//! left (`X-RateLimit-Remaining: 0`), the client waits out the interval it names before
//! going on, rather than running into 429s.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::backend::connectors::http::{self, HttpSettings, RemoteError};

pub const SYSTEM: &str = "GoHighLevel";
pub const API_VERSION: &str = "2021-07-28";
/// Search pages: contacts allow 500 a page, opportunities 100.
pub const CONTACTS_PAGE: usize = 500;
pub const OPPORTUNITIES_PAGE: usize = 100;
/// The longest pause the rate-limit headers can ask for in line.
const MAX_PACING: Duration = Duration::from_secs(10);

/// What is searched: its path, the key its records come under, and the names its search
/// gives the last-update field and the page size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Searched {
    Contacts,
    Opportunities,
}

impl Searched {
    fn path(self) -> &'static str {
        match self {
            Searched::Contacts => "/contacts/search",
            Searched::Opportunities => "/opportunities/search",
        }
    }

    fn updated_field(self) -> &'static str {
        match self {
            Searched::Contacts => "dateUpdated",
            Searched::Opportunities => "date_updated",
        }
    }

    pub fn page_size(self) -> usize {
        match self {
            Searched::Contacts => CONTACTS_PAGE,
            Searched::Opportunities => OPPORTUNITIES_PAGE,
        }
    }
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
    location: String,
    settings: HttpSettings,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("gohighlevel::Client")
            .field("base", &self.base)
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct LocationAnswer {
    pub location: Location,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Location {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
struct Pipelines {
    pipelines: Vec<Pipeline>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Pipeline {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub stages: Vec<Stage>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Stage {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub position: i32,
}

/// One page of a search: records under `contacts` or `opportunities`, and how many match.
#[derive(Clone, Debug, Deserialize)]
pub struct Page {
    #[serde(alias = "contacts", alias = "opportunities")]
    pub records: Vec<Record>,
    #[serde(default, alias = "count")]
    pub total: Option<i64>,
}

/// A contact or an opportunity: its id, where the next page starts after it, and its fields.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    pub id: String,
    #[serde(default)]
    pub search_after: Option<Vec<Value>>,
    #[serde(flatten)]
    pub fields: serde_json::Map<String, Value>,
}

impl Record {
    /// A text field, trimmed; absent, null and empty alike are `None`.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.fields
            .get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    pub fn number(&self, name: &str) -> Option<f64> {
        match self.fields.get(name)? {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// When GoHighLevel last changed it (`dateUpdated` on contacts, `updatedAt` on
    /// opportunities).
    pub fn updated(&self) -> Option<DateTime<Utc>> {
        ["dateUpdated", "updatedAt", "dateAdded", "createdAt"]
            .iter()
            .find_map(|f| self.text(f))
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc))
    }
}

/// GoHighLevel's error body: `{"statusCode": 401, "message": "…"}`, the message sometimes a
/// list of strings.
fn message_of(body: &str) -> String {
    let parsed = serde_json::from_str::<Value>(body).ok();
    match parsed.as_ref().and_then(|v| v.get("message")) {
        Some(Value::String(m)) => m.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("; "),
        _ => body.trim().to_owned(),
    }
}

/// How long to wait before the next call when an answer says the burst allowance is spent.
fn pacing(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let number = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    if number("x-ratelimit-remaining")? > 0 {
        return None;
    }
    let wait = number("x-ratelimit-interval-milliseconds").unwrap_or(10_000);
    Some(Duration::from_millis(wait).min(MAX_PACING))
}

impl Client {
    pub fn new(base: &str, token: &str, location: &str, settings: &HttpSettings) -> Self {
        Self {
            http: http::client(settings),
            base: base.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            location: location.to_owned(),
            settings: settings.clone(),
        }
    }

    async fn read<T: serde::de::DeserializeOwned>(
        &self,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<T, RemoteError> {
        let response = http::send(SYSTEM, &self.settings, message_of, || {
            build()
                .bearer_auth(&self.token)
                .header("Version", API_VERSION)
                .header(reqwest::header::ACCEPT, "application/json")
        })
        .await?;
        let wait = pacing(response.headers());
        let answer = http::json(SYSTEM, response).await;
        if let Some(wait) = wait {
            tokio::time::sleep(wait).await;
        }
        answer
    }

    fn url(&self, path: &str, query: &[(&str, &str)]) -> Result<url::Url, RemoteError> {
        url::Url::parse_with_params(&format!("{}{path}", self.base), query).map_err(|e| {
            RemoteError::Refused {
                system: SYSTEM,
                status: 0,
                message: format!("the GoHighLevel URL is not valid: {e}"),
            }
        })
    }

    /// The location the credential opens (`GET /locations/{id}`).
    pub async fn location(&self) -> Result<Location, RemoteError> {
        let url = self.url(&format!("/locations/{}", self.location), &[])?;
        let answer: LocationAnswer = self.read(|| self.http.get(url.clone())).await?;
        Ok(answer.location)
    }

    /// The location's opportunity pipelines and their stages.
    pub async fn pipelines(&self) -> Result<Vec<Pipeline>, RemoteError> {
        let url = self.url(
            "/opportunities/pipelines",
            &[("locationId", &self.location)],
        )?;
        let answer: Pipelines = self.read(|| self.http.get(url.clone())).await?;
        Ok(answer.pipelines)
    }

    /// One page of `what`, oldest update first: those updated at or after `since_ms` (all
    /// when `None`), continuing after `search_after` (the last record's, from the page
    /// before).
    pub async fn search(
        &self,
        what: Searched,
        since_ms: Option<i64>,
        search_after: Option<&[Value]>,
    ) -> Result<Page, RemoteError> {
        let field = what.updated_field();
        let mut body = json!({
            "locationId": self.location,
            "sort": [{"field": field, "direction": "asc"}],
        });
        match what {
            Searched::Contacts => body["pageLimit"] = json!(what.page_size()),
            Searched::Opportunities => {
                body["limit"] = json!(what.page_size());
                body["query"] = json!("");
            }
        }
        if let Some(since) = since_ms.and_then(DateTime::from_timestamp_millis) {
            body["filters"] = json!([{
                "field": field,
                "operator": "range",
                "value": {"gte": since.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)},
            }]);
        }
        if let Some(after) = search_after {
            body["searchAfter"] = json!(after);
        }
        let url = self.url(what.path(), &[])?;
        self.read(|| self.http.post(url.clone()).json(&body)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_read_either_shape() {
        assert_eq!(
            message_of(r#"{"statusCode":401,"message":"Invalid JWT"}"#),
            "Invalid JWT"
        );
        assert_eq!(
            message_of(r#"{"statusCode":422,"message":["locationId is required","x"]}"#),
            "locationId is required; x"
        );
        assert_eq!(message_of("oops"), "oops");
    }

    #[test]
    fn a_spent_allowance_waits_its_interval() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("x-ratelimit-remaining", "3".parse().expect("header"));
        assert_eq!(pacing(&h), None);
        h.insert("x-ratelimit-remaining", "0".parse().expect("header"));
        h.insert(
            "x-ratelimit-interval-milliseconds",
            "250".parse().expect("header"),
        );
        assert_eq!(pacing(&h), Some(Duration::from_millis(250)));
    }
}
