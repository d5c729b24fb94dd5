//! Schedules and delivery against the real server on both databases: a due schedule is
//! enqueued exactly once however many schedulers race for it; webhooks reach a local
//! receiver signed, failing endpoints are retried and logged, redelivery resends the same
//! event, and a job that fails for good is announced; e-mail reaches a local SMTP sink.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{extract::State, http::HeaderMap, routing::post, Router};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use app::backend::{
    delivery::{mail, webhooks},
    entity::{jobs, schedules},
    jobs::{queue, JobKind, NewJob},
    schedules::{self as scheduler, RunSchedule},
};
use app::types::{CreatedWebhookEndpoint, Page, Schedule, WebhookDelivery};

use crate::common::{self, Session, TestApp};

async fn owner(app: &TestApp, email: &str) -> (Session, String, i64) {
    let (s, ws) = crate::common::owner_of_new_workspace(app, email).await;
    (s, ws.slug, ws.id)
}

both_backends!(
    a_due_schedule_runs_exactly_once,
    |app: TestApp| async move {
        let (s, ws, ws_id) = owner(&app, "sched@example.com").await;

        // Bad input: every field named.
        let res = s
        .call(
            &app.client,
            "create_schedule",
            json!({"workspace": ws, "input": {"name": "", "kind": "tarot", "cron": "0 8 * *", "timezone": "Moon/Base", "recipients": ["nope"]}}),
        )
        .await;
        assert_eq!(res.status(), 422);
        let body: Value = res.json().await.unwrap();
        let fields: Vec<&str> = body["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["name", "kind", "input", "cron", "recipients"]);

        let created: Schedule = s
            .ok(
                &app.client,
                "create_schedule",
                json!({"workspace": ws, "input": {
                "name": "Weekly pipeline review", "kind": "pipeline",
                "input": {"kind": "pipeline"}, "cron": "0 8 * * MON",
                "timezone": "Europe/Berlin", "recipients": ["Sales@Example.com"]}}),
            )
            .await;
        assert_eq!(created.recipients, ["sales@example.com"]);
        assert!(
            created.description.contains("08:00"),
            "{}",
            created.description
        );
        let next = created
            .next_run_at
            .expect("an enabled schedule has a next run");
        assert!(next > chrono::Utc::now());

        // Make it due, then let eight schedulers race for it.
        let due = chrono::Utc::now() - chrono::Duration::minutes(5);
        schedules::Entity::update_many()
            .col_expr(
                schedules::Column::NextRunAt,
                sea_orm::sea_query::Expr::value(due),
            )
            .filter(schedules::Column::Id.eq(created.id))
            .exec(&app.state.db)
            .await
            .unwrap();
        let mut racers = Vec::new();
        for _ in 0..8 {
            let state = app.state.clone();
            racers.push(tokio::spawn(async move {
                scheduler::tick(&state, chrono::Utc::now(), 100)
                    .await
                    .unwrap()
            }));
        }
        let mut taken = 0;
        for r in racers {
            taken += r.await.unwrap();
        }
        assert_eq!(taken, 1, "exactly one scheduler takes a due time");
        let runs = jobs::Entity::find()
            .filter(jobs::Column::Kind.eq(RunSchedule::NAME))
            .filter(jobs::Column::WorkspaceId.eq(ws_id))
            .all(&app.state.db)
            .await
            .unwrap();
        assert_eq!(runs.len(), 1, "one run enqueued");
        let after: Schedule = s
            .ok(
                &app.client,
                "get_schedule",
                json!({"workspace": ws, "id": created.id}),
            )
            .await;
        assert!(
            after.next_run_at.unwrap() > chrono::Utc::now(),
            "moved to the next Monday"
        );
        assert_eq!(after.last_job_id, Some(runs[0].id));
        // Nothing more is due: another tick takes nothing.
        assert_eq!(
            scheduler::tick(&app.state, chrono::Utc::now(), 100)
                .await
                .unwrap(),
            0
        );

        // Paused schedules have no next run and are never taken.
        let paused: Schedule = s
            .ok(
                &app.client,
                "update_schedule",
                json!({"workspace": ws, "id": created.id, "input": {
                "name": "Weekly pipeline review", "kind": "pipeline", "input": {"kind": "pipeline"},
                "cron": "0 8 * * MON", "timezone": "Europe/Berlin", "enabled": false}}),
            )
            .await;
        assert_eq!(paused.next_run_at, None);
        let res = s
            .call(
                &app.client,
                "delete_schedule",
                json!({"workspace": ws, "id": created.id}),
            )
            .await;
        assert_eq!(res.status(), 200);
        let list: Vec<Schedule> = s
            .ok(&app.client, "list_schedules", json!({"workspace": ws}))
            .await;
        assert!(list.is_empty());
    }
);

/// A local webhook receiver: `/ok` answers 200, `/fail` 500; it records what it got.
#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<(String, HeaderMap, String)>>>);

impl Received {
    fn all(&self) -> Vec<(String, HeaderMap, String)> {
        self.0.lock().unwrap().clone()
    }

    async fn wait_for(&self, n: usize) -> Vec<(String, HeaderMap, String)> {
        for _ in 0..400 {
            let got = self.all();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the receiver got {} of {n} requests", self.all().len());
    }
}

async fn receiver() -> (SocketAddr, Received) {
    async fn ok(State(r): State<Received>, headers: HeaderMap, body: String) -> &'static str {
        r.0.lock().unwrap().push(("ok".into(), headers, body));
        "thanks"
    }
    async fn fail(
        State(r): State<Received>,
        headers: HeaderMap,
        body: String,
    ) -> (axum::http::StatusCode, &'static str) {
        r.0.lock().unwrap().push(("fail".into(), headers, body));
        (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "on fire")
    }
    let received = Received::default();
    let router = Router::new()
        .route("/ok", post(ok))
        .route("/fail", post(fail))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (addr, received)
}

async fn deliveries(app: &TestApp, s: &Session, ws: &str, endpoint: i64) -> Vec<WebhookDelivery> {
    let page: Page<WebhookDelivery> = s
        .ok(
            &app.client,
            "list_webhook_deliveries",
            json!({"workspace": ws, "id": endpoint, "query": {}}),
        )
        .await;
    page.items
}

async fn wait_delivery(
    app: &TestApp,
    s: &Session,
    ws: &str,
    endpoint: i64,
    done: impl Fn(&[WebhookDelivery]) -> bool,
) -> Vec<WebhookDelivery> {
    for _ in 0..400 {
        let list = deliveries(app, s, ws, endpoint).await;
        if done(&list) {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!(
        "deliveries never settled: {:?}",
        deliveries(app, s, ws, endpoint).await
    );
}

both_backends!(
    webhooks_are_signed_logged_retried_and_redelivered,
    |app: TestApp| async move {
        let (s, ws, ws_id) = owner(&app, "hooks@example.com").await;
        let (addr, received) = receiver().await;

        let res = s
            .call(
                &app.client,
                "create_webhook",
                json!({"workspace": ws, "input": {"url": "gopher://x", "event_types": ["nope"]}}),
            )
            .await;
        assert_eq!(res.status(), 422);

        let good: CreatedWebhookEndpoint = s
        .ok(
            &app.client,
            "create_webhook",
            json!({"workspace": ws, "input": {"url": format!("http://{addr}/ok"), "description": "CRM", "event_types": ["job.failed", "report.completed"]}}),
        )
        .await;
        assert!(good.secret.starts_with("whsec_"));
        let listed: Vec<app::types::WebhookEndpoint> = s
            .ok(&app.client, "list_webhooks", json!({"workspace": ws}))
            .await;
        assert_eq!(listed.len(), 1);
        assert!(
            !serde_json::to_string(&listed)
                .unwrap()
                .contains(&good.secret),
            "the secret is shown once"
        );

        // A test event arrives signed with the endpoint's secret.
        let res = s
            .call(
                &app.client,
                "test_webhook",
                json!({"workspace": ws, "id": good.endpoint.id}),
            )
            .await;
        assert_eq!(res.status(), 200);
        let got = received.wait_for(1).await;
        let (_, headers, body) = &got[0];
        assert_eq!(headers["x-hyperformant-event"], "webhook.test");
        let sig = headers[webhooks::SIGNATURE_HEADER].to_str().unwrap();
        assert!(webhooks::verify(
            &good.secret,
            sig,
            body,
            chrono::Utc::now().timestamp(),
            300
        ));
        assert!(!webhooks::verify(
            "whsec_wrong",
            sig,
            body,
            chrono::Utc::now().timestamp(),
            300
        ));
        let event: Value = serde_json::from_str(body).unwrap();
        assert_eq!(event["type"], "webhook.test");
        assert_eq!(event["workspace"], ws);
        let log = wait_delivery(&app, &s, &ws, good.endpoint.id, |l| {
            l.first().is_some_and(|d| d.status == "succeeded")
        })
        .await;
        assert_eq!(log[0].response_code, Some(200));
        assert_eq!(log[0].attempts, 1);
        assert!(log[0].duration_ms.is_some());

        // A job that fails for good is announced as job.failed.
        let failing = app
            .state
            .jobs()
            .enqueue(
                &NewJob::new("no_such_kind", json!({}))
                    .in_workspace(common::workspace(&app.state.db, ws_id).await),
            )
            .await
            .unwrap();
        let got = received.wait_for(2).await;
        let failed: Value = serde_json::from_str(&got[1].2).unwrap();
        assert_eq!(failed["type"], "job.failed");
        assert_eq!(failed["data"]["job_id"].as_i64(), Some(failing.id));

        // A failing endpoint: the attempt is logged with its status and retried later.
        let bad: CreatedWebhookEndpoint = s
        .ok(
            &app.client,
            "create_webhook",
            json!({"workspace": ws, "input": {"url": format!("http://{addr}/fail"), "event_types": ["webhook.test"]}}),
        )
        .await;
        s.ok::<()>(
            &app.client,
            "test_webhook",
            json!({"workspace": ws, "id": bad.endpoint.id}),
        )
        .await;
        let log = wait_delivery(&app, &s, &ws, bad.endpoint.id, |l| {
            l.first().is_some_and(|d| d.attempts >= 1)
        })
        .await;
        assert_eq!(
            log[0].status, "pending",
            "retried with backoff, not failed yet"
        );
        assert_eq!(log[0].response_code, Some(500));
        assert_eq!(log[0].response_excerpt.as_deref(), Some("on fire"));
        assert!(log[0].error.as_deref().unwrap().contains("500"));
        // The attempt is recorded by the handler; the job goes back to the queue just after.
        let mut job = queue::get(&app.state.db, log[0].job_id.unwrap())
            .await
            .unwrap();
        for _ in 0..200 {
            if job.status != "running" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
            job = queue::get(&app.state.db, job.id).await.unwrap();
        }
        assert_eq!(job.status, "queued");
        assert!(job.run_at > chrono::Utc::now(), "backing off");

        // Redelivery sends the same event again as a new delivery.
        let first = deliveries(&app, &s, &ws, good.endpoint.id)
            .await
            .pop()
            .unwrap();
        let again: WebhookDelivery = s
            .ok(
                &app.client,
                "redeliver_webhook",
                json!({"workspace": ws, "delivery_id": first.id}),
            )
            .await;
        assert_eq!(again.redelivery_of, Some(first.id));
        assert_eq!(again.event_id, first.event_id);
        let n = received.all().len();
        let got = received.wait_for(n + 1).await;
        let resent = got.iter().rev().find(|(path, _, _)| path == "ok").unwrap();
        let v: Value = serde_json::from_str(&resent.2).unwrap();
        assert_eq!(v["id"].as_str(), Some(first.event_id.as_str()));

        // An unreachable endpoint says why.
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let gone: CreatedWebhookEndpoint = s
        .ok(
            &app.client,
            "create_webhook",
            json!({"workspace": ws, "input": {"url": format!("http://{closed}/x"), "event_types": ["webhook.test"]}}),
        )
        .await;
        s.ok::<()>(
            &app.client,
            "test_webhook",
            json!({"workspace": ws, "id": gone.endpoint.id}),
        )
        .await;
        let log = wait_delivery(&app, &s, &ws, gone.endpoint.id, |l| {
            l.first().is_some_and(|d| d.attempts >= 1)
        })
        .await;
        assert!(
            log[0]
                .error
                .as_deref()
                .unwrap()
                .contains("could not connect"),
            "{:?}",
            log[0].error
        );
    }
);

#[tokio::test]
async fn mail_reaches_an_smtp_server_with_its_attachment() {
    let (port, rx) = common::smtp_sink().await;
    let settings = mail::MailSettings {
        transport: mail::MailTransport::Smtp {
            host: "127.0.0.1".into(),
            port,
            tls: mail::SmtpTls::None,
            username: None,
            password: None,
            timeout: Duration::from_secs(5),
        },
        from: "Reports <reports@example.com>".into(),
    };
    let id = mail::send(
        &settings,
        &mail::Mail {
            to: vec!["ana@example.com".into()],
            subject: "Pipeline review".into(),
            text: "Numbers inside.".into(),
            attachments: vec![mail::MailAttachment {
                filename: "pipeline.pdf".into(),
                content_type: "application/pdf".into(),
                bytes: b"%PDF-1.7\n%fake".to_vec(),
            }],
        },
    )
    .await
    .unwrap();
    assert!(id.contains("queued"), "{id}");
    let data = tokio::time::timeout(Duration::from_secs(5), rx)
        .await
        .unwrap()
        .unwrap();
    assert!(data.contains("Subject: Pipeline review"));
    assert!(data.contains("From: Reports <reports@example.com>"));
    assert!(data.contains("application/pdf"));
    assert!(data.contains("pipeline.pdf"));

    // An SMTP server that is not there is a transport error (retried by the job).
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let down = mail::MailSettings {
        transport: mail::MailTransport::Smtp {
            host: "127.0.0.1".into(),
            port: closed,
            tls: mail::SmtpTls::None,
            username: None,
            password: None,
            timeout: Duration::from_secs(2),
        },
        from: "r@example.com".into(),
    };
    let err = mail::send(
        &down,
        &mail::Mail {
            to: vec!["a@example.com".into()],
            subject: "x".into(),
            text: "x".into(),
            attachments: vec![],
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(err, mail::MailError::Transport(_)), "{err}");
}

both_backends!(
    data_changes_reach_subscribed_webhooks,
    |app: TestApp| async move {
        let (s, ws, _) = owner(&app, "events@example.com").await;
        let (addr, received) = receiver().await;
        s.ok::<CreatedWebhookEndpoint>(
        &app.client,
        "create_webhook",
        json!({"workspace": ws, "input": {"url": format!("http://{addr}/ok"), "event_types": ["company.created", "deal.stage_changed"]}}),
    )
    .await;
        let company: Value = s
            .ok(
                &app.client,
                "create_company",
                json!({"workspace": ws, "input": {"name": "Hooked Inc"}}),
            )
            .await;
        let pipelines: Vec<app::types::Pipeline> = s
            .ok(&app.client, "list_pipelines", json!({"workspace": ws}))
            .await;
        let stages = &pipelines[0].stages;
        let deal: Value = s
        .ok(&app.client, "create_deal", json!({"workspace": ws, "input": {"name": "Hook deal", "pipeline_id": pipelines[0].id, "stage_id": stages[0].id, "company_id": company["id"], "amount": "1000"}}))
        .await;
        // Not subscribed to deal.created: nothing for it. Moving the deal is announced.
        s.ok::<Value>(
            &app.client,
            "move_deal",
            json!({"workspace": ws, "id": deal["id"], "stage_id": stages[1].id}),
        )
        .await;
        // Moving to the stage it is already in is not a change.
        s.ok::<Value>(
            &app.client,
            "move_deal",
            json!({"workspace": ws, "id": deal["id"], "stage_id": stages[1].id}),
        )
        .await;
        let got = received.wait_for(2).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(received.all().len(), 2, "exactly the two subscribed events");
        let mut types: Vec<String> = got
            .iter()
            .map(|(_, _, body)| {
                serde_json::from_str::<Value>(body).unwrap()["type"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        types.sort();
        assert_eq!(types, ["company.created", "deal.stage_changed"]);
        let moved: Value = got
            .iter()
            .map(|(_, _, b)| serde_json::from_str::<Value>(b).unwrap())
            .find(|v| v["type"] == "deal.stage_changed")
            .unwrap();
        assert_eq!(moved["data"]["from_stage"]["id"], json!(stages[0].id));
        assert_eq!(moved["data"]["to_stage"]["id"], json!(stages[1].id));
        assert_eq!(moved["data"]["deal"]["name"], "Hook deal");
    }
);
