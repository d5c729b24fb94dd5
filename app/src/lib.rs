//! Hyperformant's isomorphic crate: the app shell and router, pages, components, the types
//! shared by browser and server, and the server functions. With `ssr` it also holds the
//! `backend` (database, auth, jobs, AI); with `hydrate` it runs in the browser.

#![recursion_limit = "256"]

pub mod api;
pub mod components;
pub mod pages;
pub mod types;

#[cfg(feature = "ssr")]
pub mod backend;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    path, SsrMode,
};

use crate::components::{
    layout::PlainFrame,
    session::provide_session,
    theme::{provide_theme, ThemeClass},
};
use crate::pages::{
    account::AccountPage,
    api_docs::ApiDocsPage,
    audit::AuditPage,
    chat::ChatPage,
    companies::CompaniesPage,
    company::CompanyPage,
    company_form::{EditCompanyPage, NewCompanyPage},
    dashboard::DashboardPage,
    deal_form::{EditDealPage, NewDealPage},
    deals::DealsPage,
    import::ImportPage,
    invite::InvitePage,
    jobs::{JobPage, JobsPage},
    login::{LoginPage, SignupPage},
    members::MembersPage,
    new_workspace::NewWorkspacePage,
    not_found::NotFound,
    report::ReportPage,
    reports::ReportsPage,
    settings::SettingsPage,
    system::SystemPage,
    tokens::TokensPage,
    webhooks::WebhooksPage,
    workspace::{HomeRedirect, WorkspaceLayout},
};

/// The HTML document the server renders around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body class="min-h-screen">
                <App />
            </body>
        </html>
    }
}

/// "Page · Hyperformant". On the server the result is escaped: leptos_meta 0.8.7 writes the
/// title into the HTML without escaping it, so a company named `</title><script>…` would
/// otherwise inject markup. In the browser it is set as `document.title` (plain text).
pub fn page_title(title: String) -> String {
    let full = if title.is_empty() {
        "Hyperformant".to_owned()
    } else {
        format!("{title} · Hyperformant")
    };
    if cfg!(feature = "ssr") {
        escape_html(&full)
    } else {
        full
    }
}

/// Text made safe to place in HTML markup, in element content or a quoted attribute.
pub fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_theme();
    provide_session();
    let hydrated = crate::components::ui::provide_hydrated();

    // Effects run only in the browser, once hydration has attached the app: this marker lets
    // people (and the browser tests) tell a live page from a server-rendered one.
    Effect::new(move |_| {
        hydrated.set(true);
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    // Every page is rendered with its data before the response starts (SsrMode::Async), so
    // the first paint is complete and the status code (404 for a workspace you cannot see)
    // is right.
    view! {
        <ThemeClass />
        <Stylesheet id="leptos" href="/pkg/hyperformant.css" />
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg" />
        <Meta name="description" content="Hyperformant — market and sales intelligence for revenue teams." />
        <Title formatter=page_title />
        <Router>
            // No catch-all route: unknown paths must fall through to the static files first
            // (the server registers every route listed here).
            <Routes fallback=|| view! { <PlainFrame><NotFound /></PlainFrame> }>
                <Route path=path!("/") view=HomeRedirect />
                <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                <Route path=path!("/signup") view=SignupPage ssr=SsrMode::Async />
                <Route path=path!("/invite/:token") view=InvitePage ssr=SsrMode::Async />
                <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async />
                <Route path=path!("/workspaces/new") view=NewWorkspacePage ssr=SsrMode::Async />
                <Route path=path!("/docs/api") view=ApiDocsPage ssr=SsrMode::Async />
                <ParentRoute path=path!("/w/:slug") view=WorkspaceLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=DashboardPage />
                    <Route path=path!("companies") view=CompaniesPage />
                    <Route path=path!("companies/new") view=NewCompanyPage />
                    <Route path=path!("companies/:id") view=CompanyPage />
                    <Route path=path!("companies/:id/edit") view=EditCompanyPage />
                    <Route path=path!("deals") view=DealsPage />
                    <Route path=path!("deals/new") view=NewDealPage />
                    <Route path=path!("deals/:id/edit") view=EditDealPage />
                    <Route path=path!("import") view=ImportPage />
                    <Route path=path!("reports") view=ReportsPage />
                    <Route path=path!("reports/:id") view=ReportPage />
                    <Route path=path!("jobs") view=JobsPage />
                    <Route path=path!("jobs/:id") view=JobPage />
                    <Route path=path!("chat") view=ChatPage />
                    <Route path=path!("settings") view=SettingsPage />
                    <Route path=path!("settings/members") view=MembersPage />
                    <Route path=path!("settings/tokens") view=TokensPage />
                    <Route path=path!("settings/audit") view=AuditPage />
                    <Route path=path!("settings/webhooks") view=WebhooksPage />
                    <Route path=path!("settings/ai") view=crate::pages::ai_settings::AiSettingsPage />
                    <Route path=path!("settings/integrations") view=crate::pages::integrations::IntegrationsPage />
                    <Route path=path!("insights") view=crate::pages::insights::InsightsPage />
                    <Route path=path!("settings/system") view=SystemPage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
