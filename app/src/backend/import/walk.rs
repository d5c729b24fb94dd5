//! Every record of the file, converted and checked on a blocking thread: the check's
//! counts, preview and problems, and each valid row handed to the caller.

use std::path::PathBuf;

use super::convert::{convert, Seen, ValidRow};
use super::csv::{self as engine, Mapping, RowError, Sniffed};
use super::fields::fields;
use super::lookups::Lookups;
use super::{MAX_PROBLEMS, PREVIEW_ROWS};
use crate::backend::{Error, Result};
use crate::types::{ImportCheck, ImportEntity, ImportOptions, PreviewRow, RowProblem};

/// Reads every row and calls `on_valid` for each valid one; returns the check.
pub(super) async fn walk(
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
