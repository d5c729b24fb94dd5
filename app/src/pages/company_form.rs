//! `/w/{slug}/companies/new` and `/w/{slug}/companies/{id}/edit`: one form, errors next to
//! the fields they are about.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_params_map},
};

use super::workspace::use_slug;
use crate::api::companies::{get_company, CreateCompany, UpdateCompany};
use crate::components::form::{form_values, Alert, AlertKind, Field, INPUT};
use crate::components::ui::{button_class, use_hydrated, Card, PageHeader};
use crate::types::{ApiError, Company, CompanyInput};

fn input_from(v: &std::collections::HashMap<String, String>) -> CompanyInput {
    let opt = |k: &str| {
        v.get(k)
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    CompanyInput {
        name: v.get("name").cloned().unwrap_or_default(),
        domain: opt("domain"),
        industry: opt("industry"),
        employee_count: opt("employee_count").and_then(|s| s.replace([',', ' '], "").parse().ok()),
        annual_revenue: opt("annual_revenue"),
        revenue_currency: opt("revenue_currency"),
        country: opt("country"),
        city: opt("city"),
        description: opt("description"),
        website: opt("website"),
        linkedin_url: opt("linkedin_url"),
        founded_year: opt("founded_year").and_then(|s| s.parse().ok()),
        tags: v
            .get("tags")
            .map(|t| {
                t.split(',')
                    .map(|x| x.trim().to_owned())
                    .filter(|x| !x.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// Numbers typed as text that do not parse are reported here, before the server sees them.
fn local_errors(v: &std::collections::HashMap<String, String>) -> Vec<crate::types::FieldError> {
    let mut out = vec![];
    for (k, label) in [("employee_count", "employees"), ("founded_year", "year")] {
        if let Some(s) = v.get(k).map(|s| s.trim()).filter(|s| !s.is_empty()) {
            if s.replace([',', ' '], "").parse::<i32>().is_err() {
                out.push(crate::types::FieldError {
                    field: k.into(),
                    message: format!("must be a whole number of {label}"),
                });
            }
        }
    }
    out
}

#[component]
pub fn NewCompanyPage() -> impl IntoView {
    view! {
        <Title text="New company" />
        <CompanyForm existing=None />
    }
}

#[component]
pub fn EditCompanyPage() -> impl IntoView {
    let slug = use_slug();
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|i| i.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let company = Resource::new(move || (slug.get(), id()), |(s, id)| get_company(s, id));
    view! {
        <Title text="Edit company" />
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match company.await {
                    Ok(c) => view! { <CompanyForm existing=Some(c) /> }.into_any(),
                    Err(_) => view! { <super::not_found::NotFound /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn CompanyForm(existing: Option<Company>) -> impl IntoView {
    let slug = use_slug();
    let live = use_hydrated();
    let create = ServerAction::<CreateCompany>::new();
    let update = ServerAction::<UpdateCompany>::new();
    let local = RwSignal::new(Vec::<crate::types::FieldError>::new());
    let result = Signal::derive(move || -> Option<Result<Company, ApiError>> {
        create.value().get().or_else(|| update.value().get())
    });
    let pending = Signal::derive(move || create.pending().get() || update.pending().get());
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(c)) = result.get() {
            navigate(
                &format!("/w/{}/companies/{}", slug.get_untracked(), c.id),
                Default::default(),
            );
        }
    });
    let error_for = move |field: &'static str| {
        Signal::derive(move || {
            local
                .with(|l| {
                    l.iter()
                        .find(|e| e.field == field)
                        .map(|e| e.message.clone())
                })
                .or_else(|| match result.get() {
                    Some(Err(e)) => e.field(field).map(str::to_owned),
                    _ => None,
                })
        })
    };
    let existing_id = existing.as_ref().map(|c| c.id);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let v = form_values(&ev);
        let errs = local_errors(&v);
        let has_local = !errs.is_empty();
        local.set(errs);
        if has_local {
            return;
        }
        let input = input_from(&v);
        match existing_id {
            Some(id) => {
                update.dispatch(UpdateCompany {
                    workspace: slug.get_untracked(),
                    id,
                    input,
                });
            }
            None => {
                create.dispatch(CreateCompany {
                    workspace: slug.get_untracked(),
                    input,
                });
            }
        }
    };
    let c = existing.clone();
    let val = move |f: fn(&Company) -> Option<String>| c.as_ref().and_then(f).unwrap_or_default();
    let title = if existing.is_some() {
        "Edit company"
    } else {
        "New company"
    };
    let cancel = match &existing {
        Some(c) => format!("/w/{}/companies/{}", slug.get_untracked(), c.id),
        None => format!("/w/{}/companies", slug.get_untracked()),
    };
    view! {
        <PageHeader title=title subtitle="Only the name is required; everything else helps reports and the analyst." />
        <Card class="p-6">
            <form on:submit=on_submit class="grid gap-5 sm:grid-cols-2" novalidate=true data-testid="company-form">
                <div class="sm:col-span-2">
                    {move || match result.get() {
                        Some(Err(e)) if e.fields.is_empty() => Some(view! { <Alert kind=AlertKind::Error>{e.message}</Alert> }),
                        Some(Err(_)) => Some(view! { <Alert kind=AlertKind::Error>"Some fields need attention."</Alert> }),
                        _ => None,
                    }}
                </div>
                <Field label="Name" name="name" required=true autofocus=true value=val(|c| Some(c.name.clone())) error=error_for("name") />
                <Field label="Domain" name="domain" placeholder="acme.com" value=val(|c| c.domain.clone()) error=error_for("domain") />
                <Field label="Industry" name="industry" placeholder="Software" value=val(|c| c.industry.clone()) error=error_for("industry") />
                <Field label="Employees" name="employee_count" kind="text" value=val(|c| c.employee_count.map(|n| n.to_string())) error=error_for("employee_count") />
                <div class="grid grid-cols-3 gap-3">
                    <div class="col-span-2">
                        <Field label="Annual revenue" name="annual_revenue" placeholder="1250000" value=val(|c| c.annual_revenue.map(|m| {
                            let exp = m.currency.exponent();
                            let unit = 10_i64.pow(exp);
                            if m.minor % unit == 0 { (m.minor / unit).to_string() } else { format!("{}.{:0w$}", m.minor / unit, m.minor % unit, w = exp as usize) }
                        })) error=error_for("annual_revenue") />
                    </div>
                    <Field label="Currency" name="revenue_currency" placeholder="USD" value=val(|c| c.annual_revenue.map(|m| m.currency.as_str().to_owned())) error=error_for("revenue_currency") />
                </div>
                <div class="grid grid-cols-3 gap-3">
                    <Field label="Country" name="country" placeholder="DE" value=val(|c| c.country.clone()) error=error_for("country") />
                    <div class="col-span-2">
                        <Field label="City" name="city" value=val(|c| c.city.clone()) error=error_for("city") />
                    </div>
                </div>
                <Field label="Website" name="website" placeholder="https://acme.com" value=val(|c| c.website.clone()) error=error_for("website") />
                <Field label="LinkedIn" name="linkedin_url" value=val(|c| c.linkedin_url.clone()) error=error_for("linkedin_url") />
                <Field label="Founded" name="founded_year" placeholder="2012" value=val(|c| c.founded_year.map(|y| y.to_string())) error=error_for("founded_year") />
                <Field label="Tags" name="tags" placeholder="saas, enterprise" hint="Separate with commas." value=val(|c| Some(c.tags.join(", "))) error=error_for("tags") />
                <div class="sm:col-span-2">
                    <label for="field-description" class="mb-1.5 block text-sm font-medium text-zinc-700 dark:text-zinc-300">"Description"</label>
                    <textarea id="field-description" name="description" rows="4" class=INPUT>{val(|c| c.description.clone())}</textarea>
                    <p class="mt-1 text-xs text-rose-600 empty:hidden">{move || error_for("description").get()}</p>
                </div>
                <div class="flex justify-end gap-3 sm:col-span-2">
                    <A href=cancel attr:class=button_class(false)>"Cancel"</A>
                    <button type="submit" class=button_class(true) disabled=move || !live.get() || pending.get() data-testid="save-company">
                        {if existing_id.is_some() { "Save changes" } else { "Create company" }}
                    </button>
                </div>
            </form>
        </Card>
    }
}
