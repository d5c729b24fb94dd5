use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::auth::sign_in_options;
use crate::components::form::{Alert, AlertKind};
use crate::components::layout::PlainFrame;
use crate::components::session::use_session;
use crate::components::ui::{button_class, Card, PageHeader};

#[component]
pub fn AccountPage() -> impl IntoView {
    let session = use_session().0;
    let options = Resource::new(|| (), |_| sign_in_options());
    let query = use_query_map();
    let connected = move || query.read().get("notice").as_deref() == Some("connected");
    view! {
        <Title text="Account" />
        <PlainFrame>
            <PageHeader title="Account" subtitle="Your profile, sign-in methods and sessions." />
            <div class="space-y-6">
                {move || connected().then(|| view! { <Alert kind=AlertKind::Success>"The provider is now connected to your account."</Alert> })}
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let Some(info) = session.await.ok().flatten() else { return ().into_any() };
                        let providers = options.await.map(|o| o.providers).unwrap_or_default();
                        view! {
                            <Card class="p-6">
                                <h2 class="text-sm font-semibold text-zinc-900 dark:text-white">"Profile"</h2>
                                <dl class="mt-3 grid grid-cols-3 gap-y-2 text-sm">
                                    <dt class="text-zinc-500">"Name"</dt>
                                    <dd class="col-span-2 text-zinc-900 dark:text-zinc-100">{info.user.name.clone()}</dd>
                                    <dt class="text-zinc-500">"E-mail"</dt>
                                    <dd class="col-span-2 text-zinc-900 dark:text-zinc-100">{info.user.email.clone()}</dd>
                                    <dt class="text-zinc-500">"Workspaces"</dt>
                                    <dd class="col-span-2 text-zinc-900 dark:text-zinc-100">
                                        {info.workspaces.iter().map(|w| view! {
                                            <a href=format!("/w/{}", w.slug) class="mr-3 text-brand-600 hover:underline dark:text-brand-400">{w.name.clone()}</a>
                                        }).collect_view()}
                                    </dd>
                                </dl>
                            </Card>
                            {(!providers.is_empty()).then(|| view! {
                                <Card class="p-6">
                                    <h2 class="text-sm font-semibold text-zinc-900 dark:text-white">"Sign-in providers"</h2>
                                    <p class="mt-1 text-sm text-zinc-500">"Connect a provider to sign in with it next time."</p>
                                    <div class="mt-4 flex flex-wrap gap-2">
                                        {providers.into_iter().map(|p| view! {
                                            <a href=format!("/auth/oauth/{}/start?next=/account", p.id) class=button_class(false)>
                                                {format!("Connect {}", p.label)}
                                            </a>
                                        }).collect_view()}
                                    </div>
                                </Card>
                            })}
                        }.into_any()
                    })}
                </Suspense>
                <Card class="p-6">
                    <h2 class="text-sm font-semibold text-zinc-900 dark:text-white">"Sessions"</h2>
                    <p class="mt-1 text-sm text-zinc-500">
                        "Signed in on a computer you no longer use? End every session, this one included."
                    </p>
                    <form method="post" action="/auth/logout-everywhere" class="mt-4">
                        <button type="submit" class=button_class(false) data-testid="sign-out-everywhere">"Sign out everywhere"</button>
                    </form>
                </Card>
            </div>
        </PlainFrame>
    }
}
