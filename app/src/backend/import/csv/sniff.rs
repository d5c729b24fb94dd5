//! Guessing encoding, delimiter and header from the first bytes of a file.

use std::collections::{HashMap, HashSet};

use super::reader::RowReader;
use super::{CsvError, Sniffed, TextEncoding, SAMPLE_ROWS, SNIFF_BYTES, UTF8_BOM};

/// The delimiters [`sniff`] chooses from, in order of preference when two fit equally well.
pub const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// Rows that decide the delimiter and the header: enough to see a pattern, few enough to
/// parse the head four times.
const DETECT_ROWS: usize = 50;

/// The user's corrections from the preview; `None` means "guess". A delimiter that is not
/// one of [`DELIMITERS`] is ignored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SniffOptions {
    pub encoding: Option<TextEncoding>,
    pub delimiter: Option<u8>,
    pub has_header: Option<bool>,
}

/// Guesses how to read a file from its first bytes (up to [`SNIFF_BYTES`]; see
/// [`super::read_head`]).
///
/// * Encoding: UTF-8 when the head is valid UTF-8 (a UTF-8 BOM is stripped), otherwise
///   Windows-1252. UTF-16 and binary files are refused with [`CsvError::NotText`].
/// * Delimiter: of [`DELIMITERS`], the one that splits the first rows into the same number
///   of cells most consistently (quotes respected); a delimiter that never splits a row does
///   not count. Ties go to more columns, then to the order of [`DELIMITERS`]. A file with a
///   single column gets a comma.
/// * Header: see [`detect_header`].
pub fn sniff(head: &[u8]) -> Result<Sniffed, CsvError> {
    sniff_with(head, &SniffOptions::default())
}

/// [`sniff`] with some of the answers given.
pub fn sniff_with(head: &[u8], options: &SniffOptions) -> Result<Sniffed, CsvError> {
    if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
        return Err(CsvError::NotText);
    }
    let body = head.strip_prefix(UTF8_BOM).unwrap_or(head);
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(CsvError::Empty);
    }
    if looks_binary(body) {
        return Err(CsvError::NotText);
    }
    // A head cut at SNIFF_BYTES ends in the middle of a record (maybe of a character).
    let truncated = head.len() >= SNIFF_BYTES;
    let encoding = options
        .encoding
        .unwrap_or_else(|| detect_encoding(body, truncated));
    let delimiter = match options.delimiter.filter(|d| DELIMITERS.contains(d)) {
        Some(delimiter) => delimiter,
        None => detect_delimiter(body, encoding, truncated)?,
    };
    let rows = read_rows(
        body,
        delimiter,
        encoding,
        truncated,
        SAMPLE_ROWS.max(DETECT_ROWS) + 1,
    )?;
    if rows.is_empty() {
        return Err(CsvError::NoColumns);
    }
    let has_header = options.has_header.unwrap_or_else(|| detect_header(&rows));

    let (header, data) = if has_header {
        (Some(&rows[0]), &rows[1..])
    } else {
        (None, &rows[..])
    };
    // As wide as most rows, but without trailing columns that have neither a name nor a
    // value in the sample: spreadsheets export formatted but unused columns, and some tools
    // end every line with a delimiter. Cells there are still read (and tolerated when empty,
    // see `Record::width_error`).
    let named = header.map_or(0, |h| {
        h.iter()
            .rposition(|cell| !cell.is_empty())
            .map_or(0, |i| i + 1)
    });
    let mut columns = named.max(modal_width(data).unwrap_or(0)).max(1);
    while columns > named.max(1)
        && data
            .iter()
            .all(|row| row.get(columns - 1).is_none_or(String::is_empty))
    {
        columns -= 1;
    }
    let headers = (0..columns)
        .map(|i| match header.and_then(|h| h.get(i)) {
            Some(name) if !name.is_empty() => name.clone(),
            _ => format!("Column {}", i + 1),
        })
        .collect();
    let sample = data.iter().take(SAMPLE_ROWS).cloned().collect();
    Ok(Sniffed {
        encoding,
        delimiter,
        has_header,
        headers,
        sample,
        columns,
    })
}

/// Whether the bytes are clearly not a text file: a known binary signature (PNG, ZIP and
/// with it XLSX/ODS, PDF, GIF, JPEG, legacy XLS, gzip, 7z, RAR), a NUL byte (binary data,
/// or UTF-16 text), or more than 1 % control characters.
pub fn looks_binary(head: &[u8]) -> bool {
    const MAGIC: &[&[u8]] = &[
        b"\x89PNG\r\n\x1A\n",
        b"PK\x03\x04",
        b"PK\x05\x06",
        b"%PDF-",
        b"GIF87a",
        b"GIF89a",
        b"\xFF\xD8\xFF",
        b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
        b"\x1F\x8B",
        b"7z\xBC\xAF\x27\x1C",
        b"Rar!\x1A\x07",
    ];
    let body = head.strip_prefix(UTF8_BOM).unwrap_or(head);
    if MAGIC.iter().any(|magic| body.starts_with(magic)) || body.contains(&0) {
        return true;
    }
    // Form feed and the DOS end-of-file marker do turn up in real text exports.
    let controls = body
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1A))
        .count();
    controls * 100 > body.len()
}

fn detect_encoding(body: &[u8], truncated: bool) -> TextEncoding {
    match std::str::from_utf8(body) {
        Ok(_) => TextEncoding::Utf8,
        // Only the cut at the end of the head is incomplete: the file is UTF-8.
        Err(e) if truncated && e.error_len().is_none() => TextEncoding::Utf8,
        Err(_) => TextEncoding::Windows1252,
    }
}

fn detect_delimiter(body: &[u8], encoding: TextEncoding, truncated: bool) -> Result<u8, CsvError> {
    // (delimiter, rows with the modal width, rows, modal width)
    let mut best: Option<(u8, usize, usize, usize)> = None;
    for delimiter in DELIMITERS {
        let rows = read_rows(body, delimiter, encoding, truncated, DETECT_ROWS)?;
        let Some(width) = modal_width(&rows) else {
            continue;
        };
        if width < 2 {
            continue;
        }
        let fitting = rows.iter().filter(|row| row.len() == width).count();
        let total = rows.len();
        let better = match best {
            None => true,
            Some((_, best_fitting, best_total, best_width)) => {
                // Compare fitting/total as fractions without floats.
                let (mine, theirs) = (fitting * best_total, best_fitting * total);
                mine > theirs || (mine == theirs && width > best_width)
            }
        };
        if better {
            best = Some((delimiter, fitting, total, width));
        }
    }
    Ok(best.map_or(b',', |(delimiter, ..)| delimiter))
}

/// Up to `limit` non-empty rows of the head, parsed exactly as [`super::open`] would.
fn read_rows(
    body: &[u8],
    delimiter: u8,
    encoding: TextEncoding,
    truncated: bool,
    limit: usize,
) -> Result<Vec<Vec<String>>, CsvError> {
    let mut reader = RowReader::new(body, delimiter, encoding)?;
    let mut rows = Vec::new();
    while rows.len() < limit {
        match reader.next_row() {
            Some(Ok(record)) => rows.push(record.fields),
            // An unclosed quote at the end of a cut head is just a multi-line value cut in
            // half; in a whole file it is reported by `open`, with its line, at import time.
            Some(Err(CsvError::Malformed { .. })) => break,
            Some(Err(err)) => return Err(err),
            None => {
                // The last row of a cut head is cut too.
                if truncated && rows.len() > 1 {
                    rows.pop();
                }
                break;
            }
        }
    }
    Ok(rows)
}

/// The most common number of cells per row; ties go to the wider, so a file where half the
/// rows end in an extra empty cell gets that column rather than ragged rows.
fn modal_width(rows: &[Vec<String>]) -> Option<usize> {
    let mut counts: HashMap<usize, usize> = HashMap::new();
    for row in rows {
        *counts.entry(row.len()).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by_key(|&(width, count)| (count, width))
        .map(|(width, _)| width)
}

/// Whether the first row is a header. Two tests, both needed:
///
/// 1. The first row can be a header: it has a non-empty cell, none of its cells is a number,
///    date, e-mail address or web address, and its non-empty cells are distinct (ignoring
///    case).
/// 2. It does not look like data: per column with data below it, a header cell scores +1
///    when most data cells of that column have a type (number, date, e-mail, URL, boolean)
///    the header cell does not have, and −1 when it has the same type as them or when it
///    reappears among them as a value. The row is a header when the sum is not negative.
///
/// So a file whose cells are all text is taken to have a header: exported files nearly
/// always do, and the preview lets the user say otherwise (see [`SniffOptions`]). A
/// header-only file has a header when test 1 passes. Header names that are numbers, such as
/// years, are not recognized: such files need the user's correction.
pub(super) fn detect_header(rows: &[Vec<String>]) -> bool {
    let Some((first, data)) = rows.split_first() else {
        return false;
    };
    let mut seen = HashSet::new();
    for cell in first.iter().filter(|cell| !cell.is_empty()) {
        if matches!(
            kind(cell),
            Kind::Number | Kind::Date | Kind::Email | Kind::Url
        ) || !seen.insert(cell.to_lowercase())
        {
            return false;
        }
    }
    if seen.is_empty() {
        return false;
    }
    let data = &data[..data.len().min(SAMPLE_ROWS)];
    let mut score = 0i32;
    for (column, name) in first.iter().enumerate() {
        if name.is_empty() {
            continue;
        }
        let cells: Vec<&str> = data
            .iter()
            .filter_map(|row| row.get(column))
            .map(String::as_str)
            .filter(|cell| !cell.is_empty())
            .collect();
        if cells.is_empty() {
            continue;
        }
        let name_kind = kind(name);
        match dominant_kind(&cells) {
            Some(data_kind) if data_kind == name_kind => score -= 1,
            Some(_) => score += 1,
            None => {
                let lower = name.to_lowercase();
                if cells.iter().any(|cell| cell.to_lowercase() == lower) {
                    score -= 1;
                }
            }
        }
    }
    score >= 0
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Number,
    Date,
    Email,
    Url,
    Bool,
    Text,
}

/// The typed kind at least half of the cells share, if any.
fn dominant_kind(cells: &[&str]) -> Option<Kind> {
    let mut counts: HashMap<Kind, usize> = HashMap::new();
    for cell in cells {
        let kind = kind(cell);
        if kind != Kind::Text {
            *counts.entry(kind).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .filter(|&(_, count)| count * 2 >= cells.len())
        .max_by_key(|&(_, count)| count)
        .map(|(kind, _)| kind)
}

fn kind(cell: &str) -> Kind {
    if is_date(cell) {
        Kind::Date
    } else if is_number(cell) {
        Kind::Number
    } else if matches!(
        cell.to_ascii_lowercase().as_str(),
        "true" | "false" | "yes" | "no"
    ) {
        Kind::Bool
    } else if is_email(cell) {
        Kind::Email
    } else if is_url(cell) {
        Kind::Url
    } else {
        Kind::Text
    }
}

/// Numbers as spreadsheets write them: signs, currency symbols, percent, and `.` `,` `'` or
/// spaces as separators in either role (1,234.5 / 1.234,5 / 1'234 / 1 234).
fn is_number(cell: &str) -> bool {
    let core = cell
        .trim_start_matches(['+', '-', '$', '€', '£', '¥'])
        .trim_end_matches(['%', '$', '€', '£', '¥'])
        .trim();
    core.starts_with(|c: char| c.is_ascii_digit() || c == '.' || c == ',')
        && core.chars().any(|c| c.is_ascii_digit())
        && core
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '\'' | ' ' | '\u{A0}'))
}

/// Three groups of 1–4 digits joined by one of `-` `/` `.`, optionally followed by a time.
fn is_date(cell: &str) -> bool {
    let date = cell.split(['T', ' ']).next().unwrap_or_default();
    ['-', '/', '.'].iter().any(|&separator| {
        let parts: Vec<&str> = date.split(separator).collect();
        parts.len() == 3
            && parts.iter().all(|part| {
                (1..=4).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit())
            })
    })
}

fn is_email(cell: &str) -> bool {
    let Some((local, domain)) = cell.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !cell.contains(char::is_whitespace)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
}

/// A link or a bare domain such as `acme.com`.
fn is_url(cell: &str) -> bool {
    let lower = cell.to_ascii_lowercase();
    if ["http://", "https://", "www."]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        return true;
    }
    if cell.contains(char::is_whitespace) || cell.contains('@') {
        return false;
    }
    let host = lower.split('/').next().unwrap_or_default();
    let Some((name, tld)) = host.rsplit_once('.') else {
        return false;
    };
    !name.is_empty()
        && (2..=24).contains(&tld.len())
        && tld.bytes().all(|b| b.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}
