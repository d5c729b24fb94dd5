//! Server rendering of every chart, asserting on the markup a report or a first paint gets.

use leptos::prelude::*;

use super::*;
use crate::types::Currency;

fn months(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("{}-{:02}", 2024 + i / 12, i % 12 + 1))
        .collect()
}

/// Dollars as the minor units `ValueFormat::Money` takes.
fn cents(dollars: f64) -> f64 {
    dollars * 100.0
}

fn count(html: &str, needle: &str) -> usize {
    html.matches(needle).count()
}

/// The contents of every SVG `<text>` element, in order.
fn texts(html: &str) -> Vec<String> {
    html.split("<text")
        .skip(1)
        .filter_map(|rest| {
            let (_, inner) = rest.split_once('>')?;
            let (content, _) = inner.split_once("</text>")?;
            Some(content.replace("<!>", ""))
        })
        .collect()
}

/// The markup of series `i`'s group.
fn series_group(html: &str, i: usize) -> &str {
    let start = html
        .find(&format!("data-series=\"{i}\""))
        .unwrap_or_else(|| panic!("no series {i} in {html}"));
    let rest = &html[start..];
    &rest[..rest.find("</g>").expect("group is closed")]
}

fn line(data: CategoryChart) -> String {
    render_html(move || view! { <LineChart data title="Won revenue" /> })
}

fn bars(data: CategoryChart, stacked: bool) -> String {
    render_html(move || view! { <BarChart data stacked title="Activities" /> })
}

#[test]
fn line_chart_draws_a_path_per_segment_and_dots_for_lone_points() {
    let data = CategoryChart::new(
        months(6),
        vec![
            Series::new(
                "Acme",
                [Some(1.0), Some(2.0), None, Some(4.0), Some(5.0), Some(6.0)],
            ),
            Series::dense("Globex", [3.0, 3.0, 2.0, 1.0, 2.0, 3.0]),
            Series::new(
                "Initech",
                [None, Some(2.0), None, None, Some(f64::NAN), None],
            ),
        ],
        ValueFormat::Number,
    );
    let html = line(data);
    assert_eq!(
        count(series_group(&html, 0), "<path"),
        2,
        "a gap splits the line"
    );
    assert_eq!(count(series_group(&html, 1), "<path"), 1);
    assert_eq!(count(series_group(&html, 2), "<path"), 0);
    assert_eq!(
        count(series_group(&html, 2), "<circle"),
        1,
        "a lone point is a dot"
    );
    assert_eq!(count(&html, "<path"), 3);
    // 0…6 → ticks 0, 2, 4, 6, then the six month labels.
    let t = texts(&html);
    assert_eq!(&t[..4], ["0", "2", "4", "6"]);
    assert_eq!(&t[4..], months(6).as_slice());
    assert!(
        !html.contains("data-zero-line"),
        "no zero line when nothing is negative"
    );
}

#[test]
fn line_chart_has_legend_title_summary_table_and_hit_areas() {
    let data = CategoryChart::new(
        months(3),
        vec![
            Series::new("Won", [Some(cents(120_000.0)), None, Some(cents(95_000.0))]),
            Series::dense("Lost", [cents(10_000.0), cents(20_000.0), 0.0]),
        ],
        ValueFormat::Money(Currency::USD),
    );
    let html = line(data);
    assert!(html.contains(r#"role="img""#));
    assert!(html.contains("<title>Won revenue</title>"));
    assert!(html.contains(
        r#"aria-label="Won revenue. Line chart, 2 series (Won, Lost) over 3 categories from 2024-01 to 2024-03. Values range from $0 to $120K.""#
    ));
    let legend = &html[html.find(r#"data-testid="chart-legend""#).expect("legend")..];
    assert!(legend.contains(">Won</li>") && legend.contains(">Lost</li>"));
    let table = &html[html.find(r#"<table class="sr-only">"#).expect("table")..];
    assert!(table.contains("<caption>Won revenue</caption>"));
    assert!(table.contains(r#"<th scope="col">Won</th>"#));
    assert!(table.contains(r#"<th scope="row">2024-02</th><td>—</td><td>$20K</td>"#));
    assert_eq!(count(&html, r#"data-testid="chart-hit""#), 3);
    // Tooltips appear only on hover, after hydration.
    assert!(!html.contains("chart-tooltip"));
    assert!(
        texts(&html).contains(&"$125K".to_owned()),
        "{:?}",
        texts(&html)
    );
}

#[test]
fn one_series_has_no_legend() {
    let data = CategoryChart::new(
        months(2),
        vec![Series::dense("Won", [1.0, 2.0])],
        ValueFormat::Number,
    );
    assert!(!line(data).contains("chart-legend"));
}

#[test]
fn series_names_and_labels_are_escaped() {
    let data = CategoryChart::new(
        vec!["<b>Q1</b>".into(), "Q2".into()],
        vec![
            Series::dense("<script>alert(1)</script>", [1.0, 2.0]),
            Series::dense("R&D \"team\"", [2.0, 1.0]),
        ],
        ValueFormat::Number,
    );
    for html in [line(data.clone()), bars(data, false)] {
        assert!(!html.contains("<script>"), "{html}");
        assert!(!html.contains("<b>"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("&lt;b&gt;Q1&lt;/b&gt;"));
        assert!(html.contains("R&amp;D"));
        let aria = html.split("aria-label=\"").nth(1).unwrap();
        let aria = &aria[..aria.find('"').unwrap()];
        assert!(
            aria.contains("alert(1)&lt;/script&gt;, R&amp;D &quot;team&quot;)"),
            "{aria}"
        );
    }
}

#[test]
fn sentiment_gets_signed_ticks_and_a_zero_line() {
    let data = CategoryChart::new(
        months(4),
        vec![
            Series::dense("Acme", [0.4, -0.2, 0.9, 0.1]),
            Series::dense("Globex", [-0.8, -0.5, 0.0, 0.3]),
        ],
        ValueFormat::Signed2,
    );
    let html = line(data);
    let t = texts(&html);
    assert_eq!(&t[..5], ["-1.00", "-0.50", "0.00", "+0.50", "+1.00"]);
    assert_eq!(count(&html, "data-zero-line"), 1);
}

#[test]
fn crowded_labels_thin_out_but_keep_the_latest() {
    let labels = months(24);
    let data = CategoryChart::new(
        labels.clone(),
        vec![Series::dense("Won", (0..24).map(f64::from))],
        ValueFormat::Number,
    );
    let html = line(data);
    // Narrow containers (large font) see the labels without `display`; wide ones also see
    // those marked `hidden @lg:inline`, and not those marked `@lg:hidden`.
    let tags: Vec<&str> = html
        .split("<text")
        .skip(1)
        .filter(|t| t.contains(">2024-") || t.contains(">2025-"))
        .collect();
    let label = |t: &&str| t[t.find('>').unwrap() + 1..t.find("</text>").unwrap()].to_owned();
    let narrow: Vec<String> = tags
        .iter()
        .filter(|t| !t.contains("display="))
        .map(label)
        .collect();
    let wide: Vec<String> = tags
        .iter()
        .filter(|t| !t.contains("@lg:hidden"))
        .map(label)
        .collect();
    assert!(
        narrow.len() >= 4 && narrow.len() < wide.len() && wide.len() < 24,
        "{narrow:?} {wide:?}"
    );
    assert_eq!(narrow.last(), labels.last());
    assert_eq!(wide.last(), labels.last());
    assert!(tags
        .iter()
        .filter(|t| t.contains("display="))
        .all(|t| t.contains(r#"class="hidden @lg:inline""#)));
    // Every category still gets a hit area and a table row.
    assert_eq!(count(&html, r#"data-testid="chart-hit""#), 24);
    assert_eq!(count(&html, r#"<th scope="row">"#), 24);
}

#[test]
fn grouped_bars_have_a_rect_per_value() {
    let data = CategoryChart::new(
        months(3),
        vec![
            Series::new("Created", [Some(3.0), Some(5.0), Some(2.0)]),
            Series::new("Closed", [Some(1.0), None, Some(4.0)]),
        ],
        ValueFormat::Number,
    );
    let html = bars(data, false);
    assert_eq!(count(series_group(&html, 0), "<rect"), 3);
    assert_eq!(count(series_group(&html, 1), "<rect"), 2);
    // Bars, one hit area per month, one legend swatch per series.
    assert_eq!(count(&html, "<rect"), 5 + 3 + 2);
    assert!(html.contains(r#"aria-label="Activities. Bar chart, 2 series"#));
    let t = texts(&html);
    assert_eq!(t.last().map(String::as_str), Some("2024-03"));
    assert!(t.contains(&"5".to_owned()) && !t.contains(&"8".to_owned()));
}

#[test]
fn stacked_bars_pile_up_to_the_total() {
    let data = CategoryChart::new(
        vec!["2026-01".into()],
        vec![
            Series::dense("Calls", [3.0]),
            Series::dense("Emails", [4.0]),
            Series::dense("Meetings", [1.0]),
        ],
        ValueFormat::Number,
    );
    let html = bars(data, true);
    assert!(html.contains(r#"aria-label="Activities. Stacked bar chart, 3 series"#));
    // The axis reaches the total of 8, not the largest single value.
    assert!(texts(&html).contains(&"8".to_owned()), "{:?}", texts(&html));
    let rect = |i: usize| -> (f64, f64) {
        let g = series_group(&html, i);
        let attr = |name: &str| -> f64 {
            let from = g.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
            g[from..from + g[from..].find('"').unwrap()]
                .parse()
                .unwrap()
        };
        (attr("y"), attr("height"))
    };
    let (calls, emails, meetings) = (rect(0), rect(1), rect(2));
    assert!(
        (emails.0 + emails.1 - calls.0).abs() < 0.2,
        "emails sit on calls"
    );
    assert!(
        (meetings.0 + meetings.1 - emails.0).abs() < 0.2,
        "meetings sit on emails"
    );
    assert!((emails.1 / calls.1 - 4.0 / 3.0).abs() < 0.01);
}

#[test]
fn funnel_has_a_bar_and_value_per_stage() {
    let stages = vec![
        ("Lead".to_owned(), cents(400_000.0)),
        ("Qualified".to_owned(), cents(200_000.0)),
        ("Proposal".to_owned(), cents(100_000.0)),
        ("<Won>".to_owned(), 0.0),
    ];
    let html = render_html(move || {
        view! { <FunnelChart stages format=ValueFormat::Money(Currency::USD) title="Pipeline" /> }
    });
    assert_eq!(count(&html, "data-bar"), 4);
    assert_eq!(count(&html, "data-track"), 4);
    assert_eq!(count(&html, r#"data-testid="chart-hit""#), 4);
    let t = texts(&html);
    assert_eq!(
        t,
        [
            "Lead",
            "$400K",
            "Qualified",
            "$200K · 50%",
            "Proposal",
            "$100K · 25%",
            "&lt;Won&gt;",
            "$0 · 0%"
        ]
    );
    // Widths are proportional to the largest stage.
    assert!(html.contains(r#"x="0.0" y="22.0" width="480.0""#), "{html}");
    assert!(
        html.contains(r#"x="180.0" y="122.0" width="120.0""#),
        "{html}"
    );
    assert!(html.contains("Funnel chart of 4 stages: Lead $400K, Qualified $200K"));
}

#[test]
fn sparkline_is_one_path_and_a_dot() {
    let html = render_html(|| {
        view! { <Sparkline values=vec![1200.0, f64::NAN, 1300.0, 1450.0] label="Visits" /> }
    });
    assert_eq!(count(&html, "<path"), 1);
    assert_eq!(count(&html, "<circle"), 1);
    assert!(html.contains(r#"aria-label="Visits: from 1,200 to 1,450, up 20.8%""#));
    assert!(html.contains("<title>Visits: from 1,200 to 1,450, up 20.8%</title>"));
    // The last point sits at the right edge and at the top (it is the maximum).
    assert!(html.contains(r#"<circle cx="97.0" cy="3.0""#), "{html}");

    let single = render_html(|| view! { <Sparkline values=vec![5.0] /> });
    assert_eq!(count(&single, "<path"), 1);
    assert!(single.contains(r#"aria-label="Trend: 5""#));
}

#[test]
fn empty_data_says_so_instead_of_drawing_axes() {
    let no_labels = CategoryChart::new(
        vec![],
        vec![Series::dense("Won", [1.0])],
        ValueFormat::Number,
    );
    let no_series = CategoryChart::new(months(3), vec![], ValueFormat::Number);
    let only_gaps = CategoryChart::new(
        months(2),
        vec![Series::new("Won", [None, Some(f64::INFINITY)])],
        ValueFormat::Number,
    );
    let mut pages = vec![
        line(no_labels.clone()),
        line(only_gaps.clone()),
        bars(no_series, false),
        bars(only_gaps, true),
        render_html(|| view! { <FunnelChart stages=vec![] /> }),
        render_html(|| view! { <FunnelChart stages=vec![("Lead".to_owned(), f64::NAN)] /> }),
    ];
    pages.push(render_html(|| view! { <Sparkline values=vec![] /> }));
    pages.push(render_html(
        || view! { <Sparkline values=vec![f64::NAN] /> },
    ));
    for html in pages {
        assert!(html.contains("No data for this period"), "{html}");
        assert!(html.contains(r#"data-testid="chart-empty""#));
        assert!(!html.contains("<svg"), "{html}");
    }
}

#[test]
fn an_all_zero_series_is_data_not_emptiness() {
    let data = CategoryChart::new(
        months(3),
        vec![Series::dense("Won", [0.0; 3])],
        ValueFormat::Compact,
    );
    let html = bars(data, false);
    assert!(!html.contains("No data"));
    assert_eq!(&texts(&html)[..6], ["0", "0.2", "0.4", "0.6", "0.8", "1"]);
}
