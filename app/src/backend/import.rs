//! CSV imports of companies, contacts and deals, on top of the generic `csv_import` engine.
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

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    TransactionSession, TransactionTrait,
};

use super::audit::{self, Entry};
use super::auth::{Authorized, Scope};
use super::csv_import::{
    self as engine, FieldSpec, Mapping, Record, RowError, SniffOptions, Sniffed,
};
use super::entity::{companies, contacts, imports, memberships, pipeline_stages, users};
use super::repo::{
    companies as company_repo, contacts as contact_repo, deals as deal_repo,
    pipelines as pipeline_repo,
};
use super::{Error, Result};
use crate::types::{
    CompanyInput, CompanySource, ContactInput, Currency, Domain, Email, ImportCheck, ImportEntity,
    ImportField, ImportOptions, ImportOutcome, ImportPreview, Money, PreviewRow, RowProblem,
};

const MAX_PROBLEMS: usize = 200;
const PREVIEW_ROWS: usize = 10;

pub const COMPANY_FIELDS: &[FieldSpec] = &[
    FieldSpec {
        key: "name",
        label: "Name",
        required: true,
        aliases: &[
            "company",
            "company name",
            "organization",
            "organisation",
            "account",
            "firma",
            "account name",
        ],
    },
    FieldSpec {
        key: "domain",
        label: "Domain",
        required: false,
        aliases: &["website domain", "company domain", "url domain"],
    },
    FieldSpec {
        key: "website",
        label: "Website",
        required: false,
        aliases: &["url", "homepage", "web", "site"],
    },
    FieldSpec {
        key: "industry",
        label: "Industry",
        required: false,
        aliases: &["sector", "vertical", "branche"],
    },
    FieldSpec {
        key: "employee_count",
        label: "Employees",
        required: false,
        aliases: &[
            "employees",
            "headcount",
            "staff",
            "size",
            "number of employees",
        ],
    },
    FieldSpec {
        key: "annual_revenue",
        label: "Annual revenue",
        required: false,
        aliases: &["revenue", "annual revenue usd", "arr", "turnover", "umsatz"],
    },
    FieldSpec {
        key: "revenue_currency",
        label: "Revenue currency",
        required: false,
        aliases: &["currency"],
    },
    FieldSpec {
        key: "country",
        label: "Country (ISO code)",
        required: false,
        aliases: &["country code", "hq country", "land"],
    },
    FieldSpec {
        key: "city",
        label: "City",
        required: false,
        aliases: &["hq city", "location", "town", "stadt"],
    },
    FieldSpec {
        key: "description",
        label: "Description",
        required: false,
        aliases: &["about", "notes", "summary"],
    },
    FieldSpec {
        key: "linkedin_url",
        label: "LinkedIn",
        required: false,
        aliases: &["linkedin", "linkedin url", "linkedin page"],
    },
    FieldSpec {
        key: "founded_year",
        label: "Founded",
        required: false,
        aliases: &["founded", "year founded", "founding year"],
    },
    FieldSpec {
        key: "tags",
        label: "Tags",
        required: false,
        aliases: &["labels", "categories", "keywords"],
    },
];

pub const CONTACT_FIELDS: &[FieldSpec] = &[
    FieldSpec {
        key: "name",
        label: "Name",
        required: true,
        aliases: &["full name", "contact", "contact name", "person"],
    },
    FieldSpec {
        key: "email",
        label: "E-mail",
        required: false,
        aliases: &["email address", "e-mail address", "mail"],
    },
    FieldSpec {
        key: "title",
        label: "Title",
        required: false,
        aliases: &["job title", "position", "role"],
    },
    FieldSpec {
        key: "phone",
        label: "Phone",
        required: false,
        aliases: &["phone number", "telephone", "mobile", "tel"],
    },
    FieldSpec {
        key: "linkedin_url",
        label: "LinkedIn",
        required: false,
        aliases: &["linkedin", "linkedin url"],
    },
    FieldSpec {
        key: "company_domain",
        label: "Company domain",
        required: false,
        aliases: &["company", "company website", "domain", "account domain"],
    },
];

pub const DEAL_FIELDS: &[FieldSpec] = &[
    FieldSpec {
        key: "name",
        label: "Deal name",
        required: true,
        aliases: &["deal", "opportunity", "opportunity name", "title"],
    },
    FieldSpec {
        key: "amount",
        label: "Amount",
        required: true,
        aliases: &["value", "deal value", "amount usd", "deal amount"],
    },
    FieldSpec {
        key: "currency",
        label: "Currency",
        required: false,
        aliases: &["currency code"],
    },
    FieldSpec {
        key: "stage",
        label: "Stage",
        required: false,
        aliases: &["deal stage", "status", "phase"],
    },
    FieldSpec {
        key: "probability",
        label: "Probability %",
        required: false,
        aliases: &["probability", "win probability", "likelihood"],
    },
    FieldSpec {
        key: "expected_close",
        label: "Expected close",
        required: false,
        aliases: &["close date", "expected close date", "closing date"],
    },
    FieldSpec {
        key: "company_domain",
        label: "Company domain",
        required: false,
        aliases: &["company", "account", "account domain", "domain"],
    },
    FieldSpec {
        key: "owner_email",
        label: "Owner e-mail",
        required: false,
        aliases: &["owner", "deal owner", "sales rep", "rep"],
    },
];

pub fn fields(entity: ImportEntity) -> &'static [FieldSpec] {
    match entity {
        ImportEntity::Companies => COMPANY_FIELDS,
        ImportEntity::Contacts => CONTACT_FIELDS,
        ImportEntity::Deals => DEAL_FIELDS,
    }
}

fn field_infos(entity: ImportEntity) -> Vec<ImportField> {
    fields(entity)
        .iter()
        .map(|f| ImportField {
            key: f.key.to_owned(),
            label: f.label.to_owned(),
            required: f.required,
        })
        .collect()
}

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
    auth: &Authorized<'_>,
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
    let stored = settings
        .dir
        .join(format!("{}.csv", super::auth::tokens::random_token(16)));
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

/// Everything a row may refer to, loaded once per import.
struct Lookups {
    /// Existing companies by domain.
    companies_by_domain: HashMap<String, i64>,
    /// Existing contacts by e-mail.
    contacts_by_email: HashMap<String, i64>,
    /// Stages of the chosen pipeline, by lower-cased name.
    stages: HashMap<String, pipeline_stages::Model>,
    first_stage: Option<pipeline_stages::Model>,
    pipeline_id: Option<i64>,
    /// Members of the workspace by e-mail.
    members: HashMap<String, i64>,
}

async fn lookups(
    db: &impl ConnectionTrait,
    workspace_id: i64,
    entity: ImportEntity,
    pipeline: Option<i64>,
) -> Result<Lookups> {
    let mut l = Lookups {
        companies_by_domain: HashMap::new(),
        contacts_by_email: HashMap::new(),
        stages: HashMap::new(),
        first_stage: None,
        pipeline_id: None,
        members: HashMap::new(),
    };
    let domains: Vec<(i64, Option<String>)> = companies::Entity::find()
        .select_only_cols()
        .filter(companies::Column::WorkspaceId.eq(workspace_id))
        .into_tuple()
        .all(db)
        .await?;
    l.companies_by_domain = domains
        .into_iter()
        .filter_map(|(id, d)| d.map(|d| (d, id)))
        .collect();
    if entity == ImportEntity::Contacts {
        let emails: Vec<(i64, Option<String>)> = contacts::Entity::find()
            .select_only()
            .column(contacts::Column::Id)
            .column(contacts::Column::Email)
            .filter(contacts::Column::WorkspaceId.eq(workspace_id))
            .into_tuple()
            .all(db)
            .await?;
        l.contacts_by_email = emails
            .into_iter()
            .filter_map(|(id, e)| e.map(|e| (e, id)))
            .collect();
    }
    if entity == ImportEntity::Deals {
        let stages = pipeline_repo::stages_by_id(db, workspace_id).await?;
        let pipeline_id = match pipeline {
            Some(p) => {
                pipeline_repo::find(db, workspace_id, p)
                    .await
                    .map_err(|_| Error::field("pipeline_id", "no such pipeline"))?;
                p
            }
            None => {
                let mut firsts: Vec<&pipeline_stages::Model> = stages.values().collect();
                firsts.sort_by_key(|s| (s.pipeline_id, s.position));
                firsts.first().map(|s| s.pipeline_id).ok_or_else(|| {
                    Error::BadRequest("the workspace has no pipeline to import deals into".into())
                })?
            }
        };
        let mut mine: Vec<pipeline_stages::Model> = stages
            .into_values()
            .filter(|s| s.pipeline_id == pipeline_id)
            .collect();
        mine.sort_by_key(|s| (s.position, s.id));
        l.first_stage = mine.first().cloned();
        l.stages = mine
            .into_iter()
            .map(|s| (s.name.to_lowercase(), s))
            .collect();
        l.pipeline_id = Some(pipeline_id);
        let members: Vec<(i64, String)> = memberships::Entity::find()
            .filter(memberships::Column::WorkspaceId.eq(workspace_id))
            .find_also_related(users::Entity)
            .all(db)
            .await?
            .into_iter()
            .filter_map(|(m, u)| u.map(|u| (m.user_id, u.email)))
            .collect();
        l.members = members.into_iter().map(|(id, e)| (e, id)).collect();
    }
    Ok(l)
}

trait SelectOnlyCols {
    fn select_only_cols(self) -> Self;
}

impl SelectOnlyCols for sea_orm::Select<companies::Entity> {
    fn select_only_cols(self) -> Self {
        use sea_orm::QuerySelect;
        self.select_only()
            .column(companies::Column::Id)
            .column(companies::Column::Domain)
    }
}

use sea_orm::QuerySelect;

/// A row that passed validation, ready to write.
enum ValidRow {
    Company {
        v: company_repo::ValidCompany,
        existing: Option<i64>,
    },
    Contact {
        v: contact_repo::ValidContact,
        existing: Option<i64>,
    },
    Deal(deal_repo::ValidDeal),
}

fn opt(map: &BTreeMap<&str, &str>, key: &str) -> Option<String> {
    map.get(key)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn parse_int(
    map: &BTreeMap<&str, &str>,
    key: &str,
    errors: &mut Vec<(Option<String>, String)>,
) -> Option<i32> {
    let raw = opt(map, key)?;
    let cleaned: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ',' && *c != '.' && *c != '\'')
        .collect();
    match cleaned.parse::<i32>() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.push((Some(key.into()), format!("`{raw}` is not a whole number")));
            None
        }
    }
}

/// YYYY-MM-DD, YYYY/MM/DD or DD.MM.YYYY. Slashed day-month orders are ambiguous
/// (03/04/2026) and refused rather than guessed.
pub fn parse_date(raw: &str) -> std::result::Result<NaiveDate, String> {
    let s = raw.trim();
    for fmt in ["%Y-%m-%d", "%Y/%m/%d", "%d.%m.%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, fmt) {
            return Ok(d);
        }
    }
    // Spreadsheets often export "2026-01-31 00:00:00".
    if let Some(day) = s.split([' ', 'T']).next() {
        if let Ok(d) = NaiveDate::parse_from_str(day, "%Y-%m-%d") {
            return Ok(d);
        }
    }
    Err(format!(
        "`{s}` is not a date; use YYYY-MM-DD (e.g. 2026-03-31)"
    ))
}

/// (field label, raw value) pairs of a row, as the preview shows them.
type Shown = Vec<(String, String)>;
/// (field key, message) for each problem of a row.
type Problems = Vec<(Option<String>, String)>;

/// Per-file state while checking: keys already seen, to report duplicates within the file.
#[derive(Default)]
struct Seen {
    keys: HashMap<String, u64>,
}

fn convert(
    entity: ImportEntity,
    record: &Record,
    mapping: &Mapping,
    lookups: &Lookups,
    options: &ImportOptions,
    seen: &mut Seen,
) -> std::result::Result<(ValidRow, Shown), Problems> {
    let map = engine::mapped(record, mapping);
    let shown: Vec<(String, String)> = fields(entity)
        .iter()
        .filter_map(|f| {
            map.get(f.key)
                .map(|v| (f.label.to_owned(), (*v).to_owned()))
        })
        .collect();
    let mut errors: Vec<(Option<String>, String)> = Vec::new();
    let from_fields = |fe: Vec<crate::types::FieldError>| {
        fe.into_iter()
            .map(|e| (Some(e.field), e.message))
            .collect::<Vec<_>>()
    };
    let mut duplicate = |key: String, what: &str, errors: &mut Vec<(Option<String>, String)>| {
        if let Some(first) = seen.keys.get(&key) {
            errors.push((
                None,
                format!("the same {what} is already on line {first} of this file"),
            ));
        } else {
            seen.keys.insert(key, record.line);
        }
    };
    match entity {
        ImportEntity::Companies => {
            let website = opt(&map, "website");
            let domain = opt(&map, "domain").or_else(|| {
                website
                    .as_deref()
                    .and_then(|w| Domain::parse(w).ok())
                    .map(String::from)
            });
            let input = CompanyInput {
                name: opt(&map, "name").unwrap_or_default(),
                domain,
                industry: opt(&map, "industry"),
                employee_count: parse_int(&map, "employee_count", &mut errors),
                annual_revenue: opt(&map, "annual_revenue"),
                revenue_currency: opt(&map, "revenue_currency"),
                country: opt(&map, "country"),
                city: opt(&map, "city"),
                description: opt(&map, "description"),
                website,
                linkedin_url: opt(&map, "linkedin_url"),
                founded_year: parse_int(&map, "founded_year", &mut errors),
                tags: opt(&map, "tags")
                    .map(|t| {
                        t.split([';', '|', ','])
                            .map(|x| x.trim().to_owned())
                            .filter(|x| !x.is_empty())
                            .collect()
                    })
                    .unwrap_or_default(),
            };
            match company_repo::validate(&input) {
                Ok(v) => {
                    let existing = v
                        .domain
                        .as_ref()
                        .and_then(|d| lookups.companies_by_domain.get(d.as_str()).copied());
                    if let Some(d) = &v.domain {
                        duplicate(d.as_str().to_owned(), "domain", &mut errors);
                        if existing.is_some() && !options.upsert {
                            errors.push((Some("domain".into()), format!("a company with domain {} exists; choose “update existing” to overwrite it", d.as_str())));
                        }
                    }
                    if errors.is_empty() {
                        return Ok((ValidRow::Company { v, existing }, shown));
                    }
                }
                Err(fe) => errors.extend(from_fields(fe)),
            }
        }
        ImportEntity::Contacts => {
            let company_id = match opt(&map, "company_domain") {
                Some(d) => match Domain::parse(&d)
                    .ok()
                    .and_then(|d| lookups.companies_by_domain.get(d.as_str()).copied())
                {
                    Some(id) => Some(id),
                    None => {
                        errors.push((Some("company_domain".into()), format!("no company with domain `{d}` in this workspace (import companies first)")));
                        None
                    }
                },
                None => None,
            };
            let input = ContactInput {
                name: opt(&map, "name").unwrap_or_default(),
                company_id: None,
                email: opt(&map, "email"),
                title: opt(&map, "title"),
                phone: opt(&map, "phone"),
                linkedin_url: opt(&map, "linkedin_url"),
            };
            match contact_repo::validate_fields(&input) {
                Ok(mut v) => {
                    v.company_id = company_id;
                    let existing = v
                        .email
                        .as_ref()
                        .and_then(|e| lookups.contacts_by_email.get(e.as_str()).copied());
                    if let Some(e) = &v.email {
                        duplicate(e.as_str().to_owned(), "e-mail", &mut errors);
                        if existing.is_some() && !options.upsert {
                            errors.push((Some("email".into()), format!("a contact with e-mail {e} exists; choose “update existing” to overwrite it")));
                        }
                    }
                    if errors.is_empty() {
                        return Ok((ValidRow::Contact { v, existing }, shown));
                    }
                }
                Err(fe) => errors.extend(from_fields(fe)),
            }
        }
        ImportEntity::Deals => {
            let stage = match opt(&map, "stage") {
                Some(name) => match lookups.stages.get(&name.to_lowercase()) {
                    Some(s) => Some(s.clone()),
                    None => {
                        let names: Vec<&str> =
                            lookups.stages.values().map(|s| s.name.as_str()).collect();
                        errors.push((
                            Some("stage".into()),
                            format!(
                                "`{name}` is not a stage of this pipeline ({})",
                                names.join(", ")
                            ),
                        ));
                        None
                    }
                },
                None => lookups.first_stage.clone(),
            };
            let name = crate::types::parse_name(&opt(&map, "name").unwrap_or_default(), 200)
                .map_err(|m| errors.push((Some("name".into()), m)))
                .ok();
            let currency = match opt(&map, "currency") {
                Some(c) => Currency::parse(&c)
                    .map_err(|m| errors.push((Some("currency".into()), m.into())))
                    .unwrap_or(Currency::USD),
                None => Currency::USD,
            };
            let amount = Money::parse_amount(&opt(&map, "amount").unwrap_or_default(), currency)
                .map_err(|m| errors.push((Some("amount".into()), m.into())))
                .ok();
            let probability = parse_int(&map, "probability", &mut errors);
            if probability.is_some_and(|p| !(0..=100).contains(&p)) {
                errors.push((
                    Some("probability".into()),
                    "must be between 0 and 100".into(),
                ));
            }
            let expected_close = match opt(&map, "expected_close") {
                Some(d) => parse_date(&d)
                    .map(Some)
                    .map_err(|m| errors.push((Some("expected_close".into()), m)))
                    .ok()
                    .flatten(),
                None => None,
            };
            let company_id = match opt(&map, "company_domain") {
                Some(d) => match Domain::parse(&d)
                    .ok()
                    .and_then(|d| lookups.companies_by_domain.get(d.as_str()).copied())
                {
                    Some(id) => Some(id),
                    None => {
                        errors.push((Some("company_domain".into()), format!("no company with domain `{d}` in this workspace (import companies first)")));
                        None
                    }
                },
                None => None,
            };
            let owner_id = match opt(&map, "owner_email") {
                Some(e) => match Email::parse(&e)
                    .ok()
                    .and_then(|e| lookups.members.get(e.as_str()).copied())
                {
                    Some(id) => Some(id),
                    None => {
                        errors.push((
                            Some("owner_email".into()),
                            format!("`{e}` is not a member of this workspace"),
                        ));
                        None
                    }
                },
                None => None,
            };
            if let (true, Some(name), Some(amount), Some(stage), Some(pipeline_id)) =
                (errors.is_empty(), name, amount, stage, lookups.pipeline_id)
            {
                return Ok((
                    ValidRow::Deal(deal_repo::ValidDeal {
                        probability: probability.unwrap_or(stage.default_probability),
                        name,
                        pipeline_id,
                        stage,
                        company_id,
                        amount,
                        expected_close,
                        owner_id,
                    }),
                    shown,
                ));
            }
        }
    }
    if errors.is_empty() {
        errors.push((None, "this row could not be read".into()));
    }
    Err(errors)
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

/// Reads every row and calls `on_valid` for each valid one; returns the check.
async fn walk(
    path: PathBuf,
    sniffed: Sniffed,
    entity: ImportEntity,
    mapping: Mapping,
    lookups: Lookups,
    options: ImportOptions,
    mut on_valid: impl FnMut(u64, ValidRow) + Send + 'static,
) -> Result<(ImportCheck, Vec<RowError>)> {
    tokio::task::spawn_blocking(move || -> Result<(ImportCheck, Vec<RowError>)> {
        let mut check = ImportCheck::default();
        let mut all_errors: Vec<RowError> = Vec::new();
        let mut seen = Seen::default();
        for record in engine::open(&path, &sniffed)? {
            let record = record?;
            check.rows += 1;
            let result = match record.width_error(&sniffed) {
                Some(e) => Err(vec![(e.field, e.message)]),
                None => convert(entity, &record, &mapping, &lookups, &options, &mut seen),
            };
            match result {
                Ok((row, shown)) => {
                    check.valid += 1;
                    if check.preview.len() < PREVIEW_ROWS {
                        check.preview.push(PreviewRow {
                            line: record.line,
                            values: shown,
                            problems: vec![],
                        });
                    }
                    on_valid(record.line, row);
                }
                Err(problems) => {
                    check.invalid += 1;
                    if check.preview.len() < PREVIEW_ROWS {
                        let map = engine::mapped(&record, &mapping);
                        let shown = fields(entity)
                            .iter()
                            .filter_map(|f| {
                                map.get(f.key)
                                    .map(|v| (f.label.to_owned(), (*v).to_owned()))
                            })
                            .collect();
                        check.preview.push(PreviewRow {
                            line: record.line,
                            values: shown,
                            problems: problems.iter().map(|p| p.1.clone()).collect(),
                        });
                    }
                    for (field, message) in problems {
                        if check.problems.len() < MAX_PROBLEMS {
                            check.problems.push(RowProblem {
                                line: record.line,
                                field: field.clone(),
                                message: message.clone(),
                            });
                        }
                        all_errors.push(RowError {
                            line: record.line,
                            field,
                            message,
                        });
                    }
                }
            }
        }
        if check.rows == 0 {
            return Err(Error::BadRequest("the file has no data rows".into()));
        }
        Ok((check, all_errors))
    })
    .await
    .map_err(|e| Error::Other(e.into()))?
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
    let lookups = lookups(db, scope.workspace_id(), entity, options.pipeline_id).await?;
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
    let lookups = lookups(db, scope.workspace_id(), entity, options.pipeline_id).await?;
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

/// Checks, then writes all rows (or the valid ones, if chosen) in one transaction. Run as a
/// job (`job` set), it reports its phases as steps and its progress every 1,000 rows.
pub async fn run<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    auth: &Authorized<'_>,
    id: i64,
    options: &ImportOptions,
    job: Option<&crate::backend::jobs::JobContext>,
) -> Result<ImportOutcome> {
    let step = |name: &'static str, pct: i32| async move {
        match job {
            Some(ctx) => ctx.step(name, pct).await.map_err(job_error),
            None => Ok(()),
        }
    };
    let (row, entity) = find(db, auth, id).await?;
    remember_options(db, id, options).await?;
    if row.status == "imported" {
        return Err(Error::Conflict(
            "this file has already been imported; upload it again to import it again".into(),
        ));
    }
    let path = PathBuf::from(&row.stored_path);
    let sniffed = sniff_file(&path, options.has_header).await?;
    let mapping = match mapping_of(entity, options, &sniffed) {
        Ok(m) => m,
        Err(problems) => return Err(Error::field("mapping", problems.join(" "))),
    };
    step("check every row", 5).await?;
    let lookups_for_check = lookups(db, auth.workspace_id(), entity, options.pipeline_id).await?;
    let (check, _) = walk(
        path.clone(),
        sniffed.clone(),
        entity,
        mapping.clone(),
        lookups_for_check,
        options.clone(),
        |_, _| {},
    )
    .await?;
    let report_url = (check.invalid > 0).then(|| {
        format!(
            "/api/imports/{id}/errors.csv?workspace={}",
            auth.workspace_slug()
        )
    });
    if check.invalid > 0 && !options.skip_invalid {
        return Ok(ImportOutcome {
            imported: false,
            inserted: 0,
            updated: 0,
            skipped: 0,
            check,
            report_url,
        });
    }

    // Second pass: the valid rows stream from the reader into the transaction (the channel
    // is bounded, so memory stays flat whatever the file size).
    step("write the rows", 40).await?;
    let to_write = check.valid.max(1);
    let lookups = lookups(db, auth.workspace_id(), entity, options.pipeline_id).await?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(u64, ValidRow)>(256);
    let walker = tokio::spawn(walk(
        path,
        sniffed,
        entity,
        mapping,
        lookups,
        options.clone(),
        move |line, row| {
            let _ = tx.blocking_send((line, row));
        },
    ));
    let txn = crate::backend::db::begin_write(db).await?;
    let (mut inserted, mut updated) = (0u64, 0u64);
    while let Some((line, row)) = rx.recv().await {
        let result = match row {
            ValidRow::Company {
                v,
                existing: Some(cid),
            } => match companies::Entity::find_by_id(cid).one(&txn).await? {
                Some(m) => company_repo::overwrite_row(&txn, auth.workspace_id(), m, &v)
                    .await
                    .map(|_| updated += 1),
                None => company_repo::insert_row(&txn, auth.workspace_id(), &v, CompanySource::Csv)
                    .await
                    .map(|_| inserted += 1),
            },
            ValidRow::Company { v, existing: None } => {
                company_repo::insert_row(&txn, auth.workspace_id(), &v, CompanySource::Csv)
                    .await
                    .map(|_| inserted += 1)
            }
            ValidRow::Contact {
                v,
                existing: Some(cid),
            } => match contacts::Entity::find_by_id(cid).one(&txn).await? {
                Some(m) => contact_repo::overwrite_row(&txn, m, v)
                    .await
                    .map(|_| updated += 1),
                None => contact_repo::insert_row(&txn, auth.workspace_id(), v)
                    .await
                    .map(|_| inserted += 1),
            },
            ValidRow::Contact { v, existing: None } => {
                contact_repo::insert_row(&txn, auth.workspace_id(), v)
                    .await
                    .map(|_| inserted += 1)
            }
            ValidRow::Deal(v) => deal_repo::insert_row(&txn, auth.workspace_id(), v)
                .await
                .map(|_| inserted += 1),
        };
        let done = inserted + updated;
        if let Some(ctx) = job {
            if done % 1_000 == 0 && done > 0 {
                let pct = 40 + (done * 55 / to_write).min(55) as i32;
                let message = format!("{done} of {to_write} rows written");
                // SQLite: this transaction holds the only write lock, so the progress can only
                // be announced, not logged (a log write would wait for our own commit).
                if db.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
                    ctx.live_progress(pct, &message).await;
                } else if let Err(e) = ctx.progress(pct, &message).await {
                    tracing::warn!(error = %e, "recording import progress");
                }
            }
        }
        // A row that still fails (a concurrent write took its domain) aborts everything:
        // the transaction is dropped, nothing is half-imported.
        if let Err(e) = result {
            walker.abort();
            return Err(match e {
                Error::Validation(fields) => Error::Conflict(format!(
                    "line {line}: {} — nothing was imported",
                    fields
                        .iter()
                        .map(|f| format!("{}: {}", f.field, f.message))
                        .collect::<Vec<_>>()
                        .join("; ")
                )),
                other => other,
            });
        }
    }
    walker.await.map_err(|e| Error::Other(e.into()))??;
    let skipped = check.invalid;
    audit::record(
        &txn,
        Entry::in_scope(auth, "import.completed")
            .target("import", id)
            .detail(format!(
                "{}: {inserted} added, {updated} updated, {skipped} skipped ({})",
                entity.as_str(),
                row.filename
            )),
    )
    .await?;
    imports::Entity::update_many()
        .col_expr(imports::Column::Status, sea_orm::sea_query::Expr::value("imported"))
        .col_expr(
            imports::Column::Summary,
            sea_orm::sea_query::Expr::value(serde_json::json!({"options": options, "inserted": inserted, "updated": updated, "skipped": skipped}).to_string()),
        )
        .col_expr(imports::Column::UpdatedAt, sea_orm::sea_query::Expr::value(Utc::now()))
        .filter(imports::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(ImportOutcome {
        imported: true,
        inserted,
        updated,
        skipped,
        check,
        report_url,
    })
}

fn job_error(e: crate::backend::jobs::JobError) -> Error {
    use crate::backend::jobs::JobError;
    match e {
        JobError::Cancelled => {
            Error::Conflict("the import was cancelled; nothing was written".into())
        }
        JobError::Interrupted => Error::Unavailable("the server is shutting down".into()),
        JobError::Failed(m) | JobError::Permanent(m) => Error::Other(anyhow::anyhow!(m)),
    }
}

/// The `import` job's input: which upload, with which options, started by whom.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ImportJob {
    pub import_id: i64,
    pub user_id: i64,
    pub options: ImportOptions,
}

pub const JOB_KIND: &str = "import";

/// Queues the import to run in the background (large files; the page follows its
/// progress). Checks what can be checked now: the upload exists, is not imported yet.
pub async fn start(
    state: &crate::backend::AppState,
    auth: &Authorized<'_>,
    id: i64,
    options: &ImportOptions,
) -> Result<crate::backend::entity::jobs::Model> {
    let (row, _) = find(&state.db, auth, id).await?;
    if row.status == "imported" {
        return Err(Error::Conflict(
            "this file has already been imported; upload it again to import it again".into(),
        ));
    }
    remember_options(&state.db, id, options).await?;
    let payload = ImportJob {
        import_id: id,
        user_id: auth.user_id(),
        options: options.clone(),
    };
    state
        .jobs()
        .enqueue(&crate::backend::jobs::NewJob {
            max_attempts: 3,
            ..crate::backend::jobs::NewJob::new(
                JOB_KIND,
                serde_json::to_value(&payload).map_err(|e| Error::Other(e.into()))?,
            )
            .in_workspace(auth.workspace_id())
        })
        .await
}

/// The `import` job.
pub async fn run_job(
    state: crate::backend::AppState,
    ctx: std::sync::Arc<crate::backend::jobs::JobContext>,
) -> std::result::Result<serde_json::Value, crate::backend::jobs::JobError> {
    use crate::backend::jobs::JobError;
    let input: ImportJob = ctx.payload()?;
    let workspace_id = ctx
        .job
        .workspace_id
        .ok_or_else(|| JobError::Permanent("an import job needs a workspace".into()))?;
    let scope = super::auth::scope_for_job(&state.db, input.user_id, workspace_id)
        .await
        .map_err(|e| JobError::Permanent(e.to_string()))?;
    let auth = scope
        .authorize(super::auth::Action::Write)
        .map_err(|e| JobError::Permanent(e.to_string()))?;
    let outcome = match run(
        &state.db,
        &auth,
        input.import_id,
        &input.options,
        Some(&ctx),
    )
    .await
    {
        Ok(o) => o,
        // The job's own cancel / shutdown pass through as such.
        Err(Error::Conflict(m)) if m.contains("cancelled") => return Err(JobError::Cancelled),
        Err(e @ (Error::Db(_) | Error::Other(_) | Error::Unavailable(_))) => {
            return Err(JobError::Failed(e.to_string()))
        }
        Err(e) => return Err(JobError::Permanent(e.to_string())),
    };
    if outcome.imported {
        ctx.log(&format!(
            "{} added, {} updated, {} skipped",
            outcome.inserted, outcome.updated, outcome.skipped
        ))
        .await?;
        use crate::backend::events::{Event, Topic};
        state
            .events()
            .publish(Event::new(
                Some(workspace_id),
                Topic::Data {
                    entity: "imports".into(),
                },
            ))
            .await;
        let event = serde_json::json!({
            "import_id": input.import_id, "inserted": outcome.inserted,
            "updated": outcome.updated, "skipped": outcome.skipped,
        });
        if let Err(e) = crate::backend::delivery::webhooks::emit(
            &state,
            workspace_id,
            "import.completed",
            event,
            None,
        )
        .await
        {
            tracing::warn!(error = %e, "queueing import webhooks");
        }
    } else {
        ctx.log(&format!(
            "{} invalid rows: nothing was written",
            outcome.check.invalid
        ))
        .await?;
    }
    serde_json::to_value(&outcome).map_err(|e| JobError::Failed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(parse_date("2026-03-31").unwrap().to_string(), "2026-03-31");
        assert_eq!(parse_date("31.03.2026").unwrap().to_string(), "2026-03-31");
        assert_eq!(parse_date("2026/03/31").unwrap().to_string(), "2026-03-31");
        assert_eq!(
            parse_date("2026-03-31 00:00:00").unwrap().to_string(),
            "2026-03-31"
        );
        assert!(parse_date("03/04/2026").is_err(), "ambiguous");
        assert!(parse_date("yesterday").is_err());
    }

    #[test]
    fn realistic_headers_map() {
        let headers: Vec<String> = [
            "Company",
            "Website",
            "Employees",
            "Annual Revenue",
            "HQ Country",
            "Tags",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let m = engine::suggest_mapping(&headers, COMPANY_FIELDS);
        assert_eq!(
            m,
            vec![
                Some("name"),
                Some("website"),
                Some("employee_count"),
                Some("annual_revenue"),
                Some("country"),
                Some("tags")
            ]
        );
    }
}
