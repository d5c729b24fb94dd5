//! Streaming records out of a file (or out of the sniffed head, which goes through the very
//! same code so the preview and the import can never disagree).
//!
//! Parsing works on raw bytes and decodes field by field: both supported encodings are ASCII
//! supersets in which bytes below 0x80 always mean ASCII, so delimiters, quotes and line
//! breaks are found in the raw bytes exactly as in the decoded text.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use super::{CsvError, RowError, Sniffed, TextEncoding, MAX_FILE_BYTES, SNIFF_BYTES, UTF8_BOM};

/// One data record of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The 1-based physical line on which the record starts (a quoted value may continue
    /// on the following lines).
    pub line: u64,
    /// The decoded cells, trimmed, with line breaks inside values normalized to `\n`. As
    /// many as the row really has: see [`Record::width_error`].
    pub fields: Vec<String>,
}

impl Record {
    /// The error for a row whose number of cells does not fit the file's columns, if it
    /// doesn't. Rows are returned with their real cells rather than padded or cut, because a
    /// wrong count nearly always means the row was split or merged (an unquoted line break
    /// or delimiter inside a value) and importing it would put values into the wrong fields.
    /// Extra cells are tolerated when they are empty: many exporters end every row with a
    /// delimiter.
    pub fn width_error(&self, sniffed: &Sniffed) -> Option<RowError> {
        let columns = sniffed.columns;
        let count = self.fields.len();
        if count < columns {
            return Some(RowError::new(
                self.line,
                None,
                format!(
                    "This row has {count} of the file's {columns} columns. A line break inside a \
                     value that is not in double quotes splits a row in two: put such values in \
                     double quotes (\"…\") or remove the line break."
                ),
            ));
        }
        let extra: Vec<&str> = self.fields[columns..]
            .iter()
            .filter(|cell| !cell.is_empty())
            .map(String::as_str)
            .collect();
        if extra.is_empty() {
            return None;
        }
        let shown: Vec<String> = extra.iter().take(3).map(|cell| quote_short(cell)).collect();
        Some(RowError::new(
            self.line,
            None,
            format!(
                "This row has {count} values but the file has {columns} columns (extra: {}). A \
                 value that contains the {} must be put in double quotes (\"…\").",
                shown.join(", "),
                sniffed.delimiter_name(),
            ),
        ))
    }
}

fn quote_short(cell: &str) -> String {
    const MAX: usize = 30;
    if cell.chars().count() <= MAX {
        format!("\"{cell}\"")
    } else {
        let cut: String = cell.chars().take(MAX).collect();
        format!("\"{cut}…\"")
    }
}

/// Reads the part of the file [`super::sniff`] looks at.
pub fn read_head(path: &Path) -> Result<Vec<u8>, CsvError> {
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    File::open(path)?
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)?;
    Ok(head)
}

/// Opens the file for streaming its data records (the header row, if any, is skipped).
///
/// Completely empty rows (no line, or only whitespace and delimiters) are skipped. Rows with
/// the wrong number of cells are returned as they are; see [`Record::width_error`]. An `Err`
/// item means the rest of the file cannot be read reliably (a quote that is never closed, a
/// read error): the iterator ends after it, and the import must not go ahead.
pub fn open(path: &Path, sniffed: &Sniffed) -> Result<Records, CsvError> {
    let file = File::open(path)?;
    let file_size = file.metadata()?.len();
    if file_size > MAX_FILE_BYTES {
        return Err(CsvError::TooLarge {
            limit: MAX_FILE_BYTES,
        });
    }
    let input = BufReader::with_capacity(SNIFF_BYTES, file);
    Ok(Records {
        rows: RowReader::new(input, sniffed.delimiter, sniffed.encoding)?,
        skip_header: sniffed.has_header,
        file_size,
    })
}

/// The data records of a file, read lazily; see [`open`].
pub struct Records {
    rows: RowReader<BufReader<File>>,
    skip_header: bool,
    file_size: u64,
}

impl Records {
    /// Bytes taken from the file so far (give or take one buffer), for a progress bar.
    pub fn bytes_read(&self) -> u64 {
        self.rows.bytes_read().min(self.file_size)
    }

    pub fn file_size(&self) -> u64 {
        self.file_size
    }
}

impl Iterator for Records {
    type Item = Result<Record, CsvError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let row = self.rows.next_row()?;
            if self.skip_header && row.is_ok() {
                self.skip_header = false;
                continue;
            }
            return Some(row);
        }
    }
}

/// The csv parser plus what it cannot tell us itself: where a record starts, and whether
/// the input ended inside a quoted value.
pub(super) struct RowReader<R: Read> {
    csv: csv::Reader<Feed<R>>,
    record: csv::ByteRecord,
    encoding: TextEncoding,
    bom_len: u64,
    done: bool,
}

impl<R: BufRead> RowReader<R> {
    pub(super) fn new(mut input: R, delimiter: u8, encoding: TextEncoding) -> io::Result<Self> {
        let bom_len = if input.fill_buf()?.starts_with(UTF8_BOM) {
            input.consume(UTF8_BOM.len());
            UTF8_BOM.len() as u64
        } else {
            0
        };
        // Classic Mac files end lines with a lone CR. Deciding from the first buffer is
        // enough: a file that has LF line ends there has them throughout.
        let head = input.fill_buf()?;
        let cr_only = head.contains(&b'\r') && !head.contains(&b'\n');
        let feed = Feed::new(input, delimiter, cr_only);
        // Only LF ends a record: the parser then counts every physical line itself (it only
        // counts LFs), and the CR of a CRLF becomes trailing whitespace of the last cell,
        // which trimming removes. A lone CR inside a value stays part of the value.
        let csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .terminator(csv::Terminator::Any(b'\n'))
            .from_reader(feed);
        Ok(RowReader {
            csv,
            record: csv::ByteRecord::new(),
            encoding,
            bom_len,
            done: false,
        })
    }
}

impl<R: Read> RowReader<R> {
    pub(super) fn bytes_read(&self) -> u64 {
        self.bom_len + self.csv.get_ref().from_source
    }

    /// The next record that has at least one non-empty cell.
    pub(super) fn next_row(&mut self) -> Option<Result<Record, CsvError>> {
        if self.done {
            return None;
        }
        loop {
            match self.csv.read_byte_record(&mut self.record) {
                Ok(true) => {}
                Ok(false) => {
                    self.done = true;
                    return None;
                }
                Err(err) => {
                    self.done = true;
                    return Some(Err(from_csv_error(err)));
                }
            }
            let feed = self.csv.get_ref();
            let end_line = self.csv.position().line();
            let breaks = self
                .record
                .as_slice()
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            // The parser consumed everything and the input ended inside quotes: the last
            // record swallowed the rest of the file. Refusing it is the only safe answer,
            // since the rows it swallowed would otherwise silently disappear.
            if feed.finished && feed.in_quotes() && self.csv.position().byte() == feed.produced {
                self.done = true;
                return Some(Err(CsvError::Malformed {
                    line: feed.quote_line,
                    message: "A value starts with a double quote (\") that is never closed, so \
                              everything after it would be read as one value. Add the missing \
                              closing quote, or remove the stray one, and upload the file again."
                        .to_owned(),
                }));
            }
            // Every record ends with an LF (Feed guarantees one at the end), which the
            // parser has counted along with the LFs inside quoted values.
            let line = end_line.saturating_sub(breaks + 1).max(1);
            let fields: Vec<String> = self
                .record
                .iter()
                .map(|raw| clean(decode(raw, self.encoding)))
                .collect();
            if fields.iter().all(String::is_empty) {
                continue;
            }
            return Some(Ok(Record { line, fields }));
        }
    }
}

fn from_csv_error(err: csv::Error) -> CsvError {
    let line = err.position().map_or(0, csv::Position::line);
    match err.into_kind() {
        csv::ErrorKind::Io(e) => CsvError::Io(e),
        // With byte records and `flexible` the parser reports nothing else; keep a readable
        // message in case a future version does.
        other => CsvError::Malformed {
            line,
            message: format!("The file could not be read as CSV ({other:?})."),
        },
    }
}

fn decode(raw: &[u8], encoding: TextEncoding) -> Cow<'_, str> {
    match encoding {
        TextEncoding::Utf8 => match std::str::from_utf8(raw) {
            Ok(text) => Cow::Borrowed(text),
            // The encoding was guessed from the head only; files assembled from several
            // exports are often UTF-8 up there and Latin-1 further down. A byte sequence that
            // is not UTF-8 is nearly always Windows-1252, and rejecting the row would leave
            // the user with an error they cannot fix in a spreadsheet.
            Err(_) => encoding_rs::WINDOWS_1252.decode_without_bom_handling(raw).0,
        },
        TextEncoding::Windows1252 => encoding_rs::WINDOWS_1252.decode_without_bom_handling(raw).0,
    }
}

fn clean(text: Cow<'_, str>) -> String {
    // U+FEFF too: concatenated files carry a second BOM at the start of a line.
    let trimmed = text.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
    if trimmed.contains('\r') {
        trimmed.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        trimmed.to_owned()
    }
}

/// What the parser reads: the input, with CR line ends turned into LF for classic Mac files
/// and a final LF added when the file lacks one, so that every record ends with an LF. On
/// the way through, it follows the parser's quoting rules to know whether the input ended
/// inside a quoted value, which the parser itself does not tell.
struct Feed<R> {
    inner: R,
    delimiter: u8,
    cr_to_lf: bool,
    last: Option<u8>,
    finished: bool,
    /// Bytes handed to the parser, including the added final LF.
    produced: u64,
    /// Bytes taken from `inner`.
    from_source: u64,
    quote: Quote,
    line: u64,
    quote_line: u64,
}

/// csv-core's quoting states (with double-quote escapes, no escape character).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Quote {
    FieldStart,
    Unquoted,
    Quoted,
    /// A quote inside a quoted value: either the first half of `""` or the closing quote.
    EscapeOrClose,
}

impl<R> Feed<R> {
    fn new(inner: R, delimiter: u8, cr_to_lf: bool) -> Self {
        Feed {
            inner,
            delimiter,
            cr_to_lf,
            last: None,
            finished: false,
            produced: 0,
            from_source: 0,
            quote: Quote::FieldStart,
            line: 1,
            quote_line: 1,
        }
    }

    fn in_quotes(&self) -> bool {
        self.quote == Quote::Quoted
    }

    fn track(&mut self, byte: u8) {
        let ends_field = byte == self.delimiter || byte == b'\n';
        self.quote = match self.quote {
            Quote::FieldStart if byte == b'"' => {
                self.quote_line = self.line;
                Quote::Quoted
            }
            Quote::FieldStart | Quote::Unquoted | Quote::EscapeOrClose if ends_field => {
                Quote::FieldStart
            }
            Quote::FieldStart | Quote::Unquoted => Quote::Unquoted,
            Quote::Quoted if byte == b'"' => Quote::EscapeOrClose,
            Quote::Quoted => Quote::Quoted,
            Quote::EscapeOrClose if byte == b'"' => Quote::Quoted,
            Quote::EscapeOrClose => Quote::Unquoted,
        };
        if byte == b'\n' {
            self.line += 1;
        }
    }
}

impl<R: Read> Read for Feed<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() || self.finished {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        if n == 0 {
            self.finished = true;
            if self.last.is_some_and(|b| b != b'\n') {
                buf[0] = b'\n';
                self.track(b'\n');
                self.produced += 1;
                return Ok(1);
            }
            return Ok(0);
        }
        for byte in &mut buf[..n] {
            if self.cr_to_lf && *byte == b'\r' {
                *byte = b'\n';
            }
            self.track(*byte);
        }
        self.last = Some(buf[n - 1]);
        self.from_source += n as u64;
        self.produced += n as u64;
        Ok(n)
    }
}
