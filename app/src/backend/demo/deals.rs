//! Demo deals: two years of them across the workspace's pipelines, more of them recently,
//! larger for larger companies; old deals mostly closed, young ones mostly open.

use crate::backend::WorkspaceId;
use chrono::{DateTime, Datelike, Duration, Utc};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};

use super::companies::Co;
use super::generator::{insert_batched, pick, Generator, BATCH};
use super::words::*;
use crate::backend::entity::{deals, pipeline_stages, pipelines};
use crate::backend::{Error, Result};
use crate::types::StageKind;

/// A pipeline's stages, in order.
pub(super) struct Pipe {
    id: i64,
    open: Vec<(i64, i32)>,
    won: i64,
    lost: i64,
}

/// What activities need to know about a deal.
pub(super) struct DealRow {
    pub(super) id: i64,
    pub(super) company: usize,
    pub(super) owner: Option<i64>,
    pub(super) created: DateTime<Utc>,
    pub(super) end: DateTime<Utc>,
}

pub(super) async fn load_pipelines(
    db: &impl ConnectionTrait,
    ws: WorkspaceId,
) -> Result<Vec<Pipe>> {
    let ps = pipelines::Entity::find()
        .filter(pipelines::Column::WorkspaceId.eq(ws))
        .order_by_asc(pipelines::Column::Position)
        .all(db)
        .await?;
    let stages = pipeline_stages::Entity::find()
        .filter(pipeline_stages::Column::WorkspaceId.eq(ws))
        .order_by_asc(pipeline_stages::Column::Position)
        .all(db)
        .await?;
    let mut out = Vec::new();
    for p in ps {
        let mine: Vec<_> = stages.iter().filter(|s| s.pipeline_id == p.id).collect();
        let won = mine.iter().find(|s| s.kind == StageKind::Won);
        let lost = mine.iter().find(|s| s.kind == StageKind::Lost);
        let open: Vec<_> = mine
            .iter()
            .filter(|s| s.kind == StageKind::Open)
            .map(|s| (s.id, s.default_probability))
            .collect();
        // A pipeline an admin stripped of its won/lost/open stages gets no demo deals.
        if let (Some(won), Some(lost), false) = (won, lost, open.is_empty()) {
            out.push(Pipe {
                id: p.id,
                open,
                won: won.id,
                lost: lost.id,
            });
        }
    }
    if out.is_empty() {
        return Err(Error::Conflict(
            "no pipeline has open, won and lost stages to put demo deals in".into(),
        ));
    }
    Ok(out)
}

impl Pipe {
    /// Where a deal created at `created`, `age_days` old, with a cycle of `cycle` days,
    /// stands in this pipeline: its stage, probability, close time and when it entered the
    /// stage. A closed deal is won at `win_rate`; younger open deals sit in earlier stages.
    fn stage_for(
        &self,
        rng: &mut ChaCha8Rng,
        created: DateTime<Utc>,
        age_days: f64,
        cycle: f64,
        closed: bool,
        win_rate: f64,
    ) -> (i64, i32, Option<DateTime<Utc>>, DateTime<Utc>) {
        if closed {
            let at = created
                + Duration::seconds(
                    (cycle.min(age_days) * 86_400.0 * rng.random_range(0.6..1.0)) as i64,
                );
            if rng.random_bool(win_rate) {
                (self.won, 100, Some(at), at)
            } else {
                (self.lost, 0, Some(at), at)
            }
        } else {
            // Younger deals sit in earlier stages.
            let progress = (age_days / cycle).min(1.0);
            let k = ((progress * self.open.len() as f64) + rng.random_range(-0.8..0.8))
                .clamp(0.0, (self.open.len() - 1) as f64) as usize;
            let (sid, p) = self.open[k];
            let entered = created
                + Duration::seconds((age_days * 86_400.0 * rng.random_range(0.0..1.0)) as i64);
            (sid, p, None, entered)
        }
    }
}

impl Generator {
    /// Deals over two years, more of them recently (the business grows), larger for larger
    /// companies; old deals are mostly closed, young ones mostly open.
    pub(super) async fn deals(
        &mut self,
        db: &impl ConnectionTrait,
        cos: &[Co],
        pipes: &[Pipe],
        n: usize,
    ) -> Result<Vec<DealRow>> {
        let mut meta = Vec::with_capacity(n);
        let mut ids = Vec::with_capacity(n);
        let mut rows = Vec::with_capacity(BATCH);
        for i in 0..n {
            let (row, d) = self.deal(cos, pipes);
            rows.push(row);
            meta.push(d);
            if rows.len() == BATCH || i + 1 == n {
                ids.extend(insert_batched!(
                    db,
                    deals::Entity,
                    std::mem::take(&mut rows)
                ));
            }
        }
        for (d, id) in meta.iter_mut().zip(ids) {
            d.id = id;
        }
        self.report.deals = meta.len() as u64;
        Ok(meta)
    }

    /// One deal, of a random company: its row and what activities need of it.
    fn deal(&mut self, cos: &[Co], pipes: &[Pipe]) -> (deals::ActiveModel, DealRow) {
        let rng = &mut self.rng;
        let renewal = pipes.len() > 1 && rng.random_bool(0.15);
        let pipe = if renewal { &pipes[1] } else { &pipes[0] };
        let c = rng.random_range(0..cos.len());
        let co = &cos[c];
        // sqrt skews creation towards the anchor: growth.
        let age_days: f64 = 730.0 * (1.0 - rng.random::<f64>().sqrt());
        let created = self.anchor - Duration::seconds((age_days * 86_400.0) as i64);
        let cycle: f64 = rng.random_range(20.0..150.0);
        let close_p = if age_days > cycle {
            0.92
        } else {
            age_days / cycle * 0.5
        };
        let closed = rng.random_bool(close_p.clamp(0.0, 1.0));
        let win_rate = if renewal { 0.85 } else { 0.32 };
        let (stage, prob, closed_at, entered) =
            pipe.stage_for(rng, created, age_days, cycle, closed, win_rate);
        let base = (co.employees as f64).sqrt() * rng.random_range(600.0..2_400.0);
        let amount = ((base / 100.0).round().max(10.0) * 100.0) as i64 * 100;
        let products = INDUSTRIES[co.industry].2;
        let name = if renewal {
            format!("{} — renewal {}", co.name, created.year() + 1)
        } else {
            format!(
                "{} — {} {}",
                co.name,
                pick(rng, products),
                pick(rng, DEAL_KINDS)
            )
        };
        let expected = (created + Duration::days(cycle as i64)).date_naive();
        let end = closed_at.unwrap_or(self.anchor);
        let owner = self.owner();
        let row = deals::ActiveModel {
            workspace_id: Set(self.ws),
            pipeline_id: Set(pipe.id),
            stage_id: Set(stage),
            company_id: Set(Some(co.id)),
            name_key: Set(name.to_lowercase()),
            name: Set(name),
            amount_minor: Set(amount),
            currency: Set("USD".into()),
            probability: Set(prob),
            expected_close: Set(Some(expected)),
            closed_at: Set(closed_at),
            owner_id: Set(owner),
            stage_entered_at: Set(entered),
            created_at: Set(created),
            updated_at: Set(entered.max(created)),
            ..Default::default()
        };
        let meta = DealRow {
            id: 0,
            company: c,
            owner,
            created,
            end,
        };
        (row, meta)
    }
}
