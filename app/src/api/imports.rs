//! CSV imports over the API. Upload with `POST /api/imports/upload?workspace=…&entity=…&filename=…`
//! (the raw file as the body), then check and run with these functions; the per-row error
//! report is at `GET /api/imports/{id}/errors.csv?workspace=…`.

use leptos::prelude::*;
use server_fn::codec::Json;

use crate::types::{ApiError, ImportCheck, ImportOptions, ImportOutcome, ImportPreview};

/// The uploaded file's preview again, optionally re-read with or without a header row.
#[server(prefix = "/api", endpoint = "get_import_preview", input = Json)]
pub async fn get_import_preview(
    workspace: String,
    id: i64,
    has_header: Option<bool>,
) -> Result<ImportPreview, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    scope.authorize::<can::Write>()?;
    Ok(crate::backend::import::get_preview(&super::state()?.db, &scope, id, has_header).await?)
}

crate::endpoint_doc! {
    /// An uploaded file's preview again, optionally re-read with or without a header row.
    GetImportPreview(workspace: String, id: i64, has_header: Option<bool>) -> ImportPreview,
    example = {"workspace": "demo", "id": 1, "has_header": true}
}

/// Checks every row with this mapping; writes nothing.
#[server(prefix = "/api", endpoint = "check_import", input = Json)]
pub async fn check_import(
    workspace: String,
    id: i64,
    options: ImportOptions,
) -> Result<ImportCheck, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    scope.authorize::<can::Write>()?;
    Ok(crate::backend::import::check(&super::state()?.db, &scope, id, &options).await?)
}

crate::endpoint_doc! {
    /// Checks every row of an upload with this mapping; writes nothing.
    CheckImport(workspace: String, id: i64, options: ImportOptions) -> ImportCheck,
    example = {"workspace": "demo", "id": 1, "options": {"mapping": ["name", "domain", "industry"]}}
}

/// Imports all rows in one transaction — or, with invalid rows, nothing (unless
/// `skip_invalid`), answering with the problems and the error-report link.
#[server(prefix = "/api", endpoint = "run_import", input = Json)]
pub async fn run_import(
    workspace: String,
    id: i64,
    options: ImportOptions,
) -> Result<ImportOutcome, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::Write>()?;
    let out = crate::backend::import::run(&super::state()?.db, &auth, id, &options, None).await?;
    if out.imported {
        let event = serde_json::json!({
            "import_id": id, "inserted": out.inserted, "updated": out.updated, "skipped": out.skipped,
        });
        super::changed(&scope, "imports", Some(("import.completed", event))).await;
    }
    Ok(out)
}

crate::endpoint_doc! {
    /// Imports every row in one transaction — or, with invalid rows, nothing (unless
    /// `skip_invalid`), answering with the problems and the error report's link.
    RunImport(workspace: String, id: i64, options: ImportOptions) -> ImportOutcome,
    example = {"workspace": "demo", "id": 1, "options": {"mapping": ["name", "domain", "industry"], "upsert": true}}
}

/// Runs the import as a background job (for large files): answers the job at once; follow it
/// with `get_job` or `GET /api/jobs/{id}/events`. Its result is the same `ImportOutcome` as
/// `run_import` answers.
#[server(prefix = "/api", endpoint = "start_import", input = Json)]
pub async fn start_import(
    workspace: String,
    id: i64,
    options: ImportOptions,
) -> Result<crate::types::Job, ApiError> {
    use crate::backend::auth::can;
    let scope = super::scope(&workspace).await?;
    let auth = scope.authorize::<can::Write>()?;
    let job = crate::backend::import::start(&super::state()?, &auth, id, &options).await?;
    Ok(crate::backend::repo::jobs::to_job(job))
}

crate::endpoint_doc! {
    /// Runs an import as a background job (for large files) and answers the job at once.
    ///
    /// Follow it with `get_job` or `GET /api/jobs/{id}/events`; its result is the same
    /// `ImportOutcome` as `run_import` answers.
    StartImport(workspace: String, id: i64, options: ImportOptions) -> crate::types::Job,
    example = {"workspace": "demo", "id": 1, "options": {"mapping": ["name", "domain", "industry"], "skip_invalid": true}}
}
