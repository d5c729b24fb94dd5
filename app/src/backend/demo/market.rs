//! Demo market data: monthly metric series (headcount, web traffic, segment funding) and
//! news, social and review signals with sentiment.

use chrono::Duration;
use rand::Rng;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};

use super::companies::Co;
use super::generator::{insert_only, pick, slug, Generator};
use super::words::*;
use crate::backend::entity::{market_metrics, signals};
use crate::backend::Result;
use crate::types::SignalSource;

/// A cap that keeps a 1M-deal benchmark workspace from growing tens of millions of side rows.
const MAX_SIGNALS: usize = 50_000;
const METRIC_COMPANIES: usize = 60;
const MONTHS: i64 = 24;

impl Generator {
    /// Monthly headcount and web traffic for the largest companies (growth plus noise;
    /// traffic with a yearly season), and monthly funding per industry segment.
    pub(super) async fn metrics(&mut self, db: &impl ConnectionTrait, cos: &[Co]) -> Result<()> {
        let mut order: Vec<usize> = (0..cos.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(cos[i].employees));
        let mut rows = Vec::new();
        let month_start = |m: i64| self.anchor - Duration::days(30 * (MONTHS - 1 - m));
        for &i in order.iter().take(METRIC_COMPANIES) {
            let co = &cos[i];
            let growth: f64 = self.rng.random_range(-0.01..0.04);
            let traffic_base = co.employees as f64 * self.rng.random_range(40.0..120.0);
            let phase = self.rng.random_range(0.0..std::f64::consts::TAU);
            let mut headcount = co.employees as f64 / (1.0 + growth).powi(MONTHS as i32);
            for m in 0..MONTHS {
                headcount *= 1.0 + growth + self.rng.random_range(-0.01..0.01);
                let season = 1.0 + 0.18 * ((m as f64) / 12.0 * std::f64::consts::TAU + phase).sin();
                let trend = (1.0 + growth).powi(m as i32);
                let traffic = traffic_base * trend * season * self.rng.random_range(0.92..1.08);
                for (metric, value, unit, source) in [
                    ("headcount", headcount.round(), "people", "LinkedIn"),
                    ("web_traffic", traffic.round(), "visits/month", "Similarweb"),
                ] {
                    rows.push(market_metrics::ActiveModel {
                        workspace_id: Set(self.ws),
                        company_id: Set(Some(co.id)),
                        segment: Set(None),
                        metric: Set(metric.into()),
                        value: Set(value),
                        unit: Set(Some(unit.into())),
                        observed_at: Set(month_start(m)),
                        source: Set(Some(source.into())),
                        created_at: Set(self.anchor),
                        ..Default::default()
                    });
                }
            }
        }
        for (industry, weight, _) in INDUSTRIES {
            let mut level = *weight as f64 * self.rng.random_range(8.0..15.0);
            for m in 0..MONTHS {
                level *= 1.0 + self.rng.random_range(-0.12..0.15);
                rows.push(market_metrics::ActiveModel {
                    workspace_id: Set(self.ws),
                    company_id: Set(None),
                    segment: Set(Some((*industry).into())),
                    metric: Set("funding".into()),
                    value: Set((level * 10.0).round() / 10.0),
                    unit: Set(Some("USD m".into())),
                    observed_at: Set(month_start(m)),
                    source: Set(Some("Crunchbase".into())),
                    created_at: Set(self.anchor),
                    ..Default::default()
                });
            }
        }
        self.report.metrics = insert_only!(db, market_metrics::Entity, rows);
        Ok(())
    }

    pub(super) async fn signals(&mut self, db: &impl ConnectionTrait, cos: &[Co]) -> Result<()> {
        let mut rows = Vec::new();
        'outer: for co in cos {
            for _ in 0..self.rng.random_range(0..=3) {
                if rows.len() >= MAX_SIGNALS {
                    break 'outer;
                }
                let (kind, title, centre) = *pick(&mut self.rng, SIGNALS);
                let sentiment = ((centre + self.rng.random_range(-0.25..0.25)).clamp(-1.0, 1.0)
                    * 100.0)
                    .round()
                    / 100.0;
                let published = self.random_ago(0.0..180.0);
                let title = title.replace("{c}", &co.name);
                let url = format!(
                    "https://{}.example.com/{}-{}",
                    kind,
                    slug(&co.name),
                    self.rng.random_range(1000..99_999)
                );
                rows.push(signals::ActiveModel {
                    workspace_id: Set(self.ws),
                    company_id: Set(co.id),
                    source_kind: Set(SignalSource::parse(kind).unwrap_or(SignalSource::News)),
                    excerpt: Set(Some(format!("{title}. Read more at the source."))),
                    title: Set(title),
                    url: Set(Some(url)),
                    sentiment: Set(sentiment),
                    published_at: Set(published),
                    created_at: Set(published),
                    ..Default::default()
                });
            }
        }
        self.report.signals = insert_only!(db, signals::Entity, rows);
        Ok(())
    }
}
