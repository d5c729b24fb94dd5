//! Demo activities: calls, e-mails, meetings, notes and tasks along each deal's life.

use chrono::Duration;
use rand::Rng;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};

use super::companies::Co;
use super::deals::DealRow;
use super::generator::{insert_only, pick, Generator, BATCH};
use super::words::*;
use crate::backend::entity::activities;
use crate::backend::Result;
use crate::types::ActivityKind;

/// A cap that keeps a 1M-deal benchmark workspace from growing tens of millions of side rows.
const MAX_ACTIVITIES: usize = 200_000;

impl Generator {
    pub(super) async fn activities(
        &mut self,
        db: &impl ConnectionTrait,
        cos: &[Co],
        deal_rows: &[DealRow],
    ) -> Result<()> {
        let mut rows = Vec::with_capacity(BATCH);
        let mut n = 0u64;
        'outer: for d in deal_rows {
            for _ in 0..self.rng.random_range(1..=3) {
                if n as usize >= MAX_ACTIVITIES {
                    break 'outer;
                }
                let rng = &mut self.rng;
                let k = rng.random_range(0..ACTIVITY_SUBJECTS.len());
                let (kind, subjects) = ACTIVITY_SUBJECTS[k];
                let subject = pick(rng, subjects).replace("{c}", &cos[d.company].name);
                let span = (d.end - d.created).num_seconds().max(3600);
                let at = d.created + Duration::seconds(rng.random_range(0..span));
                let kind = ActivityKind::parse(kind).unwrap_or(ActivityKind::Note);
                let (due, done) = if kind == ActivityKind::Task {
                    let due = at + Duration::days(rng.random_range(1..10));
                    (Some(due), (due < self.anchor).then_some(due))
                } else {
                    (None, None)
                };
                rows.push(activities::ActiveModel {
                    workspace_id: Set(self.ws),
                    kind: Set(kind),
                    subject: Set(subject),
                    body: Set(None),
                    occurred_at: Set(at),
                    author_id: Set(d.owner),
                    company_id: Set(Some(cos[d.company].id)),
                    deal_id: Set(Some(d.id)),
                    contact_id: Set(None),
                    due_at: Set(due),
                    done_at: Set(done),
                    created_at: Set(at),
                    updated_at: Set(at),
                    ..Default::default()
                });
                n += 1;
                if rows.len() == BATCH {
                    insert_only!(db, activities::Entity, std::mem::take(&mut rows));
                }
            }
        }
        insert_only!(db, activities::Entity, rows);
        self.report.activities = n;
        Ok(())
    }
}
