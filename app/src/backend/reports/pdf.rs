//! The PDF rendering: A4 pages written directly as PDF 1.4 with the standard Helvetica fonts
//! (every PDF reader has them, so nothing is embedded and nothing extra is linked). Charts are
//! drawn as vector graphics from the same data the SVG charts show. Text outside Windows-1252
//! is replaced by `?`.
//!
//! Why not typst: typst as a library pulls ~180 crates that change the features of shared
//! dependencies and so rebuild the whole workspace; this writer keeps the PDF small and the
//! build unchanged until the typeset version can land on its own.

use super::doc::{paragraphs, writer_label, Block, ChartSpec, Doc};
use crate::components::charts::{CategoryChart, ValueFormat};

const W: f64 = 595.0;
const H: f64 = 842.0;
const MARGIN: f64 = 56.0;

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
    /// Raw drawing operators per page (charts).
    gfx: Vec<String>,
    y: f64,
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
            gfx: vec![String::new()],
            y: H - MARGIN,
        }
    }

    fn need(&mut self, height: f64) {
        if self.y - height < MARGIN {
            self.pages.push(Vec::new());
            self.rules.push(Vec::new());
            self.gfx.push(String::new());
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

    fn draw(&mut self, ops: &str) {
        if let Some(g) = self.gfx.last_mut() {
            g.push_str(ops);
        }
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
        let mut ops = String::from("0.85 G 0.4 w\n");
        for t in 0..=2 {
            let v = lo + (hi - lo) * t as f64 / 2.0;
            let y = y_of(v);
            ops.push_str(&format!("{left:.1} {y:.1} m {right:.1} {y:.1} l S\n"));
            self.at(MARGIN, y - 2.5, 7.0, data.format.format(v));
        }
        let zero = y_of(0.0);
        let count = data.series.len().max(1);
        for (k, series) in data.series.iter().enumerate() {
            let (r, g, b) = COLOURS[k % COLOURS.len()];
            if bars {
                let w = step * 0.7 / count as f64;
                ops.push_str(&format!("{r:.2} {g:.2} {b:.2} rg\n"));
                for i in 0..n {
                    if let Some(v) = series.get(i) {
                        let x = left + i as f64 * step + step * 0.15 + k as f64 * w;
                        let (y0, y1) = (zero.min(y_of(v)), zero.max(y_of(v)));
                        ops.push_str(&format!(
                            "{x:.1} {y0:.1} {w:.1} {:.1} re f\n",
                            (y1 - y0).max(0.5)
                        ));
                    }
                }
            } else {
                ops.push_str(&format!("{r:.2} {g:.2} {b:.2} RG 1.5 w\n"));
                let mut open = false;
                for i in 0..n {
                    let x = left + (i as f64 + 0.5) * step;
                    match series.get(i) {
                        Some(v) => {
                            ops.push_str(&format!(
                                "{x:.1} {:.1} {}\n",
                                y_of(v),
                                if open { "l" } else { "m" }
                            ));
                            open = true;
                        }
                        // A gap is no data, not zero: the line breaks there.
                        None => {
                            if open {
                                ops.push_str("S\n");
                            }
                            open = false;
                        }
                    }
                }
                if open {
                    ops.push_str("S\n");
                }
                for i in 0..n {
                    if let Some(v) = series.get(i) {
                        let x = left + (i as f64 + 0.5) * step;
                        ops.push_str(&format!(
                            "{r:.2} {g:.2} {b:.2} rg {:.1} {:.1} 3 3 re f\n",
                            x - 1.5,
                            y_of(v) - 1.5
                        ));
                    }
                }
            }
        }
        self.draw(&ops);
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
                let (r, g, b) = COLOURS[k % COLOURS.len()];
                self.draw(&format!("{r:.2} {g:.2} {b:.2} rg {x:.1} {y:.1} 6 6 re f\n"));
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
        let (r, g, b) = COLOURS[0];
        let mut ops = format!("{r:.2} {g:.2} {b:.2} rg\n");
        for (name, v) in stages {
            let y = self.y - row;
            let w = (v / max * width).max(0.5);
            ops.push_str(&format!(
                "{left:.1} {:.1} {w:.1} {:.1} re f\n",
                y + 3.0,
                row - 6.0
            ));
            self.at(MARGIN, y + 5.0, 8.0, clip(name, 18));
            self.at(left + w + 4.0, y + 5.0, 8.0, format.format(*v));
            self.y = y;
        }
        self.draw(&ops);
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

/// A PDF string literal in WinAnsiEncoding.
fn pdf_string(s: &str) -> Vec<u8> {
    let mut out = vec![b'('];
    for c in s.chars() {
        let b = match c {
            '(' | ')' | '\\' => {
                out.push(b'\\');
                c as u8
            }
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
        };
        out.push(b);
    }
    out.push(b')');
    out
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
    // Objects: 1 catalog, 2 page tree, 3 and 4 fonts, 5 info, then a page and its content
    // stream for each page.
    let mut objects: Vec<Vec<u8>> = Vec::new();
    objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", 6 + 2 * i)).collect();
    objects.push(format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")).into_bytes());
    objects.push(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_vec(),
    );
    objects.push(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
            .to_vec(),
    );
    let mut info = b"<< /Title ".to_vec();
    info.extend(pdf_string(&doc.title));
    info.extend(b" /Producer (Hyperformant) >>");
    objects.push(info);
    for (i, ((lines, rules), gfx)) in pages
        .pages
        .iter()
        .zip(&pages.rules)
        .zip(&pages.gfx)
        .enumerate()
    {
        let mut content = Vec::new();
        content.extend(format!("q\n{gfx}Q\n").into_bytes());
        for (x1, x2, y) in rules {
            content
                .extend(format!("0.8 G 0.5 w {x1:.1} {y:.1} m {x2:.1} {y:.1} l S\n").into_bytes());
        }
        content.extend(b"0 g\n");
        for l in lines {
            content.extend(
                format!(
                    "BT /{} {:.1} Tf {:.1} {:.1} Td ",
                    if l.bold { "F2" } else { "F1" },
                    l.size,
                    l.x,
                    l.y
                )
                .into_bytes(),
            );
            content.extend(pdf_string(&l.text));
            content.extend(b" Tj ET\n");
        }
        let footer = format!(
            "BT /F1 8 Tf {:.1} 30 Td ({} / {n}) Tj ET\n",
            W / 2.0 - 10.0,
            i + 1
        );
        content.extend(footer.into_bytes());
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {W} {H}] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {} 0 R >>",
                7 + 2 * i
            )
            .into_bytes(),
        );
        let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
        stream.extend(content);
        stream.extend(b"\nendstream");
        objects.push(stream);
    }
    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n", i + 1).into_bytes());
        out.extend(body);
        out.extend(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).into_bytes());
    for o in offsets {
        out.extend(format!("{o:010} 00000 n \n").into_bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .into_bytes(),
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_and_encoded() {
        assert_eq!(pdf_string("a(b)\\ €"), b"(a\\(b\\)\\\\ \x80)".to_vec());
        assert_eq!(pdf_string("日"), b"(?)".to_vec());
    }

    #[test]
    fn long_prose_wraps_at_word_boundaries() {
        assert_eq!(wrap("aa bb cc", 5), ["aa bb", "cc"]);
    }
}
