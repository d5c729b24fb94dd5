//! A corpus of awkward files, written to disk the way uploads are.

use std::io::Write;

use tempfile::NamedTempFile;

use super::sniff::detect_header;
use super::*;

fn file(bytes: &[u8]) -> NamedTempFile {
    let mut file = NamedTempFile::new().expect("temp file");
    file.write_all(bytes).expect("write temp file");
    file.flush().expect("flush temp file");
    file
}

/// Writes the file and sniffs its head, as the upload flow does.
fn load(bytes: &[u8]) -> (NamedTempFile, Sniffed) {
    let file = file(bytes);
    let head = read_head(file.path()).expect("read head");
    let sniffed = sniff(&head).expect("sniff");
    (file, sniffed)
}

fn records(file: &NamedTempFile, sniffed: &Sniffed) -> Vec<Record> {
    open(file.path(), sniffed)
        .expect("open")
        .collect::<Result<Vec<_>, _>>()
        .expect("records")
}

fn lines(records: &[Record]) -> Vec<u64> {
    records.iter().map(|r| r.line).collect()
}

fn strings(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| (*c).to_owned()).collect()
}

#[test]
fn utf8_bom_and_crlf() {
    let (file, sniffed) = load(
        b"\xEF\xBB\xBFName,Website,Employees\r\n\
          Acme GmbH,acme.com,120\r\n\
          \"Two\r\nLines Ltd\",two.io,8\r\n\
          Beta Ltd,beta.io,8\r\n",
    );
    assert_eq!(sniffed.encoding, TextEncoding::Utf8);
    assert_eq!(sniffed.delimiter, b',');
    assert!(sniffed.has_header);
    assert_eq!(sniffed.headers, strings(&["Name", "Website", "Employees"]));
    assert_eq!(sniffed.columns, 3);
    assert_eq!(sniffed.sample.len(), 3);
    assert_eq!(
        sniffed.sample[0],
        strings(&["Acme GmbH", "acme.com", "120"])
    );

    let records = records(&file, &sniffed);
    assert_eq!(lines(&records), [2, 3, 5]);
    assert_eq!(
        records[0].fields,
        strings(&["Acme GmbH", "acme.com", "120"])
    );
    assert_eq!(records[1].fields[0], "Two\nLines Ltd");
    assert_eq!(records[2].fields, strings(&["Beta Ltd", "beta.io", "8"]));
}

#[test]
fn semicolons_with_decimal_commas() {
    let (file, sniffed) = load(
        b"Firma;Umsatz;Mitarbeiter\n\
          Acme;1.234,56;10\n\
          Beta;7,5;3\n\
          Gamma;0,99;1\n",
    );
    assert_eq!(sniffed.delimiter, b';');
    assert!(sniffed.has_header);
    assert_eq!(sniffed.columns, 3);
    let records = records(&file, &sniffed);
    assert_eq!(records.len(), 3);
    assert_eq!(records[0].fields, strings(&["Acme", "1.234,56", "10"]));

    // Even when the header has commas too.
    let (_, sniffed) = load(b"Name;Revenue, EUR;Employees\nAcme;1,5;10\nBeta;2,5;3\n");
    assert_eq!(sniffed.delimiter, b';');
    assert_eq!(sniffed.columns, 3);
}

#[test]
fn tabs_with_commas_in_text() {
    let (file, sniffed) = load(
        b"name\tcity\tnotes\n\
          Acme\tBerlin\tbig, important, call back\n\
          Beta\tParis\tsmall\n\
          Gamma\tRome\tone, two\n",
    );
    assert_eq!(sniffed.delimiter, b'\t');
    assert!(sniffed.has_header);
    let records = records(&file, &sniffed);
    assert_eq!(records[0].fields[2], "big, important, call back");
    assert_eq!(records.len(), 3);
}

#[test]
fn pipes() {
    let (_, sniffed) = load(b"name|domain|size\nAcme|acme.com|10\nBeta|beta.io|20\n");
    assert_eq!(sniffed.delimiter, b'|');
    assert_eq!(sniffed.columns, 3);
}

#[test]
fn quoted_delimiters_quotes_and_newlines() {
    let (file, sniffed) = load(
        b"name,notes,employees\n\
          \"Acme, Inc.\",\"He said \"\"hi\"\"\nand left\",10\n\
          Beta,plain,5\n\
          \"  Gamma  \",\"a|b;c\",7\n",
    );
    assert_eq!(sniffed.delimiter, b',');
    assert_eq!(sniffed.columns, 3);
    let records = records(&file, &sniffed);
    assert_eq!(lines(&records), [2, 4, 5]);
    assert_eq!(
        records[0].fields,
        strings(&["Acme, Inc.", "He said \"hi\"\nand left", "10"])
    );
    assert_eq!(records[2].fields, strings(&["Gamma", "a|b;c", "7"]));
}

#[test]
fn latin1_decodes_as_windows_1252() {
    let (file, sniffed) = load(
        b"Name;Stadt;Umsatz\n\
          M\xfcller GmbH;K\xf6ln;1.000,50\n\
          Caf\xe9 \x80 Bar;Z\xfcrich;2\n",
    );
    assert_eq!(sniffed.encoding, TextEncoding::Windows1252);
    assert_eq!(sniffed.delimiter, b';');
    assert_eq!(sniffed.sample[0][0], "Müller GmbH");
    let records = records(&file, &sniffed);
    assert_eq!(
        records[0].fields,
        strings(&["Müller GmbH", "Köln", "1.000,50"])
    );
    assert_eq!(records[1].fields[0], "Café € Bar");
}

#[test]
fn latin1_after_an_ascii_head_still_decodes() {
    let mut bytes = b"name,city\n".to_vec();
    let mut rows = 0;
    while bytes.len() < SNIFF_BYTES + 1000 {
        bytes.extend_from_slice(format!("Company {rows},Berlin\n").as_bytes());
        rows += 1;
    }
    bytes.extend_from_slice(b"M\xfcller GmbH,K\xf6ln\n");
    let (file, sniffed) = load(&bytes);
    assert_eq!(sniffed.encoding, TextEncoding::Utf8);
    assert_eq!(sniffed.sample.len(), SAMPLE_ROWS);
    let records = records(&file, &sniffed);
    assert_eq!(records.len(), rows + 1);
    let last = records.last().expect("last record");
    assert_eq!(last.fields, strings(&["Müller GmbH", "Köln"]));
    assert_eq!(last.line, rows as u64 + 2);
}

#[test]
fn utf8_character_cut_by_the_head_limit() {
    let mut bytes = b"name,city\n".to_vec();
    while bytes.len() < SNIFF_BYTES - 100 {
        bytes.extend_from_slice("Müller,Köln\n".as_bytes());
    }
    // The next row puts the first byte of "ü" at the last position of the head.
    bytes.extend_from_slice(b"y,");
    bytes.resize(SNIFF_BYTES - 1, b'x');
    bytes.extend_from_slice("ü\nZ\u{fc}rich,Bern\n".as_bytes());
    let (file, sniffed) = load(&bytes);
    assert_eq!(sniffed.encoding, TextEncoding::Utf8);
    let records = records(&file, &sniffed);
    assert!(records.iter().all(|r| r.width_error(&sniffed).is_none()));
    assert!(records[records.len() - 2].fields[1].ends_with("xü"));
    assert_eq!(
        records[records.len() - 1].fields,
        strings(&["Zürich", "Bern"])
    );
}

#[test]
fn blank_lines_are_skipped_and_lines_still_count() {
    let (file, sniffed) = load(b"a,b\n1,2\n\n   \n3,4\n,\n\r\n\n");
    assert!(sniffed.has_header);
    assert_eq!(
        sniffed.sample,
        vec![strings(&["1", "2"]), strings(&["3", "4"])]
    );
    let records = records(&file, &sniffed);
    assert_eq!(lines(&records), [2, 5]);
    assert_eq!(records[1].fields, strings(&["3", "4"]));
}

#[test]
fn blank_lines_before_the_header() {
    let (file, sniffed) = load(b"\n\nname,employees\nAcme,5\n");
    assert!(sniffed.has_header);
    assert_eq!(sniffed.headers, strings(&["name", "employees"]));
    assert_eq!(lines(&records(&file, &sniffed)), [4]);
}

#[test]
fn header_only() {
    for bytes in [
        &b"Company,Website,Employees\n"[..],
        b"Company,Website,Employees",
    ] {
        let (file, sniffed) = load(bytes);
        assert!(sniffed.has_header);
        assert_eq!(sniffed.columns, 3);
        assert!(sniffed.sample.is_empty());
        assert!(records(&file, &sniffed).is_empty());
    }
}

#[test]
fn headerless_numbers() {
    let (file, sniffed) = load(b"1,2,3\n4,5,6\n7,8,9");
    assert!(!sniffed.has_header);
    assert_eq!(
        sniffed.headers,
        strings(&["Column 1", "Column 2", "Column 3"])
    );
    assert_eq!(sniffed.sample.len(), 3);
    let records = records(&file, &sniffed);
    assert_eq!(lines(&records), [1, 2, 3]);
    assert_eq!(records[2].fields, strings(&["7", "8", "9"]));
}

#[test]
fn ragged_rows_come_back_as_they_are() {
    let (file, sniffed) = load(
        b"name,website,employees\n\
          Acme,acme.com,10\n\
          Beta,beta.io\n\
          Gamma,gamma.de,5,extra\n\
          Delta,delta.com,7,\n\
          Epsilon,epsilon.org,3\n\
          Zeta,zeta.net,4\n",
    );
    assert_eq!(sniffed.columns, 3);
    let records = records(&file, &sniffed);
    assert_eq!(records.len(), 6);
    assert_eq!(records[1].fields.len(), 2);
    assert_eq!(records[2].fields.len(), 4);

    assert_eq!(records[0].width_error(&sniffed), None);
    let short = records[1].width_error(&sniffed).expect("short row");
    assert_eq!(short.line, 3);
    assert!(
        short.message.contains("2 of the file's 3 columns"),
        "{}",
        short.message
    );
    let long = records[2].width_error(&sniffed).expect("long row");
    assert_eq!(long.line, 4);
    assert!(long.message.contains("\"extra\""), "{}", long.message);
    assert!(long.message.contains("comma"), "{}", long.message);
    // A trailing delimiter is not an error.
    assert_eq!(records[3].width_error(&sniffed), None);
}

#[test]
fn every_row_ending_in_a_delimiter_is_fine() {
    let (file, sniffed) = load(b"name,size,\nAcme,1,\nBeta,2,\n");
    assert_eq!(sniffed.columns, 2);
    assert_eq!(sniffed.headers, strings(&["name", "size"]));
    let rows = records(&file, &sniffed);
    assert!(rows.iter().all(|r| r.width_error(&sniffed).is_none()));

    // Without a header, a last column that only sometimes has a value is kept.
    let (file, sniffed) = load(b"Acme,acme.com,\nBeta,beta.io,\nGamma,gamma.de,5\n");
    assert!(!sniffed.has_header);
    assert_eq!(sniffed.columns, 3);
    let records = records(&file, &sniffed);
    assert!(records.iter().all(|r| r.width_error(&sniffed).is_none()));

    // A header that misses the last name still gets the column its data fills.
    let (_, sniffed) = load(b"name,size\nAcme,1,x\nBeta,2,y\n");
    assert_eq!(sniffed.headers, strings(&["name", "size", "Column 3"]));
}

#[test]
fn one_column() {
    let (file, sniffed) = load(b"email\nanna@example.com\nbob@example.org\n");
    assert_eq!(sniffed.delimiter, b',');
    assert_eq!(sniffed.columns, 1);
    assert!(sniffed.has_header);
    assert_eq!(sniffed.headers, strings(&["email"]));
    let records = records(&file, &sniffed);
    assert_eq!(records.len(), 2);

    let (_, sniffed) = load(b"acme.com\nbeta.io\n");
    assert!(!sniffed.has_header);
    assert_eq!(sniffed.headers, strings(&["Column 1"]));
}

#[test]
fn empty_files() {
    for bytes in [&b""[..], b"\xEF\xBB\xBF", b"  \r\n\n\t"] {
        assert!(matches!(sniff(bytes), Err(CsvError::Empty)), "{bytes:?}");
    }
    assert!(matches!(sniff(b",,,\n,,,\n"), Err(CsvError::NoColumns)));
}

#[test]
fn binary_files_are_not_text() {
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00";
    let xlsx = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00";
    let pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n";
    for bytes in [&png[..], xlsx, pdf] {
        assert!(looks_binary(bytes));
        assert!(matches!(sniff(bytes), Err(CsvError::NotText)));
    }
    assert!(!looks_binary(b"name,city\nM\xfcller,K\xf6ln\n"));
    assert!(!looks_binary("\u{FEFF}name\tcity\r\n".as_bytes()));
}

#[test]
fn utf16_is_refused_with_a_save_as_utf8_hint() {
    let text = "name,city\r\nAcme,Berlin\r\n";
    let mut le = vec![0xFF, 0xFE];
    le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let err = sniff(&le).expect_err("UTF-16LE");
    assert!(matches!(err, CsvError::NotText));
    assert!(err.to_string().contains("UTF-8"), "{err}");

    // Without a BOM, the NUL bytes give it away.
    let bare: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    assert!(matches!(sniff(&bare), Err(CsvError::NotText)));
}

#[test]
fn unclosed_quote_stops_the_import() {
    let file = file(
        b"name,notes\n\
          Acme,ok\n\
          Beta,\"never closed\n\
          Gamma,x\n\
          Delta,y\n",
    );
    let head = read_head(file.path()).expect("head");
    let sniffed = sniff(&head).expect("sniff");
    let mut records = open(file.path(), &sniffed).expect("open");
    assert_eq!(records.next().expect("first").expect("ok").line, 2);
    match records.next() {
        Some(Err(err @ CsvError::Malformed { line: 3, .. })) => {
            assert!(err.to_string().starts_with("Line 3: "), "{err}");
        }
        other => panic!("expected an unclosed-quote error, got {other:?}"),
    }
    assert!(records.next().is_none());
}

#[test]
fn closed_quotes_that_end_a_file_are_fine() {
    let (file, sniffed) = load(b"name,notes\nAcme,\"multi\nline\"");
    let records = records(&file, &sniffed);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].fields[1], "multi\nline");
}

#[test]
fn classic_mac_line_ends() {
    let (file, sniffed) = load(b"name,city\rAcme,Berlin\rBeta,Paris\r");
    assert!(sniffed.has_header);
    assert_eq!(sniffed.columns, 2);
    let records = records(&file, &sniffed);
    assert_eq!(lines(&records), [2, 3]);
    assert_eq!(records[1].fields, strings(&["Beta", "Paris"]));
}

#[test]
fn header_heuristic() {
    let rows = |rows: &[&[&str]]| -> Vec<Vec<String>> { rows.iter().map(|r| strings(r)).collect() };
    // Text over typed data.
    assert!(detect_header(&rows(&[
        &["Name", "Employees"],
        &["Acme", "10"],
        &["Beta", "20"]
    ])));
    // All text: assumed, because exports nearly always have one.
    assert!(detect_header(&rows(&[
        &["Name", "City"],
        &["Acme", "Berlin"]
    ])));
    // Numbers, dates, e-mails or URLs in the first row are data.
    assert!(!detect_header(&rows(&[&["Acme", "10"], &["Beta", "20"]])));
    assert!(!detect_header(&rows(&[
        &["Acme", "2024-01-31"],
        &["Beta", "2024-02-01"]
    ])));
    assert!(!detect_header(&rows(&[
        &["anna@example.com"],
        &["bob@example.com"]
    ])));
    // Repeated names are not a header.
    assert!(!detect_header(&rows(&[
        &["Name", "name"],
        &["Acme", "Beta"]
    ])));
    // Same type as the data below: yes/no over yes/no.
    assert!(!detect_header(&rows(&[&["Acme", "yes"], &["Beta", "no"]])));
    // The first row's value reappears in the column.
    assert!(!detect_header(&rows(&[&["Berlin", "x"], &["Berlin", "y"]])));
    // An empty header cell is allowed.
    assert!(detect_header(&rows(&[&["", "Employees"], &["1", "10"]])));
}

#[test]
fn overrides_from_the_preview() {
    let (file, sniffed) = load(b"Acme,Berlin\nBeta,Paris\n");
    assert!(sniffed.has_header);
    let head = read_head(file.path()).expect("head");
    let corrected = sniff_with(
        &head,
        &SniffOptions {
            has_header: Some(false),
            ..SniffOptions::default()
        },
    )
    .expect("sniff");
    assert!(!corrected.has_header);
    assert_eq!(corrected.headers, strings(&["Column 1", "Column 2"]));
    assert_eq!(corrected.sample.len(), 2);
    assert_eq!(lines(&records(&file, &corrected)), [1, 2]);

    let semicolon = sniff_with(
        &head,
        &SniffOptions {
            delimiter: Some(b';'),
            ..SniffOptions::default()
        },
    )
    .expect("sniff");
    assert_eq!(semicolon.delimiter, b';');
    assert_eq!(semicolon.columns, 1);
}

#[test]
fn huge_file_is_streamed() {
    let mut file = NamedTempFile::new().expect("temp file");
    let mut rows = 0u64;
    {
        let mut out = std::io::BufWriter::new(file.as_file_mut());
        let mut written = 0usize;
        let header = "name,domain,employees,revenue,notes\n";
        out.write_all(header.as_bytes()).expect("write");
        written += header.len();
        while written < 20_000_000 {
            let row = format!(
                "Company {rows},company{rows}.com,{},{},\"a note, with a comma\"\n",
                rows % 500,
                rows * 1000
            );
            out.write_all(row.as_bytes()).expect("write");
            written += row.len();
            rows += 1;
        }
        out.flush().expect("flush");
    }
    let head = read_head(file.path()).expect("head");
    assert_eq!(head.len(), SNIFF_BYTES);
    let sniffed = sniff(&head).expect("sniff");
    assert_eq!(sniffed.columns, 5);
    assert_eq!(sniffed.sample.len(), SAMPLE_ROWS);

    let mut records = open(file.path(), &sniffed).expect("open");
    assert!(records.file_size() >= 20_000_000);
    let first = records.next().expect("a record").expect("ok");
    assert_eq!(first.line, 2);
    assert_eq!(first.fields[0], "Company 0");
    // Records are produced as the file is read, not after reading all of it.
    assert!(
        records.bytes_read() < 1024 * 1024,
        "{}",
        records.bytes_read()
    );

    let mut count = 1u64;
    let mut last = first;
    for record in records.by_ref() {
        last = record.expect("record");
        count += 1;
    }
    assert_eq!(count, rows);
    assert_eq!(last.line, rows + 1);
    assert_eq!(records.bytes_read(), records.file_size());
}

#[test]
fn too_large_files_are_refused() {
    let file = NamedTempFile::new().expect("temp file");
    file.as_file().set_len(MAX_FILE_BYTES + 1).expect("set_len");
    let sniffed = sniff(b"a,b\n1,2\n").expect("sniff");
    let err = open(file.path(), &sniffed).err().expect("too large");
    assert!(matches!(
        err,
        CsvError::TooLarge {
            limit: MAX_FILE_BYTES
        }
    ));
    assert!(err.to_string().contains("25 MB"), "{err}");
}

const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        key: "name",
        label: "Company name",
        required: true,
        aliases: &["company", "firma", "organization", "account name"],
    },
    FieldSpec {
        key: "domain",
        label: "Domain",
        required: false,
        aliases: &["website", "url", "web", "homepage"],
    },
    FieldSpec {
        key: "employee_count",
        label: "Employees",
        required: false,
        aliases: &["headcount", "staff", "mitarbeiter"],
    },
    FieldSpec {
        key: "annual_revenue",
        label: "Annual revenue",
        required: false,
        aliases: &["revenue", "umsatz"],
    },
    FieldSpec {
        key: "country",
        label: "Country",
        required: false,
        aliases: &["land"],
    },
    FieldSpec {
        key: "city",
        label: "City",
        required: false,
        aliases: &["stadt", "ort"],
    },
    FieldSpec {
        key: "industry",
        label: "Industry",
        required: false,
        aliases: &["branche", "sector"],
    },
    FieldSpec {
        key: "tags",
        label: "Tags",
        required: false,
        aliases: &["labels"],
    },
];

#[test]
fn mapping_suggestions_for_realistic_headers() {
    let headers = strings(&[
        "Company",
        "Website",
        "Employees",
        "Annual Revenue (USD)",
        "HQ Country",
        "Tags",
    ]);
    assert_eq!(
        suggest_mapping(&headers, FIELDS),
        [
            Some("name"),
            Some("domain"),
            Some("employee_count"),
            Some("annual_revenue"),
            Some("country"),
            Some("tags"),
        ]
    );

    let german = strings(&[
        "Firma",
        "Mitarbeiter",
        "UMSATZ",
        "Stadt",
        "Branche",
        "Notizen",
    ]);
    assert_eq!(
        suggest_mapping(&german, FIELDS),
        [
            Some("name"),
            Some("employee_count"),
            Some("annual_revenue"),
            Some("city"),
            Some("industry"),
            None,
        ]
    );

    let spelling = strings(&["company_name", "Emplyees", "Industy", "ID", "Notes"]);
    assert_eq!(
        suggest_mapping(&spelling, FIELDS),
        [
            Some("name"),
            Some("employee_count"),
            Some("industry"),
            None,
            None
        ]
    );
}

#[test]
fn a_field_is_suggested_once() {
    let headers = strings(&["Company", "Company Name", "Organisation", "URL", "Web site"]);
    assert_eq!(
        suggest_mapping(&headers, FIELDS),
        [Some("name"), None, None, Some("domain"), None]
    );
}

#[test]
fn mapping_validation_names_the_problems() {
    let ok = Mapping::from_suggestion(&[Some("name"), None, Some("domain")]);
    assert_eq!(ok.validate(FIELDS, 3), Ok(()));

    let bad = Mapping {
        columns: vec![
            Some("domain".to_owned()),
            Some("domain".to_owned()),
            Some("colour".to_owned()),
            Some(String::new()),
        ],
    };
    let problems = bad.validate(FIELDS, 5).expect_err("problems");
    assert_eq!(problems.len(), 4, "{problems:?}");
    assert!(problems[0].contains("4 columns but the file has 5"));
    assert!(problems[1].contains("Column 3") && problems[1].contains("colour"));
    assert!(problems[2].contains("\"Domain\"") && problems[2].contains("columns 1, 2"));
    assert!(problems[3].contains("\"Company name\" is required"));

    let nothing = Mapping {
        columns: vec![None, None],
    };
    let optional = &FIELDS[1..2];
    assert_eq!(nothing.validate(optional, 2).expect_err("nothing").len(), 1);
}

#[test]
fn mapped_cells_by_field() {
    let record = Record {
        line: 7,
        fields: strings(&["Acme", "", "acme.com", "ignored"]),
    };
    let mapping = Mapping::from_suggestion(&[
        Some("name"),
        Some("city"),
        Some("domain"),
        None,
        Some("tags"),
    ]);
    let cells = mapped(&record, &mapping);
    assert_eq!(cells.len(), 2);
    assert_eq!(cells.get("name"), Some(&"Acme"));
    assert_eq!(cells.get("domain"), Some(&"acme.com"));
}

#[test]
fn error_report_round_trip() {
    let (file, sniffed) = load(
        b"Name;Mitarbeiter;Notiz\n\
          M\xfcller GmbH;10;ok\n\
          Beta;zehn;\"mit; Semikolon\"\n\
          Gamma;5;ok\n\
          ;x\n\
          Delta;7;ok\n",
    );
    assert_eq!(sniffed.encoding, TextEncoding::Windows1252);
    let errors = [
        RowError::new(5, Some("name"), "is required"),
        RowError::new(3, Some("employee_count"), "\"zehn\" is not a number"),
        RowError::new(5, None, "This row has 2 of the file's 3 columns."),
        RowError::new(1, None, "the header is not a data row"),
        RowError::new(99, None, "no such line"),
    ];
    let mut out = Vec::new();
    let written = error_report(file.path(), &sniffed, &errors, &mut out).expect("report");
    assert_eq!(written, 2);
    assert!(out.starts_with(b"\xEF\xBB\xBF"));

    let report = self::file(&out);
    let head = read_head(report.path()).expect("head");
    let again = sniff(&head).expect("sniff report");
    assert_eq!(again.encoding, TextEncoding::Utf8);
    assert_eq!(again.delimiter, b';');
    assert!(again.has_header);
    assert_eq!(
        again.headers,
        strings(&["Name", "Mitarbeiter", "Notiz", "line", "errors"])
    );
    let rows = records(&report, &again);
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0].fields,
        strings(&[
            "Beta",
            "zehn",
            "mit; Semikolon",
            "3",
            "employee_count: \"zehn\" is not a number"
        ])
    );
    assert_eq!(
        rows[1].fields,
        strings(&[
            "",
            "x",
            "",
            "5",
            "name: is required; This row has 2 of the file's 3 columns."
        ])
    );

    let mut empty = Vec::new();
    assert_eq!(
        error_report(file.path(), &sniffed, &[], &mut empty).expect("report"),
        0
    );
    assert_eq!(
        empty,
        "\u{FEFF}Name;Mitarbeiter;Notiz;line;errors\r\n".as_bytes()
    );
}

#[test]
fn messages_say_what_to_do() {
    for err in [
        CsvError::Empty,
        CsvError::NotText,
        CsvError::NoColumns,
        CsvError::TooLarge {
            limit: MAX_FILE_BYTES,
        },
    ] {
        let message = err.to_string();
        assert!(message.ends_with('.') && message.len() > 40, "{message}");
    }
    let api: crate::backend::Error = CsvError::Empty.into();
    assert!(matches!(api, crate::backend::Error::BadRequest(_)));
}
