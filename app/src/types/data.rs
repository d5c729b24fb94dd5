//! Workspace data as browser and scripts see it: records, the inputs that create and change
//! them, and the list query every list endpoint takes.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

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

/// An amount of money in minor units (cents) of a currency. Never a float.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

/// An ISO 4217 code, upper-case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    pub const USD: Currency = Currency(*b"USD");
    pub const EUR: Currency = Currency(*b"EUR");

    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let s = s.trim().to_uppercase();
        let b = s.as_bytes();
        if b.len() == 3 && b.iter().all(u8::is_ascii_uppercase) {
            Ok(Currency([b[0], b[1], b[2]]))
        } else {
            Err("must be a three-letter currency code such as USD or EUR")
        }
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Digits after the decimal point (ISO 4217 exponent) for the currencies we know.
    pub fn exponent(&self) -> u32 {
        match self.as_str() {
            "JPY" | "KRW" | "CLP" | "ISK" | "VND" => 0,
            "BHD" | "KWD" | "OMR" | "JOD" | "TND" => 3,
            _ => 2,
        }
    }

    fn symbol(&self) -> Option<&'static str> {
        Some(match self.as_str() {
            "USD" => "$",
            "EUR" => "€",
            "GBP" => "£",
            "JPY" => "¥",
            "INR" => "₹",
            _ => return None,
        })
    }
}

impl TryFrom<String> for Currency {
    type Error = &'static str;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Currency::parse(&s)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.as_str().to_owned()
    }
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    /// Parses "12500", "12,500.50" or "$12,500" into minor units. A single comma followed by
    /// at most two digits ("1234,50") is read as a decimal comma; other commas group thousands.
    pub fn parse_amount(raw: &str, currency: Currency) -> Result<Self, &'static str> {
        let s: String = raw
            .trim()
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '_')
            .collect();
        let s = s.trim_start_matches(|c: char| "$€£¥₹".contains(c));
        if s.is_empty() {
            return Err("is required");
        }
        if s.starts_with('-') {
            return Err("must not be negative");
        }
        // A decimal comma ("1234,50") when it is the only separator and ends the number.
        let normalised = match (s.matches(',').count(), s.contains('.')) {
            (1, false) if s.rsplit(',').next().is_some_and(|t| t.len() <= 2) => s.replace(',', "."),
            _ => s.replace(',', ""),
        };
        let (whole, frac) = normalised.split_once('.').unwrap_or((&normalised, ""));
        let exp = currency.exponent() as usize;
        if whole.is_empty() && frac.is_empty()
            || !whole.chars().all(|c| c.is_ascii_digit())
            || !frac.chars().all(|c| c.is_ascii_digit())
        {
            return Err("must be a number such as 12500 or 12500.50");
        }
        if frac.len() > exp {
            return Err("has more decimals than the currency allows");
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| "is too large")?
        };
        let mut frac_digits = frac.to_owned();
        while frac_digits.len() < exp {
            frac_digits.push('0');
        }
        let frac: i64 = if frac_digits.is_empty() {
            0
        } else {
            frac_digits.parse().map_err(|_| "is not a number")?
        };
        let minor = whole
            .checked_mul(10_i64.pow(exp as u32))
            .and_then(|w| w.checked_add(frac))
            .ok_or("is too large")?;
        Ok(Money { minor, currency })
    }

    /// "$12,500" / "€1,250.50" / "12,500 CHF" (whole units only when there are no cents).
    pub fn format(&self) -> String {
        let exp = self.currency.exponent();
        let unit = 10_i64.pow(exp);
        let (whole, frac) = (
            self.minor.unsigned_abs() / unit as u64,
            self.minor.unsigned_abs() % unit as u64,
        );
        let mut digits = group_thousands(whole);
        if frac != 0 {
            digits.push_str(&format!(".{:0width$}", frac, width = exp as usize));
        }
        let sign = if self.minor < 0 { "-" } else { "" };
        match self.currency.symbol() {
            Some(sym) => format!("{sign}{sym}{digits}"),
            None => format!("{sign}{digits} {}", self.currency.as_str()),
        }
    }

    /// "$1.2M", "€450K", "$980" — for charts, cards and board columns.
    pub fn format_compact(&self) -> String {
        let units = self.minor as f64 / 10_f64.powi(self.currency.exponent() as i32);
        let abs = units.abs();
        let (value, suffix) = if abs >= 1e9 {
            (units / 1e9, "B")
        } else if abs >= 1e6 {
            (units / 1e6, "M")
        } else if abs >= 1e3 {
            (units / 1e3, "K")
        } else {
            (units, "")
        };
        let number = if suffix.is_empty() || value.abs() >= 100.0 {
            format!("{value:.0}")
        } else {
            format!("{value:.1}").trim_end_matches(".0").to_owned()
        };
        match self.currency.symbol() {
            Some(sym) => format!("{sym}{number}{suffix}"),
            None => format!("{number}{suffix} {}", self.currency.as_str()),
        }
    }
}

pub fn group_thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

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
    fn money_parses_and_formats() {
        let usd = Currency::USD;
        assert_eq!(Money::parse_amount("12500", usd).unwrap().minor, 1_250_000);
        assert_eq!(
            Money::parse_amount("$12,500.5", usd).unwrap().minor,
            1_250_050
        );
        assert_eq!(
            Money::parse_amount("1234,50", Currency::EUR).unwrap().minor,
            123_450
        );
        assert_eq!(
            Money::parse_amount("1,234,567", usd).unwrap().minor,
            123_456_700
        );
        assert!(Money::parse_amount("-5", usd).is_err());
        assert!(Money::parse_amount("12.345", usd).is_err());
        assert!(Money::parse_amount("abc", usd).is_err());
        assert!(Money::parse_amount("99999999999999999999", usd).is_err());
        let jpy = Currency::parse("jpy").unwrap();
        assert_eq!(Money::parse_amount("1200", jpy).unwrap().minor, 1200);
        assert_eq!(Money::new(1_250_050, usd).format(), "$12,500.50");
        assert_eq!(Money::new(1_250_000, usd).format(), "$12,500");
        assert_eq!(
            Money::new(120_000, Currency::parse("CHF").unwrap()).format(),
            "1,200 CHF"
        );
        assert_eq!(Money::new(12_345_678_900, usd).format_compact(), "$123M");
        assert_eq!(Money::new(125_000_000, usd).format_compact(), "$1.2M");
        assert_eq!(
            Money::new(4_500_000, Currency::EUR).format_compact(),
            "€45K"
        );
        assert_eq!(Money::new(98_000, usd).format_compact(), "$980");
    }

    #[test]
    fn currency_codes() {
        assert!(Currency::parse("usd").is_ok());
        assert!(Currency::parse("US").is_err());
        assert!(Currency::parse("U$D").is_err());
        assert_eq!(serde_json::to_string(&Currency::EUR).unwrap(), "\"EUR\"");
    }

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
