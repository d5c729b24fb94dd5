//! The PDF rendering: A4 pages written directly as PDF 1.4 with the standard Helvetica fonts
//! (every PDF reader has them, so nothing is embedded and nothing extra is linked). Charts are
//! printed as their data tables. Text outside Windows-1252 is replaced by `?`.
//!
//! Why not typst: typst as a library pulls ~180 crates that change the features of shared
//! dependencies and so rebuild the whole workspace; this writer keeps the PDF small and the
//! build unchanged until the typeset version can land on its own.

use super::doc::{paragraphs, writer_label, Block, Doc};

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
    y: f64,
}

impl Pages {
    fn new() -> Self {
        Self {
            pages: vec![Vec::new()],
            rules: vec![Vec::new()],
            y: H - MARGIN,
        }
    }

    fn need(&mut self, height: f64) {
        if self.y - height < MARGIN {
            self.pages.push(Vec::new());
            self.rules.push(Vec::new());
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
                    p.need(40.0);
                    p.text(MARGIN, 10.0, true, c.title());
                    let (headers, rows) = c.table();
                    p.table(&headers, &rows);
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
    for (i, (lines, rules)) in pages.pages.iter().zip(&pages.rules).enumerate() {
        let mut content = Vec::new();
        for (x1, x2, y) in rules {
            content
                .extend(format!("0.8 G 0.5 w {x1:.1} {y:.1} m {x2:.1} {y:.1} l S\n").into_bytes());
        }
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
