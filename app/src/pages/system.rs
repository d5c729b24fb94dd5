use leptos::prelude::*;
use leptos_meta::Title;

use super::settings::SettingsHeader;
use crate::components::system_status::SystemStatusCard;

#[component]
pub fn SystemPage() -> impl IntoView {
    view! {
        <Title text="System" />
        <SettingsHeader title="System" subtitle="What this server runs on, read live from the database." />
        <div class="max-w-2xl">
            <SystemStatusCard detailed=true />
        </div>
    }
}
