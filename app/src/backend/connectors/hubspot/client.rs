//! HubSpot's CRM API as the sync uses it: the account, deal pipelines, objects page by page
//! (`GET /crm/v3/objects/{type}` with `after` cursors, associations inline), objects changed
//! since an instant (`POST /crm/v3/objects/{type}/search`, sorted by last-modified date) and
//! associations in batches (`POST /crm/v4/associations/{from}/{to}/batch/read`). Every call
//! carries the private-app or OAuth access token as a bearer token.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;

use crate::backend::connectors::http::{self, HttpSettings, RemoteError};

pub const SYSTEM: &str = "HubSpot";
/// HubSpot's largest page, for listing and for search alike.
pub const PAGE_LIMIT: usize = 100;
/// Search answers at most this many results per query; the sync narrows its filter before.
pub const SEARCH_WINDOW: usize = 10_000;

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
    settings: HttpSettings,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("hubspot::Client")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// `GET /account-info/v3/details`: whose account the token opens.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub portal_id: i64,
    #[serde(default)]
    pub company_currency: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Pipelines {
    pub results: Vec<Pipeline>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pipeline {
    pub id: String,
    pub label: String,
    #[serde(default)]
    pub display_order: i32,
    pub stages: Vec<Stage>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stage {
    pub id: String,
    pub label: String,
    #[serde(default)]
    pub display_order: i32,
    /// `isClosed` ("true"/"false") and `probability` ("0.0" … "1.0"), as strings.
    #[serde(default)]
    pub metadata: HashMap<String, serde_json::Value>,
}

/// One page of objects, from a list or a search.
#[derive(Clone, Debug, Deserialize)]
pub struct Page {
    pub results: Vec<Object>,
    #[serde(default)]
    pub paging: Option<Paging>,
    /// Search only: how many objects match.
    #[serde(default)]
    pub total: Option<i64>,
}

impl Page {
    pub fn next_after(&self) -> Option<&str> {
        self.paging
            .as_ref()
            .and_then(|p| p.next.as_ref())
            .map(|n| n.after.as_str())
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct Paging {
    #[serde(default)]
    pub next: Option<Next>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Next {
    pub after: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Object {
    pub id: String,
    #[serde(default)]
    pub properties: HashMap<String, Option<String>>,
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
    /// With `associations=` on a list: `{"companies": {"results": [{"id": "…"}]}}`.
    #[serde(default)]
    pub associations: HashMap<String, Associated>,
}

impl Object {
    pub fn prop(&self, name: &str) -> Option<&str> {
        self.properties
            .get(name)
            .and_then(|v| v.as_deref())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    /// The first associated object of `kind` (`companies`), if any.
    pub fn first_associated(&self, kind: &str) -> Option<&str> {
        self.associations
            .get(kind)
            .and_then(|a| a.results.first())
            .map(|r| r.id.as_str())
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Associated {
    #[serde(default)]
    pub results: Vec<AssociatedId>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct AssociatedId {
    pub id: String,
}

#[derive(Debug, Deserialize)]
struct BatchAssociations {
    results: Vec<AssociationRow>,
}

#[derive(Debug, Deserialize)]
struct AssociationRow {
    from: AssociatedId,
    #[serde(default)]
    to: Vec<AssociationTarget>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct AssociationTarget {
    to_object_id: serde_json::Value,
}

/// HubSpot's error body: `{"status": "error", "message": "…", "category": "…"}`.
fn message_of(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_owned))
        .unwrap_or_else(|| body.trim().to_owned())
}

impl Client {
    pub fn new(base: &str, token: &str, settings: &HttpSettings) -> Self {
        Self {
            http: http::client(settings),
            base: base.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
            settings: settings.clone(),
        }
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, RemoteError> {
        let url =
            url::Url::parse_with_params(&format!("{}{path}", self.base), query).map_err(|e| {
                RemoteError::Refused {
                    system: SYSTEM,
                    status: 0,
                    message: format!("the HubSpot URL is not valid: {e}"),
                }
            })?;
        let response = http::send(SYSTEM, &self.settings, message_of, || {
            self.http.get(url.clone()).bearer_auth(&self.token)
        })
        .await?;
        http::json(SYSTEM, response).await
    }

    async fn post<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<T, RemoteError> {
        let url = format!("{}{path}", self.base);
        let response = http::send(SYSTEM, &self.settings, message_of, || {
            self.http.post(&url).bearer_auth(&self.token).json(body)
        })
        .await?;
        http::json(SYSTEM, response).await
    }

    /// One object with `properties` (`GET /crm/v3/objects/{type}/{id}`).
    pub async fn object(
        &self,
        object: &str,
        id: &str,
        properties: &[&str],
    ) -> Result<Object, RemoteError> {
        self.get(
            &format!("/crm/v3/objects/{object}/{id}"),
            &[("properties", properties.join(","))],
        )
        .await
    }

    /// Changes an object's properties (`PATCH /crm/v3/objects/{type}/{id}`); answers it as
    /// it now is.
    pub async fn update(
        &self,
        object: &str,
        id: &str,
        properties: &serde_json::Value,
    ) -> Result<Object, RemoteError> {
        let url = format!("{}/crm/v3/objects/{object}/{id}", self.base);
        let body = json!({ "properties": properties });
        let response = http::send(SYSTEM, &self.settings, message_of, || {
            self.http.patch(&url).bearer_auth(&self.token).json(&body)
        })
        .await?;
        http::json(SYSTEM, response).await
    }

    pub async fn account(&self) -> Result<Account, RemoteError> {
        self.get("/account-info/v3/details", &[]).await
    }

    pub async fn deal_pipelines(&self) -> Result<Vec<Pipeline>, RemoteError> {
        let pipelines: Pipelines = self.get("/crm/v3/pipelines/deals", &[]).await?;
        Ok(pipelines.results)
    }

    /// One page of every `object` (`companies`, `contacts`, `deals`), oldest id first.
    pub async fn list(
        &self,
        object: &str,
        properties: &[&str],
        associations: &[&str],
        after: Option<&str>,
    ) -> Result<Page, RemoteError> {
        let mut query = vec![
            ("limit", PAGE_LIMIT.to_string()),
            ("archived", "false".to_owned()),
            ("properties", properties.join(",")),
        ];
        if !associations.is_empty() {
            query.push(("associations", associations.join(",")));
        }
        if let Some(after) = after {
            query.push(("after", after.to_owned()));
        }
        self.get(&format!("/crm/v3/objects/{object}"), &query).await
    }

    /// How many `object`s there are (a search of one, for its `total`).
    pub async fn count(&self, object: &str) -> Result<i64, RemoteError> {
        let page: Page = self
            .post(
                &format!("/crm/v3/objects/{object}/search"),
                &json!({"limit": 1, "properties": ["hs_object_id"]}),
            )
            .await?;
        Ok(page.total.unwrap_or(0))
    }

    /// One page of `object`s whose `modified_property` is at or after `since_ms`, oldest
    /// change first (so the last one seen is where the next query starts).
    pub async fn changed_since(
        &self,
        object: &str,
        modified_property: &str,
        properties: &[&str],
        since_ms: i64,
        after: Option<&str>,
    ) -> Result<Page, RemoteError> {
        let mut body = json!({
            "filterGroups": [{"filters": [{
                "propertyName": modified_property,
                "operator": "GTE",
                "value": since_ms.to_string(),
            }]}],
            "sorts": [{"propertyName": modified_property, "direction": "ASCENDING"}],
            "properties": properties,
            "limit": PAGE_LIMIT,
        });
        if let Some(after) = after {
            body["after"] = json!(after);
        }
        self.post(&format!("/crm/v3/objects/{object}/search"), &body)
            .await
    }

    /// The first `to` object associated with each of `ids` (of type `from`).
    pub async fn first_associations(
        &self,
        from: &str,
        to: &str,
        ids: &[&str],
    ) -> Result<HashMap<String, String>, RemoteError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let inputs: Vec<_> = ids.iter().map(|id| json!({"id": id})).collect();
        let batch: BatchAssociations = self
            .post(
                &format!("/crm/v4/associations/{from}/{to}/batch/read"),
                &json!({"inputs": inputs}),
            )
            .await?;
        Ok(batch
            .results
            .into_iter()
            .filter_map(|row| {
                let first = row.to.first()?;
                let id = match &first.to_object_id {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                Some((row.from.id, id))
            })
            .collect())
    }
}
