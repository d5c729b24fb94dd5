use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::icons::DOCUMENT;
use crate::components::ui::{Card, EmptyState, PageHeader};

#[component]
pub fn ReportsPage() -> impl IntoView {
    view! {
        <Title text="Reports" />
        <PageHeader title="Reports" />
        <Card>
            <EmptyState
                icon=DOCUMENT
                title="No reports yet"
                body="Market, competitor and pipeline reports are generated in the background; finished ones appear here as HTML, Markdown and PDF."
            />
        </Card>
    }
}
