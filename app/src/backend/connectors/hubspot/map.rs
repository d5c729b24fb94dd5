//! HubSpot's objects as the workspace's records: which properties are asked for, and how
//! each becomes a company, contact, deal or pipeline here.

use chrono::{DateTime, NaiveDate, Utc};

use super::client::{Object, Pipeline};
use crate::backend::repo::synced::{
    Incoming, IncomingContact, IncomingDeal, IncomingPipeline, IncomingStage,
};
use crate::types::{CompanyInput, ContactInput, Currency, StageKind};

pub const COMPANY_PROPERTIES: &[&str] = &[
    "name",
    "domain",
    "industry",
    "numberofemployees",
    "annualrevenue",
    "country",
    "city",
    "description",
    "website",
    "linkedin_company_page",
    "founded_year",
    "hs_lastmodifieddate",
];

pub const CONTACT_PROPERTIES: &[&str] = &[
    "firstname",
    "lastname",
    "email",
    "jobtitle",
    "phone",
    "associatedcompanyid",
    "lastmodifieddate",
];

pub const DEAL_PROPERTIES: &[&str] = &[
    "dealname",
    "amount",
    "deal_currency_code",
    "closedate",
    "pipeline",
    "dealstage",
    "hs_lastmodifieddate",
];

/// When HubSpot last changed the object: `updatedAt`, else its last-modified property.
pub fn modified(o: &Object) -> Option<DateTime<Utc>> {
    o.updated_at.or_else(|| {
        ["hs_lastmodifieddate", "lastmodifieddate"]
            .iter()
            .find_map(|p| o.prop(p))
            .and_then(timestamp)
    })
}

/// HubSpot's dates: ISO 8601, or milliseconds since the epoch in older properties.
fn timestamp(raw: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(raw)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            raw.parse::<i64>()
                .ok()
                .and_then(DateTime::from_timestamp_millis)
        })
}

fn date(raw: &str) -> Option<NaiveDate> {
    timestamp(raw)
        .map(|t| t.date_naive())
        .or_else(|| NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok())
}

/// `COMPUTER_SOFTWARE` → `Computer Software`.
fn industry(raw: &str) -> String {
    raw.split(['_', ' '])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let lower = w.to_lowercase();
            let mut chars = lower.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn company(o: &Object, currency: Currency) -> Incoming<CompanyInput> {
    let own = |p: &str| o.prop(p).map(str::to_owned);
    Incoming {
        external_id: o.id.clone(),
        modified: modified(o),
        values: CompanyInput {
            name: own("name").unwrap_or_default(),
            domain: own("domain"),
            industry: o.prop("industry").map(industry),
            employee_count: o
                .prop("numberofemployees")
                .and_then(|n| n.parse::<f64>().ok())
                .filter(|n| n.is_finite() && *n >= 0.0 && *n <= i32::MAX as f64)
                .map(|n| n as i32),
            annual_revenue: own("annualrevenue"),
            revenue_currency: Some(currency.as_str().to_owned()),
            country: o
                .prop("country")
                .and_then(crate::backend::connectors::country_code),
            city: own("city"),
            description: own("description"),
            website: own("website"),
            linkedin_url: own("linkedin_company_page"),
            founded_year: o.prop("founded_year").and_then(|y| y.parse().ok()),
            tags: Vec::new(),
        },
    }
}

pub fn contact(o: &Object) -> Incoming<IncomingContact> {
    let name = [o.prop("firstname"), o.prop("lastname")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let company = o
        .prop("associatedcompanyid")
        .map(str::to_owned)
        .or_else(|| o.first_associated("companies").map(str::to_owned));
    Incoming {
        external_id: o.id.clone(),
        modified: modified(o),
        values: (
            ContactInput {
                name,
                company_id: None,
                email: o.prop("email").map(str::to_owned),
                title: o.prop("jobtitle").map(str::to_owned),
                phone: o.prop("phone").map(str::to_owned),
                linkedin_url: None,
            },
            company,
        ),
    }
}

/// A deal; `company` is its associated company's HubSpot id, from the list's inline
/// associations or the batch read a search needs.
pub fn deal(o: &Object, company: Option<String>, currency: Currency) -> Incoming<IncomingDeal> {
    Incoming {
        external_id: o.id.clone(),
        modified: modified(o),
        values: IncomingDeal {
            name: o.prop("dealname").unwrap_or_default().to_owned(),
            amount: o.prop("amount").map(str::to_owned),
            currency: o
                .prop("deal_currency_code")
                .and_then(|c| Currency::parse(c).ok())
                .or(Some(currency)),
            close_date: o.prop("closedate").and_then(date),
            pipeline_ref: o.prop("pipeline").unwrap_or("default").to_owned(),
            stage_ref: o.prop("dealstage").unwrap_or_default().to_owned(),
            company_ref: company.or_else(|| o.first_associated("companies").map(str::to_owned)),
            contact_ref: None,
        },
    }
}

fn meta(stage: &super::client::Stage, key: &str) -> String {
    match stage.metadata.get(key) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

pub fn pipeline(p: &Pipeline) -> Incoming<IncomingPipeline> {
    let stages = p
        .stages
        .iter()
        .map(|s| {
            let probability = meta(s, "probability").parse::<f64>().unwrap_or(0.0);
            let closed = meta(s, "isClosed") == "true";
            let kind = match (closed, probability >= 1.0) {
                (true, true) => StageKind::Won,
                (true, false) => StageKind::Lost,
                (false, _) => StageKind::Open,
            };
            Incoming {
                external_id: s.id.clone(),
                modified: None,
                values: IncomingStage {
                    name: s.label.clone(),
                    position: s.display_order,
                    probability: (probability * 100.0).round() as i32,
                    kind,
                },
            }
        })
        .collect();
    Incoming {
        external_id: p.id.clone(),
        modified: None,
        values: IncomingPipeline {
            name: p.label.clone(),
            position: p.display_order,
            stages,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hubspot_values_become_the_workspaces() {
        assert_eq!(industry("COMPUTER_SOFTWARE"), "Computer Software");
        assert_eq!(
            date("2026-03-01T12:00:00.000Z"),
            NaiveDate::from_ymd_opt(2026, 3, 1)
        );
        assert_eq!(
            timestamp("1700000000000").map(|t| t.timestamp()),
            Some(1_700_000_000)
        );
    }
}
