//! The entity-independent half of CSV imports: sniffing an upload, streaming its records,
//! suggesting and checking a column mapping, and writing the per-row error report.
//!
//! The flow an import follows, and which piece serves each step:
//!
//! 1. [`read_head`] + [`sniff`]: encoding, delimiter, header row, a preview sample.
//!    [`sniff_with`] re-runs it with the user's corrections from the preview
//!    ("the first row is not a header", "the delimiter is a semicolon").
//! 2. [`suggest_mapping`]: a column → field suggestion the user confirms or edits;
//!    [`Mapping::validate`] checks what comes back.
//! 3. [`open`]: a streaming iterator over the data records. For each record the caller checks
//!    [`Record::width_error`], converts [`mapped`] cells into its entity input and collects
//!    [`RowError`]s. An `Err` from the iterator is about the file, not one row: the import
//!    stops there (it is never one of the "invalid rows" a user may choose to skip).
//! 4. On errors, [`error_report`] writes the rejected rows with their messages so the user
//!    can fix them in a spreadsheet and upload the report itself again.
//!
//! Files are never held in memory as a whole: sniffing looks at the first [`SNIFF_BYTES`],
//! and every other pass streams the file from disk again.

mod mapping;
mod reader;
mod report;
mod sniff;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use mapping::{mapped, suggest_mapping, FieldSpec, Mapping};
pub use reader::{open, read_head, Record, Records};
pub use report::error_report;
pub use sniff::{looks_binary, sniff, sniff_with, SniffOptions, DELIMITERS};

/// How much of the file [`sniff`] needs: enough rows for a stable guess, little enough to
/// read on every preview request.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// Rows shown in the preview.
pub const SAMPLE_ROWS: usize = 20;

/// The largest upload [`open`] accepts. The upload handler should refuse bigger files
/// before they reach the disk; this is the backstop.
pub const MAX_FILE_BYTES: u64 = 25 * 1024 * 1024;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The text encodings an upload can be in. Anything else (UTF-16, binary) is refused by
/// [`sniff`] with [`CsvError::NotText`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TextEncoding {
    Utf8,
    /// Also used for ISO-8859-1 (Latin-1): Windows-1252 is a superset that only differs in
    /// 0x80–0x9F, where Latin-1 has unprintable controls and files from Excel mean € “ ” etc.
    Windows1252,
}

impl TextEncoding {
    /// The name to show in the preview.
    pub fn label(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Windows1252 => "Windows-1252 (Latin-1)",
        }
    }
}

/// What [`sniff`] found out about a file. It is all the readers need, so it can be kept
/// (e.g. serialized with the import) between the preview and the import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sniffed {
    pub encoding: TextEncoding,
    pub delimiter: u8,
    pub has_header: bool,
    /// One name per column; "Column 3" where the file has no header or an empty header cell.
    pub headers: Vec<String>,
    /// The first [`SAMPLE_ROWS`] data rows, decoded and trimmed, with their real number of
    /// cells (ragged rows are shown as they are).
    pub sample: Vec<Vec<String>>,
    /// `headers.len()`: the width every data row is checked against.
    pub columns: usize,
}

impl Sniffed {
    /// The delimiter as users call it, for the preview and for error messages.
    pub fn delimiter_name(&self) -> &'static str {
        match self.delimiter {
            b',' => "comma (,)",
            b';' => "semicolon (;)",
            b'\t' => "tab",
            b'|' => "vertical bar (|)",
            _ => "delimiter",
        }
    }
}

/// File-level problems. The messages are shown to end users as they are: each says what is
/// wrong and what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    #[error(
        "The file is empty. Choose a CSV file that has a header row and at least one row of data."
    )]
    Empty,

    #[error(
        "This is not a CSV text file: it looks like an Excel workbook, an image, a PDF or text \
         saved as UTF-16. Open it in your spreadsheet program, choose “Save as” → \
         “CSV UTF-8 (comma delimited)” and upload the saved file."
    )]
    NotText,

    #[error(
        "No values were found: every line of the file is empty. Check that you chose the \
         right file and that it has a header row and rows of data."
    )]
    NoColumns,

    #[error("Line {line}: {message}")]
    Malformed { line: u64, message: String },

    #[error(
        "The file is larger than {} MB. Split it into smaller files and import them one after \
         another.",
        .limit / (1024 * 1024)
    )]
    TooLarge { limit: u64 },

    #[error("The file could not be read ({0}). Upload it again.")]
    Io(#[from] std::io::Error),
}

impl From<CsvError> for crate::backend::Error {
    fn from(err: CsvError) -> Self {
        match err {
            // A failing disk is the operator's problem: log it in full, answer generically.
            CsvError::Io(e) => crate::backend::Error::Other(anyhow::Error::new(e)),
            other => crate::backend::Error::BadRequest(other.to_string()),
        }
    }
}

/// One problem with one data row, found by the caller's validation (or by
/// [`Record::width_error`]). `field` is the field key when the problem belongs to one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    pub line: u64,
    pub field: Option<String>,
    pub message: String,
}

impl RowError {
    pub fn new(line: u64, field: Option<&str>, message: impl Into<String>) -> Self {
        RowError {
            line,
            field: field.map(str::to_owned),
            message: message.into(),
        }
    }
}
