//! The per-row error report: the rejected rows as they were, plus what is wrong with them,
//! so the user can fix them in a spreadsheet and import the report itself.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use super::{open, CsvError, RowError, Sniffed, UTF8_BOM};

/// Streams the original file again and writes, for every row that has errors and in line
/// order, its cells (padded to the file's columns; cells beyond them are dropped, and the
/// row's width error names them), its line and its messages joined with "; " (each prefixed
/// with the field key when it has one). The header is the file's header (or the synthesized
/// "Column N" names) plus "line" and "errors". Returns the number of rows written; errors
/// whose line holds no data record are left out.
///
/// The output is UTF-8 with a BOM, because Excel reads a CSV without one in the local legacy
/// code page, and it keeps the file's delimiter, because that is the one the user's
/// spreadsheet program splits on. Cells are written as they were uploaded: the report goes
/// back to the people who uploaded them, and an altered cell would be imported altered.
pub fn error_report(
    path: &Path,
    sniffed: &Sniffed,
    errors: &[RowError],
    mut out: impl Write,
) -> Result<u64, CsvError> {
    let mut messages: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for error in errors {
        let message = match &error.field {
            Some(field) => format!("{field}: {}", error.message),
            None => error.message.clone(),
        };
        messages.entry(error.line).or_default().push(message);
    }

    out.write_all(UTF8_BOM)?;
    let mut writer = csv::WriterBuilder::new()
        .delimiter(sniffed.delimiter)
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    let mut header: Vec<&str> = sniffed.headers.iter().map(String::as_str).collect();
    header.resize(sniffed.columns, "");
    header.extend(["line", "errors"]);
    writer.write_record(&header).map_err(from_write_error)?;

    let mut written = 0u64;
    if !messages.is_empty() {
        for record in open(path, sniffed)? {
            let record = record?;
            // The rest of the file holds no rejected rows: no need to read it.
            if messages.range(record.line..).next().is_none() {
                break;
            }
            let Some(row_messages) = messages.remove(&record.line) else {
                continue;
            };
            let mut row: Vec<&str> = record
                .fields
                .iter()
                .take(sniffed.columns)
                .map(String::as_str)
                .collect();
            row.resize(sniffed.columns, "");
            let line = record.line.to_string();
            let joined = row_messages.join("; ");
            row.push(&line);
            row.push(&joined);
            writer.write_record(&row).map_err(from_write_error)?;
            written += 1;
        }
    }
    writer.flush()?;
    Ok(written)
}

fn from_write_error(err: csv::Error) -> CsvError {
    match err.into_kind() {
        csv::ErrorKind::Io(e) => CsvError::Io(e),
        // Rows all have the header's width, so only I/O can fail; keep a message anyway.
        other => CsvError::Io(std::io::Error::other(format!("{other:?}"))),
    }
}
