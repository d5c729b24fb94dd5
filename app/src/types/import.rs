//! CSV imports as the browser and scripts see them: the preview after upload, the check of
//! every row, and the outcome.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ImportEntity {
    Companies,
    Contacts,
    Deals,
}

impl ImportEntity {
    pub const ALL: [ImportEntity; 3] = [
        ImportEntity::Companies,
        ImportEntity::Contacts,
        ImportEntity::Deals,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ImportEntity::Companies => "companies",
            ImportEntity::Contacts => "contacts",
            ImportEntity::Deals => "deals",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// What "update existing" matches on.
    pub fn upsert_key(self) -> Option<&'static str> {
        match self {
            ImportEntity::Companies => Some("domain"),
            ImportEntity::Contacts => Some("e-mail"),
            ImportEntity::Deals => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ImportField {
    pub key: String,
    pub label: String,
    pub required: bool,
}

/// What an uploaded file looks like, and how its columns are suggested to map.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ImportPreview {
    pub id: i64,
    pub entity: ImportEntity,
    pub filename: String,
    pub size_bytes: u64,
    pub encoding: String,
    pub delimiter: String,
    pub has_header: bool,
    pub headers: Vec<String>,
    pub sample: Vec<Vec<String>>,
    pub fields: Vec<ImportField>,
    /// Per column, the suggested field key (None: not imported).
    pub suggested: Vec<Option<String>>,
}

/// The person's choices for an import.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ImportOptions {
    /// Per column, the field key it feeds (None or "": not imported).
    pub mapping: Vec<Option<String>>,
    /// Overrides the detected header row.
    #[serde(default)]
    pub has_header: Option<bool>,
    /// Import the valid rows and skip the rest (otherwise: all rows or nothing).
    #[serde(default)]
    pub skip_invalid: bool,
    /// Update the existing record with the same domain (companies) or e-mail (contacts)
    /// instead of refusing the row.
    #[serde(default)]
    pub upsert: bool,
    /// Deals: the pipeline whose stages the `stage` column names (default pipeline if none).
    #[serde(default)]
    pub pipeline_id: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct RowProblem {
    pub line: u64,
    pub field: Option<String>,
    pub message: String,
}

/// One row of the preview: what each mapped field will become.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct PreviewRow {
    pub line: u64,
    pub values: Vec<(String, String)>,
    pub problems: Vec<String>,
}

/// Every row checked, nothing written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ImportCheck {
    pub rows: u64,
    pub valid: u64,
    pub invalid: u64,
    /// The first problems (at most 200); the full list is in the error report.
    pub problems: Vec<RowProblem>,
    pub preview: Vec<PreviewRow>,
    /// Problems with the mapping itself (nothing can be imported until they are fixed).
    pub mapping_problems: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ImportOutcome {
    /// False when nothing was written (invalid rows and "skip invalid" not chosen).
    pub imported: bool,
    pub inserted: u64,
    pub updated: u64,
    pub skipped: u64,
    pub check: ImportCheck,
    /// Where the per-row error report can be downloaded, when there are invalid rows.
    pub report_url: Option<String>,
}
