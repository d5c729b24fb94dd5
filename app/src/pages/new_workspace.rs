use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

use crate::api::workspaces::CreateWorkspace;
use crate::components::form::{field_error, form_values, general_error, Alert, AlertKind, Field};
use crate::components::layout::PlainFrame;
use crate::components::session::use_session;
use crate::components::ui::{button_class, use_hydrated, Card, PageHeader};

#[component]
pub fn NewWorkspacePage() -> impl IntoView {
    let create = ServerAction::<CreateWorkspace>::new();
    let live = use_hydrated();
    let session = use_session().0;
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(ws)) = create.value().get() {
            session.refetch();
            navigate(&format!("/w/{}", ws.slug), Default::default());
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let v = form_values(&ev);
        create.dispatch(CreateWorkspace {
            name: v.get("name").cloned().unwrap_or_default(),
            slug: v.get("slug").cloned().filter(|s| !s.trim().is_empty()),
        });
    };
    let result = create.value();
    view! {
        <Title text="New workspace" />
        <PlainFrame>
            <PageHeader title="New workspace" subtitle="A separate space with its own companies, deals, members and reports." />
            <Card class="p-6">
                <form on:submit=on_submit class="space-y-5">
                    {move || general_error(&result.get()).map(|m| view! { <Alert kind=AlertKind::Error>{m}</Alert> })}
                    <Field label="Name" name="name" required=true autofocus=true placeholder="Acme Corp"
                        error=Signal::derive(move || field_error(result.get(), "name")) />
                    <Field label="URL name (optional)" name="slug" placeholder="acme-corp"
                        hint="Lower-case letters, digits and hyphens; made from the name when left empty."
                        error=Signal::derive(move || field_error(result.get(), "slug")) />
                    <div class="flex justify-end">
                        <button type="submit" class=button_class(true) disabled=move || !live.get() || create.pending().get()>
                            "Create workspace"
                        </button>
                    </div>
                </form>
            </Card>
        </PlainFrame>
    }
}
