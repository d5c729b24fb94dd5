//! `/invite/{token}`: what the link leads to, and joining.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::api::members::{preview_invitation, AcceptInvitation};
use crate::components::form::{Alert, AlertKind};
use crate::components::format::url_encode;
use crate::components::layout::AuthFrame;
use crate::components::session::use_session;
use crate::components::ui::{button_class, use_hydrated};

#[component]
pub fn InvitePage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let preview = Resource::new(token, preview_invitation);
    let session = use_session().0;
    let accept = ServerAction::<AcceptInvitation>::new();
    let live = use_hydrated();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(ws)) = accept.value().get() {
            session.refetch();
            navigate(&format!("/w/{}", ws.slug), Default::default());
        }
    });

    view! {
        <Title text="Invitation" />
        <AuthFrame>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let signed_in = session.await.ok().flatten().is_some();
                    match preview.await {
                        Err(e) => view! {
                            <h1 class="text-xl font-semibold text-zinc-900 dark:text-white">"This invitation cannot be used"</h1>
                            <div class="mt-4"><Alert kind=AlertKind::Error>{e.message}</Alert></div>
                            <p class="mt-4 text-sm text-zinc-500">"Ask the person who invited you for a new link."</p>
                        }.into_any(),
                        Ok(p) => {
                            let here = format!("/invite/{}", token());
                            let back = url_encode(&here);
                            let t = token();
                            view! {
                                <p class="text-sm text-zinc-500 dark:text-zinc-400">{format!("{} invited you to", p.invited_by)}</p>
                                <h1 class="mt-1 text-xl font-semibold tracking-tight text-zinc-900 dark:text-white" data-testid="invite-workspace">
                                    {p.workspace_name.clone()}
                                </h1>
                                <p class="mt-2 text-sm text-zinc-600 dark:text-zinc-300">
                                    {format!("as {} — {}.", p.role.label(), p.role.describe())}
                                </p>
                                <div class="mt-6 space-y-3">
                                    {if p.already_member {
                                        view! {
                                            <a href=format!("/w/{}", p.workspace_slug) class=format!("w-full justify-center {}", button_class(true))>
                                                "You are a member — open the workspace"
                                            </a>
                                        }.into_any()
                                    } else if signed_in {
                                        view! {
                                            <button
                                                type="button"
                                                class=format!("w-full justify-center {}", button_class(true))
                                                data-testid="accept-invitation"
                                                disabled=move || !live.get() || accept.pending().get()
                                                on:click=move |_| { accept.dispatch(AcceptInvitation { token: t.clone() }); }
                                            >
                                                {format!("Join {}", p.workspace_name)}
                                            </button>
                                            {move || accept.value().get().and_then(|r| r.err()).map(|e| view! {
                                                <Alert kind=AlertKind::Error>{e.message}</Alert>
                                            })}
                                        }.into_any()
                                    } else {
                                        view! {
                                            <a href=format!("/signup?invite={}&next={back}", url_encode(&t)) class=format!("w-full justify-center {}", button_class(true))>
                                                "Create an account to join"
                                            </a>
                                            <a href=format!("/login?next={back}") class=format!("w-full justify-center {}", button_class(false))>
                                                "I have an account — sign in"
                                            </a>
                                        }.into_any()
                                    }}
                                </div>
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
        </AuthFrame>
    }
}
