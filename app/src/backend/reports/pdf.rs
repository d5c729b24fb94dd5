//! The PDF rendering: A4 pages with the standard Helvetica fonts (every PDF reader has them, so
//! nothing is embedded) in WinAnsi encoding; text outside Windows-1252 is replaced by `?`.
//! Charts are drawn as vector graphics from the same data the SVG charts show.
//!
//! This module only lays out pages (positions, wrapping, page breaks) and encodes text; the
//! PDF syntax itself — objects, string escaping, the cross-reference table and trailer — is
//! written by `pdf-writer`, the low-level writer typst uses (four small dependencies, all
//! already in the workspace). Why not typst itself: as a library it pulls ~180 crates and
//! changes the features of dependencies the workspace shares, so every crate would rebuild.

use chrono::{Datelike, Timelike, Utc};
use pdf_writer::{Content, Date, Name, Pdf, Rect, Ref, Settings, Str, TextStr};

use super::doc::{paragraphs, writer_label, Block, ChartSpec, Doc};
use crate::types::charts::{CategoryChart, ValueFormat};

const W: f64 = 595.0;
const H: f64 = 842.0;
const MARGIN: f64 = 56.0;

const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");

/// Compact output: the files are for reading in a viewer, not by eye.
const SETTINGS: Settings = Settings { pretty: false };

#[derive(Debug, thiserror::Error)]
#[error("writing the PDF failed: {0}")]
pub struct PdfError(String);

/// One line of text on a page.
struct Line {
    x: f64,
    y: f64,
    size: f64,
    bold: bool,
    text: String,
}

struct Pages {
    pages: Vec<Vec<Line>>,
    rules: Vec<Vec<(f64, f64, f64)>>,
    /// Each page's content stream, holding its drawings (charts) so far, inside a saved
    /// graphics state; the rules and text are added when the page is written.
    gfx: Vec<Content>,
    y: f64,
}

/// A coordinate in points, to a tenth (enough on paper, and keeps the streams short).
fn pt(v: f64) -> f32 {
    ((v * 10.0).round() / 10.0) as f32
}

/// A colour component (0–1), to a hundredth.
fn tone(v: f64) -> f32 {
    ((v * 100.0).round() / 100.0) as f32
}

fn page_content() -> Content {
    let mut c = Content::with_settings(SETTINGS);
    c.save_state();
    c
}

/// Series colours (RGB 0–1), as in the app's palette.
const COLOURS: [(f64, f64, f64); 6] = [
    (0.31, 0.27, 0.90),
    (0.05, 0.65, 0.55),
    (0.96, 0.62, 0.04),
    (0.88, 0.11, 0.28),
    (0.55, 0.36, 0.96),
    (0.39, 0.45, 0.55),
];

impl Pages {
    fn new() -> Self {
        Self {
            pages: vec![Vec::new()],
            rules: vec![Vec::new()],
            gfx: vec![page_content()],
            y: H - MARGIN,
        }
    }

    fn need(&mut self, height: f64) {
        if self.y - height < MARGIN {
            self.pages.push(Vec::new());
            self.rules.push(Vec::new());
            self.gfx.push(page_content());
            self.y = H - MARGIN;
        }
    }

    fn text(&mut self, x: f64, size: f64, bold: bool, text: &str) {
        self.need(size * 1.4);
        self.y -= size * 1.4;
        let y = self.y;
        if let Some(p) = self.pages.last_mut() {
            p.push(Line {
                x,
                y,
                size,
                bold,
                text: text.to_owned(),
            });
        }
    }

    /// Wrapped prose (widths estimated: Helvetica averages about half an em per character).
    fn para(&mut self, size: f64, bold: bool, text: &str) {
        let max = ((W - 2.0 * MARGIN) / (size * 0.5)) as usize;
        for line in wrap(text, max) {
            self.text(MARGIN, size, bold, &line);
        }
        self.y -= size * 0.6;
    }

    fn at(&mut self, x: f64, y: f64, size: f64, text: String) {
        if let Some(p) = self.pages.last_mut() {
            p.push(Line {
                x,
                y,
                size,
                bold: false,
                text,
            });
        }
    }

    /// The current page's drawing.
    fn gfx(&mut self) -> &mut Content {
        if self.gfx.is_empty() {
            self.gfx.push(page_content());
        }
        let last = self.gfx.len() - 1;
        &mut self.gfx[last]
    }

    fn fill_rgb(&mut self, (r, g, b): (f64, f64, f64)) {
        self.gfx().set_fill_rgb(tone(r), tone(g), tone(b));
    }

    fn fill_rect(&mut self, x: f64, y: f64, w: f64, h: f64) {
        self.gfx().rect(pt(x), pt(y), pt(w), pt(h)).fill_nonzero();
    }

    /// A bar or line chart over shared categories: value axis with three ticks, category
    /// labels (thinned to fit), a legend when there are several series.
    fn category_chart(&mut self, data: &CategoryChart, bars: bool) {
        let n = data.labels.len();
        let values: Vec<f64> = data
            .series
            .iter()
            .flat_map(|s| (0..n).filter_map(|i| s.get(i)))
            .collect();
        if n == 0 || values.is_empty() {
            self.para(9.5, false, "No data to chart.");
            return;
        }
        let height = 150.0;
        self.need(height + 40.0);
        let top = self.y - 6.0;
        let (left, right, bottom) = (MARGIN + 48.0, W - MARGIN, top - height);
        let lo = values.iter().copied().fold(0.0_f64, f64::min);
        let hi = values.iter().copied().fold(0.0_f64, f64::max);
        let (lo, hi) = if (hi - lo).abs() < f64::EPSILON {
            (lo, lo + 1.0)
        } else {
            (lo, hi)
        };
        let y_of = |v: f64| bottom + (v - lo) / (hi - lo) * height;
        let step = (right - left) / n as f64;
        self.gfx().set_stroke_gray(0.85).set_line_width(0.4);
        for t in 0..=2 {
            let v = lo + (hi - lo) * t as f64 / 2.0;
            let y = y_of(v);
            self.gfx()
                .move_to(pt(left), pt(y))
                .line_to(pt(right), pt(y))
                .stroke();
            self.at(MARGIN, y - 2.5, 7.0, data.format.format(v));
        }
        let zero = y_of(0.0);
        let count = data.series.len().max(1);
        for (k, series) in data.series.iter().enumerate() {
            let colour = COLOURS[k % COLOURS.len()];
            if bars {
                let w = step * 0.7 / count as f64;
                self.fill_rgb(colour);
                for i in 0..n {
                    if let Some(v) = series.get(i) {
                        let x = left + i as f64 * step + step * 0.15 + k as f64 * w;
                        let (y0, y1) = (zero.min(y_of(v)), zero.max(y_of(v)));
                        self.fill_rect(x, y0, w, (y1 - y0).max(0.5));
                    }
                }
            } else {
                let (r, g, b) = colour;
                self.gfx()
                    .set_stroke_rgb(tone(r), tone(g), tone(b))
                    .set_line_width(1.5);
                let mut open = false;
                for i in 0..n {
                    let x = left + (i as f64 + 0.5) * step;
                    match series.get(i) {
                        Some(v) => {
                            let (x, y) = (pt(x), pt(y_of(v)));
                            if open {
                                self.gfx().line_to(x, y);
                            } else {
                                self.gfx().move_to(x, y);
                            }
                            open = true;
                        }
                        // A gap is no data, not zero: the line breaks there.
                        None => {
                            if open {
                                self.gfx().stroke();
                            }
                            open = false;
                        }
                    }
                }
                if open {
                    self.gfx().stroke();
                }
                self.fill_rgb(colour);
                for i in 0..n {
                    if let Some(v) = series.get(i) {
                        let x = left + (i as f64 + 0.5) * step;
                        self.fill_rect(x - 1.5, y_of(v) - 1.5, 3.0, 3.0);
                    }
                }
            }
        }
        let every = n.div_ceil(8).max(1);
        for (i, label) in data.labels.iter().enumerate() {
            if i % every == 0 {
                self.at(left + i as f64 * step, bottom - 10.0, 7.0, clip(label, 12));
            }
        }
        self.y = bottom - 14.0;
        if data.series.len() > 1 {
            let mut x = left;
            self.need(12.0);
            let y = self.y - 9.0;
            for (k, series) in data.series.iter().enumerate() {
                self.fill_rgb(COLOURS[k % COLOURS.len()]);
                self.fill_rect(x, y, 6.0, 6.0);
                let name = clip(&series.name, 24);
                self.at(x + 9.0, y, 7.5, name.clone());
                x += 16.0 + name.chars().count() as f64 * 4.0;
            }
            self.y = y - 6.0;
        }
        self.y -= 8.0;
    }

    /// Stages as horizontal bars, each labelled with its value.
    fn funnel(&mut self, stages: &[(String, f64)], format: ValueFormat) {
        let max = stages.iter().map(|s| s.1).fold(0.0_f64, f64::max);
        if stages.is_empty() || max <= 0.0 {
            self.para(9.5, false, "No data to chart.");
            return;
        }
        let (left, width, row) = (MARGIN + 90.0, W - 2.0 * MARGIN - 150.0, 16.0);
        self.need(row * stages.len() as f64 + 12.0);
        self.fill_rgb(COLOURS[0]);
        for (name, v) in stages {
            let y = self.y - row;
            let w = (v / max * width).max(0.5);
            self.fill_rect(left, y + 3.0, w, row - 6.0);
            self.at(MARGIN, y + 5.0, 8.0, clip(name, 18));
            self.at(left + w + 4.0, y + 5.0, 8.0, format.format(*v));
            self.y = y;
        }
        self.y -= 10.0;
    }

    fn rule(&mut self) {
        let y = self.y - 3.0;
        if let Some(r) = self.rules.last_mut() {
            r.push((MARGIN, W - MARGIN, y));
        }
        self.y -= 6.0;
    }

    fn table(&mut self, headers: &[String], rows: &[Vec<String>]) {
        let cols = headers.len().max(1);
        let width = (W - 2.0 * MARGIN) / cols as f64;
        let size = if cols > 6 { 7.0 } else { 9.0 };
        let max = (width / (size * 0.52)) as usize;
        let row_line = |pages: &mut Pages, cells: &[String], bold: bool| {
            pages.need(size * 1.5);
            pages.y -= size * 1.5;
            let y = pages.y;
            if let Some(p) = pages.pages.last_mut() {
                for (i, c) in cells.iter().enumerate().take(cols) {
                    p.push(Line {
                        x: MARGIN + i as f64 * width,
                        y,
                        size,
                        bold,
                        text: clip(c, max.saturating_sub(1).max(3)),
                    });
                }
            }
        };
        row_line(self, headers, true);
        self.rule();
        for r in rows {
            row_line(self, r, false);
        }
        self.y -= size;
    }
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

fn wrap(text: &str, max: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > max {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// `s` in WinAnsiEncoding (Windows-1252), the encoding the fonts declare: what it cannot hold
/// becomes `?`, control characters become spaces. pdf-writer escapes the bytes.
fn win_ansi(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match c {
            '€' => 0x80,
            '…' => 0x85,
            '–' => 0x96,
            '—' => 0x97,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '−' => b'-',
            c if (c as u32) < 0x20 => b' ',
            c if (c as u32) < 0x7f || (0xa0..=0xff).contains(&(c as u32)) => c as u32 as u8,
            _ => b'?',
        })
        .collect()
}

fn show_text(content: &mut Content, font: Name, size: f64, x: f64, y: f64, s: &str) {
    content
        .begin_text()
        .set_font(font, pt(size))
        .next_line(pt(x), pt(y))
        .show(Str(&win_ansi(s)))
        .end_text();
}

fn layout(doc: &Doc) -> Pages {
    let mut p = Pages::new();
    p.para(18.0, true, &doc.title);
    for (k, v) in doc.front_matter() {
        p.para(9.5, false, &format!("{k}: {v}"));
    }
    p.rule();
    for s in &doc.sections {
        p.y -= 6.0;
        p.need(60.0);
        p.text(MARGIN, 13.0, true, &s.title);
        p.y -= 4.0;
        for para in paragraphs(&s.text) {
            p.para(10.0, false, &para);
        }
        for b in &s.blocks {
            match b {
                Block::Figures(figs) => {
                    for (k, v) in figs {
                        p.text(MARGIN, 10.0, false, &format!("{k}: {v}"));
                    }
                    p.y -= 6.0;
                }
                Block::Table { headers, rows } => p.table(headers, rows),
                Block::Chart(c) => {
                    p.need(190.0);
                    p.text(MARGIN, 10.0, true, c.title());
                    match &c.spec {
                        ChartSpec::Line { data, .. } => p.category_chart(data, false),
                        ChartSpec::Bar { data, .. } => p.category_chart(data, true),
                        ChartSpec::Funnel { stages, format, .. } => p.funnel(stages, *format),
                    }
                }
                Block::Note(n) => p.para(9.5, false, n),
            }
        }
    }
    p.y -= 10.0;
    p.para(
        8.0,
        false,
        &format!("Prose written by {}.", writer_label(&doc.writer)),
    );
    p
}

/// Writes `doc` as a PDF.
pub fn render(doc: &Doc) -> Result<Vec<u8>, PdfError> {
    let pages = layout(doc);
    let n = pages.pages.len();
    let count = i32::try_from(n).map_err(|_| PdfError(format!("{n} pages are too many")))?;
    // Objects: 1 catalog, 2 page tree, 3 and 4 fonts, 5 info, then a page and its content
    // stream for each page.
    let (catalog, tree, regular, bold, info) = (
        Ref::new(1),
        Ref::new(2),
        Ref::new(3),
        Ref::new(4),
        Ref::new(5),
    );
    let page_ref = |i: i32| Ref::new(6 + 2 * i);
    let content_ref = |i: i32| Ref::new(7 + 2 * i);

    let mut pdf = Pdf::with_settings(SETTINGS);
    pdf.set_version(1, 4);
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids((0..count).map(page_ref)).count(count);
    for (id, name) in [(regular, "Helvetica"), (bold, "Helvetica-Bold")] {
        pdf.type1_font(id)
            .base_font(Name(name.as_bytes()))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    let now = Utc::now();
    pdf.document_info(info)
        .title(TextStr(&doc.title))
        .producer(TextStr("Hyperformant"))
        .creation_date(
            Date::new(u16::try_from(now.year()).unwrap_or(0))
                .month(now.month() as u8)
                .day(now.day() as u8)
                .hour(now.hour() as u8)
                .minute(now.minute() as u8)
                .second(now.second() as u8)
                .utc_offset_hour(0)
                .utc_offset_minute(0),
        );

    for (i, ((lines, rules), mut content)) in
        (0..count).zip(pages.pages.iter().zip(&pages.rules).zip(pages.gfx))
    {
        content.restore_state();
        for &(x1, x2, y) in rules {
            content
                .set_stroke_gray(0.8)
                .set_line_width(0.5)
                .move_to(pt(x1), pt(y))
                .line_to(pt(x2), pt(y))
                .stroke();
        }
        content.set_fill_gray(0.0);
        for l in lines {
            let font = if l.bold { BOLD } else { REGULAR };
            show_text(&mut content, font, l.size, l.x, l.y, &l.text);
        }
        let footer = format!("{} / {n}", i + 1);
        show_text(&mut content, REGULAR, 8.0, W / 2.0 - 10.0, 30.0, &footer);

        let mut page = pdf.page(page_ref(i));
        page.media_box(Rect::new(0.0, 0.0, W as f32, H as f32))
            .parent(tree)
            .contents(content_ref(i));
        page.resources()
            .fonts()
            .pair(REGULAR, regular)
            .pair(BOLD, bold);
        drop(page);
        pdf.stream(content_ref(i), &content.finish());
    }
    Ok(pdf.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_encoded_as_win_ansi() {
        assert_eq!(win_ansi("a(b)\\ €é—\n"), b"a(b)\\ \x80\xe9\x97 ".to_vec());
        assert_eq!(win_ansi("日"), b"?".to_vec());
    }

    #[test]
    fn long_prose_wraps_at_word_boundaries() {
        assert_eq!(wrap("aa bb cc", 5), ["aa bb", "cc"]);
    }

    use super::super::doc::{Chart, Section};
    use crate::types::charts::Series;
    use crate::types::ReportKind;

    fn doc(title: &str, sections: Vec<Section>) -> Doc {
        Doc {
            kind: ReportKind::Market,
            title: title.into(),
            inputs: vec![("Segment".into(), "all companies".into())],
            data_as_of: Utc::now(),
            writer: "template".into(),
            sections,
        }
    }

    /// Checks the file's structure the way a reader finds it: header, `startxref` at a
    /// cross-reference table whose every entry points at its `N 0 obj`, a trailer whose root
    /// catalog names a page tree, and that tree's /Count and /Kids agreeing with the page
    /// objects. Answers the page count.
    fn pages_of(pdf: &[u8]) -> usize {
        assert!(pdf.starts_with(b"%PDF-1.4\n"), "a PDF 1.4 header");
        let text: String = pdf
            .iter()
            .map(|&b| if b.is_ascii() { b as char } else { '?' })
            .collect();
        assert!(text.trim_end().ends_with("%%EOF"));
        let (body, tail) = text.rsplit_once("startxref").expect("startxref");
        let start: usize = tail.split_whitespace().next().unwrap().parse().unwrap();
        let xref = &text[start..];
        assert!(
            xref.starts_with("xref\n0 "),
            "startxref points at the table"
        );
        assert!(start <= body.len());
        let mut lines = xref.lines().skip(1);
        let size: usize = lines.next().unwrap()[2..].trim().parse().unwrap();
        let mut objects = vec![""; size];
        for (i, entry) in lines.by_ref().take(size).enumerate() {
            let offset: usize = entry[..10].parse().unwrap();
            if entry[17..].starts_with('n') {
                let head = format!("{i} 0 obj");
                assert!(
                    text[offset..].starts_with(&head),
                    "object {i} is where the table says"
                );
                let end = text[offset..].find("endobj").expect("endobj") + offset;
                objects[i] = &text[offset..end];
            }
        }
        assert_eq!(lines.next(), Some("trailer"));
        let reference = |obj: &str, key: &str| -> usize {
            let at = obj.find(key).unwrap_or_else(|| panic!("{key} in {obj}")) + key.len();
            let digits = obj[at..].trim_start();
            let end = digits
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(digits.len());
            digits[..end]
                .parse()
                .unwrap_or_else(|_| panic!("a number after {key} in {obj}"))
        };
        let trailer = &text[start..];
        assert_eq!(reference(trailer, "/Size"), size);
        let catalog = objects[reference(trailer, "/Root")];
        assert!(catalog.contains("/Type/Catalog"), "{catalog}");
        let tree = objects[reference(catalog, "/Pages")];
        assert!(tree.contains("/Type/Pages"), "{tree}");
        let count = reference(tree, "/Count");
        let kids = &tree[tree.find("/Kids[").unwrap() + 6..];
        let kids: Vec<usize> = kids[..kids.find(']').unwrap()]
            .split_whitespace()
            .step_by(3)
            .map(|n| n.parse().unwrap())
            .collect();
        assert_eq!(kids.len(), count, "the page tree counts its kids");
        for k in kids {
            assert!(objects[k].contains("/Type/Page/"), "kid {k} is a page");
        }
        let pages = objects.iter().filter(|o| o.contains("/Type/Page/")).count();
        assert_eq!(pages, count, "every page object is in the tree");
        count
    }

    /// `s` as pdf-writer writes its bytes: a hex string once anything is outside ASCII.
    fn hex(bytes: &[u8]) -> String {
        let digits: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
        format!("<{digits}>")
    }

    #[test]
    fn text_outside_windows_1252_becomes_a_question_mark() {
        let bars = CategoryChart::new(
            vec!["Q1".into(), "Q2".into(), "Q3".into()],
            vec![
                Series::new("Won", [Some(3.0), None, Some(5.0)]),
                Series::new("Lost", [Some(1.0), Some(2.0), Some(-1.0)]),
            ],
            ValueFormat::Number,
        );
        let section = Section::new("summary", "Summary", serde_json::Value::Null)
            .with(Block::Table {
                headers: vec!["Company".into(), "City".into()],
                rows: vec![vec!["Café (Tōkyō)".into(), "東京".into()]],
            })
            .with(Chart::block(ChartSpec::Bar {
                title: "Deals".into(),
                data: bars,
            }))
            .with(Chart::block(ChartSpec::Funnel {
                title: "Funnel".into(),
                stages: vec![("Lead".into(), 10.0), ("Won".into(), 2.0)],
                format: ValueFormat::Number,
            }));
        let pdf = render(&doc("Café — 東京", vec![section])).unwrap();
        assert_eq!(pages_of(&pdf), 1);
        let text = String::from_utf8_lossy(&pdf);
        assert!(
            text.contains(&hex(b"Caf\xe9 \x97 ??")),
            "the title, in WinAnsi"
        );
        assert!(text.contains(&hex(b"Caf\xe9 (T?ky?)")), "a table cell");
        assert!(text.contains("(??)"), "a cell with nothing WinAnsi holds");
        // The document information keeps the real title (a UTF-16 text string).
        assert!(text.contains("/Title<FEFF00430061006600E9"), "info title");
        assert!(
            text.contains("6771") && text.contains("4EAC"),
            "東京 in the info title"
        );
        assert!(text.contains("/Producer(Hyperformant)") && text.contains("/CreationDate(D:"));
        assert!(text.contains("/BaseFont/Helvetica-Bold/Encoding/WinAnsiEncoding"));
        assert!(text.contains("/MediaBox[0 0 595 842]"), "A4");
        assert!(
            text.contains(" re\nf\n") || text.contains(" re f"),
            "bars are drawn"
        );
    }

    #[test]
    fn long_prose_breaks_onto_numbered_pages() {
        let mut section = Section::new("summary", "Summary", serde_json::Value::Null);
        section.text = (0..40)
            .map(|i| format!("Paragraph {i}: {}", "a word or two of prose ".repeat(12)))
            .collect::<Vec<_>>()
            .join("\n\n");
        let pdf = render(&doc("Long", vec![section])).unwrap();
        let pages = pages_of(&pdf);
        assert!(pages >= 2, "{pages} pages");
        let text = String::from_utf8_lossy(&pdf);
        assert!(
            text.contains(&format!("({pages} / {pages})")),
            "the last page's footer"
        );
        assert!(
            text.contains("(Paragraph 39: a word"),
            "the last paragraph is written"
        );
    }
}
