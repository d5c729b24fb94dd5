//! The dashboard's payload: KPIs with their previous-period values, and the charts' data.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::charts::CategoryChart;
use super::Money;

/// Which stretch of time the dashboard covers, in whole UTC days: the last `days` days (today
/// the last), or `from`..=`to`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct DashboardQuery {
    /// 7, 30, 90, 180 or 365 (default 90), today included. Ignored when `from` and `to` are
    /// given.
    #[serde(default)]
    pub days: Option<u32>,
    /// First UTC day of a custom period (with `to`; at most three years).
    #[serde(default)]
    pub from: Option<NaiveDate>,
    /// Last UTC day of a custom period, included.
    #[serde(default)]
    pub to: Option<NaiveDate>,
    /// Only deals owned by (and activities written by) this member.
    #[serde(default)]
    pub owner: Option<i64>,
    /// The pipeline "pipeline by stage" shows (default: the first).
    #[serde(default)]
    pub pipeline: Option<i64>,
}

/// A KPI: its value in the period and in the period of the same length before it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Kpi {
    /// Stable key (`open_pipeline`, `weighted_forecast`, `won_revenue`, `win_rate`,
    /// `sales_cycle_days`, `new_companies`, `avg_sentiment`).
    pub key: String,
    pub label: String,
    pub value: KpiValue,
    pub previous: KpiValue,
    /// What the figure means, in a sentence (tooltips, screen readers).
    pub help: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum KpiValue {
    /// Sums per currency, largest first.
    Money(Vec<Money>),
    /// A fraction 0–1.
    Percent(Option<f64>),
    Days(Option<f64>),
    Count(u64),
    /// Sentiment −1…1.
    Score(Option<f64>),
}

impl KpiValue {
    /// The number the change is computed on (the main currency's sum for money).
    pub fn number(&self) -> Option<f64> {
        match self {
            KpiValue::Money(list) => Some(list.first().map_or(0.0, |m| m.minor as f64)),
            KpiValue::Percent(v) | KpiValue::Days(v) | KpiValue::Score(v) => *v,
            KpiValue::Count(n) => Some(*n as f64),
        }
    }
}

impl Kpi {
    /// Relative change against the previous period (None when it cannot be said).
    pub fn change(&self) -> Option<f64> {
        let (now, before) = (self.value.number()?, self.previous.number()?);
        match &self.value {
            // Rates and scores change in points, not in percent of themselves.
            KpiValue::Percent(_) | KpiValue::Score(_) => Some(now - before),
            _ if before.abs() < f64::EPSILON => None,
            _ => Some((now - before) / before.abs()),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(schemars::JsonSchema))]
pub struct Dashboard {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The currency the charts are drawn in (the one most of the latest 10,000 deals use).
    pub currency: String,
    pub kpis: Vec<Kpi>,
    /// The pipeline shown by stage, and the pipelines to choose from.
    pub pipeline_id: Option<i64>,
    pub pipelines: Vec<(i64, String)>,
    pub pipeline_by_stage: CategoryChart,
    pub won_revenue: CategoryChart,
    pub created_vs_closed: CategoryChart,
    pub sentiment_trend: CategoryChart,
    pub activity_volume: CategoryChart,
    /// When the figures were computed (they may come from a cache a few seconds old).
    pub computed_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kpi(value: KpiValue, previous: KpiValue) -> Kpi {
        Kpi {
            key: "k".into(),
            label: "K".into(),
            value,
            previous,
            help: String::new(),
        }
    }

    #[test]
    fn changes_are_relative_for_amounts_and_in_points_for_rates() {
        assert_eq!(
            kpi(KpiValue::Count(15), KpiValue::Count(10)).change(),
            Some(0.5)
        );
        assert_eq!(kpi(KpiValue::Count(15), KpiValue::Count(0)).change(), None);
        let rate = kpi(KpiValue::Percent(Some(0.30)), KpiValue::Percent(Some(0.25)))
            .change()
            .unwrap();
        assert!((rate - 0.05).abs() < 1e-9);
        assert_eq!(
            kpi(KpiValue::Days(None), KpiValue::Days(Some(3.0))).change(),
            None
        );
    }
}
