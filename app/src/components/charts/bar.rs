//! Vertical bars over categories: deals created vs closed (grouped), activity volume by
//! kind (stacked), pipeline by stage.

use std::sync::Arc;

use leptos::prelude::*;

use super::frame::{
    axes, highlight, hit_areas, legend, swatch, Frame, NoData, Plot, Tip, TipRow, TipY, HEIGHT,
};
use super::line::{summary, table};
use super::scale::{finite_extent, num};
use crate::types::charts::{CategoryChart, MISSING};

/// One rect per value, all from the zero baseline.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Bar {
    series: usize,
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

/// Bars per category: side by side (`stacked = false`) or piled into one column per
/// category (`stacked = true`; negative values pile downwards from zero). Same axes,
/// legend, tooltip and table as [`LineChart`](super::LineChart). The y axis always
/// includes zero, because a bar's length is its value.
#[component]
pub fn BarChart(
    data: CategoryChart,
    #[prop(optional)] stacked: bool,
    /// Names the chart for assistive technology and the SVG `<title>`.
    #[prop(optional, into)]
    title: String,
) -> impl IntoView {
    let title = if title.is_empty() {
        "Bar chart".to_owned()
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
    let ns = series.len();

    // The range a stack needs is its positive and negative sums, not its single values.
    let totals: Vec<(f64, f64)> = (0..n)
        .map(|i| {
            series
                .iter()
                .filter_map(|s| s.get(i))
                .fold((0.0, 0.0), |(neg, pos), v| {
                    if v < 0.0 {
                        (neg + v, pos)
                    } else {
                        (neg, pos + v)
                    }
                })
        })
        .collect();
    let extent = if stacked {
        finite_extent(totals.iter().flat_map(|&(neg, pos)| [neg, pos]))
    } else {
        finite_extent(series.iter().flat_map(|s| (0..n).filter_map(|i| s.get(i))))
    };
    let (lo, hi) = extent.unwrap_or((0.0, 0.0));
    let plot = Plot::new(n, lo.min(0.0), hi.max(0.0), &format, 0.3, &labels);
    let base = plot.baseline();

    let mut bars = Vec::new();
    for i in 0..n {
        let (mut neg, mut pos) = (0.0, 0.0);
        for (si, s) in series.iter().enumerate() {
            let Some(v) = s.get(i) else { continue };
            let (x, w, from, to) = if stacked {
                let from = if v < 0.0 { neg } else { pos };
                let to = from + v;
                if v < 0.0 {
                    neg = to;
                } else {
                    pos = to;
                }
                (plot.bands.band_start(i), plot.bands.width(), from, to)
            } else {
                let sub = plot.bands.width() / ns as f64;
                // A hairline between neighbours keeps grouped bars distinct.
                let w = if ns > 1 { sub * 0.88 } else { sub };
                (
                    plot.bands.band_start(i) + sub * si as f64 + (sub - w) / 2.0,
                    w,
                    0.0,
                    v,
                )
            };
            let (y0, y1) = if stacked {
                (plot.y.map(from), plot.y.map(to))
            } else {
                (base, plot.y.map(to))
            };
            bars.push(Bar {
                series: si,
                x,
                y: y0.min(y1),
                w,
                h: (y1 - y0).abs(),
            });
        }
    }
    let rx = if stacked { "0" } else { "2" };
    let groups = (0..ns)
        .map(|si| {
            let colour = swatch(si);
            let rects = bars
                .iter()
                .filter(|b| b.series == si)
                .map(|b| {
                    view! { <rect x=num(b.x) y=num(b.y) width=num(b.w) height=num(b.h) rx=rx /> }
                })
                .collect_view();
            view! {
                <g class=colour.fill fill=colour.hex data-series=si>
                    {rects}
                </g>
            }
        })
        .collect_view();

    let hovered = RwSignal::new(None::<usize>);
    let areas = plot.column_areas(n);
    let tips = (0..n)
        .map(|i| {
            let mut rows: Vec<TipRow> = series
                .iter()
                .enumerate()
                .map(|(si, s)| TipRow {
                    swatch: Some(si),
                    name: s.name.clone(),
                    value: s
                        .get(i)
                        .map_or_else(|| MISSING.to_owned(), |v| format.format(v)),
                })
                .collect();
            if stacked && ns > 1 {
                let (neg, pos) = totals[i];
                rows.push(TipRow {
                    swatch: None,
                    name: "Total".to_owned(),
                    value: format.format(neg + pos),
                });
            }
            Tip {
                title: labels[i].clone(),
                rows,
                x_pct: plot.tip_x(i),
                y: TipY::Below(2.0),
            }
        })
        .collect();
    let names: Vec<String> = series.iter().map(|s| s.name.clone()).collect();
    let kind = if stacked {
        "Stacked bar chart"
    } else {
        "Bar chart"
    };
    let summary = summary(kind, &title, &labels, &series, &format);
    let table = table(&title, &labels, &series, &format);
    let body = view! {
        {highlight(hovered, Arc::new(areas.clone()))}
        {axes(&plot, &labels, &format)}
        {groups}
        {hit_areas(hovered, &areas)}
    }
    .into_any();
    Frame {
        kind: if stacked { "stacked-bar" } else { "bar" },
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
