//! Where a record's values came from: "From HubSpot (id 101), 7 Dec 2026: name, domain …",
//! one line per source, from the record's `field_sources`.

use leptos::prelude::*;

use crate::components::format;
use crate::types::Company;

/// "Enrich": looks the company up in Apollo now; the page refreshes through `enrich`'s
/// version, and a refusal ("connect Apollo …") shows beside the button.
#[component]
pub fn EnrichButton(
    workspace: String,
    id: i64,
    enrich: ServerAction<crate::api::connectors::EnrichCompany>,
) -> impl IntoView {
    use crate::components::ui::{button_class, use_hydrated};
    let live = use_hydrated();
    let error = move || {
        enrich
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| e.message)
    };
    view! {
        <button class=button_class(false) data-testid="enrich" disabled=move || !live.get() || enrich.pending().get()
            on:click=move |_| { enrich.dispatch(crate::api::connectors::EnrichCompany { workspace: workspace.clone(), id }); }>
            {move || if enrich.pending().get() { "Enriching…" } else { "Enrich" }}
        </button>
        {move || error().map(|m| view! { <span class="self-center text-xs text-rose-600 dark:text-rose-400" role="alert">{m}</span> })}
    }
}

#[component]
pub fn Provenance(company: Company) -> impl IntoView {
    provenance(&company).map(|lines| {
        view! {
            <div class="mt-4 space-y-1 text-xs text-zinc-500" data-testid="provenance">
                {lines.into_iter().map(|l| view! { <p>{l}</p> }).collect_view()}
            </div>
        }
    })
}

/// Where the company's values came from, one line per source: "From HubSpot (id 101),
/// 7 Dec 2026: name, domain, industry …".
fn provenance(c: &Company) -> Option<Vec<String>> {
    use std::collections::BTreeMap;
    let mut by_source: BTreeMap<&str, (Vec<&str>, chrono::DateTime<chrono::Utc>)> = BTreeMap::new();
    for (field, src) in &c.field_sources {
        let entry = by_source
            .entry(src.source.as_str())
            .or_insert((Vec::new(), src.at));
        entry.0.push(field.as_str());
        entry.1 = entry.1.max(src.at);
    }
    if by_source.is_empty() {
        return None;
    }
    Some(
        by_source
            .into_iter()
            .map(|(source, (fields, at))| {
                let label = match source {
                    "hubspot" => "HubSpot",
                    "gohighlevel" => "GoHighLevel",
                    "apollo" => "Apollo",
                    "manual" => "typed here",
                    "import" => "a CSV import",
                    other => other,
                };
                let id = c
                    .external_ids
                    .get(source)
                    .map(|id| format!(" (id {id})"))
                    .unwrap_or_default();
                let fields: Vec<String> = fields.iter().map(|f| f.replace('_', " ")).collect();
                format!(
                    "From {label}{id}, {}: {}",
                    format::date(at),
                    fields.join(", ")
                )
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::FieldSource;

    #[test]
    fn fields_are_grouped_by_their_source() {
        let at = chrono::DateTime::from_timestamp(1_796_688_000, 0).unwrap();
        let mut c: Company = serde_json::from_value(serde_json::json!({
            "id": 1, "name": "Acme", "domain": null, "industry": null, "employee_count": null,
            "annual_revenue": null, "country": null, "city": null, "description": null,
            "website": null, "linkedin_url": null, "founded_year": null, "tags": [],
            "source": "integration", "external_ids": {"hubspot": "101"}, "enriched_at": null,
            "created_at": "2026-12-07T00:00:00Z", "updated_at": "2026-12-07T00:00:00Z"
        }))
        .unwrap();
        assert_eq!(provenance(&c), None);
        for f in ["name", "employee_count"] {
            c.field_sources.insert(
                f.into(),
                FieldSource {
                    source: "hubspot".into(),
                    at,
                },
            );
        }
        let lines = provenance(&c).unwrap();
        assert_eq!(lines.len(), 1);
        assert!(
            lines[0].starts_with("From HubSpot (id 101), "),
            "{}",
            lines[0]
        );
        assert!(lines[0].ends_with(": employee count, name"), "{}", lines[0]);
    }
}
