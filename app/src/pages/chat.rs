use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::icons::CHAT;
use crate::components::ui::{Card, EmptyState, PageHeader};

#[component]
pub fn ChatPage() -> impl IntoView {
    view! {
        <Title text="Chat" />
        <PageHeader title="Chat" />
        <Card>
            <EmptyState
                icon=CHAT
                title="The analyst is not set up yet"
                body="Ask questions about your companies, pipeline and market here; answers will cite the records they come from."
            />
        </Card>
    }
}
