//! The plain-HTTP endpoints (not server functions), described by hand: file upload and
//! downloads, live event streams, health checks and this document itself. The routes live in
//! `server/src/router.rs`; a new one gets an entry in [`routes`] (the contract test calls
//! each of them with its example, so a wrong path or parameter fails there).

use schemars::{Schema, SchemaGenerator};

use super::Auth;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Post => "post",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum In {
    Path,
    Query,
    Header,
}

impl In {
    pub fn as_str(self) -> &'static str {
        match self {
            In::Path => "path",
            In::Query => "query",
            In::Header => "header",
        }
    }
}

/// A path, query or header parameter, with the value the example request uses.
pub struct Param {
    pub name: &'static str,
    pub location: In,
    pub required: bool,
    pub description: &'static str,
    /// Used in the example request; `None` leaves an optional parameter out of it.
    pub example: Option<&'static str>,
}

/// What a successful answer is.
pub enum Answer {
    /// `application/json` of this schema.
    Json(fn(&mut SchemaGenerator) -> Schema),
    /// Another media type (`text/csv`, `text/event-stream`), described in words.
    Other {
        media_type: &'static str,
        description: &'static str,
    },
}

/// A request body.
pub enum Body {
    /// Text of this media type (`text/csv`), and the example.
    Raw {
        media_type: &'static str,
        example: &'static str,
    },
    /// `application/json` of this schema, and the example as JSON text.
    Json {
        schema: fn(&mut SchemaGenerator) -> Schema,
        example: &'static str,
    },
}

pub struct Route {
    pub method: Method,
    /// The OpenAPI path template (`/api/jobs/{id}/events`).
    pub path: &'static str,
    /// The area (tag) it is listed under, as the server-function module names it.
    pub area: &'static str,
    pub operation_id: &'static str,
    /// First line: summary; after an empty line: description.
    pub doc: &'static str,
    pub auth: Auth,
    pub params: Vec<Param>,
    pub body: Option<Body>,
    pub answer: Answer,
    /// A `503` answers with the same JSON schema as a success (the readiness check), not the
    /// error model.
    pub unavailable_same_shape: bool,
}

impl Route {
    /// The example request's path and query (`/api/export/companies.csv?workspace=demo`).
    pub fn example_target(&self) -> String {
        let mut path = self.path.to_owned();
        let mut query = Vec::new();
        for p in &self.params {
            let Some(v) = p.example else { continue };
            match p.location {
                In::Path => path = path.replace(&format!("{{{}}}", p.name), v),
                In::Query => query.push(format!("{}={}", p.name, v)),
                In::Header => {}
            }
        }
        if query.is_empty() {
            path
        } else {
            format!("{path}?{}", query.join("&"))
        }
    }
}

fn param(
    name: &'static str,
    location: In,
    required: bool,
    description: &'static str,
    example: Option<&'static str>,
) -> Param {
    Param {
        name,
        location,
        required,
        description,
        example,
    }
}

fn workspace() -> Param {
    param(
        "workspace",
        In::Query,
        true,
        "The workspace's slug.",
        Some("demo"),
    )
}

fn schema<T: schemars::JsonSchema>(g: &mut SchemaGenerator) -> Schema {
    g.subschema_for::<T>()
}

fn status(_g: &mut SchemaGenerator) -> Schema {
    schemars::json_schema!({
        "type": "object",
        "properties": {
            "status": {"type": "string", "enum": ["ok", "ready", "unavailable"]},
            "reason": {"type": "string"}
        },
        "required": ["status"]
    })
}

fn document_schema(_g: &mut SchemaGenerator) -> Schema {
    schemars::json_schema!({
        "type": "object",
        "description": "An OpenAPI 3.1 document.",
        "properties": {
            "openapi": {"type": "string", "pattern": "^3\\.1\\."},
            "info": {"type": "object"},
            "paths": {"type": "object"},
            "components": {"type": "object"}
        },
        "required": ["openapi", "info", "paths", "components"]
    })
}

/// Every plain-HTTP route the server answers for scripts.
pub fn routes() -> Vec<Route> {
    use crate::types::{AskQuestion, ImportPreview};
    vec![
        Route {
            method: Method::Get,
            path: "/api/openapi.json",
            area: "openapi",
            operation_id: "openapi_document",
            doc: "This document: every endpoint with its input and output schemas (OpenAPI 3.1).",
            auth: Auth::None,
            params: vec![],
            body: None,
            answer: Answer::Json(document_schema),
            unavailable_same_shape: false,
        },
        Route {
            method: Method::Post,
            path: "/api/imports/upload",
            area: "imports",
            operation_id: "upload_import",
            doc: "Uploads a CSV file for an import and answers with its preview.\n\n\
                  The body is the raw file (UTF-8 with or without BOM, or Latin-1; the delimiter \
                  and the header row are detected), up to `IMPORT_MAX_BYTES`. The preview has \
                  the import's `id`, the columns, sample rows and a suggested mapping; continue \
                  with `check_import` and `run_import`.",
            auth: Auth::Required,
            params: vec![
                workspace(),
                param(
                    "entity",
                    In::Query,
                    true,
                    "`companies`, `contacts` or `deals`.",
                    Some("companies"),
                ),
                param(
                    "filename",
                    In::Query,
                    false,
                    "The file's name, shown in the import's history.",
                    Some("companies.csv"),
                ),
            ],
            body: Some(Body::Raw {
                media_type: "text/csv",
                example: "name,domain,industry\nNorthwind Analytics,northwind-analytics.example,Software\n",
            }),
            answer: Answer::Json(schema::<ImportPreview>),
            unavailable_same_shape: false,
        },
        Route {
            method: Method::Get,
            path: "/api/imports/{id}/errors.csv",
            area: "imports",
            operation_id: "import_error_report",
            doc: "The rows that failed an import's last check, with their problems, as CSV in \
                  the file's own format.",
            auth: Auth::Required,
            params: vec![
                param("id", In::Path, true, "The import's id.", Some("1")),
                workspace(),
            ],
            body: None,
            answer: Answer::Other {
                media_type: "text/csv",
                description: "The failed rows with a `problems` column.",
            },
            unavailable_same_shape: false,
        },
        Route {
            method: Method::Get,
            path: "/api/reports/{id}/download",
            area: "reports",
            operation_id: "download_report",
            doc: "A finished report's file: the self-contained HTML page (inline SVG charts), the \
                  Markdown text, or the PDF.\n\n\
                  Answers `409` while the report is not finished (see `get_report`'s `status`).",
            auth: Auth::Required,
            params: vec![
                param("id", In::Path, true, "The report's id.", Some("1")),
                workspace(),
                param(
                    "format",
                    In::Query,
                    false,
                    "`html` (default), `md` or `pdf`.",
                    Some("pdf"),
                ),
            ],
            body: None,
            answer: Answer::Other {
                media_type: "application/pdf",
                description: "The report as PDF (`text/html` or `text/markdown` for the other formats).",
            },
            unavailable_same_shape: false,
        },
        Route {
            method: Method::Get,
            path: "/api/export/{file}",
            area: "imports",
            operation_id: "export_csv",
            doc: "Exports a whole list as CSV, streamed, with the same search, filters and sort \
                  as the list endpoints.\n\n\
                  Every query parameter other than `workspace`, `q` and `sort` is a filter \
                  (`industry=Software`, `status=open`, …; the same names as the list's \
                  `query.filters`). Cells starting with `=`, `+`, `-` or `@` are prefixed with \
                  `'` so spreadsheets do not run them.",
            auth: Auth::Required,
            params: vec![
                param(
                    "file",
                    In::Path,
                    true,
                    "`companies.csv`, `contacts.csv` or `deals.csv`.",
                    Some("companies.csv"),
                ),
                workspace(),
                param("q", In::Query, false, "Free-text search.", None),
                param(
                    "sort",
                    In::Query,
                    false,
                    "A sort key of the list, `-` for descending.",
                    Some("-employees"),
                ),
            ],
            body: None,
            answer: Answer::Other {
                media_type: "text/csv",
                description: "Every matching row, with a header row.",
            },
            unavailable_same_shape: false,
        },
        Route {
            method: Method::Get,
            path: "/api/jobs/{id}/events",
            area: "jobs",
            operation_id: "job_events",
            doc: "A job's progress as Server-Sent Events.\n\n\
                  First a `job` event (the job as `get_job` answers it), then every event the \
                  job reported (`step`, `log`, `progress`) with its id as the SSE id, a `job` \
                  event whenever status or progress changes, and `end` once it has finished. \
                  Reconnect with `Last-Event-ID` to get exactly the events after it.",
            auth: Auth::Required,
            params: vec![
                param("id", In::Path, true, "The job's id.", Some("1")),
                param(
                    "Last-Event-ID",
                    In::Header,
                    false,
                    "Resume after this event id.",
                    None,
                ),
            ],
            body: None,
            answer: Answer::Other {
                media_type: "text/event-stream",
                description: "`job`, `step`, `log`, `progress` and `end` events.",
            },
            unavailable_same_shape: false,
        },
        Route {
            method: Method::Get,
            path: "/api/events",
            area: "jobs",
            operation_id: "workspace_events",
            doc: "A workspace's changes as Server-Sent Events: `job` (a job snapshot), `data` \
                  (`{\"entity\": \"deals\"}`) and `derived` (`{\"entity\": \"report\", \"id\": 7}`).\n\n\
                  No history: a reconnecting client refetches what it shows.",
            auth: Auth::Required,
            params: vec![workspace()],
            body: None,
            answer: Answer::Other {
                media_type: "text/event-stream",
                description: "`job`, `data` and `derived` events.",
            },
            unavailable_same_shape: false,
        },
        Route {
            method: Method::Get,
            path: "/api/chat/messages/{id}/stream",
            area: "chat",
            operation_id: "chat_message_stream",
            doc: "An answer of the AI analyst as Server-Sent Events, token by token.\n\n\
                  First `snapshot` (the message as `get_message` answers it), then `delta` \
                  (`{\"type\": \"delta\", \"text\": …}`), `tool` (a tool call started or \
                  finished, with its arguments and result), `usage`, and a final `done` with \
                  the status: `complete`, `stopped` or `error` (with the error). A finished \
                  answer streams as its snapshot and `done`.",
            auth: Auth::Required,
            params: vec![
                param("id", In::Path, true, "The answer's message id.", Some("2")),
                workspace(),
            ],
            body: None,
            answer: Answer::Other {
                media_type: "text/event-stream",
                description: "`snapshot`, `delta`, `tool`, `usage` and `done` events; each `data` is a ChatEvent.",
            },
            unavailable_same_shape: false,
        },
        Route {
            method: Method::Post,
            path: "/api/chat/ask",
            area: "chat",
            operation_id: "chat_ask",
            doc: "Asks the AI analyst a question and streams the answer as Server-Sent Events.\n\n\
                  `send_message` and the answer's stream in one request: the model is asked \
                  while the question is stored, so the first `delta` can come before `sent` \
                  (`{\"type\": \"sent\", \"sent\": …}`, the ids `send_message` answers). Then \
                  `delta`, `tool`, `usage` and `done` as on the answer's stream. A question \
                  that is refused (its text, `429` rate, `403` budget, `409` an answer still \
                  being written) is a JSON error, as from `send_message`; one whose storing \
                  fails after the answer started ends with `done` and the error. If the \
                  connection drops, follow the answer by its id on its stream.",
            auth: Auth::Required,
            params: vec![],
            body: Some(Body::Json {
                schema: schema::<AskQuestion>,
                example: r#"{"workspace": "demo", "content": "Summarise the pipeline"}"#,
            }),
            answer: Answer::Other {
                media_type: "text/event-stream",
                description: "`sent`, `delta`, `tool`, `usage` and `done` events; each `data` is a ChatEvent.",
            },
            unavailable_same_shape: false,
        },
        Route {
            method: Method::Get,
            path: "/healthz",
            area: "system",
            operation_id: "healthz",
            doc: "The process is up and serving HTTP.",
            auth: Auth::None,
            params: vec![],
            body: None,
            answer: Answer::Json(status),
            unavailable_same_shape: false,
        },
        Route {
            method: Method::Get,
            path: "/readyz",
            area: "system",
            operation_id: "readyz",
            doc: "The database answers and no migration is pending (`503` with the reason \
                  otherwise).",
            auth: Auth::None,
            params: vec![],
            body: None,
            answer: Answer::Json(status),
            unavailable_same_shape: true,
        },
    ]
}
