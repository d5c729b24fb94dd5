//! GoHighLevel's records as the workspace's: contacts (and the companies their business name
//! and website name), opportunities as deals, pipelines with their stages.
//!
//! GoHighLevel keeps an opportunity's outcome apart from its stage (status `won`, `lost`,
//! `abandoned` while the stage stays "Proposal"); the workspace closes a deal by moving it to
//! a won or lost stage. So each pipeline gets a "Won" and a "Lost" stage here, after its own,
//! and a closed opportunity sits in one of them. Its own stages carry no probability there:
//! here they rise evenly from the first to the last (10 % … 90 %).

use serde_json::Value;

use super::client::{Pipeline, Record};
use crate::backend::repo::synced::{
    Incoming, IncomingContact, IncomingDeal, IncomingPipeline, IncomingStage,
};
use crate::types::{CompanyInput, ContactInput, Currency, StageKind};

/// The stage ids given to the closing stages added to every pipeline.
pub const WON: &str = "won";
pub const LOST: &str = "lost";

/// `https://www.Acme.com/about` → `acme.com`.
fn host(website: &str) -> Option<String> {
    let trimmed = website.trim();
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_owned()
    } else {
        format!("https://{trimmed}")
    };
    let parsed = url::Url::parse(&with_scheme).ok()?;
    let host = parsed.host_str()?.to_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_owned();
    host.contains('.').then_some(host)
}

/// The company a contact names (its business name, its website), with the key it is
/// linked by: `domain:acme.com` when the website says, else `name:acme inc`.
pub fn company(r: &Record) -> Option<Incoming<CompanyInput>> {
    let name = r.text("companyName").or_else(|| r.text("businessName"));
    let website = r.text("website");
    let domain = website.and_then(host);
    let key = match (&domain, name) {
        (Some(d), _) => format!("domain:{d}"),
        (None, Some(n)) => format!("name:{}", n.to_lowercase()),
        (None, None) => return None,
    };
    let key: String = key.chars().take(190).collect();
    Some(Incoming {
        external_id: key,
        modified: None,
        values: CompanyInput {
            name: name
                .map(str::to_owned)
                .or_else(|| domain.clone())
                .unwrap_or_default(),
            domain: domain.clone(),
            website: domain.as_ref().map(|d| format!("https://{d}")),
            ..CompanyInput::default()
        },
    })
}

pub fn contact(r: &Record) -> Incoming<IncomingContact> {
    let full = [r.text("firstName"), r.text("lastName")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let name = if full.is_empty() {
        r.text("contactName")
            .or_else(|| r.text("name"))
            .unwrap_or_default()
            .to_owned()
    } else {
        full
    };
    Incoming {
        external_id: r.id.clone(),
        modified: r.updated(),
        values: (
            ContactInput {
                name,
                company_id: None,
                email: r.text("email").map(str::to_owned),
                title: None,
                phone: r.text("phone").map(str::to_owned),
                linkedin_url: None,
            },
            company(r).map(|c| c.external_id),
        ),
    }
}

/// An opportunity as a deal: in its pipeline's stage while open, in the added Won or Lost
/// stage once closed (`abandoned` counts as lost).
pub fn deal(r: &Record) -> Incoming<IncomingDeal> {
    let stage = match r.text("status") {
        Some("won") => WON.to_owned(),
        Some("lost") | Some("abandoned") => LOST.to_owned(),
        _ => r.text("pipelineStageId").unwrap_or_default().to_owned(),
    };
    Incoming {
        external_id: r.id.clone(),
        modified: r.updated(),
        values: IncomingDeal {
            name: r.text("name").unwrap_or_default().to_owned(),
            amount: r
                .number("monetaryValue")
                .filter(|v| v.is_finite() && *v >= 0.0)
                .map(|v| format!("{v:.2}")),
            currency: Some(Currency::USD),
            close_date: None,
            pipeline_ref: r.text("pipelineId").unwrap_or_default().to_owned(),
            stage_ref: stage,
            company_ref: None,
            contact_ref: r.text("contactId").map(str::to_owned).or_else(|| {
                r.fields
                    .get("contact")
                    .and_then(|c| c.get("id"))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            }),
        },
    }
}

pub fn pipeline(p: &Pipeline, position: i32) -> Incoming<IncomingPipeline> {
    let mut own: Vec<_> = p.stages.iter().collect();
    own.sort_by_key(|s| s.position);
    let n = own.len() as i32;
    let mut stages: Vec<_> = own
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let i = i as i32;
            Incoming {
                external_id: s.id.clone(),
                modified: None,
                values: IncomingStage {
                    name: s.name.clone(),
                    position: i,
                    probability: if n > 1 { 10 + 80 * i / (n - 1) } else { 50 },
                    kind: StageKind::Open,
                },
            }
        })
        .collect();
    for (id, name, probability, kind, at) in [
        (WON, "Won", 100, StageKind::Won, n),
        (LOST, "Lost", 0, StageKind::Lost, n + 1),
    ] {
        stages.push(Incoming {
            external_id: id.to_owned(),
            modified: None,
            values: IncomingStage {
                name: name.to_owned(),
                position: at,
                probability,
                kind,
            },
        });
    }
    Incoming {
        external_id: p.id.clone(),
        modified: None,
        values: IncomingPipeline {
            name: p.name.clone(),
            position,
            stages,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(json: serde_json::Value) -> Record {
        serde_json::from_value(json).expect("a record")
    }

    #[test]
    fn a_contacts_company_is_keyed_by_website_then_name() {
        let r = record(serde_json::json!({
            "id": "c1", "companyName": "Acme Inc", "website": "http://www.Acme.com/about"
        }));
        let c = company(&r).expect("a company");
        assert_eq!(c.external_id, "domain:acme.com");
        assert_eq!(c.values.name, "Acme Inc");
        assert_eq!(c.values.domain.as_deref(), Some("acme.com"));
        let r = record(serde_json::json!({"id": "c2", "companyName": "Acme Inc"}));
        assert_eq!(company(&r).expect("named").external_id, "name:acme inc");
        assert!(company(&record(serde_json::json!({"id": "c3"}))).is_none());
    }

    #[test]
    fn a_closed_opportunity_sits_in_a_closing_stage() {
        let won = record(serde_json::json!({
            "id": "o1", "name": "Big", "status": "won", "pipelineId": "p",
            "pipelineStageId": "s2", "monetaryValue": 1200.5, "contactId": "c1"
        }));
        let d = deal(&won);
        assert_eq!(d.values.stage_ref, WON);
        assert_eq!(d.values.amount.as_deref(), Some("1200.50"));
        assert_eq!(d.values.contact_ref.as_deref(), Some("c1"));
        let open =
            record(serde_json::json!({"id": "o2", "status": "open", "pipelineStageId": "s2"}));
        assert_eq!(deal(&open).values.stage_ref, "s2");
    }

    #[test]
    fn every_pipeline_gets_won_and_lost() {
        let p: Pipeline = serde_json::from_value(serde_json::json!({
            "id": "p", "name": "Sales",
            "stages": [{"id": "b", "name": "Proposal", "position": 1},
                       {"id": "a", "name": "New", "position": 0}]
        }))
        .expect("a pipeline");
        let stages = pipeline(&p, 0).values.stages;
        let names: Vec<_> = stages.iter().map(|s| s.values.name.as_str()).collect();
        assert_eq!(names, ["New", "Proposal", "Won", "Lost"]);
        assert_eq!(stages[0].values.probability, 10);
        assert_eq!(stages[1].values.probability, 90);
    }
}
