//! What every chart shares: palette, plot geometry, axes, legend, tooltip, hit areas, the
//! screen-reader table and the empty state.

use std::sync::Arc;

use leptos::prelude::*;

use super::scale::{
    label_stride, nice_ticks, num, shows_label, truncate_label, Bands, LinearScale, Ticks,
};
use crate::components::ui::use_hydrated;
use crate::types::charts::ValueFormat;

/// The width of every chart in SVG user units.
pub const WIDTH: f64 = 480.0;
/// The height of the category charts; 480 × 260 keeps an x axis of months readable on a
/// phone without the chart towering over a dashboard card.
pub const HEIGHT: f64 = 260.0;

const TOP: f64 = 12.0;
const RIGHT: f64 = 8.0;
const BOTTOM: f64 = 30.0;

/// The largest axis font size in user units (what a 320px-wide chart uses). Room for
/// labels is reserved for this size, so no breakpoint makes them collide.
pub const FONT_MAX: f64 = 16.0;
/// The axis font size from the `@lg` container width up, where more x labels fit.
const FONT_WIDE: f64 = 11.0;
/// Average advance of a character in em; a little over Inter's digits and lower case.
pub const CHAR_EM: f64 = 0.58;

/// The estimated width of `chars` characters of axis text at its largest.
pub fn text_width(chars: usize) -> f64 {
    chars as f64 * FONT_MAX * CHAR_EM
}

/// Axis text. The font size is in user units, which shrink with the chart, so narrow
/// containers get a larger size: 10–15px on screen for charts 320–700px wide. The attributes
/// `font-size`/`fill` next to this class are the fallback for pages without the stylesheet.
pub const AXIS_TEXT: &str = "fill-zinc-500 text-[16px] tabular-nums @sm:text-[13px] @lg:text-[11px] @2xl:text-[9px] dark:fill-zinc-400";
pub const AXIS_TEXT_FALLBACK: &str = "#71717a";
const GRID: &str = "stroke-zinc-200 dark:stroke-zinc-800";
const ZERO: &str = "stroke-zinc-400 dark:stroke-zinc-500";

/// One series colour: Tailwind classes for the app and a hex fallback for bare HTML.
#[derive(Clone, Copy, Debug)]
pub struct Swatch {
    pub stroke: &'static str,
    pub fill: &'static str,
    pub hex: &'static str,
}

/// Series colours in order; neighbours differ in hue so adjacent bars and lines separate.
/// Each class is written out in full because Tailwind only finds literal class names.
const PALETTE: [Swatch; 8] = [
    Swatch {
        stroke: "stroke-brand-500 dark:stroke-brand-400",
        fill: "fill-brand-500 dark:fill-brand-400",
        hex: "#6d6cf0",
    },
    Swatch {
        stroke: "stroke-emerald-500 dark:stroke-emerald-400",
        fill: "fill-emerald-500 dark:fill-emerald-400",
        hex: "#10b981",
    },
    Swatch {
        stroke: "stroke-amber-500 dark:stroke-amber-400",
        fill: "fill-amber-500 dark:fill-amber-400",
        hex: "#f59e0b",
    },
    Swatch {
        stroke: "stroke-sky-500 dark:stroke-sky-400",
        fill: "fill-sky-500 dark:fill-sky-400",
        hex: "#0ea5e9",
    },
    Swatch {
        stroke: "stroke-rose-500 dark:stroke-rose-400",
        fill: "fill-rose-500 dark:fill-rose-400",
        hex: "#f43f5e",
    },
    Swatch {
        stroke: "stroke-violet-500 dark:stroke-violet-400",
        fill: "fill-violet-500 dark:fill-violet-400",
        hex: "#8b5cf6",
    },
    Swatch {
        stroke: "stroke-teal-500 dark:stroke-teal-400",
        fill: "fill-teal-500 dark:fill-teal-400",
        hex: "#14b8a6",
    },
    Swatch {
        stroke: "stroke-orange-500 dark:stroke-orange-400",
        fill: "fill-orange-500 dark:fill-orange-400",
        hex: "#f97316",
    },
];

pub fn swatch(series: usize) -> Swatch {
    PALETTE[series % PALETTE.len()]
}

/// Lines past the palette's first lap are dashed, so a ninth series is not mistaken for
/// the first.
pub fn dash(series: usize) -> Option<&'static str> {
    (series / PALETTE.len() % 2 == 1).then_some("6 4")
}

/// The plot area of a category chart: y scale from nice ticks, x bands per category, and
/// how densely the x axis can be labelled.
pub struct Plot {
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
    pub ticks: Ticks,
    pub y: LinearScale,
    pub bands: Bands,
    narrow: Density,
    wide: Density,
}

/// How densely the x axis can be labelled at one font size: every `stride`-th category,
/// cut to `chars` characters.
#[derive(Clone, Copy, Debug)]
struct Density {
    stride: usize,
    chars: usize,
}

impl Density {
    fn new(n: usize, bands: &Bands, longest: usize, font: f64) -> Self {
        let char_w = font * CHAR_EM;
        let stride = label_stride(n, bands.slot() * n as f64, longest as f64 * char_w + 6.0);
        // A label may use its own slot and the empty ones the stride skips.
        let room = (bands.slot() * stride as f64 - 6.0) / char_w;
        Self {
            stride,
            chars: (room.floor() as usize).max(3),
        }
    }
}

impl Plot {
    /// `lo..hi` is the data range the y axis must cover; `padding` is the gap between
    /// category bands (0 for lines, which sit on band centres).
    pub fn new(
        n: usize,
        lo: f64,
        hi: f64,
        format: &ValueFormat,
        padding: f64,
        labels: &[String],
    ) -> Self {
        let ticks = nice_ticks(lo, hi, 5);
        let widest_tick = ticks
            .values
            .iter()
            .map(|&v| format.format_tick(v, ticks.step).chars().count())
            .max()
            .unwrap_or(1);
        let left = (text_width(widest_tick) + 10.0).clamp(28.0, WIDTH / 3.0);
        let (top, right, bottom) = (TOP, WIDTH - RIGHT, HEIGHT - BOTTOM);
        let bands = Bands::new(n, left, right, padding);
        let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(1);
        let narrow = Density::new(n, &bands, longest, FONT_MAX);
        let wide = Density::new(n, &bands, longest, FONT_WIDE);
        Self {
            y: LinearScale::new((ticks.min, ticks.max), (bottom, top)),
            left,
            right,
            top,
            bottom,
            ticks,
            bands,
            narrow,
            wide,
        }
    }

    /// The y position of zero, clamped into the plot: where bars start.
    pub fn baseline(&self) -> f64 {
        self.y.map(0.0_f64.clamp(self.ticks.min, self.ticks.max))
    }

    /// One full-height hit/highlight area per category.
    pub fn column_areas(&self, n: usize) -> Vec<Area> {
        (0..n)
            .map(|i| Area {
                x: self.bands.slot_start(i),
                y: self.top,
                w: self.bands.slot(),
                h: self.bottom - self.top,
            })
            .collect()
    }

    /// Where a tooltip for category `i` sits, in percent of the chart's width.
    pub fn tip_x(&self, i: usize) -> f64 {
        self.bands.center(i) / WIDTH * 100.0
    }
}

/// Gridlines with tick labels, the zero line when the range crosses zero, and the
/// (thinned) category labels.
pub fn axes(plot: &Plot, labels: &[String], format: &ValueFormat) -> AnyView {
    let step = plot.ticks.step;
    let grid = plot
        .ticks
        .values
        .iter()
        .map(|&v| {
            let y = num(plot.y.map(v));
            view! {
                <line
                    x1=num(plot.left)
                    x2=num(plot.right)
                    y1=y.clone()
                    y2=y.clone()
                    class=GRID
                    stroke="#e4e4e7"
                    vector-effect="non-scaling-stroke"
                />
                <text x=num(plot.left - 6.0) y=y text-anchor="end" dominant-baseline="middle">
                    {format.format_tick(v, step)}
                </text>
            }
        })
        .collect_view();
    let zero = (plot.ticks.min < 0.0 && plot.ticks.max > 0.0).then(|| {
        let y = num(plot.y.map(0.0));
        view! {
            <line
                x1=num(plot.left)
                x2=num(plot.right)
                y1=y.clone()
                y2=y
                class=ZERO
                stroke="#a1a1aa"
                vector-effect="non-scaling-stroke"
                data-zero-line=""
            />
        }
    });
    let n = labels.len();
    let (narrow, wide) = (plot.narrow, plot.wide);
    let x_labels = labels
        .iter()
        .enumerate()
        .filter_map(|(i, label)| {
            let in_narrow = shows_label(i, n, narrow.stride);
            let in_wide = shows_label(i, n, wide.stride);
            // Wide containers use a smaller font and show the denser set. The `display`
            // attribute hides the extra labels where the stylesheet is missing, since
            // without it both sets would show at once.
            let (class, display, chars) = match (in_narrow, in_wide) {
                (true, true) => (None, None, narrow.chars.min(wide.chars)),
                (true, false) => (Some("@lg:hidden"), None, narrow.chars),
                (false, true) => (Some("hidden @lg:inline"), Some("none"), wide.chars),
                (false, false) => return None,
            };
            Some((i, label, class, display, chars))
        })
        .map(|(i, label, class, display, chars)| {
            let text = truncate_label(label, chars);
            let half = text_width(text.chars().count()) / 2.0;
            let x = plot.bands.center(i);
            // Labels at the ends are pinned inside the chart instead of being cut off.
            let (x, anchor) = if x + half > WIDTH {
                (WIDTH - 1.0, "end")
            } else if x - half < 0.0 {
                (1.0, "start")
            } else {
                (x, "middle")
            };
            view! {
                <text
                    x=num(x)
                    y=num(plot.bottom + 20.0)
                    text-anchor=anchor
                    class=class
                    display=display
                >
                    {text}
                </text>
            }
        })
        .collect_view();
    view! {
        <g class=AXIS_TEXT font-size="12" fill=AXIS_TEXT_FALLBACK aria-hidden="true">
            {grid}
            {zero}
            {x_labels}
        </g>
    }
    .into_any()
}

/// A rectangle in user units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Area {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// A faint band behind the hovered category; nothing until something is hovered, so the
/// server output has none.
pub fn highlight(hovered: RwSignal<Option<usize>>, areas: Arc<Vec<Area>>) -> impl IntoView {
    move || {
        hovered.get().and_then(|i| areas.get(i).copied()).map(|a| {
            view! {
                <rect
                    x=num(a.x)
                    y=num(a.y)
                    width=num(a.w)
                    height=num(a.h)
                    class="fill-zinc-900/5 dark:fill-white/5"
                    fill="none"
                />
            }
        })
    }
}

/// Transparent targets, one per category, drawn last so they sit above the data.
pub fn hit_areas(hovered: RwSignal<Option<usize>>, areas: &[Area]) -> impl IntoView {
    areas
        .iter()
        .enumerate()
        .map(|(i, a)| {
            view! {
                <rect
                    x=num(a.x)
                    y=num(a.y)
                    width=num(a.w)
                    height=num(a.h)
                    fill="transparent"
                    class="fill-transparent"
                    data-testid="chart-hit"
                    data-index=i
                    on:pointerenter=move |_| hovered.set(Some(i))
                />
            }
        })
        .collect_view()
}

/// One line of a tooltip; `swatch` is the series colour shown before the name.
#[derive(Clone, Debug)]
pub struct TipRow {
    pub swatch: Option<usize>,
    pub name: String,
    pub value: String,
}

/// A tooltip's content and where it goes, in percent of the chart box.
#[derive(Clone, Debug)]
pub struct Tip {
    pub title: String,
    pub rows: Vec<TipRow>,
    pub x_pct: f64,
    pub y: TipY,
}

/// Where a tooltip sits vertically, in percent of the chart's height.
#[derive(Clone, Copy, Debug)]
pub enum TipY {
    /// The box's top edge at this height.
    Below(f64),
    /// The box's bottom edge at this height.
    Above(f64),
}

fn tooltip(hovered: RwSignal<Option<usize>>, tips: Arc<Vec<Tip>>) -> impl IntoView {
    move || {
        hovered.get().and_then(|i| tips.get(i).cloned()).map(|tip| {
            // Beside the hovered category, on the side with more room and no wider than
            // that room, so the box neither hides the points it describes nor leaves the
            // chart, without measuring anything.
            let x = tip.x_pct.clamp(0.0, 100.0);
            let horizontal = if x <= 50.0 {
                format!(
                    "left:calc({x:.1}% + 0.75rem);max-width:calc({:.1}% - 1.5rem)",
                    100.0 - x
                )
            } else {
                format!(
                    "right:calc({:.1}% + 0.75rem);max-width:calc({x:.1}% - 1.5rem)",
                    100.0 - x
                )
            };
            let vertical = match tip.y {
                TipY::Below(y) => format!("top:{:.1}%", y.clamp(0.0, 100.0)),
                TipY::Above(y) => format!("bottom:{:.1}%", 100.0 - y.clamp(0.0, 100.0)),
            };
            let style = format!("{horizontal};{vertical}");
            let rows = tip
                .rows
                .into_iter()
                .map(|row| {
                    view! {
                        <li class="flex items-center justify-between gap-4">
                            <span class="flex min-w-0 items-center gap-1.5 text-zinc-600 dark:text-zinc-300">
                                {row.swatch.map(|s| view! { <SwatchIcon series=s /> })}
                                <span class="truncate">{row.name}</span>
                            </span>
                            <span class="font-medium tabular-nums text-zinc-900 dark:text-white">
                                {row.value}
                            </span>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <div
                    data-testid="chart-tooltip"
                    aria-hidden="true"
                    class="pointer-events-none absolute z-10 w-max rounded-lg border border-zinc-200 bg-white/95 px-3 py-2 text-xs shadow-lg dark:border-zinc-700 dark:bg-zinc-800/95"
                    style=style
                >
                    <p class="mb-1 font-semibold text-zinc-900 dark:text-white">{tip.title}</p>
                    <ul class="space-y-0.5">{rows}</ul>
                </div>
            }
        })
    }
}

#[component]
fn SwatchIcon(series: usize) -> impl IntoView {
    let s = swatch(series);
    view! {
        <svg width="10" height="10" viewBox="0 0 10 10" class="shrink-0" aria-hidden="true">
            <rect width="10" height="10" rx="2" class=s.fill fill=s.hex />
        </svg>
    }
}

/// Series names with their colours, under the chart. Only drawn for two or more series:
/// one series is named by the chart's title.
pub fn legend(names: &[String]) -> Option<AnyView> {
    (names.len() > 1).then(|| {
        let items = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                view! {
                    <li class="flex items-center gap-1.5">
                        <SwatchIcon series=i />
                        {name.clone()}
                    </li>
                }
            })
            .collect_view();
        view! {
            <ul
                class="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs text-zinc-600 dark:text-zinc-400"
                aria-hidden="true"
                data-testid="chart-legend"
            >
                {items}
            </ul>
        }
        .into_any()
    })
}

/// The chart's numbers as a table for screen readers (the SVG is one labelled image).
pub fn data_table(caption: &str, head: Vec<String>, rows: Vec<(String, Vec<String>)>) -> AnyView {
    let head = head
        .into_iter()
        .map(|h| view! { <th scope="col">{h}</th> })
        .collect_view();
    let rows = rows
        .into_iter()
        .map(|(label, cells)| {
            let cells = cells
                .into_iter()
                .map(|c| view! { <td>{c}</td> })
                .collect_view();
            view! {
                <tr>
                    <th scope="row">{label}</th>
                    {cells}
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="sr-only">
            <caption>{caption.to_owned()}</caption>
            <thead>
                <tr>{head}</tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// Stands in for a chart with nothing to draw, at the chart's size so the page does not
/// jump when data arrives.
#[component]
pub fn NoData(#[prop(into)] title: String) -> impl IntoView {
    view! {
        <figure
            class="flex aspect-[24/13] w-full flex-col items-center justify-center gap-1 rounded-lg border border-dashed border-zinc-300 text-center dark:border-zinc-700"
            data-testid="chart-empty"
        >
            <figcaption class="sr-only">{title}</figcaption>
            <p class="text-sm text-zinc-500 dark:text-zinc-400">"No data for this period"</p>
        </figure>
    }
}

/// Everything the charts have in common around their drawing: the labelled SVG, keyboard
/// and pointer handling for the tooltip, the legend and the data table.
pub struct Frame {
    pub kind: &'static str,
    pub title: String,
    pub summary: String,
    pub height: f64,
    pub hovered: RwSignal<Option<usize>>,
    pub tips: Vec<Tip>,
    /// The category the keyboard lands on first (the latest period, or the top stage).
    pub first_focus: usize,
    pub legend: Option<AnyView>,
    pub table: AnyView,
}

impl Frame {
    pub fn render(self, body: AnyView) -> AnyView {
        let Frame {
            kind,
            title,
            summary,
            height,
            hovered,
            tips,
            first_focus,
            legend,
            table,
        } = self;
        let n = tips.len();
        let last = n.saturating_sub(1);
        // Only a hydrated chart answers the keyboard; a static report should not add
        // tab stops that do nothing.
        let live = use_hydrated();
        let on_key = move |ev: leptos::ev::KeyboardEvent| {
            let current = hovered.get_untracked();
            let next = match ev.key().as_str() {
                "ArrowRight" | "ArrowDown" => current.map_or(0, |i| (i + 1).min(last)),
                "ArrowLeft" | "ArrowUp" => current.map_or(last, |i| i.saturating_sub(1)),
                "Home" => 0,
                "End" => last,
                "Escape" => {
                    hovered.set(None);
                    return;
                }
                _ => return,
            };
            ev.prevent_default();
            if n > 0 {
                hovered.set(Some(next));
            }
        };
        view! {
            <figure class="w-full" data-chart=kind>
                <div class="@container relative w-full">
                    <svg
                        xmlns="http://www.w3.org/2000/svg"
                        viewBox=format!("0 0 {} {}", num(WIDTH), num(height))
                        class="block h-auto w-full overflow-visible rounded-md focus:outline-none focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600"
                        role="img"
                        aria-label=summary
                        tabindex=move || live.get().then_some("0")
                        on:keydown=on_key
                        on:focus=move |_| {
                            if n > 0 && hovered.get_untracked().is_none() {
                                hovered.set(Some(first_focus.min(last)));
                            }
                        }
                        on:blur=move |_| hovered.set(None)
                        on:pointerleave=move |ev| {
                            // A finger "leaves" as soon as it lifts; the tooltip it asked
                            // for stays until another tap moves it or focus leaves.
                            if ev.pointer_type() != "touch" {
                                hovered.set(None);
                            }
                        }
                    >
                        <title>{title}</title>
                        {body}
                    </svg>
                    {tooltip(hovered, Arc::new(tips))}
                </div>
                {legend}
                {table}
            </figure>
        }
        .into_any()
    }
}
