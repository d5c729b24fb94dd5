//! Sign-in and sign-up. Plain HTML forms posting to `/auth/…`, so they work before (and
//! without) the WASM bundle; the server redirects back here with `?error=…` on failure.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::auth::sign_in_options;
use crate::components::form::{Alert, AlertKind, Field};
use crate::components::format::url_encode;
use crate::components::layout::AuthFrame;
use crate::components::ui::button_class;

fn error_message(code: &str) -> &'static str {
    match code {
        "invalid" => "Wrong e-mail or password.",
        "password_disabled" => "Password sign-in is turned off on this server.",
        "unknown_provider" => "That sign-in provider is not configured here.",
        "provider_denied" => "The provider did not sign you in.",
        "missing_params" | "invalid_state" => "That sign-in attempt expired or was already used. Please start again.",
        "browser_mismatch" => "The sign-in was started in another browser, or its cookie was lost. Please start again here.",
        "exchange_failed" => "The provider did not accept the sign-in.",
        "profile_failed" => "Your profile could not be read from the provider.",
        "no_email" => "The provider did not share an e-mail address, which an account needs.",
        "email_taken" => "An account with this e-mail already exists. Sign in to it first, then connect the provider from your account page.",
        "signup_closed" => "Sign-up is closed on this server. Ask an administrator for an invitation.",
        _ => "Signing in did not work. Please try again.",
    }
}

fn notice_message(code: &str) -> Option<&'static str> {
    match code {
        "signed_out" => Some("You are signed out."),
        "signed_out_everywhere" => Some("You are signed out on every device."),
        _ => None,
    }
}

fn divider() -> impl IntoView {
    view! {
        <div class="my-5 flex items-center gap-3 text-xs uppercase tracking-wide text-zinc-400">
            <span class="h-px flex-1 bg-zinc-200 dark:bg-zinc-800"></span>
            "or"
            <span class="h-px flex-1 bg-zinc-200 dark:bg-zinc-800"></span>
        </div>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let q = move |k: &str| query.read_untracked().get(k).filter(|v| !v.is_empty());
    let next = q("next").unwrap_or_else(|| "/".into());
    let error = q("error");
    let detail = q("detail");
    let notice = q("notice").and_then(|n| notice_message(&n));
    let email = q("email");
    let options = Resource::new(|| (), |_| sign_in_options());

    view! {
        <Title text="Sign in" />
        <AuthFrame>
            <Suspense fallback=|| ()>
                {move || {
                    let next = next.clone();
                    let error = error.clone();
                    let detail = detail.clone();
                    let email = email.clone();
                    Suspend::new(async move {
                        let opts = match options.await {
                            Ok(o) => o,
                            Err(e) => return view! { <Alert kind=AlertKind::Error>{e.message}</Alert> }.into_any(),
                        };
                        let next_enc: String = url_encode(&next);
                        view! {
                            <h1 class="text-xl font-semibold tracking-tight text-zinc-900 dark:text-white">
                                {if opts.first_run { "Welcome to Hyperformant" } else { "Sign in" }}
                            </h1>
                            <p class="mt-1 text-sm text-zinc-500 dark:text-zinc-400">
                                {if opts.first_run {
                                    "No account exists yet. Create the first one: it will own the first workspace."
                                } else {
                                    "to your Hyperformant workspace"
                                }}
                            </p>
                            <div class="mt-5 space-y-3">
                                {notice.map(|n| view! { <Alert kind=AlertKind::Success>{n}</Alert> })}
                                {error.clone().map(|code| view! {
                                    <Alert kind=AlertKind::Error>
                                        {error_message(&code)}
                                        {detail.clone().map(|d| view! { <span class="block text-xs opacity-80">{d}</span> })}
                                    </Alert>
                                })}
                            </div>
                            {opts.first_run.then(|| view! {
                                <a href=format!("/signup?next={next_enc}") class=format!("mt-5 w-full justify-center {}", button_class(true)) data-testid="create-first-account">
                                    "Create the first account"
                                </a>
                            })}
                            {(!opts.providers.is_empty()).then(|| view! {
                                <div class="mt-5 space-y-2">
                                    {opts.providers.iter().map(|p| view! {
                                        <a
                                            href=format!("/auth/oauth/{}/start?next={next_enc}", p.id)
                                            class=format!("w-full justify-center {}", button_class(false))
                                        >
                                            {format!("Continue with {}", p.label)}
                                        </a>
                                    }).collect_view()}
                                </div>
                            })}
                            {(opts.password_enabled && !opts.first_run).then(|| view! {
                                {(!opts.providers.is_empty()).then(divider)}
                                <form method="post" action="/auth/login" class="mt-5 space-y-4">
                                    <input type="hidden" name="next" value=next.clone() />
                                    <Field label="E-mail" name="email" kind="email" value=email.clone().unwrap_or_default() autocomplete="email" required=true autofocus=email.is_none() />
                                    <Field label="Password" name="password" kind="password" autocomplete="current-password" required=true autofocus=email.is_some() />
                                    <button type="submit" class=format!("w-full justify-center {}", button_class(true))>"Sign in"</button>
                                </form>
                            })}
                            {(opts.signup_allowed && opts.password_enabled && !opts.first_run).then(|| view! {
                                <p class="mt-6 text-center text-sm text-zinc-500">
                                    "New here? "
                                    <a href=format!("/signup?next={next_enc}") class="font-medium text-brand-600 hover:text-brand-500 dark:text-brand-400">
                                        "Create an account"
                                    </a>
                                </p>
                            })}
                        }
                        .into_any()
                    })
                }}
            </Suspense>
        </AuthFrame>
    }
}

#[component]
pub fn SignupPage() -> impl IntoView {
    let query = use_query_map();
    let q = move |k: &str| query.read_untracked().get(k).filter(|v| !v.is_empty());
    let next = q("next").unwrap_or_else(|| "/".into());
    let invite = q("invite").unwrap_or_default();
    let error = q("error");
    let field = q("field");
    let general = (field.is_none()).then(|| error.clone()).flatten();
    let for_field = move |name: &'static str| {
        let (error, field) = (error.clone(), field.clone());
        Signal::derive(move || {
            (field.as_deref() == Some(name))
                .then(|| error.clone())
                .flatten()
        })
    };
    let next_enc = url_encode(&next);

    view! {
        <Title text="Create an account" />
        <AuthFrame>
            <h1 class="text-xl font-semibold tracking-tight text-zinc-900 dark:text-white">"Create your account"</h1>
            <p class="mt-1 text-sm text-zinc-500 dark:text-zinc-400">
                {if invite.is_empty() { "You get a workspace of your own to start with." } else { "You will join the workspace you were invited to." }}
            </p>
            <div class="mt-5">{general.map(|m| view! { <Alert kind=AlertKind::Error>{m}</Alert> })}</div>
            <form method="post" action="/auth/signup" class="mt-5 space-y-4">
                <input type="hidden" name="next" value=next.clone() />
                <input type="hidden" name="invite" value=invite.clone() />
                <Field label="Your name" name="name" value=q("name").unwrap_or_default() autocomplete="name" required=true autofocus=true error=for_field("name") />
                <Field label="E-mail" name="email" kind="email" value=q("email").unwrap_or_default() autocomplete="email" required=true error=for_field("email") />
                <Field
                    label="Password"
                    name="password"
                    kind="password"
                    autocomplete="new-password"
                    required=true
                    hint="At least 10 characters."
                    error=for_field("password")
                />
                <button type="submit" class=format!("w-full justify-center {}", button_class(true))>"Create account"</button>
            </form>
            <p class="mt-6 text-center text-sm text-zinc-500">
                "Already have an account? "
                <a href=format!("/login?next={next_enc}") class="font-medium text-brand-600 hover:text-brand-500 dark:text-brand-400">"Sign in"</a>
            </p>
        </AuthFrame>
    }
}
