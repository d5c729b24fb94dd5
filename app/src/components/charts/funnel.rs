//! A funnel: one horizontal bar per stage, in the order given, centred so shrinking
//! stages narrow like a funnel.

use std::sync::Arc;

use leptos::prelude::*;

use super::frame::{
    data_table, highlight, hit_areas, swatch, text_width, Area, Frame, NoData, Tip, TipRow, TipY,
    AXIS_TEXT, AXIS_TEXT_FALLBACK, CHAR_EM, FONT_MAX, WIDTH,
};
use super::scale::{num, truncate_label};
use crate::types::charts::{ValueFormat, MISSING};

/// Per stage: the label line (room for the largest axis font), the bar, the gap below.
const LABEL: f64 = 22.0;
const BAR: f64 = 18.0;
const ROW: f64 = LABEL + BAR + 10.0;

/// Stages as horizontal bars whose widths are proportional to their values, each labelled
/// with its name, value and share of the first stage. Stages stay in the order given (a
/// pipeline's order); negative or missing values draw no bar.
#[component]
pub fn FunnelChart(
    stages: Vec<(String, f64)>,
    #[prop(optional)] format: ValueFormat,
    /// Names the chart for assistive technology and the SVG `<title>`.
    #[prop(optional, into)]
    title: String,
) -> impl IntoView {
    let title = if title.is_empty() {
        "Funnel chart".to_owned()
    } else {
        title
    };
    if !stages.iter().any(|(_, v)| v.is_finite()) {
        return view! { <NoData title /> }.into_any();
    }
    let n = stages.len();
    let height = ROW * n as f64;
    let max = stages
        .iter()
        .map(|&(_, v)| v)
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::max);
    let first = stages[0].1;
    let share = |v: f64, of: f64| {
        (of.is_finite() && of > 0.0 && v.is_finite()).then(|| ValueFormat::Percent.format(v / of))
    };

    let rows = stages
        .iter()
        .enumerate()
        .map(|(i, (name, v))| {
            let top = ROW * i as f64;
            let value = match share(*v, first).filter(|_| i > 0) {
                Some(pct) => format!("{} · {pct}", format.format(*v)),
                None => format.format(*v),
            };
            let room = (WIDTH - text_width(value.chars().count()) - 12.0) / (FONT_MAX * CHAR_EM);
            let name = truncate_label(name, (room.floor() as usize).max(4));
            let w = if max > 0.0 && v.is_finite() {
                (v.max(0.0) / max * WIDTH).max(if *v > 0.0 { 2.0 } else { 0.0 })
            } else {
                0.0
            };
            let bar_y = num(top + LABEL);
            view! {
                <text x="0" y=num(top + LABEL - 7.0) text-anchor="start" class="fill-zinc-700 dark:fill-zinc-300" fill="#3f3f46">
                    {name}
                </text>
                <text x=num(WIDTH) y=num(top + LABEL - 7.0) text-anchor="end">
                    {value}
                </text>
                <rect
                    x="0"
                    y=bar_y.clone()
                    width=num(WIDTH)
                    height=num(BAR)
                    rx="3"
                    class="fill-zinc-100 dark:fill-zinc-800"
                    fill="#f4f4f5"
                    data-track=""
                />
                <rect
                    x=num((WIDTH - w) / 2.0)
                    y=bar_y
                    width=num(w)
                    height=num(BAR)
                    rx="3"
                    class=swatch(0).fill
                    fill=swatch(0).hex
                    data-bar=""
                />
            }
        })
        .collect_view();

    let hovered = RwSignal::new(None::<usize>);
    let areas: Vec<Area> = (0..n)
        .map(|i| Area {
            x: 0.0,
            y: ROW * i as f64,
            w: WIDTH,
            h: ROW,
        })
        .collect();
    let tips = stages
        .iter()
        .enumerate()
        .map(|(i, (name, v))| {
            let mut rows = vec![TipRow {
                swatch: Some(0),
                name: "Value".to_owned(),
                value: format.format(*v),
            }];
            if i > 0 {
                rows.push(TipRow {
                    swatch: None,
                    name: "Of first stage".to_owned(),
                    value: share(*v, first).unwrap_or_else(|| MISSING.to_owned()),
                });
                rows.push(TipRow {
                    swatch: None,
                    name: "Of previous stage".to_owned(),
                    value: share(*v, stages[i - 1].1).unwrap_or_else(|| MISSING.to_owned()),
                });
            }
            Tip {
                title: name.clone(),
                rows,
                x_pct: 25.0,
                // Rows in the lower half get the box above them, so it stays in the chart.
                y: if 2 * i + 1 < n {
                    TipY::Below(ROW * (i + 1) as f64 / height * 100.0)
                } else {
                    TipY::Above(ROW * i as f64 / height * 100.0)
                },
            }
        })
        .collect();

    let summary = {
        let list = stages
            .iter()
            .map(|(name, v)| format!("{name} {}", format.format(*v)))
            .collect::<Vec<_>>()
            .join(", ");
        format!("{title}. Funnel chart of {n} stages: {list}.")
    };
    let table = data_table(
        &title,
        vec![
            "Stage".to_owned(),
            "Value".to_owned(),
            "Of first stage".to_owned(),
        ],
        stages
            .iter()
            .map(|(name, v)| {
                let pct = share(*v, first).unwrap_or_else(|| MISSING.to_owned());
                (name.clone(), vec![format.format(*v), pct])
            })
            .collect(),
    );
    let body = view! {
        {highlight(hovered, Arc::new(areas.clone()))}
        <g class=AXIS_TEXT font-size="12" fill=AXIS_TEXT_FALLBACK>
            {rows}
        </g>
        {hit_areas(hovered, &areas)}
    }
    .into_any();
    Frame {
        kind: "funnel",
        title,
        summary,
        height,
        hovered,
        tips,
        first_focus: 0,
        legend: None,
        table,
    }
    .render(body)
}
