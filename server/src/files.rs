//! The API endpoints that move files rather than JSON: CSV upload for imports (streamed to
//! disk), the per-row error report, and CSV exports of any list (streamed out).

use axum::{
    body::Body,
    extract::{Path, Query, Request, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use app::backend::{
    auth::{can, resolve_scope, Principal, RequestMeta, Scope},
    import, AppState, Error,
};
use app::types::{ApiError, ImportEntity, ListQuery};

use crate::api_edge::json_error;

fn fail(e: Error) -> Response {
    json_error(&ApiError::from(e))
}

/// The caller's scope in `slug`, from what `auth::authenticate` put in the request.
pub(crate) async fn scope_for(
    state: &AppState,
    ext: &axum::http::Extensions,
    slug: &str,
) -> Result<Scope, Response> {
    let principal = ext
        .get::<Principal>()
        .ok_or_else(|| json_error(&ApiError::unauthorized()))?;
    let meta = ext.get::<RequestMeta>().cloned().unwrap_or_default();
    resolve_scope(state, principal, slug, &meta)
        .await
        .map_err(fail)
}

#[derive(Debug, Deserialize)]
pub struct UploadParams {
    workspace: String,
    entity: String,
    #[serde(default)]
    filename: Option<String>,
}

/// `POST /api/imports/upload?workspace=…&entity=companies|contacts|deals&filename=…` with the
/// file as the request body. Answers with the preview (headers, sample rows, suggested
/// mapping).
pub async fn upload(
    State(state): State<AppState>,
    Query(params): Query<UploadParams>,
    req: Request,
) -> Response {
    let scope = match scope_for(&state, req.extensions(), &params.workspace).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let auth = match scope.authorize::<can::Write>() {
        Ok(a) => a,
        Err(e) => return fail(e),
    };
    let Some(entity) = ImportEntity::parse(&params.entity) else {
        return fail(Error::field(
            "entity",
            "must be companies, contacts or deals",
        ));
    };
    let limit = state.imports().max_bytes;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        // Refused before reading the body: the connection cannot be reused for another
        // request, so say so (otherwise a client may send its next request into it).
        return close_after(fail(Error::PayloadTooLarge(format!(
            "The file is {:.1} MB; imports take files up to {} MB. Split it into smaller files.",
            declared.unwrap_or(0) as f64 / 1_048_576.0,
            limit / 1_048_576
        ))));
    }
    let stream = req.into_body().into_data_stream();
    let stream = futures_util::StreamExt::map(stream, |r| r.map_err(std::io::Error::other));
    let filename = params.filename.unwrap_or_else(|| "upload.csv".into());
    match import::upload(&state.db, &auth, state.imports(), entity, &filename, stream).await {
        Ok(preview) => axum::Json(preview).into_response(),
        Err(e @ Error::PayloadTooLarge(_)) => close_after(fail(e)),
        Err(e) => fail(e),
    }
}

fn close_after(mut res: Response) -> Response {
    res.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    res
}

#[derive(Debug, Deserialize)]
pub struct WorkspaceParam {
    workspace: String,
}

/// `GET /api/imports/{id}/errors.csv?workspace=…`: the rows that failed the last check, with
/// their problems, in the file's own format.
pub async fn error_report(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(params): Query<WorkspaceParam>,
    req: Request,
) -> Response {
    let scope = match scope_for(&state, req.extensions(), &params.workspace).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Ok(id) = id.parse::<i64>() else {
        return fail(Error::NotFound("import"));
    };
    match import::error_report(&state.db, &scope, id).await {
        Ok((name, bytes)) => csv_response(&name, Body::from(bytes)),
        Err(e) => fail(e),
    }
}

fn csv_response(filename: &str, body: Body) -> Response {
    let safe: String = filename
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c))
        .collect();
    let mut res = (StatusCode::OK, body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// `GET /api/export/{entity}.csv?workspace=…&q=…&sort=…&<filters>` — the list as it is shown,
/// every page of it, streamed (the same query parameters as the list pages' URLs).
pub async fn export(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(params): Query<std::collections::BTreeMap<String, String>>,
    req: Request,
) -> Response {
    let Some(slug) = params.get("workspace").cloned() else {
        return fail(Error::field("workspace", "is required"));
    };
    let scope = match scope_for(&state, req.extensions(), &slug).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let entity = file.strip_suffix(".csv").unwrap_or(&file).to_owned();
    let reserved = ["workspace", "q", "sort", "page", "view"];
    let query = ListQuery {
        search: params.get("q").cloned(),
        filters: params
            .iter()
            .filter(|(k, _)| !reserved.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        sort: params.get("sort").cloned(),
        page: Some(1),
        per_page: Some(200),
    };
    let exporter = match app::backend::export::Exporter::new(&entity) {
        Some(e) => e,
        None => return fail(Error::NotFound("export")),
    };
    // Refuse bad filters before the download starts, with the usual JSON error.
    if let Err(e) = exporter.first_page(&state.db, &scope, &query).await {
        return fail(e);
    }
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(8);
    let db = state.db.clone();
    tokio::spawn(async move {
        if let Err(e) = exporter.stream(&db, &scope, query, tx.clone()).await {
            tracing::error!(error = %e, "export failed midway");
            let _ = tx.send(Err(std::io::Error::other("export failed"))).await;
        }
    });
    let body = Body::from_stream(tokio_stream_from(rx));
    csv_response(
        &format!("{entity}-{}.csv", chrono::Utc::now().format("%Y-%m-%d")),
        body,
    )
}

fn tokio_stream_from(
    mut rx: tokio::sync::mpsc::Receiver<Result<bytes::Bytes, std::io::Error>>,
) -> impl futures_util::Stream<Item = Result<bytes::Bytes, std::io::Error>> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

#[derive(Debug, Deserialize)]
pub struct DownloadParams {
    workspace: String,
    #[serde(default)]
    format: Option<String>,
}

/// A report's HTML as a page of ours may frame it: nothing in it runs (the report has no
/// scripts, and `sandbox` would stop any), it loads nothing, only our pages may embed it.
const REPORT_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
                          frame-ancestors 'self'; base-uri 'none'; form-action 'none'; sandbox";

/// `GET /api/reports/{id}/download?workspace=…&format=html|md|pdf`: a finished report's
/// file. HTML is shown inline (the report page frames it); Markdown and PDF download.
pub async fn report_download(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(params): Query<DownloadParams>,
    req: Request,
) -> Response {
    use app::types::ReportFormat;
    let scope = match scope_for(&state, req.extensions(), &params.workspace).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Ok(id) = id.parse::<i64>() else {
        return fail(Error::NotFound("report"));
    };
    let format = match params.format.as_deref().map(ReportFormat::parse) {
        None => ReportFormat::Html,
        Some(Some(f)) => f,
        Some(None) => return fail(Error::field("format", "must be html, md or pdf")),
    };
    let (bytes, content_type, filename) =
        match app::backend::repo::reports::output(&state.db, scope.workspace(), id, format).await {
            Ok(out) => out,
            Err(e) => return fail(e),
        };
    let mut res = (StatusCode::OK, Body::from(bytes)).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    let disposition = if format == ReportFormat::Html {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(REPORT_CSP),
        );
        h.insert(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("SAMEORIGIN"),
        );
        "inline"
    } else {
        "attachment"
    };
    // The stem is ASCII letters, digits and dashes (see `repo::reports::output`).
    if let Ok(v) = HeaderValue::from_str(&format!("{disposition}; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}
