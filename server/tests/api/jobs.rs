//! The job queue against real databases: many concurrent claimers run every job exactly
//! once, expired leases are reclaimed (and counted), failures back off and then fail for
//! good, cancel and retention behave — on SQLite and on PostgreSQL.

use std::{collections::HashMap, sync::Arc, time::Duration};

use app::backend::jobs::{queue, JobStatus, NewJob};
use sea_orm::DatabaseConnection;
use serde_json::json;

use crate::common::{self, Backend};

const LEASE: Duration = Duration::from_secs(30);

both_backends!(
    concurrent_claimers_run_each_job_exactly_once,
    db = |db: DatabaseConnection| async move {
        let jobs: Vec<NewJob> = (0..300)
            .map(|i| NewJob::new("noop", json!({ "n": i })))
            .collect();
        assert_eq!(queue::enqueue_many(&db, &jobs).await.unwrap(), 300);

        let db = Arc::new(db);
        let mut workers = Vec::new();
        for w in 0..8 {
            let db = db.clone();
            workers.push(tokio::spawn(async move {
                let me = format!("worker-{w}");
                let mut ran = Vec::new();
                let limit = 1 + (w % 4);
                let mut claimed = queue::claim(&*db, &me, limit, LEASE).await.unwrap();
                while !claimed.is_empty() {
                    let last = claimed.len() - 1;
                    let mut next = Vec::new();
                    for (i, job) in claimed.into_iter().enumerate() {
                        assert_eq!(job.lease_owner.as_deref(), Some(me.as_str()));
                        ran.push(job.id);
                        // Half the workers chain, as the pool does: the last completion of a
                        // batch claims the next batch in the same statement.
                        if i == last && w % 2 == 0 {
                            let chained = queue::complete_and_claim(
                                &*db,
                                job.id,
                                &me,
                                &json!({}),
                                limit,
                                LEASE,
                            )
                            .await
                            .unwrap();
                            assert!(chained.completed);
                            next = chained.claimed;
                        } else {
                            queue::complete(&*db, job.id, &me, &json!({}))
                                .await
                                .unwrap();
                        }
                    }
                    claimed = if w % 2 == 0 {
                        next
                    } else {
                        queue::claim(&*db, &me, limit, LEASE).await.unwrap()
                    };
                }
                ran
            }));
        }
        let mut times: HashMap<i64, u32> = HashMap::new();
        for w in workers {
            for id in w.await.unwrap() {
                *times.entry(id).or_default() += 1;
            }
        }
        assert_eq!(times.len(), 300, "every job ran");
        assert!(times.values().all(|&n| n == 1), "no job ran twice");
    }
);

both_backends!(
    an_expired_lease_is_claimed_again_and_counted,
    db = |db: DatabaseConnection| async move {
        let job = queue::enqueue(&db, &NewJob::new("noop", json!({})))
            .await
            .unwrap();
        // The first worker "dies": its lease is already over.
        let first = queue::claim(&db, "dead", 1, Duration::ZERO).await.unwrap();
        assert_eq!(first.len(), 1);
        tokio::time::sleep(Duration::from_millis(20)).await;
        let second = queue::claim(&db, "alive", 1, LEASE).await.unwrap();
        assert_eq!(second.len(), 1);
        assert_eq!((second[0].id, second[0].attempts), (job.id, 2));
        // The dead worker can no longer finish or extend it.
        assert!(queue::complete(&db, job.id, "dead", &json!({}))
            .await
            .is_err());
        assert!(queue::heartbeat(&db, job.id, "dead", LEASE).await.is_err());
        assert!(!queue::heartbeat(&db, job.id, "alive", LEASE).await.unwrap());
        queue::complete(&db, job.id, "alive", &json!({ "ok": true }))
            .await
            .unwrap();
        let done = queue::get(&db, job.id).await.unwrap();
        assert_eq!(done.status, "succeeded");
        assert_eq!(done.progress, 100);
    }
);

both_backends!(
    a_busy_queue_still_reclaims_an_expired_lease_first,
    db = |db: DatabaseConnection| async move {
        let stalled = queue::enqueue(&db, &NewJob::new("noop", json!({})))
            .await
            .unwrap();
        assert_eq!(
            queue::claim(&db, "dead", 1, Duration::ZERO).await.unwrap()[0].id,
            stalled.id
        );
        let newer: Vec<NewJob> = (0..3).map(|_| NewJob::new("noop", json!({}))).collect();
        queue::enqueue_many(&db, &newer).await.unwrap();
        // Claims that find work sweep at most once a second; after that the stalled job is
        // back, ahead of the newer ones, on its second attempt.
        tokio::time::sleep(Duration::from_millis(1_100)).await;
        let next = queue::claim(&db, "alive", 1, LEASE).await.unwrap();
        assert_eq!((next[0].id, next[0].attempts), (stalled.id, 2));
    }
);

both_backends!(
    claims_take_higher_priority_then_older_jobs,
    db = |db: DatabaseConnection| async move {
        let mut order = Vec::new();
        for priority in [0, 5, 0, 5] {
            let mut job = NewJob::new("noop", json!({}));
            job.priority = priority;
            order.push((priority, queue::enqueue(&db, &job).await.unwrap().id));
        }
        let mut later = NewJob::new("noop", json!({}));
        later.priority = 9;
        later.run_at = Some(chrono::Utc::now() + chrono::Duration::hours(1));
        queue::enqueue(&db, &later).await.unwrap();
        let claimed: Vec<i64> = queue::claim(&db, "w", 10, LEASE)
            .await
            .unwrap()
            .iter()
            .map(|j| j.id)
            .collect();
        let expected = vec![order[1].1, order[3].1, order[0].1, order[2].1];
        assert_eq!(
            claimed, expected,
            "priority first, then oldest; not-yet-due left"
        );
    }
);

both_backends!(
    failures_back_off_then_fail_for_good,
    db = |db: DatabaseConnection| async move {
        let mut new = NewJob::new("flaky", json!({}));
        new.max_attempts = 2;
        let job = queue::enqueue(&db, &new).await.unwrap();

        let c = queue::claim(&db, "w", 1, LEASE).await.unwrap();
        assert_eq!(c.len(), 1);
        let status = queue::fail(&db, job.id, "w", "upstream said 503")
            .await
            .unwrap();
        assert_eq!(status, JobStatus::Queued);
        let waiting = queue::get(&db, job.id).await.unwrap();
        assert_eq!(waiting.last_error.as_deref(), Some("upstream said 503"));
        assert!(
            waiting.run_at > chrono::Utc::now() + chrono::Duration::milliseconds(500),
            "retried after a backoff, not at once"
        );
        assert!(queue::claim(&db, "w", 1, LEASE).await.unwrap().is_empty());

        // Make it due, run it again, fail again: no attempts left.
        use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
        let mut due = waiting.into_active_model();
        due.run_at = Set(chrono::Utc::now() - chrono::Duration::seconds(1));
        due.update(&db).await.unwrap();
        assert_eq!(queue::claim(&db, "w", 1, LEASE).await.unwrap().len(), 1);
        let status = queue::fail(&db, job.id, "w", "still down").await.unwrap();
        assert_eq!(status, JobStatus::Failed);
        let failed = queue::get(&db, job.id).await.unwrap();
        assert_eq!((failed.status.as_str(), failed.attempts), ("failed", 2));
        assert!(failed.finished_at.is_some());
    }
);

both_backends!(
    a_dead_worker_on_the_last_attempt_fails_the_job,
    db = |db: DatabaseConnection| async move {
        let mut new = NewJob::new("noop", json!({}));
        new.max_attempts = 1;
        let job = queue::enqueue(&db, &new).await.unwrap();
        queue::claim(&db, "dead", 1, Duration::ZERO).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(queue::claim(&db, "other", 1, LEASE)
            .await
            .unwrap()
            .is_empty());
        let failed = queue::get(&db, job.id).await.unwrap();
        assert_eq!(failed.status, "failed");
        assert!(failed.last_error.unwrap().contains("lease expired"));
    }
);

both_backends!(
    cancel_stops_queued_and_running_jobs,
    db = |db: DatabaseConnection| async move {
        let queued = queue::enqueue(&db, &NewJob::new("noop", json!({})))
            .await
            .unwrap();
        assert_eq!(
            queue::cancel(&db, queued.id).await.unwrap(),
            JobStatus::Cancelled
        );
        assert!(
            queue::cancel(&db, queued.id).await.is_err(),
            "a finished job cannot be cancelled"
        );

        let running = queue::enqueue(&db, &NewJob::new("noop", json!({})))
            .await
            .unwrap();
        queue::claim(&db, "w", 1, LEASE).await.unwrap();
        assert_eq!(
            queue::cancel(&db, running.id).await.unwrap(),
            JobStatus::Running
        );
        assert!(
            queue::heartbeat(&db, running.id, "w", LEASE).await.unwrap(),
            "the worker learns of the request"
        );
        queue::acknowledge_cancel(&db, running.id, "w")
            .await
            .unwrap();
        assert_eq!(
            queue::get(&db, running.id).await.unwrap().status,
            "cancelled"
        );
    }
);

both_backends!(
    events_keep_their_order_and_old_jobs_are_pruned,
    db = |db: DatabaseConnection| async move {
        let job = queue::enqueue(&db, &NewJob::new("report", json!({})))
            .await
            .unwrap();
        queue::claim(&db, "w", 1, LEASE).await.unwrap();
        let a = queue::report(
            &db,
            job.id,
            "step",
            "gather data",
            Some(10),
            Some("gather data"),
        )
        .await
        .unwrap();
        queue::report(&db, job.id, "log", "42 companies", None, None)
            .await
            .unwrap();
        queue::report(&db, job.id, "step", "render", Some(80), Some("render"))
            .await
            .unwrap();
        let all = queue::events(&db, job.id, 0).await.unwrap();
        assert_eq!(
            all.iter().map(|e| e.message.as_str()).collect::<Vec<_>>(),
            ["gather data", "42 companies", "render"]
        );
        let after = queue::events(&db, job.id, a.id).await.unwrap();
        assert_eq!(
            after.len(),
            2,
            "resuming after an event id skips what was seen"
        );
        let now = queue::get(&db, job.id).await.unwrap();
        assert_eq!((now.progress, now.step.as_deref()), (80, Some("render")));

        queue::complete(&db, job.id, "w", &json!({})).await.unwrap();
        let fresh = queue::enqueue(&db, &NewJob::new("noop", json!({})))
            .await
            .unwrap();
        let removed = queue::prune(&db, chrono::Utc::now() + chrono::Duration::seconds(1))
            .await
            .unwrap();
        assert_eq!(removed, 1, "only the finished job goes");
        assert!(queue::get(&db, job.id).await.is_err());
        assert!(queue::events(&db, job.id, 0).await.unwrap().is_empty());
        assert_eq!(queue::get(&db, fresh.id).await.unwrap().status, "queued");
    }
);

async fn wait_finished(db: &DatabaseConnection, id: i64) -> app::backend::entity::jobs::Model {
    for _ in 0..400 {
        let job = queue::get(db, id).await.unwrap();
        if JobStatus::parse(&job.status).is_some_and(JobStatus::is_finished) {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("job {id} did not finish in 10 s");
}

fn pool_config() -> app::backend::jobs::PoolConfig {
    app::backend::jobs::PoolConfig {
        workers: 3,
        batch: 2,
        lease: Duration::from_millis(600),
        poll: Duration::from_millis(50),
        name: "test".into(),
    }
}

both_backends!(
    workers_run_handlers_and_record_how_they_ended,
    db = |db: DatabaseConnection| async move {
        use app::backend::jobs::{JobError, Pool, Registry};

        let registry = Registry::default()
            .with("noop", |_ctx| async { Ok(json!({ "done": true })) })
            .with("steps", |ctx| async move {
                for (i, name) in ["gather data", "compute", "render"].iter().enumerate() {
                    ctx.step(name, (i as i32 + 1) * 30).await?;
                }
                ctx.log("all good").await?;
                Ok(json!({}))
            })
            // Fails its first attempt, succeeds on the retry.
            .with("flaky", |ctx| async move {
                if ctx.job.attempts < 2 {
                    Err(JobError::Failed("first try fails".into()))
                } else {
                    Ok(json!({ "attempt": ctx.job.attempts }))
                }
            })
            .with("bad_input", |ctx| async move {
                let _n: u32 = ctx.payload()?;
                Ok(json!({}))
            })
            // Works step by step until someone cancels it.
            .with("endless", |ctx| async move {
                for i in 0.. {
                    ctx.step(&format!("round {i}"), 1).await?;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Ok(json!({}))
            });
        let pool = Pool::start(
            db.clone(),
            app::backend::events::Bus::in_process(),
            registry,
            pool_config(),
        );

        let ids = {
            let mut ids = Vec::new();
            for kind in ["noop", "steps", "flaky", "bad_input", "nobody_handles_this"] {
                let job = queue::enqueue(&db, &NewJob::new(kind, json!("text")))
                    .await
                    .unwrap();
                ids.push(job.id);
            }
            pool.wake();
            ids
        };
        let endless = queue::enqueue(&db, &NewJob::new("endless", json!({})))
            .await
            .unwrap();
        pool.wake();

        let noop = wait_finished(&db, ids[0]).await;
        assert_eq!(
            (noop.status.as_str(), noop.result.as_deref()),
            ("succeeded", Some(r#"{"done":true}"#))
        );
        let steps = wait_finished(&db, ids[1]).await;
        assert_eq!(steps.status, "succeeded");
        let events: Vec<String> = queue::events(&db, ids[1], 0)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.message)
            .collect();
        assert_eq!(events, ["gather data", "compute", "render", "all good"]);
        let flaky = wait_finished(&db, ids[2]).await;
        assert_eq!((flaky.status.as_str(), flaky.attempts), ("succeeded", 2));
        let bad = wait_finished(&db, ids[3]).await;
        assert_eq!(
            (bad.status.as_str(), bad.attempts),
            ("failed", 1),
            "bad input is not retried"
        );
        assert!(bad.last_error.unwrap().contains("not valid"));
        let orphan = wait_finished(&db, ids[4]).await;
        assert!(orphan.last_error.unwrap().contains("no handler"));

        // A running job stops at its next step once cancelled.
        for _ in 0..200 {
            if queue::get(&db, endless.id).await.unwrap().status == "running" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert_eq!(
            queue::cancel(&db, endless.id).await.unwrap(),
            JobStatus::Running
        );
        assert_eq!(wait_finished(&db, endless.id).await.status, "cancelled");

        pool.shutdown().await;
    }
);

both_backends!(
    completing_a_job_claims_the_next_in_the_same_statement,
    db = |db: DatabaseConnection| async move {
        let first = queue::enqueue(&db, &NewJob::new("noop", json!({})))
            .await
            .unwrap();
        let mut urgent = NewJob::new("noop", json!({}));
        urgent.priority = 5;
        let later = queue::enqueue(&db, &NewJob::new("noop", json!({})))
            .await
            .unwrap();
        assert_eq!(
            queue::claim(&db, "w", 1, LEASE).await.unwrap()[0].id,
            first.id
        );
        let urgent = queue::enqueue(&db, &urgent).await.unwrap();

        let chained = queue::complete_and_claim(&db, first.id, "w", &json!({ "n": 1 }), 1, LEASE)
            .await
            .unwrap();
        assert!(chained.completed);
        let ids: Vec<i64> = chained.claimed.iter().map(|j| j.id).collect();
        assert_eq!(ids, vec![urgent.id], "the higher priority job comes first");
        let claimed = &chained.claimed[0];
        assert_eq!(
            (
                claimed.status.as_str(),
                claimed.attempts,
                claimed.lease_owner.as_deref()
            ),
            ("running", 1, Some("w"))
        );
        assert!(claimed.started_at.is_some() && claimed.lease_expires_at.is_some());
        let done = queue::get(&db, first.id).await.unwrap();
        assert_eq!(
            (
                done.status.as_str(),
                done.progress,
                done.result.as_deref(),
                done.attempts
            ),
            ("succeeded", 100, Some(r#"{"n":1}"#), 1)
        );
        assert!(done.lease_owner.is_none() && done.finished_at.is_some());

        // A worker whose lease is gone completes nothing, but the job it claims is its own.
        let chained = queue::complete_and_claim(&db, first.id, "w", &json!({}), 1, LEASE)
            .await
            .unwrap();
        assert!(!chained.completed, "a finished job is not finished twice");
        assert_eq!(chained.claimed.len(), 1);
        assert_eq!(chained.claimed[0].id, later.id);
        let still = queue::get(&db, urgent.id).await.unwrap();
        assert_eq!(
            still.status, "running",
            "the other running job is untouched"
        );

        // Nothing left to claim: the completion alone.
        let chained = queue::complete_and_claim(&db, later.id, "w", &json!({}), 1, LEASE)
            .await
            .unwrap();
        assert!(chained.completed && chained.claimed.is_empty());
    }
);

/// On SQLite, claims read the first entries of the partial claim-order index: without being
/// told, SQLite took `ix_jobs_claim (status, run_at)` and sorted every due job to take one,
/// so one-at-a-time throughput fell as the backlog grew.
// SQLite only: checks SQLite's query plan (EXPLAIN QUERY PLAN) for the claim statements.
#[tokio::test]
async fn sqlite_claims_walk_the_claim_order_index() {
    use sea_orm::{ConnectionTrait, DatabaseBackend, Statement, Value};
    let (_db, conn) = common::migrated(Backend::Sqlite).await;
    let jobs: Vec<NewJob> = (0..50)
        .map(|i| NewJob::new("noop", json!({ "n": i })))
        .collect();
    queue::enqueue_many(&conn, &jobs).await.unwrap();
    let now = chrono::Utc::now();
    let claim: Vec<Value> = vec!["w".into(), now.into(), now.into(), 1i64.into()];
    let chained: Vec<Value> = vec![
        1i64.into(),
        "w".into(),
        "null".into(),
        now.into(),
        now.into(),
        1i64.into(),
    ];
    for (sql, values) in [
        (queue::claim_sql(DatabaseBackend::Sqlite), claim),
        (
            queue::complete_and_claim_sql(DatabaseBackend::Sqlite),
            chained,
        ),
    ] {
        let rows = conn
            .query_all_raw(Statement::from_sql_and_values(
                DatabaseBackend::Sqlite,
                format!("EXPLAIN QUERY PLAN {sql}"),
                values,
            ))
            .await
            .unwrap();
        let plan: Vec<String> = rows
            .iter()
            .map(|r| r.try_get::<String>("", "detail").unwrap())
            .collect();
        let plan = plan.join("\n");
        assert!(plan.contains("ix_jobs_queued_order"), "{plan}");
        assert!(!plan.contains("TEMP B-TREE"), "{plan}");
    }
}
