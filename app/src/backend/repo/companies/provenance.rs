//! Where each field of a company came from: `field_sources` holds, per field, the source
//! that last wrote a value (`manual`, `import`, `hubspot`, `gohighlevel`, `apollo`) and when.
//! A person's edit marks the fields it changed `manual`, an import the fields it set; the
//! rules that read it (enrichment never overwrites a typed value) live with the writers.

use std::collections::BTreeMap;

use chrono::Utc;

use super::ValidCompany;
use crate::backend::entity::companies;
use crate::types::{CompanySource, FieldSource};

/// The fields whose source is kept, in this order in the arrays below.
pub const FIELDS: [&str; 11] = [
    "name",
    "domain",
    "industry",
    "employee_count",
    "annual_revenue",
    "country",
    "city",
    "description",
    "website",
    "linkedin_url",
    "founded_year",
];

/// Each field's value, as text to compare (`None`: empty).
pub type Values = [Option<String>; 11];

pub fn values_of(v: &ValidCompany) -> Values {
    [
        Some(v.name.clone()),
        v.domain.as_ref().map(|d| d.as_str().to_owned()),
        v.industry.clone(),
        v.employee_count.map(|n| n.to_string()),
        v.revenue
            .map(|m| format!("{} {}", m.minor, m.currency.as_str())),
        v.country.clone(),
        v.city.clone(),
        v.description.clone(),
        v.website.clone(),
        v.linkedin_url.clone(),
        v.founded_year.map(|y| y.to_string()),
    ]
}

pub fn values_of_row(m: &companies::Model) -> Values {
    [
        Some(m.name.clone()).filter(|n| !n.is_empty()),
        m.domain.clone(),
        m.industry.clone(),
        m.employee_count.map(|n| n.to_string()),
        m.annual_revenue_minor
            .map(|minor| format!("{minor} {}", m.revenue_currency)),
        m.country.clone(),
        m.city.clone(),
        m.description.clone(),
        m.website.clone(),
        m.linkedin_url.clone(),
        m.founded_year.map(|y| y.to_string()),
    ]
}

/// The name a way of writing companies goes by in `field_sources`.
pub fn label(source: CompanySource) -> &'static str {
    match source {
        CompanySource::Manual => "manual",
        CompanySource::Csv => "import",
        CompanySource::Integration => "integration",
        CompanySource::Demo => "demo",
    }
}

pub fn read(json: Option<&str>) -> BTreeMap<String, FieldSource> {
    json.and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default()
}

/// `previous` after `source` changed the fields from `before` to `after`: a field given a new
/// value is `source`'s now; a field emptied has no source; an unchanged field keeps its own.
pub fn after_edit(previous: Option<&str>, before: &Values, after: &Values, source: &str) -> String {
    let mut map = read(previous);
    let now = Utc::now();
    for ((field, was), is) in FIELDS.iter().zip(before).zip(after) {
        if was == is {
            continue;
        }
        match is {
            Some(_) => {
                map.insert(
                    (*field).to_owned(),
                    FieldSource {
                        source: source.to_owned(),
                        at: now,
                    },
                );
            }
            None => {
                map.remove(*field);
            }
        }
    }
    serde_json::to_string(&map).unwrap_or_else(|_| "{}".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(industry: Option<&str>, city: Option<&str>) -> Values {
        let mut v: Values = Default::default();
        v[0] = Some("Acme".into());
        v[2] = industry.map(str::to_owned);
        v[6] = city.map(str::to_owned);
        v
    }

    #[test]
    fn an_edit_claims_only_what_it_changed() {
        let previous = r#"{"industry":{"source":"apollo","at":"2026-01-01T00:00:00Z"},"city":{"source":"apollo","at":"2026-01-01T00:00:00Z"}}"#;
        let before = values(Some("Software"), Some("Berlin"));
        let after = values(Some("Dental care"), None);
        let map = read(Some(&after_edit(Some(previous), &before, &after, "manual")));
        assert_eq!(map["industry"].source, "manual");
        assert!(!map.contains_key("city"), "an emptied field has no source");
        assert!(
            !map.contains_key("name"),
            "an unchanged field keeps its own"
        );
    }
}
