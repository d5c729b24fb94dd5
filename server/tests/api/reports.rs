//! Reports end to end against the real server on both databases: every kind renders HTML,
//! Markdown and a PDF that parses; an empty segment makes a report that says so; bad input
//! is a field error; a finished report is e-mailed (PDF attached) to a local SMTP sink and
//! announced to a webhook receiver that checks the signature; a due schedule makes a report.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{extract::State, http::HeaderMap, routing::post, Router};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use app::backend::{
    delivery::webhooks,
    entity::{competitors, schedules},
    schedules as scheduler,
};
use app::types::{
    Company, CreatedWebhookEndpoint, Page, Report, ReportStatus, Schedule, StartedReport,
};

use crate::common::{self, Session, TestApp, TestDb};

async fn seeded(app: &TestApp, email: &str) -> (Session, String, i64) {
    let (s, ws) = crate::common::owner_of_new_workspace(app, email).await;
    crate::common::seed_demo(app, ws.id, 80, 300, 11).await;
    (s, ws.slug, ws.id)
}

async fn wait_done(app: &TestApp, s: &Session, ws: &str, id: i64) -> Report {
    for _ in 0..1200 {
        let r: Report = s
            .ok(
                &app.client,
                "get_report",
                json!({"workspace": ws, "id": id}),
            )
            .await;
        if r.status.is_finished() {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("report {id} never finished");
}

async fn start(app: &TestApp, s: &Session, ws: &str, input: Value) -> Report {
    let started: StartedReport = s
        .ok(
            &app.client,
            "start_report",
            json!({"workspace": ws, "input": input}),
        )
        .await;
    let r = wait_done(app, s, ws, started.report_id).await;
    assert_eq!(r.job_id, Some(started.job_id));
    assert_eq!(r.status, ReportStatus::Succeeded, "{:?}", r.error);
    r
}

async fn download(
    app: &TestApp,
    s: &Session,
    ws: &str,
    id: i64,
    format: &str,
) -> (String, Vec<u8>) {
    let res = s
        .get(
            &app.client,
            &format!("/api/reports/{id}/download?workspace={ws}&format={format}"),
        )
        .await;
    assert_eq!(res.status(), 200, "download {format}");
    let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
    (ct, res.bytes().await.unwrap().to_vec())
}

/// Checks all three formats and answers the Markdown.
async fn check_formats(app: &TestApp, s: &Session, ws: &str, r: &Report) -> String {
    let (ct, html) = download(app, s, ws, r.id, "html").await;
    assert!(ct.starts_with("text/html"));
    let html = String::from_utf8(html).unwrap();
    assert!(
        html.contains("Data as of") && html.contains("Written by"),
        "inputs on the first page"
    );
    assert!(html.contains("Period"));
    assert!(!html.contains("<script"), "a report runs nothing");

    let (ct, md) = download(app, s, ws, r.id, "md").await;
    assert!(ct.starts_with("text/markdown"));
    let md = String::from_utf8(md).unwrap();
    assert!(md.starts_with("# "), "{md}");
    assert!(md.contains("template writer"), "says who wrote the prose");

    let (ct, pdf) = download(app, s, ws, r.id, "pdf").await;
    assert_eq!(ct, "application/pdf");
    // REPORT_PDF_DIR=/some/dir keeps each PDF for a look (`pdftoppm -png file.pdf page`).
    if let Some(dir) = std::env::var_os("REPORT_PDF_DIR") {
        let file = std::path::Path::new(&dir).join(format!("report-{}.pdf", r.id));
        std::fs::write(&file, &pdf).unwrap();
    }
    let pages = pdf_pages(&pdf);
    assert!((1..=12).contains(&pages), "{pages} pages");
    md
}

/// Parses the PDF's skeleton the way a reader finds it: the header; `startxref` pointing at
/// the cross-reference table; every in-use entry of it pointing at its `N 0 obj`; the trailer's
/// /Size matching the table and its /Root a catalog whose /Pages is a page tree; that tree's
/// /Count equal to its /Kids, each kid a page object, and no page object outside the tree.
/// Answers the pages.
fn pdf_pages(pdf: &[u8]) -> usize {
    assert!(pdf.starts_with(b"%PDF-1."), "a PDF header");
    // One char per byte, so offsets in the text are offsets in the file.
    let text: String = pdf
        .iter()
        .map(|&b| if b.is_ascii() { b as char } else { '?' })
        .collect();
    assert!(text.trim_end().ends_with("%%EOF"));
    let start: usize = text
        .rsplit_once("startxref")
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .expect("startxref");
    let xref = &text[start..];
    assert!(
        xref.starts_with("xref\n0 "),
        "startxref points at the table"
    );
    let mut lines = xref.lines().skip(1);
    let size: usize = lines.next().unwrap()[2..].trim().parse().unwrap();
    // Each object's text, by number (empty for free entries).
    let mut objects = vec![""; size];
    for (i, entry) in lines.by_ref().take(size).enumerate() {
        let offset: usize = entry[..10].parse().unwrap();
        match &entry[17..18] {
            "n" => {
                assert!(
                    text[offset..].starts_with(&format!("{i} 0 obj")),
                    "object {i} is where the table says"
                );
                let end = offset + text[offset..].find("endobj").expect("endobj");
                objects[i] = &text[offset..end];
            }
            free => assert_eq!(free, "f", "entry {i}: {entry}"),
        }
    }
    assert_eq!(
        lines.next(),
        Some("trailer"),
        "the trailer follows the table"
    );
    // The number after `key` in `obj` (for a reference `N 0 R`, its object number).
    let number = |obj: &str, key: &str| -> usize {
        let at = obj.find(key).unwrap_or_else(|| panic!("{key} in {obj}")) + key.len();
        let digits = obj[at..].trim_start();
        let end = digits
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(digits.len());
        digits[..end]
            .parse()
            .unwrap_or_else(|_| panic!("a number after {key} in {obj}"))
    };
    // `/Type /Page` or `/Type/Page`, not `/Pages`.
    let is = |obj: &str, kind: &str| {
        obj.replace("/Type /", "/Type/")
            .split(&format!("/Type/{kind}"))
            .skip(1)
            .any(|rest| !rest.starts_with(|c: char| c.is_ascii_alphanumeric()))
    };
    let trailer = &xref[xref.find("trailer").unwrap()..];
    assert_eq!(
        number(trailer, "/Size"),
        size,
        "the trailer sizes the table"
    );
    let catalog = objects[number(trailer, "/Root")];
    assert!(is(catalog, "Catalog"), "the root is a catalog: {catalog}");
    let tree = objects[number(catalog, "/Pages")];
    assert!(is(tree, "Pages"), "the catalog names a page tree: {tree}");
    let count = number(tree, "/Count");
    let kids = &tree[tree.find("/Kids").unwrap() + 5..];
    let kids: Vec<usize> = kids[kids.find('[').unwrap() + 1..kids.find(']').unwrap()]
        .split_whitespace()
        .step_by(3)
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(kids.len(), count, "the page tree counts its kids");
    for k in &kids {
        assert!(is(objects[*k], "Page"), "kid {k} is a page");
    }
    let pages = objects.iter().filter(|o| is(o, "Page")).count();
    assert_eq!(pages, count, "every page object is in the tree");
    pages
}

both_backends!(
    each_kind_renders_html_markdown_and_pdf,
    |app: TestApp| async move {
        let (s, ws, ws_id) = seeded(&app, "reports@example.com").await;

        let market = start(&app, &s, &ws, json!({"kind": "market"})).await;
        let md = check_formats(&app, &s, &ws, &market).await;
        assert!(
            md.contains("## Segment") && md.contains("all companies"),
            "{md}"
        );
        assert!(market
            .summary
            .as_deref()
            .unwrap_or("")
            .contains("companies"));
        let (_, html) = download(&app, &s, &ws, market.id, "html").await;
        assert!(
            String::from_utf8(html).unwrap().contains("<svg"),
            "inline SVG charts"
        );
        // A country segment finds that country's companies (the code is compared as the
        // column's CHAR(2), lower case in the input).
        let germany = start(&app, &s, &ws, json!({"kind": "market", "country": "de"})).await;
        let md = check_formats(&app, &s, &ws, &germany).await;
        assert!(!md.contains("No companies match"), "{md}");

        let pair = competitors::Entity::find()
            .filter(competitors::Column::WorkspaceId.eq(ws_id))
            .one(&app.state.db)
            .await
            .unwrap()
            .expect("the demo records competitors");
        let comp = start(
            &app,
            &s,
            &ws,
            json!({"kind": "competitor", "company_id": pair.company_id}),
        )
        .await;
        let md = check_formats(&app, &s, &ws, &comp).await;
        assert!(md.contains("## Head to head"), "{md}");
        // The report page names the company it is about, not just its id.
        let company: Company = s
            .ok(
                &app.client,
                "get_company",
                json!({"workspace": ws, "id": pair.company_id}),
            )
            .await;
        assert_eq!(comp.company_name.as_deref(), Some(company.name.as_str()));

        let pipe = start(
            &app,
            &s,
            &ws,
            json!({"kind": "pipeline", "title": "Q4 review"}),
        )
        .await;
        assert_eq!(pipe.title, "Q4 review");
        let md = check_formats(&app, &s, &ws, &pipe).await;
        assert!(md.contains("Funnel and conversion by stage"), "{md}");

        // The list filters by kind and status.
        let page: Page<Report> = s
            .ok(
                &app.client,
                "list_reports",
                json!({"workspace": ws, "query": {"filters": {"kind": "pipeline", "status": "succeeded"}}}),
            )
            .await;
        assert_eq!(page.items.len(), 1);
        assert_eq!(page.items[0].id, pipe.id);
        let res = s
            .call(
                &app.client,
                "list_reports",
                json!({"workspace": ws, "query": {"filters": {"kind": "weather"}}}),
            )
            .await;
        assert_eq!(res.status(), 422);

        // Delete: gone from the API and its files.
        let _: () = s
            .ok(
                &app.client,
                "delete_report",
                json!({"workspace": ws, "id": pipe.id}),
            )
            .await;
        let res = s
            .get(
                &app.client,
                &format!(
                    "/api/reports/{}/download?workspace={ws}&format=pdf",
                    pipe.id
                ),
            )
            .await;
        assert_eq!(res.status(), 404);
    }
);

both_backends!(
    an_empty_segment_makes_a_report_that_says_so,
    |app: TestApp| async move {
        let (s, ws, _) = seeded(&app, "empty@example.com").await;
        let r = start(
            &app,
            &s,
            &ws,
            json!({"kind": "market", "industry": "Underwater Basket Weaving"}),
        )
        .await;
        let md = check_formats(&app, &s, &ws, &r).await;
        assert!(
            md.contains("No companies match the segment Underwater Basket Weaving"),
            "{md}"
        );
        assert!(md.contains("No data for this segment."), "{md}");
    }
);

both_backends!(bad_input_is_a_field_error, |app: TestApp| async move {
    let (s, ws) = crate::common::owner_of_new_workspace(&app, "bad@example.com").await;
    let ws = ws.slug;
    let fields = |body: Value| -> Vec<String> {
        body["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap().to_owned())
            .collect()
    };
    let res = s
        .call(
            &app.client,
            "start_report",
            json!({"workspace": ws, "input": {"kind": "horoscope"}}),
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(fields(res.json().await.unwrap()), ["kind"]);

    let res = s
        .call(
            &app.client,
            "start_report",
            json!({"workspace": ws, "input": {"kind": "competitor", "size_band": "huge", "from": "2026-05-01", "to": "2026-01-01", "deliver_to": ["nope"]}}),
        )
        .await;
    assert_eq!(res.status(), 422);
    assert_eq!(
        fields(res.json().await.unwrap()),
        ["size_band", "from", "deliver_to", "company_id"]
    );

    // A report that is not finished has no files yet; an unknown format is named.
    let res = s
        .get(
            &app.client,
            &format!("/api/reports/1/download?workspace={ws}&format=docx"),
        )
        .await;
    assert_eq!(res.status(), 422);
});

#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<(HeaderMap, String)>>>);

async fn receiver() -> (std::net::SocketAddr, Received) {
    async fn ok(State(r): State<Received>, headers: HeaderMap, body: String) -> &'static str {
        r.0.lock().unwrap().push((headers, body));
        "thanks"
    }
    let received = Received::default();
    let router = Router::new()
        .route("/hook", post(ok))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (addr, received)
}

both_backends!(
    a_finished_report_is_mailed_and_announced_signed,
    empty_db = |db: TestDb| async move {
        let (port, mail) = common::smtp_sink().await;
        let mut config = crate::common::test_config(&db.url);
        config.smtp_host = Some("127.0.0.1".into());
        config.smtp_port = port;
        config.smtp_tls = "none".into();
        config.job_workers = Some(2);
        let app = crate::common::spawn_with(db, config, |_| None).await;
        let (s, ws, _) = seeded(&app, "deliver@example.com").await;
        let (addr, received) = receiver().await;
        let hook: CreatedWebhookEndpoint = s
        .ok(
            &app.client,
            "create_webhook",
            json!({"workspace": ws, "input": {"url": format!("http://{addr}/hook"), "event_types": ["report.completed"]}}),
        )
        .await;

        let r = start(
            &app,
            &s,
            &ws,
            json!({"kind": "pipeline", "deliver_to": ["ana@example.com"]}),
        )
        .await;

        let data = tokio::time::timeout(Duration::from_secs(60), mail)
            .await
            .expect("the e-mail arrives")
            .unwrap();
        assert!(data.contains("ana@example.com"));
        assert!(data.contains("application/pdf"), "the PDF is attached");
        assert!(data.contains(&format!("-{}.pdf", r.id)));

        let mut got = Vec::new();
        for _ in 0..1200 {
            got = received.0.lock().unwrap().clone();
            if !got.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let (headers, body) = got.first().expect("the webhook arrives");
        assert_eq!(headers["x-hyperformant-event"], "report.completed");
        let sig = headers[webhooks::SIGNATURE_HEADER].to_str().unwrap();
        assert!(webhooks::verify(
            &hook.secret,
            sig,
            body,
            chrono::Utc::now().timestamp(),
            300
        ));
        let payload: Value = serde_json::from_str(body).unwrap();
        assert_eq!(payload["data"]["report_id"], r.id, "{payload}");
    }
);

both_backends!(a_due_schedule_makes_a_report, |app: TestApp| async move {
    let (s, ws, _) = seeded(&app, "sched-report@example.com").await;
    let created: Schedule = s
        .ok(
            &app.client,
            "create_schedule",
            json!({"workspace": ws, "input": {
                "name": "Weekly market", "kind": "market", "input": {"country": "DE"},
                "cron": "0 8 * * MON", "timezone": "UTC", "recipients": []}}),
        )
        .await;
    schedules::Entity::update_many()
        .col_expr(
            schedules::Column::NextRunAt,
            sea_orm::sea_query::Expr::value(chrono::Utc::now() - chrono::Duration::minutes(1)),
        )
        .filter(schedules::Column::Id.eq(created.id))
        .exec(&app.state.db)
        .await
        .unwrap();
    assert_eq!(
        scheduler::tick(&app.state, chrono::Utc::now(), 100)
            .await
            .unwrap(),
        1
    );
    let mut reports = Vec::new();
    for _ in 0..1200 {
        let page: Page<Report> = s
            .ok(
                &app.client,
                "list_reports",
                json!({"workspace": ws, "query": {}}),
            )
            .await;
        reports = page.items;
        if !reports.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let report = reports.first().expect("the schedule started a report");
    assert_eq!(report.input.country.as_deref(), Some("DE"));
    assert_eq!(report.input.kind, "market");
    let done = wait_done(&app, &s, &ws, report.id).await;
    assert_eq!(done.status, ReportStatus::Succeeded, "{:?}", done.error);
});
