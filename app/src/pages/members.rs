//! Settings → Members: the member list with roles, invitations by link, leaving.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;

use super::settings::SettingsHeader;
use super::workspace::{use_role, use_slug};
use crate::api::members::{
    list_invitations, list_members, ChangeMemberRole, CreateInvitation, LeaveWorkspace,
    RemoveMember, RevokeInvitation,
};
use crate::components::form::{copy_to_clipboard, form_values, Alert, AlertKind, INPUT};
use crate::components::session::use_session;
use crate::components::ui::{button_class, use_hydrated, Badge, Card, Tone};
use crate::types::{InvitationStatus, Role};

fn date(d: chrono::DateTime<chrono::Utc>) -> String {
    d.format("%Y-%m-%d").to_string()
}

#[component]
pub fn MembersPage() -> impl IntoView {
    let slug = use_slug();
    let role = use_role();
    let can_manage = move || role.get().is_some_and(|r| r >= Role::Admin);
    let live = use_hydrated();
    let is_owner = move || role.get() == Some(Role::Owner);

    let change = ServerAction::<ChangeMemberRole>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let invite = ServerAction::<CreateInvitation>::new();
    let revoke = ServerAction::<RevokeInvitation>::new();
    let leave = ServerAction::<LeaveWorkspace>::new();

    let members = Resource::new(
        move || (slug.get(), change.version().get(), remove.version().get()),
        |(s, ..)| list_members(s),
    );
    let invitations = Resource::new(
        move || {
            (
                slug.get(),
                invite.version().get(),
                revoke.version().get(),
                role.get(),
            )
        },
        |(s, _, _, r)| async move {
            if r.is_some_and(|r| r >= Role::Admin) {
                list_invitations(s).await.map(Some)
            } else {
                Ok(None)
            }
        },
    );

    let session = use_session().0;
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = leave.value().get() {
            session.refetch();
            navigate("/", Default::default());
        }
    });

    let error = move || {
        [
            change.value().get().and_then(|r| r.err()),
            remove.value().get().and_then(|r| r.err()),
            revoke.value().get().and_then(|r| r.err()),
            leave.value().get().and_then(|r| r.err()),
        ]
        .into_iter()
        .flatten()
        .next()
        .map(|e| e.message)
    };

    let on_invite = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let v = form_values(&ev);
        invite.dispatch(CreateInvitation {
            workspace: slug.get_untracked(),
            role: v
                .get("role")
                .and_then(|r| Role::parse(r))
                .unwrap_or(Role::Member),
            email: v.get("email").cloned().filter(|e| !e.trim().is_empty()),
        });
    };

    view! {
        <Title text="Members" />
        <SettingsHeader title="Members" subtitle="Who is in this workspace and what they may do." />
        <div class="space-y-6">
            {move || error().map(|m| view! { <Alert kind=AlertKind::Error>{m}</Alert> })}
            <Card>
                <table class="w-full text-left text-sm">
                    <thead class="border-b border-zinc-200 text-xs uppercase tracking-wide text-zinc-500 dark:border-zinc-800">
                        <tr>
                            <th class="px-5 py-3 font-medium">"Member"</th>
                            <th class="px-5 py-3 font-medium">"Role"</th>
                            <th class="hidden px-5 py-3 font-medium sm:table-cell">"Joined"</th>
                            <th class="px-5 py-3"><span class="sr-only">"Actions"</span></th>
                        </tr>
                    </thead>
                    <tbody class="divide-y divide-zinc-100 dark:divide-zinc-800" data-testid="member-rows">
                        <Transition fallback=|| ()>
                            {move || Suspend::new(async move {
                                let list = members.await.unwrap_or_default();
                                list.into_iter().map(|m| {
                                    let uid = m.user_id;
                                    let member_role = m.role;
                                    let editable = can_manage() && !m.is_you && (member_role != Role::Owner || is_owner());
                                    view! {
                                        <tr>
                                            <td class="px-5 py-3">
                                                <p class="font-medium text-zinc-900 dark:text-zinc-100">
                                                    {m.name.clone()}
                                                    {m.is_you.then(|| view! { <span class="ml-2"><Badge tone=Tone::Neutral text="you" /></span> })}
                                                </p>
                                                <p class="text-xs text-zinc-500">{m.email.clone()}</p>
                                            </td>
                                            <td class="px-5 py-3">
                                                {if editable {
                                                    view! {
                                                        <select
                                                            class=format!("{INPUT} w-32")
                                                            disabled=move || !live.get()
                                                            aria-label=format!("Role of {}", m.email)
                                                            on:change=move |ev| {
                                                                if let Some(r) = Role::parse(&event_target_value(&ev)) {
                                                                    change.dispatch(ChangeMemberRole { workspace: slug.get_untracked(), user_id: uid, role: r });
                                                                }
                                                            }
                                                        >
                                                            {Role::ALL.into_iter().filter(|r| *r != Role::Owner || is_owner()).map(|r| view! {
                                                                <option value=r.as_str() selected=r == member_role>{r.label()}</option>
                                                            }).collect_view()}
                                                        </select>
                                                    }.into_any()
                                                } else {
                                                    view! { <Badge tone=if member_role == Role::Owner { Tone::Brand } else { Tone::Neutral } text=member_role.label() /> }.into_any()
                                                }}
                                            </td>
                                            <td class="hidden px-5 py-3 text-zinc-500 sm:table-cell">{date(m.joined_at)}</td>
                                            <td class="px-5 py-3 text-right">
                                                {editable.then(|| view! {
                                                    <button type="button" class="text-sm font-medium text-rose-600 hover:text-rose-500 disabled:opacity-50 dark:text-rose-400"
                                                        disabled=move || !live.get()
                                                        on:click=move |_| { remove.dispatch(RemoveMember { workspace: slug.get_untracked(), user_id: uid }); }>
                                                        "Remove"
                                                    </button>
                                                })}
                                            </td>
                                        </tr>
                                    }
                                }).collect_view().into_any()
                            })}
                        </Transition>
                    </tbody>
                </table>
            </Card>

            <Show when=can_manage>
                <Card class="p-6">
                    <h2 class="text-sm font-semibold text-zinc-900 dark:text-white">"Invite people"</h2>
                    <p class="mt-1 text-sm text-zinc-500">"Create a link and send it yourself. It works once and expires in 7 days."</p>
                    <form on:submit=on_invite class="mt-4 flex flex-wrap items-end gap-3">
                        <label class="block">
                            <span class="mb-1.5 block text-sm font-medium text-zinc-700 dark:text-zinc-300">"Role"</span>
                            <select name="role" class=format!("{INPUT} w-36") data-testid="invite-role">
                                {Role::ALL.into_iter().rev().filter(|r| *r != Role::Owner || is_owner()).map(|r| view! {
                                    <option value=r.as_str() selected=r == Role::Member>{r.label()}</option>
                                }).collect_view()}
                            </select>
                        </label>
                        <label class="block min-w-56 flex-1">
                            <span class="mb-1.5 block text-sm font-medium text-zinc-700 dark:text-zinc-300">"For e-mail (optional)"</span>
                            <input name="email" type="email" class=INPUT placeholder="Anyone with the link" />
                        </label>
                        <button type="submit" class=button_class(true) data-testid="create-invitation" disabled=move || !live.get() || invite.pending().get()>
                            "Create link"
                        </button>
                    </form>
                    {move || invite.value().get().map(|r| match r {
                        Ok(created) => {
                            let url = created.url.clone();
                            view! {
                                <div class="mt-4 rounded-lg border border-emerald-200 bg-emerald-50 p-3 dark:border-emerald-500/30 dark:bg-emerald-500/10">
                                    <p class="text-sm text-emerald-800 dark:text-emerald-200">"Invitation link (shown once):"</p>
                                    <div class="mt-2 flex items-center gap-2">
                                        <input readonly class=format!("{INPUT} font-mono text-xs") value=url.clone() data-testid="invitation-url" />
                                        <button type="button" class=button_class(false) on:click=move |_| copy_to_clipboard(&url)>"Copy"</button>
                                    </div>
                                </div>
                            }.into_any()
                        }
                        Err(e) => view! { <div class="mt-4"><Alert kind=AlertKind::Error>{e.message}</Alert></div> }.into_any(),
                    })}
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            let list = invitations.await.ok().flatten().unwrap_or_default();
                            (!list.is_empty()).then(|| view! {
                                <h3 class="mt-6 text-xs font-semibold uppercase tracking-wide text-zinc-500">"Invitations"</h3>
                                <ul class="mt-2 divide-y divide-zinc-100 rounded-lg border border-zinc-200 dark:divide-zinc-800 dark:border-zinc-800">
                                    {list.into_iter().map(|i| {
                                        let id = i.id;
                                        let (tone, label) = match i.status {
                                            InvitationStatus::Pending => (Tone::Brand, "pending"),
                                            InvitationStatus::Accepted => (Tone::Good, "accepted"),
                                            InvitationStatus::Expired => (Tone::Neutral, "expired"),
                                            InvitationStatus::Revoked => (Tone::Neutral, "withdrawn"),
                                        };
                                        view! {
                                            <li class="flex flex-wrap items-center gap-3 px-3 py-2 text-sm">
                                                <Badge tone text=label />
                                                <span class="text-zinc-700 dark:text-zinc-300">{format!("{} · {}", i.role.label(), i.email.clone().unwrap_or_else(|| "anyone with the link".into()))}</span>
                                                <span class="text-xs text-zinc-400">{format!("by {} · expires {}", i.invited_by, date(i.expires_at))}</span>
                                                {(i.status == InvitationStatus::Pending).then(|| view! {
                                                    <button type="button" class="ml-auto text-sm font-medium text-rose-600 hover:text-rose-500 dark:text-rose-400"
                                                        on:click=move |_| { revoke.dispatch(RevokeInvitation { workspace: slug.get_untracked(), id }); }>
                                                        "Withdraw"
                                                    </button>
                                                })}
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            })
                        })}
                    </Transition>
                </Card>
            </Show>

            <Card class="p-6">
                <h2 class="text-sm font-semibold text-zinc-900 dark:text-white">"Leave this workspace"</h2>
                <p class="mt-1 text-sm text-zinc-500">"You lose access at once; your API tokens for it stop working. The last owner cannot leave."</p>
                <button type="button" class=format!("mt-4 {}", button_class(false)) data-testid="leave-workspace" disabled=move || !live.get()
                    on:click=move |_| { leave.dispatch(LeaveWorkspace { workspace: slug.get_untracked() }); }>
                    "Leave workspace"
                </button>
            </Card>
        </div>
    }
}
