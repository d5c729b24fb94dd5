//! A fake Apollo for the enrichment tests: the documented wire format of `GET
//! /api/v1/auth/health` and `POST /api/v1/organizations/bulk_enrich` (at most ten domains, the
//! key in `x-api-key`, `{"error": …}` bodies), with organizations known by domain.

#![allow(dead_code)]

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde_json::{json, Value};

pub const KEY: &str = "apollo-test-key";

#[derive(Clone)]
pub struct FakeApollo {
    pub addr: SocketAddr,
    pub orgs: Arc<Mutex<HashMap<String, Value>>>,
    pub calls: Arc<Mutex<Vec<Vec<String>>>>,
}

/// An organization as Apollo answers it.
pub fn organization(domain: &str) -> Value {
    json!({
        "id": format!("org-{domain}"), "name": domain, "website_url": format!("http://www.{domain}"),
        "linkedin_url": format!("http://www.linkedin.com/company/{}", domain.replace('.', "-")),
        "founded_year": 2012, "primary_domain": domain, "industry": "computer software",
        "estimated_num_employees": 340, "annual_revenue": 42000000.0, "city": "Austin",
        "country": "United States", "short_description": format!("{domain} makes software."),
        "technology_names": ["Salesforce", "AWS"], "total_funding": 45000000,
        "latest_funding_stage": "Series B", "keywords": ["saas"]
    })
}

fn key_ok(headers: &HeaderMap) -> bool {
    headers.get("x-api-key").and_then(|v| v.to_str().ok()) == Some(KEY)
}

async fn health(headers: HeaderMap) -> Response {
    Json(json!({"healthy": true, "is_logged_in": key_ok(&headers)})).into_response()
}

async fn bulk(
    State(f): State<FakeApollo>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if !key_ok(&headers) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "Invalid access credentials."})),
        )
            .into_response();
    }
    let domains: Vec<String> = body["domains"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|d| d.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if domains.len() > 10 {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"error": "at most 10 domains"})),
        )
            .into_response();
    }
    f.calls.lock().unwrap().push(domains.clone());
    let orgs = f.orgs.lock().unwrap();
    let found: Vec<Value> = domains
        .iter()
        .filter_map(|d| orgs.get(d).cloned())
        .collect();
    Json(json!({
        "status": "success", "error_code": null, "error_message": null,
        "total_requested_domains": domains.len(), "unique_domains": domains.len(),
        "unique_enriched_records": found.len(), "missing_records": domains.len() - found.len(),
        "organizations": found
    }))
    .into_response()
}

impl FakeApollo {
    pub async fn start(known: &[&str]) -> Self {
        let fake = FakeApollo {
            addr: "127.0.0.1:0".parse().unwrap(),
            orgs: Arc::new(Mutex::new(
                known
                    .iter()
                    .map(|d| ((*d).to_owned(), organization(d)))
                    .collect(),
            )),
            calls: Arc::default(),
        };
        let app = Router::new()
            .route("/api/v1/auth/health", get(health))
            .route("/api/v1/organizations/bulk_enrich", post(bulk))
            .with_state(fake.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FakeApollo { addr, ..fake }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}
