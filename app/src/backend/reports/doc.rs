//! The document model every report kind produces, and its HTML and Markdown renderings
//! (the PDF is in `pdf.rs`). Kinds compute numbers into sections; they never format pages.
//! Every rendering opens with the inputs the report was made from and the writer of its
//! prose, so a reader of any format knows exactly what it covers.

use chrono::{DateTime, Utc};

use crate::components::charts::{render_html, BarChart, FunnelChart, LineChart};
use crate::types::charts::{CategoryChart, ValueFormat};
use crate::types::ReportKind;

/// A whole report, ready to render.
#[derive(Clone, Debug)]
pub struct Doc {
    pub kind: ReportKind,
    pub title: String,
    /// What it was made from, in reading order: ("Segment", "Software in DE"), ("Period", …).
    pub inputs: Vec<(String, String)>,
    pub data_as_of: DateTime<Utc>,
    /// Who wrote the prose (`template`, `model:…`).
    pub writer: String,
    pub sections: Vec<Section>,
}

#[derive(Clone, Debug)]
pub struct Section {
    /// A stable key (`summary`, `funnel` …): the narrative request names it.
    pub key: String,
    pub title: String,
    /// The facts the prose may use (and the only numbers it may state).
    pub facts: serde_json::Value,
    /// Prose (Markdown paragraphs, no headings); filled by the narrative step.
    pub text: String,
    pub blocks: Vec<Block>,
}

impl Section {
    pub fn new(key: &str, title: &str, facts: serde_json::Value) -> Self {
        Self {
            key: key.into(),
            title: title.into(),
            facts,
            text: String::new(),
            blocks: Vec::new(),
        }
    }

    pub fn with(mut self, block: Block) -> Self {
        self.blocks.push(block);
        self
    }
}

#[derive(Clone, Debug)]
pub enum Block {
    /// Headline figures: (label, formatted value).
    Figures(Vec<(String, String)>),
    Table {
        headers: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    Chart(Chart),
    /// A plain remark (e.g. "No deals in this period.").
    Note(String),
}

/// A chart: what to draw, and once drawn (the "build charts" step) its SVG.
#[derive(Clone, Debug)]
pub struct Chart {
    pub spec: ChartSpec,
    /// The chart component's server-rendered HTML (SVG plus its accessible data table).
    pub html: Option<String>,
}

#[derive(Clone, Debug)]
pub enum ChartSpec {
    Line {
        title: String,
        data: CategoryChart,
    },
    Bar {
        title: String,
        data: CategoryChart,
    },
    Funnel {
        title: String,
        stages: Vec<(String, f64)>,
        format: ValueFormat,
    },
}

impl Chart {
    pub fn block(spec: ChartSpec) -> Block {
        Block::Chart(Chart { spec, html: None })
    }

    pub fn title(&self) -> &str {
        match &self.spec {
            ChartSpec::Line { title, .. }
            | ChartSpec::Bar { title, .. }
            | ChartSpec::Funnel { title, .. } => title,
        }
    }

    /// Draws the chart with the same components the UI uses.
    pub fn render(&mut self) {
        let html = match self.spec.clone() {
            ChartSpec::Line { title, data } => {
                render_html(move || leptos::view! { <LineChart data title /> })
            }
            ChartSpec::Bar { title, data } => {
                render_html(move || leptos::view! { <BarChart data title /> })
            }
            ChartSpec::Funnel {
                title,
                stages,
                format,
            } => render_html(move || leptos::view! { <FunnelChart stages format title /> }),
        };
        self.html = Some(html);
    }

    /// The bare `<svg>` element as standalone SVG (for the PDF), if the chart drew one (a
    /// chart without data draws a note instead).
    pub fn svg(&self) -> Option<String> {
        let html = self.html.as_deref()?;
        let start = html.find("<svg")?;
        let end = html[start..].find("</svg>")? + start + "</svg>".len();
        let svg = &html[start..end];
        Some(if svg.contains("xmlns=") {
            svg.to_owned()
        } else {
            svg.replacen("<svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"", 1)
        })
    }

    /// The chart's numbers as a table (Markdown has no pictures of its own).
    pub fn table(&self) -> (Vec<String>, Vec<Vec<String>>) {
        match &self.spec {
            ChartSpec::Line { data, .. } | ChartSpec::Bar { data, .. } => {
                let mut headers = vec![String::new()];
                headers.extend(data.series.iter().map(|s| s.name.clone()));
                let rows = data
                    .labels
                    .iter()
                    .enumerate()
                    .map(|(i, label)| {
                        let mut row = vec![label.clone()];
                        row.extend(data.series.iter().map(|s| {
                            s.get(i)
                                .map_or_else(|| "—".to_owned(), |v| data.format.format(v))
                        }));
                        row
                    })
                    .collect();
                (headers, rows)
            }
            ChartSpec::Funnel { stages, format, .. } => (
                vec!["Stage".into(), "Value".into()],
                stages
                    .iter()
                    .map(|(s, v)| vec![s.clone(), format.format(*v)])
                    .collect(),
            ),
        }
    }
}

impl Doc {
    /// The headline: the summary section's prose, else the first section's.
    pub fn summary(&self) -> String {
        self.sections
            .iter()
            .find(|s| s.key == "summary")
            .or_else(|| self.sections.first())
            .map(|s| s.text.clone())
            .unwrap_or_default()
    }

    fn as_of(&self) -> String {
        self.data_as_of.format("%Y-%m-%d %H:%M UTC").to_string()
    }

    /// The "made from" lines every format opens with.
    pub fn front_matter(&self) -> Vec<(String, String)> {
        let mut lines = vec![("Report".to_owned(), self.kind.label().to_owned())];
        lines.extend(self.inputs.iter().cloned());
        lines.push(("Data as of".into(), self.as_of()));
        lines.push(("Written by".into(), writer_label(&self.writer)));
        lines
    }

    /// A self-contained page: inline CSS, inline SVG, no scripts, no external requests.
    pub fn to_html(&self) -> String {
        let mut out = String::with_capacity(64 * 1024);
        out.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        out.push_str(&format!(
            "<title>{}</title><style>{STYLE}</style></head><body><main>",
            esc(&self.title)
        ));
        out.push_str(&format!("<h1>{}</h1>", esc(&self.title)));
        out.push_str("<table class=\"inputs\"><tbody>");
        for (k, v) in self.front_matter() {
            out.push_str(&format!(
                "<tr><th>{}</th><td>{}</td></tr>",
                esc(&k),
                esc(&v)
            ));
        }
        out.push_str("</tbody></table>");
        for s in &self.sections {
            out.push_str(&format!(
                "<section id=\"{}\"><h2>{}</h2>",
                esc(&s.key),
                esc(&s.title)
            ));
            for para in paragraphs(&s.text) {
                out.push_str(&format!("<p>{}</p>", esc(&para)));
            }
            for b in &s.blocks {
                match b {
                    Block::Figures(figs) => {
                        out.push_str("<dl class=\"figures\">");
                        for (k, v) in figs {
                            out.push_str(&format!(
                                "<div><dt>{}</dt><dd>{}</dd></div>",
                                esc(k),
                                esc(v)
                            ));
                        }
                        out.push_str("</dl>");
                    }
                    Block::Table { headers, rows } => out.push_str(&html_table(headers, rows)),
                    Block::Chart(c) => {
                        out.push_str("<figure class=\"chart\">");
                        // The components' own markup: escaped by Leptos as it rendered.
                        out.push_str(c.html.as_deref().unwrap_or_default());
                        out.push_str("</figure>");
                    }
                    Block::Note(n) => out.push_str(&format!("<p class=\"note\">{}</p>", esc(n))),
                }
            }
            out.push_str("</section>");
        }
        out.push_str("</main></body></html>\n");
        out
    }

    pub fn to_markdown(&self) -> String {
        let mut out = format!("# {}\n\n", md_inline(&self.title));
        out.push_str(&md_table(
            &["".into(), "".into()],
            &self
                .front_matter()
                .into_iter()
                .map(|(k, v)| vec![format!("**{}**", md_inline(&k)), v])
                .collect::<Vec<_>>(),
        ));
        for s in &self.sections {
            out.push_str(&format!("\n## {}\n\n", md_inline(&s.title)));
            for para in paragraphs(&s.text) {
                out.push_str(&para);
                out.push_str("\n\n");
            }
            for b in &s.blocks {
                match b {
                    Block::Figures(figs) => {
                        for (k, v) in figs {
                            out.push_str(&format!("- **{}**: {}\n", md_inline(k), md_inline(v)));
                        }
                        out.push('\n');
                    }
                    Block::Table { headers, rows } => {
                        out.push_str(&md_table(headers, rows));
                        out.push('\n');
                    }
                    Block::Chart(c) => {
                        out.push_str(&format!("*{}*\n\n", md_inline(c.title())));
                        let (headers, rows) = c.table();
                        out.push_str(&md_table(&headers, &rows));
                        out.push('\n');
                    }
                    Block::Note(n) => out.push_str(&format!("> {}\n\n", md_inline(n))),
                }
            }
        }
        out
    }
}

pub fn writer_label(writer: &str) -> String {
    if writer == "template" {
        "the built-in template writer (no AI model)".to_owned()
    } else {
        writer.to_owned()
    }
}

/// Paragraphs of prose: blank-line separated, trimmed, empty ones dropped.
pub fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn html_table(headers: &[String], rows: &[Vec<String>]) -> String {
    let mut out = String::from("<table><thead><tr>");
    for h in headers {
        out.push_str(&format!("<th>{}</th>", esc(h)));
    }
    out.push_str("</tr></thead><tbody>");
    for r in rows {
        out.push_str("<tr>");
        for c in r {
            out.push_str(&format!("<td>{}</td>", esc(c)));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    out
}

/// Text inside a Markdown table cell or line: pipes and line breaks would break the layout,
/// and `<` would let a company name become HTML in a Markdown viewer.
fn md_inline(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace(['\n', '\r'], " ")
}

fn md_table(headers: &[String], rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "| {} |\n",
        headers
            .iter()
            .map(|h| md_inline(h))
            .collect::<Vec<_>>()
            .join(" | ")
    ));
    out.push_str(&format!("|{}\n", " --- |".repeat(headers.len().max(1))));
    for r in rows {
        out.push_str(&format!(
            "| {} |\n",
            r.iter()
                .map(|c| md_inline(c))
                .collect::<Vec<_>>()
                .join(" | ")
        ));
    }
    out
}

const STYLE: &str = "\
:root{color-scheme:light;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#111827}\
body{margin:0;background:#fff}main{max-width:56rem;margin:0 auto;padding:2rem 1.25rem}\
h1{font-size:1.8rem;margin:0 0 1rem}h2{font-size:1.25rem;margin:2rem 0 .5rem;border-bottom:1px solid #e5e7eb;padding-bottom:.25rem}\
p{line-height:1.55}table{border-collapse:collapse;width:100%;margin:.75rem 0;font-size:.9rem}\
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e5e7eb;vertical-align:top}\
table.inputs th{width:10rem;color:#4b5563;font-weight:600}\
dl.figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:.75rem;margin:.75rem 0}\
dl.figures div{border:1px solid #e5e7eb;border-radius:.5rem;padding:.5rem .75rem}dt{color:#4b5563;font-size:.8rem}dd{margin:0;font-size:1.2rem;font-weight:600}\
figure.chart{margin:1rem 0}figure.chart svg{width:100%;height:auto}.note{color:#4b5563;font-style:italic}\
.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}\
.hidden{display:none}";
