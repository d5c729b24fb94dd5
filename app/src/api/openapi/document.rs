//! Assembles the OpenAPI 3.1 document from the endpoint registry and the hand-written routes.
//! Built once per process (it only depends on the code) and served with the instance's
//! `PUBLIC_URL` as its server.

use std::sync::OnceLock;

use schemars::{generate::SchemaSettings, SchemaGenerator};
use serde_json::{json, Map, Value};

use super::http::{self, Answer, In};
use super::registry::{endpoints, Auth, Endpoint};
use crate::types::ApiError;

/// The areas (OpenAPI tags) in the order the reference shows them: (module, name,
/// description). An area missing here is still listed, after these, under its module name.
const AREAS: &[(&str, &str, &str)] = &[
    (
        "auth",
        "Session",
        "Who is calling, and how one can sign in.",
    ),
    (
        "workspaces",
        "Workspaces",
        "The workspaces the caller belongs to; creating one.",
    ),
    (
        "members",
        "Members and invitations",
        "Who is in a workspace, with which role; invitation links.",
    ),
    (
        "tokens",
        "API tokens",
        "Personal tokens for scripts: shown once, stored hashed, revocable.",
    ),
    (
        "audit",
        "Audit log",
        "Who changed what (admins and owners).",
    ),
    (
        "companies",
        "Companies",
        "Companies with their industry, size, revenue, location and tags.",
    ),
    ("contacts", "Contacts", "People at companies."),
    (
        "competitors",
        "Competitors",
        "Which company competes with which, and how threatening it is.",
    ),
    (
        "deals",
        "Deals and pipelines",
        "Deals through the stages of a pipeline; the board; pipelines (admins).",
    ),
    (
        "activities",
        "Activities",
        "Calls, e-mails, meetings, notes and tasks.",
    ),
    (
        "metrics",
        "Market metrics",
        "Time series per company or segment.",
    ),
    (
        "signals",
        "Market signals",
        "News, social and review items with a sentiment from -1 to 1.",
    ),
    (
        "imports",
        "Import and export",
        "CSV upload, check and import; the per-row error report; CSV export of any list.",
    ),
    (
        "connectors",
        "Connectors",
        "HubSpot sync (admins): connect with a token, sync now, pause, disconnect.",
    ),
    (
        "demo",
        "Demo data",
        "Fill an empty workspace with realistic demo data.",
    ),
    (
        "reports",
        "Reports",
        "Market, competitor and pipeline reports, generated in the background.",
    ),
    (
        "jobs",
        "Background jobs",
        "Long work as jobs: progress, log, cancel, retry; live event streams.",
    ),
    (
        "schedules",
        "Schedules",
        "Recurring reports with delivery by e-mail and webhook.",
    ),
    (
        "webhooks",
        "Webhooks",
        "Outgoing webhooks: endpoints, secrets, deliveries.",
    ),
    (
        "chat",
        "AI analyst",
        "Questions answered from the workspace's own data.",
    ),
    (
        "insights",
        "Insights",
        "AI-written observations about the workspace.",
    ),
    (
        "ai",
        "AI settings",
        "Model provider and budget of the AI features.",
    ),
    (
        "system",
        "System",
        "What the server runs on; health checks.",
    ),
    ("openapi", "Reference", "This description of the API."),
];

/// The tag name of an area (`companies` → `Companies`).
pub fn area_name(module: &str) -> String {
    match AREAS.iter().find(|(m, ..)| *m == module) {
        Some((_, name, _)) => (*name).to_owned(),
        None => {
            let spaced = module.replace('_', " ");
            let mut chars = spaced.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => spaced,
            }
        }
    }
}

/// Where an area is listed: the table's order, unknown areas after it.
pub fn area_rank(module: &str) -> usize {
    AREAS
        .iter()
        .position(|(m, ..)| *m == module)
        .unwrap_or(AREAS.len())
}

const INTRO: &str = "\
Every operation the web app performs is an endpoint here. Server functions are `POST /api/<name>` \
with a JSON object of named arguments as the body and JSON as the answer; a few plain-HTTP \
endpoints move files and event streams.

**Authentication.** Send a personal API token (Settings → API tokens) as \
`Authorization: Bearer hf_…`. It acts as its owner, with their role, in its one workspace. \
Browsers use the session cookie instead (cookie-authenticated writes must come from the app's own \
origin).

**Workspaces.** Workspace-scoped endpoints take the workspace's slug as `workspace`. A workspace \
you are not in answers exactly like one that does not exist (`404`).

**Errors.** Every error is `{\"code\", \"message\"}` (plus `fields` for validation errors, \
`retry_after` for rate limits) with the matching status: `bad_request` 400, `unauthorized` 401, \
`forbidden` 403, `not_found` 404, `method_not_allowed` 405, `conflict` 409, `payload_too_large` \
413, `validation` 422, `rate_limited` 429, `internal` 500, `unavailable` 503.

**Lists.** Paginated lists take `query` (`search`, `filters`, `sort` — a field name, `-` for \
descending — `page` from 1, `per_page` up to 200, default 50) and answer with a page: `items`, \
`total`, `total_exact`, `page`, `per_page`. Counting stops 1,000 rows past the page asked for; \
past that `total_exact` is false and `total` a lower bound. An unknown filter or sort is a `422` \
naming the ones that exist. Short, bounded collections (pipelines, members, tokens …) are plain \
arrays.

**Rate limits.** Each token (and each browser session) may make `API_RATE_LIMIT_PER_MINUTE` \
requests a minute (default 600; bursts up to that many at once). Beyond it the answer is `429` \
with `Retry-After` in seconds.

**Money** is an integer of minor units plus a currency (`{\"minor\": 1250000, \"currency\": \"USD\"}`); \
inputs take decimal text such as `\"12,500.50\"`.";

fn generator() -> SchemaGenerator {
    SchemaSettings::draft2020_12()
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        })
        .into_generator()
}

fn error_ref() -> Value {
    json!({"$ref": "#/components/responses/Error"})
}

fn security(auth: Auth) -> Value {
    match auth {
        Auth::Required => json!([{"bearerAuth": []}, {"sessionCookie": []}]),
        // An empty requirement: callable without credentials.
        Auth::None => json!([{}]),
        Auth::Session => json!([{"sessionCookie": []}]),
    }
}

fn standard_responses(ok: Value) -> Value {
    json!({
        "200": ok,
        "429": {"$ref": "#/components/responses/RateLimited"},
        "4XX": error_ref(),
        "5XX": error_ref(),
    })
}

fn server_fn_operation(e: &Endpoint, g: &mut SchemaGenerator) -> Value {
    let (summary, description) = e.summary_and_description();
    let input = (e.input)(g).to_value();
    let output = (e.output)(g).to_value();
    let mut op = json!({
        "operationId": e.name(),
        "tags": [area_name(e.area())],
        "summary": summary,
        "security": security(e.auth),
        "requestBody": {
            "required": true,
            "content": {"application/json": {"schema": input, "example": (e.example)()}}
        },
        "responses": standard_responses(json!({
            "description": "The answer.",
            "content": {"application/json": {"schema": output}}
        })),
    });
    if !description.is_empty() {
        op["description"] = Value::String(description);
    }
    op
}

fn route_operation(r: &http::Route, g: &mut SchemaGenerator) -> Value {
    let (summary, description) = match r.doc.split_once("\n\n") {
        Some((s, d)) => (s, d),
        None => (r.doc, ""),
    };
    let params: Vec<Value> = r
        .params
        .iter()
        .map(|p| {
            let mut v = json!({
                "name": p.name,
                "in": p.location.as_str(),
                "required": p.required || p.location == In::Path,
                "description": p.description,
                "schema": {"type": "string"},
            });
            if let Some(ex) = p.example {
                v["example"] = Value::String(ex.to_owned());
            }
            v
        })
        .collect();
    let ok = match &r.answer {
        Answer::Json(schema) => json!({
            "description": "The answer.",
            "content": {"application/json": {"schema": schema(g).to_value()}}
        }),
        Answer::Other {
            media_type,
            description,
        } => json!({
            "description": description,
            "content": {*media_type: {"schema": {"type": "string"}}}
        }),
    };
    let mut responses = standard_responses(ok.clone());
    if r.unavailable_same_shape {
        responses["503"] =
            json!({"description": "Not ready, with the reason.", "content": ok["content"]});
    }
    let mut op = json!({
        "operationId": r.operation_id,
        "tags": [area_name(r.area)],
        "summary": summary,
        "security": security(r.auth),
        "parameters": params,
        "responses": responses,
    });
    if !description.is_empty() {
        op["description"] = Value::String(description.to_owned());
    }
    match &r.body {
        Some(http::Body::Raw {
            media_type,
            example,
        }) => {
            op["requestBody"] = json!({
                "required": true,
                "content": {*media_type: {"schema": {"type": "string"}, "example": example}}
            });
        }
        Some(http::Body::Json { schema, example }) => {
            let example: Value = serde_json::from_str(example).unwrap_or(Value::Null);
            op["requestBody"] = json!({
                "required": true,
                "content": {"application/json": {"schema": schema(g).to_value(), "example": example}}
            });
        }
        None => {}
    }
    op
}

fn build() -> Value {
    let mut g = generator();
    let error_schema = g.subschema_for::<ApiError>().to_value();
    let mut paths = Map::new();
    let mut areas: Vec<&str> = Vec::new();

    for e in endpoints() {
        areas.push(e.area());
        paths.insert(
            e.path.to_owned(),
            json!({"post": server_fn_operation(e, &mut g)}),
        );
    }
    for r in http::routes() {
        areas.push(r.area);
        let op = route_operation(&r, &mut g);
        let item = paths
            .entry(r.path.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        item[r.method.as_str()] = op;
    }

    areas.sort_by_key(|a| (area_rank(a), *a));
    areas.dedup();
    let tags: Vec<Value> = areas
        .iter()
        .map(|a| {
            let description = AREAS
                .iter()
                .find(|(m, ..)| m == a)
                .map(|(.., d)| *d)
                .unwrap_or("");
            json!({"name": area_name(a), "description": description})
        })
        .collect();

    let schemas = g.take_definitions(true);
    json!({
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "Hyperformant API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": INTRO,
        },
        "tags": tags,
        "security": security(Auth::Required),
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": {
                "Error": {
                    "description": "The JSON error model; the status matches `code`.",
                    "content": {"application/json": {"schema": error_schema}}
                },
                "RateLimited": {
                    "description": "Too many requests for this token or session (`code`: `rate_limited`).",
                    "headers": {
                        "Retry-After": {
                            "description": "Seconds until a request will be accepted again.",
                            "schema": {"type": "integer", "minimum": 1}
                        }
                    },
                    "content": {"application/json": {"schema": error_schema}}
                }
            },
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token (`hf_…`) from Settings → API tokens."
                },
                "sessionCookie": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "hf_session",
                    "description": "The browser's session (writes must come from the app's origin)."
                }
            }
        }
    })
}

/// The document without `servers` (the same for every instance of this build).
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(build)
}

/// The document as this instance serves it: with `public_url` as its server.
pub fn document_for(public_url: &str) -> Value {
    let mut doc = document().clone();
    doc["servers"] = json!([{"url": public_url, "description": "This instance"}]);
    doc
}
