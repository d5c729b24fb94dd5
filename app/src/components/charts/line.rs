//! Lines over categories: won revenue by month, sentiment per competitor, a metric's history.

use std::sync::Arc;

use leptos::prelude::*;

use super::frame::{
    axes, dash, data_table, highlight, hit_areas, legend, swatch, Frame, NoData, Plot, Tip, TipRow,
    TipY, HEIGHT,
};
use super::scale::{finite_extent, num, path_data, segments, zero_if_near};
use crate::types::charts::{CategoryChart, MISSING};

/// One line per series over `data.labels`, with y gridlines, x labels (thinned when
/// crowded), a legend for two or more series, a zero line when values change sign, and
/// gaps where a value is `None`. A point standing alone between gaps is drawn as a dot.
///
/// The y axis starts at zero when zero is near the data (see [`zero_if_near`]).
#[component]
pub fn LineChart(
    data: CategoryChart,
    /// Names the chart for assistive technology and the SVG `<title>`.
    #[prop(optional, into)]
    title: String,
) -> impl IntoView {
    let title = if title.is_empty() {
        "Line chart".to_owned()
    } else {
        title
    };
    if data.is_empty() {
        return view! { <NoData title /> }.into_any();
    }
    let CategoryChart {
        labels,
        series,
        format,
    } = data;
    let n = labels.len();
    let (lo, hi) = finite_extent(series.iter().flat_map(|s| (0..n).filter_map(|i| s.get(i))))
        .unwrap_or((0.0, 0.0));
    let (lo, hi) = zero_if_near(lo, hi);
    let plot = Plot::new(n, lo, hi, &format, 0.0, &labels);

    let points: Vec<Vec<Option<(f64, f64)>>> = series
        .iter()
        .map(|s| {
            (0..n)
                .map(|i| s.get(i).map(|v| (plot.bands.center(i), plot.y.map(v))))
                .collect()
        })
        .collect();

    let lines = points
        .iter()
        .enumerate()
        .map(|(si, pts)| {
            let colour = swatch(si);
            let mut paths = Vec::new();
            let mut dots = Vec::new();
            for seg in segments(pts.iter().copied()) {
                if seg.len() == 1 {
                    dots.push(seg[0]);
                } else {
                    paths.push(path_data(&seg));
                }
            }
            let paths = paths
                .into_iter()
                .map(|d| {
                    view! {
                        <path
                            d=d
                            stroke-width="2"
                            stroke-linejoin="round"
                            stroke-linecap="round"
                            stroke-dasharray=dash(si)
                            vector-effect="non-scaling-stroke"
                        />
                    }
                })
                .collect_view();
            let dots = dots
                .into_iter()
                .map(|(x, y)| {
                    view! { <circle cx=num(x) cy=num(y) r="3" class=colour.fill fill=colour.hex stroke="none" /> }
                })
                .collect_view();
            view! {
                <g class=colour.stroke stroke=colour.hex fill="none" data-series=si>
                    {paths}
                    {dots}
                </g>
            }
        })
        .collect_view();

    let hovered = RwSignal::new(None::<usize>);
    let points = Arc::new(points);
    let hover_dots = move || {
        hovered.get().map(|i| {
            points
                .iter()
                .enumerate()
                .filter_map(|(si, pts)| pts.get(i).copied().flatten().map(|p| (si, p)))
                .map(|(si, (x, y))| {
                    view! {
                        <circle
                            cx=num(x)
                            cy=num(y)
                            r="4"
                            class=format!("{} stroke-white dark:stroke-zinc-900", swatch(si).fill)
                            fill=swatch(si).hex
                            stroke-width="2"
                        />
                    }
                })
                .collect_view()
        })
    };

    let areas = plot.column_areas(n);
    let tips = (0..n)
        .map(|i| Tip {
            title: labels[i].clone(),
            rows: series
                .iter()
                .enumerate()
                .map(|(si, s)| TipRow {
                    swatch: Some(si),
                    name: s.name.clone(),
                    value: s
                        .get(i)
                        .map_or_else(|| MISSING.to_owned(), |v| format.format(v)),
                })
                .collect(),
            x_pct: plot.tip_x(i),
            y: TipY::Below(2.0),
        })
        .collect();
    let names: Vec<String> = series.iter().map(|s| s.name.clone()).collect();
    let summary = summary("Line chart", &title, &labels, &series, &format);
    let table = table(&title, &labels, &series, &format);
    let body = view! {
        {highlight(hovered, Arc::new(areas.clone()))}
        {axes(&plot, &labels, &format)}
        {lines}
        {hover_dots}
        {hit_areas(hovered, &areas)}
    }
    .into_any();
    Frame {
        kind: "line",
        title,
        summary,
        height: HEIGHT,
        hovered,
        tips,
        first_focus: n.saturating_sub(1),
        legend: legend(&names),
        table,
    }
    .render(body)
}

/// What a screen reader announces for a category chart: its title, the series, the span of
/// categories and the range of values.
pub(super) fn summary(
    kind: &str,
    title: &str,
    labels: &[String],
    series: &[crate::types::charts::Series],
    format: &crate::types::charts::ValueFormat,
) -> String {
    let n = labels.len();
    let names = series
        .iter()
        .map(|s| s.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let span = match labels {
        [] => String::new(),
        [only] => format!(" for {only}"),
        [first, .., last] => format!(" over {n} categories from {first} to {last}"),
    };
    let range = finite_extent(series.iter().flat_map(|s| (0..n).filter_map(|i| s.get(i))))
        .map(|(lo, hi)| {
            if lo == hi {
                format!(" All values are {}.", format.format(lo))
            } else {
                format!(
                    " Values range from {} to {}.",
                    format.format(lo),
                    format.format(hi)
                )
            }
        })
        .unwrap_or_default();
    format!(
        "{title}. {kind}, {} series ({names}){span}.{range}",
        series.len()
    )
}

/// The data table of a category chart: a row per category, a column per series.
pub(super) fn table(
    caption: &str,
    labels: &[String],
    series: &[crate::types::charts::Series],
    format: &crate::types::charts::ValueFormat,
) -> AnyView {
    let mut head = vec!["Category".to_owned()];
    head.extend(series.iter().map(|s| s.name.clone()));
    let rows = labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            let cells = series
                .iter()
                .map(|s| {
                    s.get(i)
                        .map_or_else(|| MISSING.to_owned(), |v| format.format(v))
                })
                .collect();
            (label.clone(), cells)
        })
        .collect();
    data_table(caption, head, rows)
}
