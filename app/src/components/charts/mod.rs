//! SVG charts drawn by Leptos itself: no chart library and no JavaScript of their own.
//!
//! Every chart renders completely on the server — axes, data, legend and a screen-reader
//! data table — so the same components serve hydrated pages and the HTML reports the
//! server writes to strings ([`render_html`]). Hydration adds only the hover/keyboard
//! tooltips. Colours are Tailwind classes (with `dark:` variants) backed by presentation
//! attributes, so a report opened without the app's stylesheet still shows coloured data.
//!
//! Sizes are in SVG user units: the charts are [`frame::WIDTH`] wide and scale to their
//! container; axis text grows in user units as the container narrows (container queries),
//! so it stays readable from a 320px phone column to a full-width report.

mod bar;
mod frame;
mod funnel;
mod line;
pub mod scale;
mod sparkline;

/// The data the charts draw lives with the shared types (the server builds it too).
pub use crate::types::charts::{CategoryChart, Series, ValueFormat, MISSING};
pub use bar::BarChart;
pub use funnel::FunnelChart;
pub use line::LineChart;
pub use sparkline::Sparkline;

/// Renders a view — typically one chart — to an HTML string on the server, inside a fresh
/// reactive owner that is dropped afterwards. For report generators:
/// `render_html(move || view! { <LineChart data title="Won revenue" /> })`.
#[cfg(feature = "ssr")]
pub fn render_html<V, F>(view: F) -> String
where
    F: FnOnce() -> V,
    V: leptos::prelude::IntoView,
{
    use leptos::prelude::*;
    let owner = Owner::new();
    // `<!>` are hydration markers (how many depends on the build: type-erased builds write
    // more); a string that is never hydrated is cleaner, and the same in every build, without.
    owner.with(|| view().into_view().to_html().replace("<!>", ""))
}

#[cfg(all(test, feature = "ssr"))]
mod tests;
