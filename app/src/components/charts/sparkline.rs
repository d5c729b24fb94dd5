//! A word-sized trend line for metric cards.

use leptos::prelude::*;

use super::frame::swatch;
use super::scale::{finite_extent, num, path_data, LinearScale};
use crate::types::charts::ValueFormat;

const W: f64 = 100.0;
const H: f64 = 28.0;
/// Keeps the end dot (radius 2.5) inside the box.
const PAD: f64 = 3.0;

/// A line through `values` with a dot on the last one; no axes, no tooltip. Its
/// `aria-label` reads the change from first to last ("Visits: from 1,200 to 1,450, up
/// 20.8%"). NaN and infinite values are skipped. The parent sets the width; the height
/// follows (100 : 28).
#[component]
pub fn Sparkline(
    values: Vec<f64>,
    /// How the first and last values are written in the label.
    #[prop(optional)]
    format: ValueFormat,
    /// What is measured, e.g. "Web visits"; leads the label.
    #[prop(optional, into)]
    label: String,
) -> impl IntoView {
    let values: Vec<f64> = values.into_iter().filter(|v| v.is_finite()).collect();
    let Some((lo, hi)) = finite_extent(values.iter().copied()) else {
        return view! {
            <p class="text-xs text-zinc-400 dark:text-zinc-500" data-testid="chart-empty">
                "No data for this period"
            </p>
        }
        .into_any();
    };
    let description = describe(&label, &values, &format);
    let x = LinearScale::new((0.0, (values.len() - 1).max(1) as f64), (PAD, W - PAD));
    // A flat series is drawn through the middle rather than along an edge.
    let y = LinearScale::new((lo, hi), (H - PAD, PAD));
    let mut points: Vec<(f64, f64)> = values
        .iter()
        .enumerate()
        .map(|(i, &v)| (x.map(i as f64), y.map(v)))
        .collect();
    if points.len() == 1 {
        // One value has no trend to draw; a level line through it still reads as "now".
        points.insert(0, (PAD, points[0].1));
        points[1].0 = W - PAD;
    }
    let (last_x, last_y) = points[points.len() - 1];
    let colour = swatch(0);
    let aria = description.clone();
    view! {
        <svg
            xmlns="http://www.w3.org/2000/svg"
            viewBox=format!("0 0 {} {}", num(W), num(H))
            class="block h-auto w-full overflow-visible"
            role="img"
            aria-label=aria
            data-chart="sparkline"
        >
            <title>{description}</title>
            <path
                d=path_data(&points)
                fill="none"
                class=colour.stroke
                stroke=colour.hex
                stroke-width="1.5"
                stroke-linejoin="round"
                stroke-linecap="round"
                vector-effect="non-scaling-stroke"
            />
            <circle cx=num(last_x) cy=num(last_y) r="2.5" class=colour.fill fill=colour.hex />
        </svg>
    }
    .into_any()
}

/// "Visits: from 1,200 to 1,450, up 20.8%"; the percentage is left out when the first
/// value is zero or negative, where a relative change means nothing.
fn describe(label: &str, values: &[f64], format: &ValueFormat) -> String {
    let lead = if label.is_empty() {
        "Trend".to_owned()
    } else {
        label.to_owned()
    };
    let (first, last) = match values {
        [] => return format!("{lead}: no data"),
        [only] => return format!("{lead}: {}", format.format(*only)),
        [first, .., last] => (*first, *last),
    };
    let change = last - first;
    let direction = if change > 0.0 {
        "up"
    } else if change < 0.0 {
        "down"
    } else {
        "unchanged"
    };
    let pct = if first > 0.0 && change != 0.0 {
        format!(" {}", ValueFormat::Percent.format((change / first).abs()))
    } else {
        String::new()
    };
    format!(
        "{lead}: from {} to {}, {direction}{pct}",
        format.format(first),
        format.format(last)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_the_change() {
        let n = ValueFormat::Number;
        assert_eq!(
            describe("Visits", &[1200.0, 1300.0, 1450.0], &n),
            "Visits: from 1,200 to 1,450, up 20.8%"
        );
        assert_eq!(
            describe("", &[10.0, 5.0], &n),
            "Trend: from 10 to 5, down 50%"
        );
        assert_eq!(describe("", &[0.0, 5.0], &n), "Trend: from 0 to 5, up");
        assert_eq!(
            describe("", &[3.0, 3.0], &n),
            "Trend: from 3 to 3, unchanged"
        );
        assert_eq!(
            describe("Score", &[0.25], &ValueFormat::Signed2),
            "Score: +0.25"
        );
    }
}
