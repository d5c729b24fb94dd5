//! Workspace data as browser and scripts see it: records, the inputs that create and change
//! them, and the list query every list endpoint takes.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub use super::money::{group_thousands, Currency, Money};

/// A list request: free-text search, `field → value` filters, a sort key (`name`, or `-name`
/// for descending) and a page. Which filters and sorts exist is listed per endpoint.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ListQuery {
    #[serde(default)]
    pub search: Option<String>,
    #[serde(default)]
    pub filters: BTreeMap<String, String>,
    #[serde(default)]
    pub sort: Option<String>,
    #[serde(default)]
    pub page: Option<u64>,
    #[serde(default)]
    pub per_page: Option<u64>,
}

impl ListQuery {
    pub fn filter(&self, key: &str) -> Option<&str> {
        self.filters
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// (field, descending) of the sort, defaulting to `default`.
    pub fn sort_key<'a>(&'a self, default: &'a str) -> (&'a str, bool) {
        let s = self
            .sort
            .as_deref()
            .filter(|s| !s.is_empty())
            .unwrap_or(default);
        match s.strip_prefix('-') {
            Some(f) => (f, true),
            None => (s, false),
        }
    }
}

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $text:literal / $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
        #[serde(rename_all = "snake_case")]
        #[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
        #[cfg_attr(feature = "ssr", sea_orm(rs_type = "String", db_type = "String(sea_orm::sea_query::StringLen::N(16))"))]
        pub enum $name {
            $(
                #[cfg_attr(feature = "ssr", sea_orm(string_value = $text))]
                $variant,
            )+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                let s = s.trim().to_lowercase();
                Self::ALL.iter().copied().find(|v| v.as_str() == s || v.label().to_lowercase() == s)
            }
        }
    };
}

string_enum!(
    /// Where a company record came from.
    CompanySource { Manual = "manual" / "Manual", Csv = "csv" / "CSV import", Integration = "integration" / "Integration", Demo = "demo" / "Demo data" }
);
string_enum!(ThreatLevel { Low = "low" / "Low", Medium = "medium" / "Medium", High = "high" / "High" });
string_enum!(
    /// What reaching a stage means for a deal.
    StageKind { Open = "open" / "Open", Won = "won" / "Won", Lost = "lost" / "Lost" }
);
string_enum!(ActivityKind { Call = "call" / "Call", Email = "email" / "E-mail", Meeting = "meeting" / "Meeting", Note = "note" / "Note", Task = "task" / "Task" });
string_enum!(SignalSource { News = "news" / "News", Social = "social" / "Social", Review = "review" / "Review" });

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Company {
    pub id: i64,
    pub name: String,
    pub domain: Option<String>,
    pub industry: Option<String>,
    pub employee_count: Option<i32>,
    pub annual_revenue: Option<Money>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub description: Option<String>,
    pub website: Option<String>,
    pub linkedin_url: Option<String>,
    pub founded_year: Option<i32>,
    pub tags: Vec<String>,
    pub source: CompanySource,
    pub external_ids: BTreeMap<String, String>,
    /// Where each field's value came from, for fields a connector wrote or a person typed
    /// since (absent: as entered before connectors, or never set).
    #[serde(default)]
    pub field_sources: BTreeMap<String, super::FieldSource>,
    /// From enrichment: the technologies it uses, comma-separated.
    #[serde(default)]
    pub technologies: Option<String>,
    /// From enrichment: its funding ("Series B; 45,000,000 USD raised").
    #[serde(default)]
    pub funding: Option<String>,
    #[serde(serialize_with = "super::timestamps::rfc3339_opt")]
    pub enriched_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "super::timestamps::rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::timestamps::rfc3339")]
    pub updated_at: DateTime<Utc>,
}

/// Everything a person can set on a company. Create and update both take the whole input;
/// optional fields left out (or null) are cleared.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct CompanyInput {
    pub name: String,
    #[serde(default)]
    pub domain: Option<String>,
    #[serde(default)]
    pub industry: Option<String>,
    #[serde(default)]
    pub employee_count: Option<i32>,
    /// In whole or decimal currency units as text ("1250000" or "1,250,000.00").
    #[serde(default)]
    pub annual_revenue: Option<String>,
    #[serde(default)]
    pub revenue_currency: Option<String>,
    #[serde(default)]
    pub country: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub website: Option<String>,
    #[serde(default)]
    pub linkedin_url: Option<String>,
    #[serde(default)]
    pub founded_year: Option<i32>,
    #[serde(default)]
    pub tags: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Contact {
    pub id: i64,
    pub company_id: Option<i64>,
    pub company_name: Option<String>,
    pub name: String,
    pub email: Option<String>,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub linkedin_url: Option<String>,
    #[serde(serialize_with = "super::timestamps::rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::timestamps::rfc3339")]
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ContactInput {
    pub name: String,
    #[serde(default)]
    pub company_id: Option<i64>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub linkedin_url: Option<String>,
}

/// `company` regards `competitor` as a competitor, with a threat level.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Competitor {
    pub id: i64,
    pub company_id: i64,
    pub competitor_id: i64,
    pub competitor_name: String,
    pub competitor_domain: Option<String>,
    pub threat_level: ThreatLevel,
    pub notes: Option<String>,
    #[serde(serialize_with = "super::timestamps::rfc3339")]
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct CompetitorInput {
    pub company_id: i64,
    pub competitor_id: i64,
    pub threat_level: ThreatLevel,
    #[serde(default)]
    pub notes: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Stage {
    pub id: i64,
    pub pipeline_id: i64,
    pub name: String,
    pub position: i32,
    pub default_probability: i32,
    pub kind: StageKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Pipeline {
    pub id: i64,
    pub name: String,
    pub is_default: bool,
    pub stages: Vec<Stage>,
}

/// A stage as an admin edits it: `id` for an existing stage, none for a new one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct StageInput {
    #[serde(default)]
    pub id: Option<i64>,
    pub name: String,
    pub default_probability: i32,
    pub kind: StageKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Deal {
    pub id: i64,
    pub pipeline_id: i64,
    pub stage_id: i64,
    pub stage_name: String,
    pub stage_kind: StageKind,
    pub company_id: Option<i64>,
    pub company_name: Option<String>,
    pub name: String,
    pub amount: Money,
    pub probability: i32,
    pub expected_close: Option<NaiveDate>,
    #[serde(serialize_with = "super::timestamps::rfc3339_opt")]
    pub closed_at: Option<DateTime<Utc>>,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    #[serde(serialize_with = "super::timestamps::rfc3339")]
    pub stage_entered_at: DateTime<Utc>,
    #[serde(serialize_with = "super::timestamps::rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "super::timestamps::rfc3339")]
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct DealInput {
    pub name: String,
    pub pipeline_id: i64,
    pub stage_id: i64,
    #[serde(default)]
    pub company_id: Option<i64>,
    /// Decimal text in currency units ("12500" or "12,500.00").
    pub amount: String,
    #[serde(default)]
    pub currency: Option<String>,
    /// 0–100; the stage's default when omitted.
    #[serde(default)]
    pub probability: Option<i32>,
    #[serde(default)]
    pub expected_close: Option<NaiveDate>,
    #[serde(default)]
    pub owner_id: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Activity {
    pub id: i64,
    pub kind: ActivityKind,
    pub subject: String,
    pub body: Option<String>,
    #[serde(serialize_with = "super::timestamps::rfc3339")]
    pub occurred_at: DateTime<Utc>,
    pub author_id: Option<i64>,
    pub author_name: Option<String>,
    pub company_id: Option<i64>,
    pub deal_id: Option<i64>,
    pub contact_id: Option<i64>,
    #[serde(serialize_with = "super::timestamps::rfc3339_opt")]
    pub due_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "super::timestamps::rfc3339_opt")]
    pub done_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct ActivityInput {
    pub kind: ActivityKind,
    pub subject: String,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub occurred_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub company_id: Option<i64>,
    #[serde(default)]
    pub deal_id: Option<i64>,
    #[serde(default)]
    pub contact_id: Option<i64>,
    #[serde(default)]
    pub due_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub done: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct MetricPoint {
    pub id: i64,
    pub company_id: Option<i64>,
    pub segment: Option<String>,
    pub metric: String,
    pub value: f64,
    pub unit: Option<String>,
    #[serde(serialize_with = "super::timestamps::rfc3339")]
    pub observed_at: DateTime<Utc>,
    pub source: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct MetricInput {
    #[serde(default)]
    pub company_id: Option<i64>,
    #[serde(default)]
    pub segment: Option<String>,
    pub metric: String,
    pub value: f64,
    #[serde(default)]
    pub unit: Option<String>,
    pub observed_at: DateTime<Utc>,
    #[serde(default)]
    pub source: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Signal {
    pub id: i64,
    pub company_id: i64,
    pub company_name: Option<String>,
    pub source_kind: SignalSource,
    pub title: String,
    pub url: Option<String>,
    pub excerpt: Option<String>,
    pub sentiment: f64,
    #[serde(serialize_with = "super::timestamps::rfc3339")]
    pub published_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct SignalInput {
    pub company_id: i64,
    pub source_kind: SignalSource,
    pub title: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub excerpt: Option<String>,
    pub sentiment: f64,
    pub published_at: DateTime<Utc>,
}

/// One metric's recent series for a company, for sparklines.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct MetricSeries {
    pub metric: String,
    pub unit: Option<String>,
    pub points: Vec<(DateTime<Utc>, f64)>,
}

/// Everything the company page shows at once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct CompanySummary {
    pub company: Company,
    pub open_deals: u64,
    pub open_pipeline: Vec<Money>,
    pub won_total: Vec<Money>,
    pub deals: Vec<Deal>,
    pub recent_activities: Vec<Activity>,
    pub competitors: Vec<Competitor>,
    /// Companies that list this one as their competitor.
    pub competitor_of: Vec<Competitor>,
    pub latest_signals: Vec<Signal>,
    pub average_sentiment: Option<f64>,
    pub metrics: Vec<MetricSeries>,
    pub contacts: Vec<Contact>,
}

/// One column of the deal board: a stage with its totals and its most recently changed deals.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct BoardColumn {
    pub stage: Stage,
    pub count: u64,
    /// Sum of amounts, one entry per currency in use.
    pub total: Vec<Money>,
    /// Sum of amount × probability.
    pub weighted: Vec<Money>,
    pub deals: Vec<Deal>,
}

/// Values in use, for filter chips.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Facets {
    pub industries: Vec<String>,
    pub countries: Vec<String>,
    pub size_bands: Vec<String>,
}

/// How many rows a demo-data run made.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct DemoDataReport {
    pub companies: u64,
    pub contacts: u64,
    pub competitors: u64,
    pub deals: u64,
    pub activities: u64,
    pub metrics: u64,
    pub signals: u64,
    pub millis: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_parse_by_value_or_label() {
        assert_eq!(ThreatLevel::parse("HIGH"), Some(ThreatLevel::High));
        assert_eq!(ActivityKind::parse("E-mail"), Some(ActivityKind::Email));
        assert_eq!(StageKind::parse("nope"), None);
    }

    #[test]
    fn list_query_sort() {
        let q = ListQuery {
            sort: Some("-revenue".into()),
            ..Default::default()
        };
        assert_eq!(q.sort_key("name"), ("revenue", true));
        assert_eq!(ListQuery::default().sort_key("name"), ("name", false));
    }
}
