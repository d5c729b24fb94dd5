//! CSV imports of companies, contacts and deals, on top of the entity-independent CSV
//! engine in `csv` (sniffing, streaming records, mappings, error reports).
//!
//! 1. `upload` stores the file (streamed to disk, size-limited) and sniffs it.
//! 2. `check` reads every row, converts it with the chosen mapping and validates it exactly
//!    as the form would — nothing is written.
//! 3. `run` checks again and then, in ONE transaction, writes either every row or (when the
//!    person chose "skip invalid rows") the valid ones. With invalid rows and no such choice
//!    nothing is written and the per-row error report is offered instead.
//!
//! The file is read twice instead of holding every parsed row in memory, so a 100k-row file
//! costs a parse more, not hundreds of megabytes. Lookups the rows need (existing domains,
//! stages, members) are loaded once per import, not once per row.
//!
//! Where each piece is: `fields` (what each entity's columns can be), `lookups` (what rows
//! refer to), `convert` (one record to a checked row), `walk` (every record of the file),
//! `write` (the one transaction), `job` (the same in the background).

mod convert;
pub mod csv;
mod fields;
mod job;
mod lookups;
mod walk;
mod write;

pub use convert::parse_date;
pub use fields::{fields, COMPANY_FIELDS, CONTACT_FIELDS, DEAL_FIELDS};
pub use job::{start, ImportJob, RunImport};
pub use write::run;

use std::path::{Path, PathBuf};

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};

use self::csv::{self as engine, Mapping, SniffOptions, Sniffed};
use crate::backend::auth::{can, Authorized, Scope};
use crate::backend::entity::imports;
use crate::backend::{Error, Result};
use crate::types::{ImportCheck, ImportEntity, ImportOptions, ImportPreview};
use fields::field_infos;
use lookups::lookups;
use walk::walk;

const MAX_PROBLEMS: usize = 200;
const PREVIEW_ROWS: usize = 10;

/// Where uploads are kept until imported (under DATA_DIR).
#[derive(Clone, Debug)]
pub struct ImportSettings {
    pub dir: PathBuf,
    pub max_bytes: u64,
}

impl Default for ImportSettings {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("data/imports"),
            max_bytes: engine::MAX_FILE_BYTES,
        }
    }
}

/// Stores an upload read from `body` (streamed, at most `max_bytes`) and returns its preview.
pub async fn upload<C, S>(
    db: &C,
    auth: &Authorized<'_, can::Write>,
    settings: &ImportSettings,
    entity: ImportEntity,
    filename: &str,
    mut body: S,
) -> Result<ImportPreview>
where
    C: ConnectionTrait,
    S: futures_util::Stream<Item = std::result::Result<bytes::Bytes, std::io::Error>> + Unpin,
{
    use futures_util::StreamExt;
    use tokio::io::AsyncWriteExt;

    tokio::fs::create_dir_all(&settings.dir)
        .await
        .map_err(|e| Error::Other(e.into()))?;
    let stored = settings.dir.join(format!(
        "{}.csv",
        crate::backend::auth::tokens::random_token(16)
    ));
    let mut file = tokio::fs::File::create(&stored)
        .await
        .map_err(|e| Error::Other(e.into()))?;
    let mut size: u64 = 0;
    while let Some(chunk) = body.next().await {
        let chunk =
            chunk.map_err(|e| Error::BadRequest(format!("the upload was interrupted: {e}")))?;
        size += chunk.len() as u64;
        if size > settings.max_bytes {
            drop(file);
            let _ = tokio::fs::remove_file(&stored).await;
            return Err(Error::PayloadTooLarge(
                engine::CsvError::TooLarge {
                    limit: settings.max_bytes,
                }
                .to_string(),
            ));
        }
        file.write_all(&chunk)
            .await
            .map_err(|e| Error::Other(e.into()))?;
    }
    file.flush().await.map_err(|e| Error::Other(e.into()))?;
    drop(file);

    let sniffed = match sniff_file(&stored, None).await {
        Ok(s) => s,
        Err(e) => {
            let _ = tokio::fs::remove_file(&stored).await;
            return Err(e);
        }
    };
    let now = Utc::now();
    let filename: String = Path::new(filename)
        .file_name()
        .and_then(|f| f.to_str())
        .unwrap_or("upload.csv")
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    let row = imports::ActiveModel {
        workspace_id: Set(auth.workspace_id()),
        user_id: Set(auth.user_id()),
        entity: Set(entity.as_str().to_owned()),
        filename: Set(if filename.is_empty() {
            "upload.csv".into()
        } else {
            filename
        }),
        stored_path: Set(stored.to_string_lossy().into_owned()),
        size_bytes: Set(size as i64),
        status: Set("uploaded".into()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(preview(&row, entity, &sniffed))
}

fn preview(row: &imports::Model, entity: ImportEntity, sniffed: &Sniffed) -> ImportPreview {
    let suggested = engine::suggest_mapping(&sniffed.headers, fields(entity));
    ImportPreview {
        id: row.id,
        entity,
        filename: row.filename.clone(),
        size_bytes: row.size_bytes.max(0) as u64,
        encoding: sniffed.encoding.label().to_owned(),
        delimiter: sniffed.delimiter_name().to_owned(),
        has_header: sniffed.has_header,
        headers: sniffed.headers.clone(),
        sample: sniffed.sample.clone(),
        fields: field_infos(entity),
        suggested: suggested
            .into_iter()
            .map(|s| s.map(str::to_owned))
            .collect(),
    }
}

async fn sniff_file(path: &Path, has_header: Option<bool>) -> Result<Sniffed> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || -> Result<Sniffed> {
        let head = engine::read_head(&path)?;
        Ok(engine::sniff_with(
            &head,
            &SniffOptions {
                has_header,
                ..Default::default()
            },
        )?)
    })
    .await
    .map_err(|e| Error::Other(e.into()))?
}

/// The import row of this workspace, with its entity.
async fn find(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i64,
) -> Result<(imports::Model, ImportEntity)> {
    let row = imports::Entity::find_by_id(id)
        .filter(imports::Column::WorkspaceId.eq(scope.workspace_id()))
        .one(db)
        .await?
        .ok_or(Error::NotFound("import"))?;
    let entity = ImportEntity::parse(&row.entity).ok_or(Error::NotFound("import"))?;
    Ok((row, entity))
}

pub async fn get_preview(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i64,
    has_header: Option<bool>,
) -> Result<ImportPreview> {
    let (row, entity) = find(db, scope, id).await?;
    let sniffed = sniff_file(Path::new(&row.stored_path), has_header).await?;
    Ok(preview(&row, entity, &sniffed))
}

fn mapping_of(
    entity: ImportEntity,
    options: &ImportOptions,
    sniffed: &Sniffed,
) -> std::result::Result<Mapping, Vec<String>> {
    let mapping = Mapping {
        columns: options.mapping.clone(),
    };
    mapping.validate(fields(entity), sniffed.columns)?;
    Ok(mapping)
}

/// Every row checked against the mapping; nothing written.
pub async fn check(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i64,
    options: &ImportOptions,
) -> Result<ImportCheck> {
    let (row, entity) = find(db, scope, id).await?;
    remember_options(db, id, options).await?;
    let path = PathBuf::from(&row.stored_path);
    let sniffed = sniff_file(&path, options.has_header).await?;
    let mapping = match mapping_of(entity, options, &sniffed) {
        Ok(m) => m,
        Err(problems) => {
            return Ok(ImportCheck {
                mapping_problems: problems,
                ..Default::default()
            })
        }
    };
    let lookups = lookups(db, scope.workspace(), entity, options.pipeline_id).await?;
    Ok(walk(
        path,
        sniffed,
        entity,
        mapping,
        lookups,
        options.clone(),
        |_, _| {},
    )
    .await?
    .0)
}

/// The mapping last checked or run is kept with the import, so the error-report link needs
/// nothing but the import's id.
async fn remember_options(
    db: &impl ConnectionTrait,
    id: i64,
    options: &ImportOptions,
) -> Result<()> {
    let json = serde_json::json!({ "options": options }).to_string();
    imports::Entity::update_many()
        .col_expr(
            imports::Column::Summary,
            sea_orm::sea_query::Expr::value(json),
        )
        .filter(imports::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

fn remembered_options(row: &imports::Model) -> Option<ImportOptions> {
    let v: serde_json::Value = serde_json::from_str(row.summary.as_deref()?).ok()?;
    serde_json::from_value(v.get("options")?.clone()).ok()
}

/// The per-row error report for the import's last checked mapping, as CSV bytes.
pub async fn error_report(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i64,
) -> Result<(String, Vec<u8>)> {
    let (row, entity) = find(db, scope, id).await?;
    let options = remembered_options(&row).ok_or_else(|| {
        Error::BadRequest("check the import first; the report follows the chosen mapping".into())
    })?;
    let options = &options;
    let path = PathBuf::from(&row.stored_path);
    let sniffed = sniff_file(&path, options.has_header).await?;
    let mapping =
        mapping_of(entity, options, &sniffed).map_err(|p| Error::BadRequest(p.join(" ")))?;
    let lookups = lookups(db, scope.workspace(), entity, options.pipeline_id).await?;
    let (_, errors) = walk(
        path.clone(),
        sniffed.clone(),
        entity,
        mapping,
        lookups,
        options.clone(),
        |_, _| {},
    )
    .await?;
    let bytes = tokio::task::spawn_blocking(move || -> Result<Vec<u8>> {
        let mut out = Vec::new();
        engine::error_report(&path, &sniffed, &errors, &mut out)?;
        Ok(out)
    })
    .await
    .map_err(|e| Error::Other(e.into()))??;
    let stem = row.filename.trim_end_matches(".csv").to_owned();
    Ok((format!("{stem}-errors.csv"), bytes))
}
