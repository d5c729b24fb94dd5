//! A fake HubSpot for the connector tests and the sync benchmark: an Axum server speaking
//! the documented wire format of the endpoints the sync calls — bearer tokens, the account,
//! deal pipelines, object lists with `after` paging and inline associations, CRM search
//! (GTE on the last-modified date, ascending, 10,000-result window), v4 association batch
//! reads, and HubSpot's error bodies (401, 429 with `Retry-After`). Objects are either kept
//! (tests change them between syncs) or generated from their index (the benchmark).

#![allow(dead_code)]

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{atomic::AtomicUsize, Arc, Mutex},
};

use axum::{
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde_json::{json, Value};

pub const TOKEN: &str = "pat-na1-fake-token";
pub const PORTAL_ID: i64 = 4242;

/// One CRM object: its id, properties, last change (ms) and associated company.
#[derive(Clone, Debug)]
pub struct Obj {
    pub id: String,
    pub props: Vec<(&'static str, String)>,
    pub updated_ms: i64,
    pub company: Option<String>,
}

pub type Generator = Arc<dyn Fn(usize) -> Obj + Send + Sync>;

#[derive(Clone)]
pub enum Objects {
    Kept(Vec<Obj>),
    Generated(usize, Generator),
}

impl Objects {
    fn len(&self) -> usize {
        match self {
            Objects::Kept(v) => v.len(),
            Objects::Generated(n, _) => *n,
        }
    }
    fn at(&self, i: usize) -> Obj {
        match self {
            Objects::Kept(v) => v[i].clone(),
            Objects::Generated(_, make) => make(i),
        }
    }
}

pub struct Data {
    pub token: String,
    pub objects: HashMap<&'static str, Objects>,
    pub pipelines: Value,
    /// The next this many calls answer 429 with `Retry-After: 1`.
    pub rate_limit_next: usize,
    /// A list page of this object, at this `after`, answers JSON cut in the middle.
    pub truncate: Option<(&'static str, usize)>,
    /// A pause before each list page (a slow account, for a kill mid-sync).
    pub page_delay_ms: u64,
}

#[derive(Clone)]
pub struct FakeHubspot {
    pub addr: SocketAddr,
    pub data: Arc<Mutex<Data>>,
    hits: Arc<Mutex<Vec<String>>>,
    served: Arc<AtomicUsize>,
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

pub fn company(id: usize, name: &str, domain: &str, updated_ms: i64) -> Obj {
    Obj {
        id: id.to_string(),
        props: vec![
            ("name", name.to_owned()),
            ("domain", domain.to_owned()),
            ("industry", "COMPUTER_SOFTWARE".to_owned()),
            ("numberofemployees", "120".to_owned()),
            ("annualrevenue", "2500000".to_owned()),
            ("country", "Germany".to_owned()),
            ("city", "Berlin".to_owned()),
        ],
        updated_ms,
        company: None,
    }
}

pub fn contact(
    id: usize,
    first: &str,
    email: &str,
    company: Option<usize>,
    updated_ms: i64,
) -> Obj {
    let mut props = vec![
        ("firstname", first.to_owned()),
        ("lastname", "Example".to_owned()),
        ("email", email.to_owned()),
        ("jobtitle", "Head of Sales".to_owned()),
    ];
    if let Some(c) = company {
        props.push(("associatedcompanyid", c.to_string()));
    }
    Obj {
        id: id.to_string(),
        props,
        updated_ms,
        company: company.map(|c| c.to_string()),
    }
}

pub fn deal(
    id: usize,
    name: &str,
    amount: &str,
    stage: &str,
    company: Option<usize>,
    updated_ms: i64,
) -> Obj {
    Obj {
        id: id.to_string(),
        props: vec![
            ("dealname", name.to_owned()),
            ("amount", amount.to_owned()),
            ("deal_currency_code", "EUR".to_owned()),
            ("closedate", "2027-03-01T00:00:00.000Z".to_owned()),
            ("pipeline", "default".to_owned()),
            ("dealstage", stage.to_owned()),
        ],
        updated_ms,
        company: company.map(|c| c.to_string()),
    }
}

/// HubSpot's default sales pipeline, as `GET /crm/v3/pipelines/deals` lists it.
pub fn default_pipelines() -> Value {
    let stage = |id: &str, label: &str, order: i32, probability: &str, closed: &str| {
        json!({"id": id, "label": label, "displayOrder": order,
               "metadata": {"isClosed": closed, "probability": probability}})
    };
    json!([{
        "id": "default", "label": "Sales Pipeline", "displayOrder": 0,
        "stages": [
            stage("appointmentscheduled", "Appointment Scheduled", 0, "0.2", "false"),
            stage("qualifiedtobuy", "Qualified To Buy", 1, "0.4", "false"),
            stage("contractsent", "Contract Sent", 2, "0.8", "false"),
            stage("closedwon", "Closed Won", 3, "1.0", "true"),
            stage("closedlost", "Closed Lost", 4, "0.0", "true"),
        ]
    }])
}

fn error(status: StatusCode, message: &str, category: &str) -> Response {
    (
        status,
        Json(json!({"status": "error", "message": message,
                    "correlationId": "00000000-0000-0000-0000-000000000000",
                    "category": category})),
    )
        .into_response()
}

impl FakeHubspot {
    pub async fn start(mut objects: HashMap<&'static str, Objects>) -> Self {
        for kind in ["companies", "contacts", "deals"] {
            objects
                .entry(kind)
                .or_insert_with(|| Objects::Kept(Vec::new()));
        }
        let data = Arc::new(Mutex::new(Data {
            token: TOKEN.to_owned(),
            objects,
            pipelines: default_pipelines(),
            rate_limit_next: 0,
            truncate: None,
            page_delay_ms: 0,
        }));
        let fake = FakeHubspot {
            addr: "127.0.0.1:0".parse().unwrap(),
            data,
            hits: Arc::default(),
            served: Arc::default(),
        };
        let app = Router::new()
            .route("/account-info/v3/details", get(account))
            .route("/crm/v3/pipelines/deals", get(pipelines))
            .route("/crm/v3/objects/{object}", get(list))
            .route("/crm/v3/objects/{object}/search", post(search))
            .route("/crm/v3/objects/{object}/{id}", get(one).patch(update))
            .route(
                "/crm/v4/associations/{from}/{to}/batch/read",
                post(associations),
            )
            .with_state(fake.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FakeHubspot { addr, ..fake }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A kept object as the fake holds it now.
    pub fn find(&self, kind: &'static str, id: &str) -> Option<Obj> {
        self.with(|d| match d.objects.get(kind) {
            Some(Objects::Kept(v)) => v.iter().find(|o| o.id == id).cloned(),
            _ => None,
        })
    }

    /// The calls answered so far, as "METHOD path".
    pub fn hits(&self) -> Vec<String> {
        self.hits.lock().unwrap().clone()
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut Data) -> R) -> R {
        f(&mut self.data.lock().unwrap())
    }

    /// Replaces (or adds) a kept object of `kind`.
    pub fn put(&self, kind: &'static str, obj: Obj) {
        self.with(|d| {
            if let Some(Objects::Kept(v)) = d.objects.get_mut(kind) {
                match v.iter_mut().find(|o| o.id == obj.id) {
                    Some(o) => *o = obj,
                    None => v.push(obj),
                }
            }
        })
    }

    /// Checks the bearer token and the rate limit; records the call.
    fn gate(&self, headers: &HeaderMap, call: String) -> Option<Response> {
        self.hits.lock().unwrap().push(call);
        let mut d = self.data.lock().unwrap();
        let auth = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if auth != format!("Bearer {}", d.token) {
            return Some(error(
                StatusCode::UNAUTHORIZED,
                "Authentication credentials not found. This API supports OAuth 2.0 authentication.",
                "INVALID_AUTHENTICATION",
            ));
        }
        if d.rate_limit_next > 0 {
            d.rate_limit_next -= 1;
            let mut r = (
                StatusCode::TOO_MANY_REQUESTS,
                Json(
                    json!({"status": "error", "message": "You have reached your secondly limit.",
                            "errorType": "RATE_LIMIT", "policyName": "SECONDLY",
                            "correlationId": "00000000-0000-0000-0000-000000000000"}),
                ),
            )
                .into_response();
            r.headers_mut().insert("retry-after", "1".parse().unwrap());
            return Some(r);
        }
        None
    }
}

fn render(o: &Obj, properties: &[String], with_associations: bool) -> Value {
    let mut props = serde_json::Map::new();
    for (k, v) in &o.props {
        if properties.is_empty() || properties.iter().any(|p| p == k) {
            props.insert((*k).to_owned(), json!(v));
        }
    }
    let updated = chrono::DateTime::from_timestamp_millis(o.updated_ms)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    props.insert("hs_object_id".into(), json!(o.id));
    props.insert("hs_lastmodifieddate".into(), json!(updated));
    let mut out = json!({
        "id": o.id, "properties": props, "createdAt": updated, "updatedAt": updated,
        "archived": false,
    });
    if with_associations {
        if let Some(c) = &o.company {
            out["associations"] = json!({"companies": {"results": [
                {"id": c, "type": "deal_to_company"}
            ]}});
        }
    }
    out
}

async fn account(State(f): State<FakeHubspot>, headers: HeaderMap) -> Response {
    if let Some(r) = f.gate(&headers, "GET /account-info/v3/details".into()) {
        return r;
    }
    Json(json!({"portalId": PORTAL_ID, "accountType": "STANDARD", "timeZone": "Europe/Berlin",
                "companyCurrency": "EUR", "uiDomain": "app.hubspot.com", "dataHostingLocation": "eu1"}))
    .into_response()
}

async fn pipelines(State(f): State<FakeHubspot>, headers: HeaderMap) -> Response {
    if let Some(r) = f.gate(&headers, "GET /crm/v3/pipelines/deals".into()) {
        return r;
    }
    let p = f.data.lock().unwrap().pipelines.clone();
    Json(json!({"results": p})).into_response()
}

async fn list(
    State(f): State<FakeHubspot>,
    Path(object): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let after: usize = q.get("after").and_then(|a| a.parse().ok()).unwrap_or(0);
    if let Some(r) = f.gate(
        &headers,
        format!("GET /crm/v3/objects/{object}?after={after}"),
    ) {
        return r;
    }
    let limit: usize = q
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(10)
        .min(100);
    let properties: Vec<String> = q
        .get("properties")
        .map(|p| p.split(',').map(str::to_owned).collect())
        .unwrap_or_default();
    let with_associations = q
        .get("associations")
        .is_some_and(|a| a.contains("companies"));
    let (objects, truncate) = {
        let d = f.data.lock().unwrap();
        let Some(objects) = d.objects.get(object.as_str()).cloned() else {
            return error(
                StatusCode::NOT_FOUND,
                "Unknown object type",
                "OBJECT_NOT_FOUND",
            );
        };
        (objects, d.truncate)
    };
    let end = (after + limit).min(objects.len());
    let results: Vec<Value> = (after..end)
        .map(|i| render(&objects.at(i), &properties, with_associations))
        .collect();
    let mut body = json!({ "results": results });
    if end < objects.len() {
        body["paging"] = json!({"next": {"after": end.to_string(), "link": "?after="}});
    }
    if truncate.is_some_and(|(o, a)| o == object && a == after) {
        let text = body.to_string();
        return (
            StatusCode::OK,
            [("content-type", "application/json")],
            text[..text.len() / 2].to_owned(),
        )
            .into_response();
    }
    Json(body).into_response()
}

async fn search(
    State(f): State<FakeHubspot>,
    Path(object): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let after: usize = body["after"]
        .as_str()
        .and_then(|a| a.parse().ok())
        .unwrap_or(0);
    if let Some(r) = f.gate(
        &headers,
        format!("POST /crm/v3/objects/{object}/search?after={after}"),
    ) {
        return r;
    }
    let limit = body["limit"].as_u64().unwrap_or(10).min(200) as usize;
    if limit > 100 {
        return error(
            StatusCode::BAD_REQUEST,
            "limit must be 100 or less",
            "VALIDATION_ERROR",
        );
    }
    if after + limit > 10_000 {
        return error(
            StatusCode::BAD_REQUEST,
            "Search results are limited to 10,000 records",
            "VALIDATION_ERROR",
        );
    }
    let since: Option<i64> = body["filterGroups"][0]["filters"][0]["value"]
        .as_str()
        .and_then(|v| v.parse().ok());
    let properties: Vec<String> = body["properties"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| p.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let Some(objects) = f.data.lock().unwrap().objects.get(object.as_str()).cloned() else {
        return error(
            StatusCode::NOT_FOUND,
            "Unknown object type",
            "OBJECT_NOT_FOUND",
        );
    };
    let mut matching: Vec<Obj> = (0..objects.len())
        .map(|i| objects.at(i))
        .filter(|o| since.is_none_or(|s| o.updated_ms >= s))
        .collect();
    matching.sort_by(|a, b| {
        a.updated_ms.cmp(&b.updated_ms).then(
            a.id.parse::<u64>()
                .unwrap_or(0)
                .cmp(&b.id.parse::<u64>().unwrap_or(0)),
        )
    });
    let end = (after + limit).min(matching.len());
    let results: Vec<Value> = matching[after.min(end)..end]
        .iter()
        .map(|o| render(o, &properties, false))
        .collect();
    let mut out = json!({"total": matching.len(), "results": results});
    if end < matching.len() {
        out["paging"] = json!({"next": {"after": end.to_string()}});
    }
    Json(out).into_response()
}

async fn associations(
    State(f): State<FakeHubspot>,
    Path((from, to)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Some(r) = f.gate(
        &headers,
        format!("POST /crm/v4/associations/{from}/{to}/batch/read"),
    ) {
        return r;
    }
    let Some(objects) = f.data.lock().unwrap().objects.get(from.as_str()).cloned() else {
        return error(
            StatusCode::NOT_FOUND,
            "Unknown object type",
            "OBJECT_NOT_FOUND",
        );
    };
    let wanted: Vec<String> = body["inputs"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|i| i["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let results: Vec<Value> = (0..objects.len())
        .map(|i| objects.at(i))
        .filter(|o| wanted.contains(&o.id))
        .filter_map(|o| {
            let c: u64 = o.company.as_ref()?.parse().ok()?;
            Some(json!({"from": {"id": o.id}, "to": [{"toObjectId": c,
                "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 5, "label": null}]}]}))
        })
        .collect();
    Json(json!({"status": "COMPLETE", "results": results,
                "startedAt": "2026-12-07T00:00:00Z", "completedAt": "2026-12-07T00:00:01Z"}))
    .into_response()
}

async fn one(
    State(f): State<FakeHubspot>,
    Path((object, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = f.gate(&headers, format!("GET /crm/v3/objects/{object}/{id}")) {
        return r;
    }
    let kind: &'static str = match object.as_str() {
        "companies" => "companies",
        "contacts" => "contacts",
        "deals" => "deals",
        _ => {
            return error(
                StatusCode::NOT_FOUND,
                "Unknown object type",
                "OBJECT_NOT_FOUND",
            )
        }
    };
    match f.find(kind, &id) {
        Some(o) => Json(render(&o, &[], false)).into_response(),
        None => error(
            StatusCode::NOT_FOUND,
            "Object not found",
            "OBJECT_NOT_FOUND",
        ),
    }
}

async fn update(
    State(f): State<FakeHubspot>,
    Path((object, id)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Some(r) = f.gate(&headers, format!("PATCH /crm/v3/objects/{object}/{id}")) {
        return r;
    }
    let kind: &'static str = match object.as_str() {
        "deals" => "deals",
        "companies" => "companies",
        "contacts" => "contacts",
        _ => {
            return error(
                StatusCode::NOT_FOUND,
                "Unknown object type",
                "OBJECT_NOT_FOUND",
            )
        }
    };
    let Some(mut o) = f.find(kind, &id) else {
        return error(
            StatusCode::NOT_FOUND,
            "Object not found",
            "OBJECT_NOT_FOUND",
        );
    };
    for (k, v) in body["properties"].as_object().into_iter().flatten() {
        let key: &'static str = Box::leak(k.clone().into_boxed_str());
        let value = v
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| v.to_string());
        match o.props.iter_mut().find(|(p, _)| *p == key) {
            Some(slot) => slot.1 = value,
            None => o.props.push((key, value)),
        }
    }
    o.updated_ms = now_ms();
    f.put(kind, o.clone());
    Json(render(&o, &[], false)).into_response()
}
