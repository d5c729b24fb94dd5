//! A fake GoHighLevel (API v2) for the connector tests and the sync benchmark: an Axum server
//! speaking the documented wire format of the endpoints the sync calls — bearer tokens and
//! the `Version` header, the location, opportunity pipelines, contact and opportunity search
//! (sorted by last update, a `range` filter on it, `searchAfter` paging, page-size limits),
//! rate-limit headers, and GoHighLevel's error bodies (`{"statusCode", "message"}`; 401, 403,
//! 422, 429 with `Retry-After`). Records are kept (tests change them between syncs) or
//! generated from their index (the benchmark).

#![allow(dead_code)]

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use axum::{
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde_json::{json, Value};

pub const TOKEN: &str = "pit-fake-0000-1111";
pub const LOCATION: &str = "loc1FakeLocation";

/// One contact or opportunity: its id, fields (as GoHighLevel names them) and last update.
#[derive(Clone, Debug)]
pub struct Rec {
    pub id: String,
    pub fields: Value,
    pub updated_ms: i64,
}

pub type Generator = Arc<dyn Fn(usize) -> Rec + Send + Sync>;

#[derive(Clone)]
pub enum Records {
    Kept(Vec<Rec>),
    /// `n` records, the i-th made by the generator; generated in update order.
    Generated(usize, Generator),
}

pub struct Data {
    pub token: String,
    pub contacts: Records,
    pub opportunities: Records,
    pub pipelines: Value,
    /// The next this many calls answer 429 with `Retry-After: 1`.
    pub rate_limit_next: usize,
    /// The next search of this kind (`contacts`, `opportunities`) answers JSON cut short.
    pub truncate: Option<&'static str>,
    /// A pause before each search page (a slow location, for a kill mid-sync).
    pub page_delay_ms: u64,
}

#[derive(Clone)]
pub struct FakeGoHighLevel {
    pub addr: SocketAddr,
    pub data: Arc<Mutex<Data>>,
    /// Each call as "METHOD path" followed by its JSON body, if any.
    hits: Arc<Mutex<Vec<String>>>,
}

pub fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub fn contact(id: &str, first: &str, email: &str, company: Option<(&str, &str)>, t: i64) -> Rec {
    let mut fields = json!({
        "id": id, "locationId": LOCATION, "firstName": first, "lastName": "Example",
        "firstNameLowerCase": first.to_lowercase(), "lastNameLowerCase": "example",
        "email": email, "phone": "+49 30 1234567", "type": "lead", "tags": [],
        "dateAdded": iso(t), "dateUpdated": iso(t),
    });
    if let Some((name, website)) = company {
        fields["companyName"] = json!(name);
        if !website.is_empty() {
            fields["website"] = json!(website);
        }
    }
    Rec {
        id: id.to_owned(),
        fields,
        updated_ms: t,
    }
}

pub fn opportunity(
    id: &str,
    name: &str,
    value: f64,
    stage: &str,
    status: &str,
    contact: &str,
    t: i64,
) -> Rec {
    Rec {
        id: id.to_owned(),
        fields: json!({
            "id": id, "name": name, "monetaryValue": value, "pipelineId": "pipeSales",
            "pipelineStageId": stage, "status": status, "source": "", "contactId": contact,
            "locationId": LOCATION, "createdAt": iso(t), "updatedAt": iso(t),
            "lastStatusChangeAt": iso(t),
            "contact": {"id": contact, "name": "Someone", "email": "", "tags": []},
        }),
        updated_ms: t,
    }
}

/// One pipeline, "Sales", of three stages, as `GET /opportunities/pipelines` lists it.
pub fn default_pipelines() -> Value {
    json!([{
        "id": "pipeSales", "name": "Sales", "locationId": LOCATION,
        "showInFunnel": true, "showInPieChart": true,
        "stages": [
            {"id": "stNew", "name": "New lead", "position": 0},
            {"id": "stQualified", "name": "Qualified", "position": 1},
            {"id": "stProposal", "name": "Proposal sent", "position": 2},
        ]
    }])
}

fn error(status: StatusCode, message: Value) -> Response {
    let mut body = json!({"statusCode": status.as_u16(), "message": message});
    if status == StatusCode::UNAUTHORIZED {
        body["error"] = json!("Unauthorized");
    }
    (status, Json(body)).into_response()
}

impl FakeGoHighLevel {
    pub async fn start(contacts: Records, opportunities: Records) -> Self {
        let data = Arc::new(Mutex::new(Data {
            token: TOKEN.to_owned(),
            contacts,
            opportunities,
            pipelines: default_pipelines(),
            rate_limit_next: 0,
            truncate: None,
            page_delay_ms: 0,
        }));
        let fake = FakeGoHighLevel {
            addr: "127.0.0.1:0".parse().unwrap(),
            data,
            hits: Arc::default(),
        };
        let app = Router::new()
            .route("/locations/{id}", get(location))
            .route("/opportunities/pipelines", get(pipelines))
            .route("/contacts/search", post(search_contacts))
            .route("/opportunities/search", post(search_opportunities))
            .with_state(fake.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FakeGoHighLevel { addr, ..fake }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn hits(&self) -> Vec<String> {
        self.hits.lock().unwrap().clone()
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut Data) -> R) -> R {
        f(&mut self.data.lock().unwrap())
    }

    /// Replaces (or adds) a kept contact or opportunity.
    pub fn put(&self, kind: &str, rec: Rec) {
        self.with(|d| {
            let records = if kind == "contacts" {
                &mut d.contacts
            } else {
                &mut d.opportunities
            };
            if let Records::Kept(v) = records {
                match v.iter_mut().find(|r| r.id == rec.id) {
                    Some(r) => *r = rec,
                    None => v.push(rec),
                }
            }
        })
    }

    /// Checks the token, the API version and the rate limit; records the call.
    fn gate(&self, headers: &HeaderMap, call: String) -> Option<Response> {
        self.hits.lock().unwrap().push(call);
        let mut d = self.data.lock().unwrap();
        let auth = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if auth != format!("Bearer {}", d.token) {
            return Some(error(StatusCode::UNAUTHORIZED, json!("Invalid JWT")));
        }
        if headers.get("version").and_then(|v| v.to_str().ok()) != Some("2021-07-28") {
            return Some(error(
                StatusCode::BAD_REQUEST,
                json!("version header was not found"),
            ));
        }
        if d.rate_limit_next > 0 {
            d.rate_limit_next -= 1;
            let mut r = error(
                StatusCode::TOO_MANY_REQUESTS,
                json!("Too many requests, please try again later."),
            );
            r.headers_mut().insert("retry-after", "1".parse().unwrap());
            r.headers_mut()
                .insert("x-ratelimit-remaining", "0".parse().unwrap());
            return Some(r);
        }
        None
    }
}

/// The rate-limit headers GoHighLevel sends with every answer.
fn with_limits(mut r: Response) -> Response {
    for (k, v) in [
        ("x-ratelimit-limit-daily", "200000"),
        ("x-ratelimit-daily-remaining", "199000"),
        ("x-ratelimit-interval-milliseconds", "10000"),
        ("x-ratelimit-max", "100"),
        ("x-ratelimit-remaining", "99"),
    ] {
        r.headers_mut().insert(k, v.parse().unwrap());
    }
    r
}

async fn location(
    State(f): State<FakeGoHighLevel>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = f.gate(&headers, format!("GET /locations/{id}")) {
        return r;
    }
    if id != LOCATION {
        return error(
            StatusCode::FORBIDDEN,
            json!("The token does not have access to this location."),
        );
    }
    with_limits(
        Json(json!({"location": {
            "id": LOCATION, "name": "Acme Dental Berlin", "companyId": "agency1",
            "country": "DE", "timezone": "Europe/Berlin", "email": "office@acme-dental.example",
        }}))
        .into_response(),
    )
}

async fn pipelines(
    State(f): State<FakeGoHighLevel>,
    Query(q): Query<std::collections::HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = f.gate(&headers, "GET /opportunities/pipelines".into()) {
        return r;
    }
    if q.get("locationId").map(String::as_str) != Some(LOCATION) {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!(["locationId must be a valid location"]),
        );
    }
    let p = f.data.lock().unwrap().pipelines.clone();
    with_limits(Json(json!({"pipelines": p})).into_response())
}

async fn search_contacts(
    State(f): State<FakeGoHighLevel>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    search(
        f,
        headers,
        body,
        "contacts",
        "pageLimit",
        500,
        "dateUpdated",
    )
    .await
}

async fn search_opportunities(
    State(f): State<FakeGoHighLevel>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    search(
        f,
        headers,
        body,
        "opportunities",
        "limit",
        100,
        "date_updated",
    )
    .await
}

/// The record at sorted position `i`, and how many there are.
fn nth(records: &Records, i: usize) -> Option<Rec> {
    match records {
        Records::Kept(v) => v.get(i).cloned(),
        Records::Generated(n, make) => (i < *n).then(|| make(i)),
    }
}

fn len(records: &Records) -> usize {
    match records {
        Records::Kept(v) => v.len(),
        Records::Generated(n, _) => *n,
    }
}

/// The first position whose (update, id) comes after `after`: records are kept, and
/// generated, in that order.
fn position_after(records: &Records, after: Option<(i64, String)>) -> usize {
    let Some(key) = after else { return 0 };
    let (mut lo, mut hi) = (0, len(records));
    while lo < hi {
        let mid = (lo + hi) / 2;
        let r = nth(records, mid).unwrap();
        if (r.updated_ms, r.id.clone()) <= key {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

#[allow(clippy::too_many_arguments)]
async fn search(
    f: FakeGoHighLevel,
    headers: HeaderMap,
    body: Value,
    kind: &'static str,
    size_field: &str,
    max: u64,
    updated_field: &str,
) -> Response {
    if let Some(r) = f.gate(&headers, format!("POST /{kind}/search {body}")) {
        return r;
    }
    if body["locationId"].as_str() != Some(LOCATION) {
        return error(
            StatusCode::FORBIDDEN,
            json!("The token does not have access to this location."),
        );
    }
    let size = body[size_field].as_u64().unwrap_or(20);
    if size == 0 || size > max {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!([format!("{size_field} must not be greater than {max}")]),
        );
    }
    if body["sort"][0]["field"].as_str() != Some(updated_field)
        || body["sort"][0]["direction"].as_str() != Some("asc")
    {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!([format!(
                "the sync expects a sort on {updated_field}, ascending"
            )]),
        );
    }
    let since = match body.get("filters") {
        None => None,
        Some(filters) => {
            let f0 = &filters[0];
            if f0["field"].as_str() != Some(updated_field) || f0["operator"] != "range" {
                return error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    json!([format!("unsupported filter {f0}")]),
                );
            }
            match f0["value"]["gte"]
                .as_str()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            {
                Some(t) => Some(t.timestamp_millis()),
                None => {
                    return error(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        json!(["range.gte must be an ISO date"]),
                    )
                }
            }
        }
    };
    let after = match body.get("searchAfter") {
        None => None,
        Some(a) => match (a[0].as_i64(), a[1].as_str()) {
            (Some(ms), Some(id)) => Some((ms, id.to_owned())),
            _ => {
                return error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    json!(["searchAfter must be [number, string]"]),
                )
            }
        },
    };
    let delay = f.data.lock().unwrap().page_delay_ms;
    if delay > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
    }
    let (records, truncate) = {
        let mut d = f.data.lock().unwrap();
        let truncate = d.truncate == Some(kind);
        if truncate {
            d.truncate = None;
        }
        let records = if kind == "contacts" {
            d.contacts.clone()
        } else {
            d.opportunities.clone()
        };
        (records, truncate)
    };
    if let Records::Kept(v) = &records {
        let mut sorted = v.clone();
        sorted.sort_by(|a, b| (a.updated_ms, &a.id).cmp(&(b.updated_ms, &b.id)));
        return answer(&Records::Kept(sorted), kind, size, since, after, truncate);
    }
    answer(&records, kind, size, since, after, truncate)
}

fn answer(
    records: &Records,
    kind: &str,
    size: u64,
    since: Option<i64>,
    after: Option<(i64, String)>,
    truncate: bool,
) -> Response {
    let start = match since {
        Some(ms) => position_after(records, Some((ms - 1, "\u{10FFFF}".into()))),
        None => 0,
    };
    let start = start.max(position_after(records, after));
    let total =
        len(records) - position_after(records, since.map(|ms| (ms - 1, "\u{10FFFF}".into())));
    let page: Vec<Value> = (start..)
        .map_while(|i| nth(records, i))
        .take(size as usize)
        .map(|r| {
            let mut v = r.fields.clone();
            v["searchAfter"] = json!([r.updated_ms, r.id]);
            v
        })
        .collect();
    let body = json!({kind: page, "total": total}).to_string();
    if truncate {
        let cut = body.len() / 2;
        return with_limits(
            (
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                body[..cut].to_owned(),
            )
                .into_response(),
        );
    }
    with_limits(
        (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response(),
    )
}
