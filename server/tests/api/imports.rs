//! CSV import and export end to end: upload, preview, check, all-or-nothing import, the
//! error report, upserts, nasty files, and exports that import again.

use crate::common;

use common::{Session, TestApp};
use serde_json::{json, Value};

use app::types::{Company, ImportCheck, ImportOutcome, ImportPreview, Page};

const PW: &str = "correct horse battery";

async fn owner(app: &TestApp, email: &str) -> (Session, String) {
    let s = app.sign_up(email, "Owner", PW).await;
    let info: Option<app::types::SessionInfo> =
        s.ok(&app.client, "current_session", json!({})).await;
    (s, info.unwrap().workspaces[0].slug.clone())
}

async fn upload(
    app: &TestApp,
    s: &Session,
    ws: &str,
    entity: &str,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    app.client
        .post(app.url(&format!(
            "/api/imports/upload?workspace={ws}&entity={entity}&filename={name}"
        )))
        .header("cookie", s.header())
        .header("origin", app.origin())
        .header("content-type", "text/csv")
        .body(bytes)
        .send()
        .await
        .unwrap()
}

async fn preview(app: &TestApp, s: &Session, ws: &str, entity: &str, csv: &str) -> ImportPreview {
    let res = upload(app, s, ws, entity, "test.csv", csv.as_bytes().to_vec()).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    res.json().await.unwrap()
}

fn options(p: &ImportPreview, extra: Value) -> Value {
    let mut o = json!({"mapping": p.suggested});
    if let (Some(o), Some(e)) = (o.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            o.insert(k.clone(), v.clone());
        }
    }
    o
}

async fn count_companies(app: &TestApp) -> u64 {
    use sea_orm::{EntityTrait, PaginatorTrait};
    app::backend::entity::companies::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap()
}

async fn companies(app: &TestApp, s: &Session, ws: &str) -> Page<Company> {
    s.ok(
        &app.client,
        "list_companies",
        json!({"workspace": ws, "query": {}}),
    )
    .await
}

both_backends!(
    all_or_nothing_with_an_error_report,
    |app: TestApp| async move {
        let (s, ws) = owner(&app, "i@example.com").await;
        let csv = "Company,Website,Employees,Annual Revenue,HQ Country,Tags\n\
               Acme,https://acme.com,120,\"1,250,000\",DE,saas;b2b\n\
               Broken,not a domain at all,many,-5,Germany,\n\
               Globex,globex.com,,,US,\n";
        let p = preview(&app, &s, &ws, "companies", csv).await;
        assert!(p.has_header);
        assert_eq!(p.headers.len(), 6);
        assert_eq!(p.suggested[0].as_deref(), Some("name"));
        assert_eq!(p.suggested[2].as_deref(), Some("employee_count"));

        let check: ImportCheck = s
            .ok(
                &app.client,
                "check_import",
                json!({"workspace": ws, "id": p.id, "options": options(&p, json!({}))}),
            )
            .await;
        assert_eq!((check.rows, check.valid, check.invalid), (3, 2, 1));
        let lines: Vec<u64> = check.problems.iter().map(|p| p.line).collect();
        assert!(
            lines.iter().all(|l| *l == 3),
            "errors on line 3 only: {:?}",
            check.problems
        );
        let fields: Vec<&str> = check
            .problems
            .iter()
            .filter_map(|p| p.field.as_deref())
            .collect();
        for f in ["website", "employee_count", "annual_revenue", "country"] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }

        // Without "skip invalid rows": nothing is written, the report is offered.
        let out: ImportOutcome = s
            .ok(
                &app.client,
                "run_import",
                json!({"workspace": ws, "id": p.id, "options": options(&p, json!({}))}),
            )
            .await;
        assert!(!out.imported);
        assert_eq!(
            companies(&app, &s, &ws).await.total,
            0,
            "nothing half-imported"
        );
        let report_url = out.report_url.expect("report link");
        let report = app
            .client
            .get(app.url(&report_url))
            .header("cookie", s.header())
            .send()
            .await
            .unwrap();
        assert_eq!(report.status(), 200);
        assert!(report.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("test-errors.csv"));
        let text = report.text().await.unwrap();
        assert!(
            text.contains("Broken") && !text.contains("Globex"),
            "only the bad row: {text}"
        );
        assert!(text.contains("employee_count"), "{text}");

        // With it: the valid rows, in one go.
        let out: ImportOutcome = s.ok(&app.client, "run_import", json!({"workspace": ws, "id": p.id, "options": options(&p, json!({"skip_invalid": true}))})).await;
        assert!(out.imported);
        assert_eq!((out.inserted, out.skipped), (2, 1));
        let list = companies(&app, &s, &ws).await;
        assert_eq!(list.total, 2);
        let acme = list.items.iter().find(|c| c.name == "Acme").unwrap();
        assert_eq!(
            acme.domain.as_deref(),
            Some("acme.com"),
            "domain taken from the website"
        );
        assert_eq!(acme.tags, vec!["saas", "b2b"]);
        assert_eq!(acme.source, app::types::CompanySource::Csv);
        // A spent import cannot run twice.
        let again = s
            .call(
                &app.client,
                "run_import",
                json!({"workspace": ws, "id": p.id, "options": options(&p, json!({}))}),
            )
            .await;
        assert_eq!(again.status(), 409);
        let audit: Page<app::types::AuditEntry> = s
            .ok(
                &app.client,
                "list_audit_log",
                json!({"workspace": ws, "action": "import."}),
            )
            .await;
        assert_eq!(audit.total, 1);
    }
);

both_backends!(duplicates_and_upserts, |app: TestApp| async move {
    let (s, ws) = owner(&app, "u@example.com").await;
    let _: Company = s
        .ok(
            &app.client,
            "create_company",
            json!({"workspace": ws, "input": {"name": "Old Acme", "domain": "acme.com"}}),
        )
        .await;
    let csv = "name,domain,industry\nAcme Inc,acme.com,Software\nNew Co,new.example,Retail\nNew Co again,NEW.example,Retail\n";
    let p = preview(&app, &s, &ws, "companies", csv).await;
    let check: ImportCheck = s
        .ok(
            &app.client,
            "check_import",
            json!({"workspace": ws, "id": p.id, "options": options(&p, json!({}))}),
        )
        .await;
    let messages: Vec<String> = check
        .problems
        .iter()
        .map(|p| format!("{}: {}", p.line, p.message))
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("2:") && m.contains("update existing")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("4:") && m.contains("line 3")),
        "{messages:?}"
    );

    let csv = "name,domain,industry\nAcme Inc,acme.com,Software\nNew Co,new.example,Retail\n";
    let p = preview(&app, &s, &ws, "companies", csv).await;
    let out: ImportOutcome = s
        .ok(
            &app.client,
            "run_import",
            json!({"workspace": ws, "id": p.id, "options": options(&p, json!({"upsert": true}))}),
        )
        .await;
    assert_eq!((out.inserted, out.updated), (1, 1));
    let list = companies(&app, &s, &ws).await;
    assert_eq!(list.total, 2);
    assert!(list
        .items
        .iter()
        .any(|c| c.name == "Acme Inc" && c.industry.as_deref() == Some("Software")));
});

both_backends!(nasty_files, |app: TestApp| async move {
    let (s, ws) = owner(&app, "n@example.com").await;
    // Latin-1, semicolons, a BOM-less header, quoted newline and an empty line.
    let mut latin1 = b"Name;Domain;City;Description\r\n\"M\xfcller GmbH\";mueller.de;\"K\xf6ln\";\r\n\r\nBreak AG;linebreak.de;Bern;\"two\nlines\"\r\n".to_vec();
    let p: ImportPreview = upload(
        &app,
        &s,
        &ws,
        "companies",
        "latin.csv",
        std::mem::take(&mut latin1),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(p.delimiter, "semicolon (;)");
    assert!(p.encoding.contains("1252"));
    let out: ImportOutcome = s
        .ok(
            &app.client,
            "run_import",
            json!({"workspace": ws, "id": p.id, "options": options(&p, json!({}))}),
        )
        .await;
    assert!(out.imported, "{:?}", out.check.problems);
    let list = companies(&app, &s, &ws).await;
    let names: Vec<&str> = list.items.iter().map(|c| c.name.as_str()).collect();
    assert!(names.contains(&"Müller GmbH"), "{names:?}");
    assert!(list.items.iter().any(|c| c.city.as_deref() == Some("Köln")));
    let b = list
        .items
        .iter()
        .find(|c| c.name == "Break AG")
        .expect("row after an empty line");
    assert_eq!(
        b.description.as_deref(),
        Some("two\nlines"),
        "a quoted newline stays inside its cell"
    );

    // Not a CSV at all.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let res = upload(&app, &s, &ws, "companies", "logo.png", png).await;
    assert_eq!(res.status(), 400);
    assert!(res.json::<Value>().await.unwrap()["message"]
        .as_str()
        .unwrap()
        .contains("not a CSV"));
    // Empty.
    let res = upload(&app, &s, &ws, "companies", "empty.csv", vec![]).await;
    assert_eq!(res.status(), 400);
    // Too large (the test server takes 2 MB).
    let big = "name\n".to_owned() + &"x\n".repeat(1_200_000);
    let res = upload(&app, &s, &ws, "companies", "big.csv", big.into_bytes()).await;
    assert_eq!(res.status(), 413);
    assert_eq!(
        res.json::<Value>().await.unwrap()["code"],
        "payload_too_large"
    );
    // An unknown entity and a bad mapping.
    let res = upload(&app, &s, &ws, "invoices", "x.csv", b"a\n1\n".to_vec()).await;
    assert_eq!(res.status(), 422);
    let p = preview(&app, &s, &ws, "companies", "name,notes\nA,x\n").await;
    let check: ImportCheck = s
        .ok(
            &app.client,
            "check_import",
            json!({"workspace": ws, "id": p.id, "options": {"mapping": ["name", "password_hash"]}}),
        )
        .await;
    assert!(!check.mapping_problems.is_empty());
    let check: ImportCheck = s
        .ok(
            &app.client,
            "check_import",
            json!({"workspace": ws, "id": p.id, "options": {"mapping": [null, null]}}),
        )
        .await;
    assert!(
        check.mapping_problems.iter().any(|m| m.contains("Name")),
        "the required field is named: {:?}",
        check.mapping_problems
    );
});

both_backends!(
    contacts_and_deals_link_by_domain_and_stage,
    |app: TestApp| async move {
        let (s, ws) = owner(&app, "d@example.com").await;
        let _: Company = s
            .ok(
                &app.client,
                "create_company",
                json!({"workspace": ws, "input": {"name": "Acme", "domain": "acme.com"}}),
            )
            .await;
        let p = preview(&app, &s, &ws, "contacts", "Full name,Email,Company\nAnn Lee,ann@acme.com,acme.com\nBob,bob@nowhere.example,nowhere.example\n").await;
        let check: ImportCheck = s
            .ok(
                &app.client,
                "check_import",
                json!({"workspace": ws, "id": p.id, "options": options(&p, json!({}))}),
            )
            .await;
        assert_eq!(check.invalid, 1);
        assert!(check.problems[0].message.contains("no company with domain"));

        let csv = "Deal,Amount,Stage,Close date,Company,Owner\n\
               Acme renewal,\"12,500.00\",Proposal,2027-03-31,acme.com,d@example.com\n\
               Bad stage,100,Closed-ish,,,\n\
               Negative,-4,Lead,,,\n\
               Ambiguous date,10,Lead,03/04/2027,,\n";
        let p = preview(&app, &s, &ws, "deals", csv).await;
        let check: ImportCheck = s
            .ok(
                &app.client,
                "check_import",
                json!({"workspace": ws, "id": p.id, "options": options(&p, json!({}))}),
            )
            .await;
        assert_eq!((check.valid, check.invalid), (1, 3), "{:?}", check.problems);
        let text = format!("{:?}", check.problems);
        assert!(
            text.contains("not a stage of this pipeline")
                && text.contains("negative")
                && text.contains("YYYY-MM-DD"),
            "{text}"
        );
        let out: ImportOutcome = s.ok(&app.client, "run_import", json!({"workspace": ws, "id": p.id, "options": options(&p, json!({"skip_invalid": true}))})).await;
        assert_eq!(out.inserted, 1);
        let deals: Page<app::types::Deal> = s
            .ok(
                &app.client,
                "list_deals",
                json!({"workspace": ws, "query": {}}),
            )
            .await;
        let d = &deals.items[0];
        assert_eq!(
            (
                d.stage_name.as_str(),
                d.amount.minor,
                d.company_name.as_deref()
            ),
            ("Proposal", 1_250_000, Some("Acme"))
        );
        assert_eq!(d.owner_name.as_deref(), Some("Owner"));
    }
);

both_backends!(
    exports_stream_the_list_and_import_again,
    |app: TestApp| async move {
        let (s, ws) = owner(&app, "e@example.com").await;
        for (name, industry) in [
            ("Alpha", "Software"),
            ("=HYPERLINK(\"http://evil\")", "Software"),
            ("Gamma", "Retail"),
        ] {
            let _: Company = s.ok(&app.client, "create_company", json!({"workspace": ws, "input": {"name": name, "industry": industry, "annual_revenue": "1000.5"}})).await;
        }
        let res = s
            .get(
                &app.client,
                &format!("/api/export/companies.csv?workspace={ws}&industry=Software&sort=name"),
            )
            .await;
        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        let body = res.bytes().await.unwrap();
        assert!(body.starts_with(b"\xEF\xBB\xBF"));
        let text = String::from_utf8(body[3..].to_vec()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines.len(),
            3,
            "header + the two Software companies: {text}"
        );
        assert!(lines[0].starts_with("id,name,domain,industry"));
        assert!(text.contains("'=HYPERLINK"), "formulas are neutralised");
        assert!(!text.contains("Gamma"));
        assert!(text.contains("1000.50"));

        // Bad filters are refused before the download starts; other workspaces look missing.
        let res = s
            .get(
                &app.client,
                &format!("/api/export/companies.csv?workspace={ws}&industy=x"),
            )
            .await;
        assert_eq!(res.status(), 422);
        let res = s
            .get(
                &app.client,
                "/api/export/companies.csv?workspace=someone-else",
            )
            .await;
        assert_eq!(res.status(), 404);
        let res = s
            .get(
                &app.client,
                &format!("/api/export/passwords.csv?workspace={ws}"),
            )
            .await;
        assert_eq!(res.status(), 404);

        // The export imports into another workspace as it is.
        let (s2, ws2) = owner(&app, "e2@example.com").await;
        let p: ImportPreview = upload(&app, &s2, &ws2, "companies", "export.csv", body.to_vec())
            .await
            .json()
            .await
            .unwrap();
        let out: ImportOutcome = s2
            .ok(
                &app.client,
                "run_import",
                json!({"workspace": ws2, "id": p.id, "options": options(&p, json!({}))}),
            )
            .await;
        assert!(
            out.imported,
            "{:?} {:?}",
            out.check.problems, out.check.mapping_problems
        );
        assert_eq!(out.inserted, 2);
    }
);

both_backends!(
    large_files_import_in_the_background_with_progress,
    |app: TestApp| async move {
        let (s, ws) = owner(&app, "bg@example.com").await;
        let mut csv = String::from("name,domain,employees\n");
        for i in 0..2_500 {
            csv.push_str(&format!("Company {i},c{i}.example,{}\n", 10 + i));
        }
        let p = preview(&app, &s, &ws, "companies", &csv).await;
        let job: app::types::Job = s
            .ok(
                &app.client,
                "start_import",
                json!({"workspace": ws, "id": p.id, "options": options(&p, json!({}))}),
            )
            .await;
        assert_eq!(job.kind, "import");
        let mut done = None;
        for _ in 0..600 {
            let d: app::types::JobDetail = s
                .ok(
                    &app.client,
                    "get_job",
                    json!({"workspace": ws, "id": job.id}),
                )
                .await;
            if d.job.is_finished() {
                done = Some(d);
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let done = done.expect("the import job finished");
        assert_eq!(done.job.status, "succeeded", "{:?}", done.job.last_error);
        let outcome: ImportOutcome = serde_json::from_value(done.job.result.unwrap()).unwrap();
        assert!(outcome.imported);
        assert_eq!(outcome.inserted, 2_500);
        let messages: Vec<&str> = done.events.iter().map(|e| e.message.as_str()).collect();
        assert!(messages.contains(&"check every row"), "{messages:?}");
        assert!(messages.contains(&"write the rows"), "{messages:?}");
        // PostgreSQL logs progress; SQLite announces it live only (the import's transaction
        // holds its one write lock).
        if app.db.backend == common::Backend::Postgres {
            assert!(
                messages.contains(&"2000 of 2500 rows written"),
                "{messages:?}"
            );
        }
        assert_eq!(count_companies(&app).await, 2_500);

        // Again: the same upload cannot be imported twice.
        let res = s
            .call(
                &app.client,
                "start_import",
                json!({"workspace": ws, "id": p.id, "options": options(&p, json!({}))}),
            )
            .await;
        assert_eq!(res.status(), 409);

        // A file with a bad row: the job succeeds with "nothing written" and the report.
        let p = preview(
            &app,
            &s,
            &ws,
            "companies",
            "name,domain\nGood,good.example\nBad,not a domain\n",
        )
        .await;
        let job: app::types::Job = s
            .ok(
                &app.client,
                "start_import",
                json!({"workspace": ws, "id": p.id, "options": options(&p, json!({}))}),
            )
            .await;
        let mut result = None;
        for _ in 0..600 {
            let j: app::types::Job = s
                .ok::<app::types::JobDetail>(
                    &app.client,
                    "get_job",
                    json!({"workspace": ws, "id": job.id}),
                )
                .await
                .job;
            if j.is_finished() {
                result = j.result;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let outcome: ImportOutcome = serde_json::from_value(result.unwrap()).unwrap();
        assert!(!outcome.imported);
        assert_eq!(outcome.check.invalid, 1);
        assert!(outcome.report_url.is_some());
        assert_eq!(count_companies(&app).await, 2_500, "nothing half-written");
    }
);

both_backends!(
    a_shutdown_mid_import_hands_the_job_back,
    config = |c: &mut server::config::Config| {
        // Only the workers this test starts and stops run jobs.
        c.job_workers = Some(0);
        c.import_max_bytes = 16 * 1024 * 1024;
    },
    |app: TestApp| async move {
        use app::backend::jobs::{queue, Pool, PoolConfig};
        let (s, ws) = owner(&app, "stop@example.com").await;
        // Enough rows that checking them takes a while: the shutdown lands in that step.
        let mut csv = String::from("name,domain,employees\n");
        for i in 0..150_000 {
            csv.push_str(&format!("Company {i},c{i}.example,{}\n", 10 + i % 500));
        }
        let p = preview(&app, &s, &ws, "companies", &csv).await;
        let job: app::types::Job = s
            .ok(
                &app.client,
                "start_import",
                json!({"workspace": ws, "id": p.id, "options": options(&p, json!({}))}),
            )
            .await;
        let state = &app.state;
        let pool = Pool::start(
            state.db.clone(),
            state.events().clone(),
            app::backend::job_kinds::registry(state),
            PoolConfig {
                workers: 1,
                poll: std::time::Duration::from_millis(20),
                ..PoolConfig::default()
            },
        );
        let mut checking = false;
        for _ in 0..500 {
            let row = queue::get(&state.db, job.id).await.unwrap();
            if row.step.as_deref() == Some("check every row") {
                checking = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert!(checking, "the import started checking its rows");
        pool.shutdown().await;

        let row = queue::get(&state.db, job.id).await.unwrap();
        assert_eq!(
            (row.status.as_str(), row.attempts, row.last_error.as_deref()),
            ("queued", 0, None),
            "handed back unfinished, the attempt not counted and no error recorded"
        );
        assert_eq!(count_companies(&app).await, 0, "nothing half-written");
    }
);
