//! The dashboard over demo data on both databases, checked against figures computed here
//! independently — from every row, in Rust, without the dashboard's SQL — and the cache
//! dropped when data changes.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};

use app::backend::entity::{activities, companies, competitors, deals, pipeline_stages, signals};
use app::types::{Dashboard, Kpi, KpiValue};

use crate::common::TestApp;

fn kpi<'a>(d: &'a Dashboard, key: &str) -> &'a Kpi {
    d.kpis
        .iter()
        .find(|k| k.key == key)
        .unwrap_or_else(|| panic!("no KPI {key}"))
}

fn money(v: &KpiValue, currency: &str) -> i64 {
    match v {
        KpiValue::Money(list) => list
            .iter()
            .filter(|m| m.currency.as_str() == currency)
            .map(|m| m.minor)
            .sum(),
        other => panic!("not money: {other:?}"),
    }
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-6 * b.abs().max(1.0),
        (None, None) => true,
        _ => false,
    }
}

fn sum_series(chart: &app::types::charts::CategoryChart, i: usize) -> f64 {
    chart.series[i].values.iter().flatten().sum()
}

/// A member signed up with a workspace seeded with demo data: (session, workspace, owners).
async fn seeded(
    app: &TestApp,
    email: &str,
    companies: usize,
    deals: usize,
    seed: u64,
) -> (
    crate::common::Session,
    app::types::WorkspaceSummary,
    Vec<i64>,
) {
    let (s, ws) = crate::common::owner_of_new_workspace(app, email).await;
    let owners = crate::common::seed_demo(app, ws.id, companies, deals, seed).await;
    (s, ws, owners)
}

both_backends!(
    dashboard_figures_match_the_rows,
    |app: TestApp| async move {
        let (s, ws, owners) = seeded(&app, "dash@example.com", 60, 400, 7).await;
        let db = &app.state.db;

        let res = s
            .call(
                &app.client,
                "get_dashboard",
                json!({"workspace": ws.slug, "query": {"days": 12}}),
            )
            .await;
        assert_eq!(res.status(), 422, "an unknown period is refused");

        let d: Dashboard = s
            .ok(
                &app.client,
                "get_dashboard",
                json!({"workspace": ws.slug, "query": {"days": 365}}),
            )
            .await;
        let (from, to, prev) = (d.from, d.to, d.from - (d.to - d.from));
        let cur = d.currency.clone();

        // Every row, read plainly.
        let all_deals = deals::Entity::find()
            .filter(deals::Column::WorkspaceId.eq(ws.id))
            .all(db)
            .await
            .unwrap();
        let kinds: HashMap<i64, String> = pipeline_stages::Entity::find()
            .filter(pipeline_stages::Column::WorkspaceId.eq(ws.id))
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|s| (s.id, s.kind.as_str().to_owned()))
            .collect();
        assert!(all_deals.len() == 400);
        // The charts' currency is the one most deals use, ties to the first by name.
        let mut by_currency: HashMap<&str, usize> = HashMap::new();
        for x in &all_deals {
            *by_currency.entry(x.currency.as_str()).or_default() += 1;
        }
        let most = by_currency
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(c, _)| *c);
        assert_eq!(most, Some(cur.as_str()));

        let open_at = |t: chrono::DateTime<chrono::Utc>, d: &deals::Model| {
            d.created_at < t && d.closed_at.is_none_or(|c| c >= t)
        };
        let open_now: i64 = all_deals
            .iter()
            .filter(|x| x.currency == cur && open_at(to, x))
            .map(|x| x.amount_minor)
            .sum();
        let open_before: i64 = all_deals
            .iter()
            .filter(|x| x.currency == cur && open_at(from, x))
            .map(|x| x.amount_minor)
            .sum();
        let weighted: i64 = all_deals
            .iter()
            .filter(|x| x.currency == cur && open_at(to, x))
            .map(|x| x.amount_minor * i64::from(x.probability))
            .sum::<i64>()
            / 100;
        assert_eq!(money(&kpi(&d, "open_pipeline").value, &cur), open_now);
        assert_eq!(money(&kpi(&d, "open_pipeline").previous, &cur), open_before);
        assert_eq!(money(&kpi(&d, "weighted_forecast").value, &cur), weighted);

        let closed_in =
            |a: chrono::DateTime<chrono::Utc>, b: chrono::DateTime<chrono::Utc>, kind: &str| {
                all_deals
                    .iter()
                    .filter(|x| x.closed_at.is_some_and(|c| c >= a && c < b))
                    .filter(|x| kinds[&x.stage_id] == kind)
                    .collect::<Vec<_>>()
            };
        let won = closed_in(from, to, "won");
        let lost = closed_in(from, to, "lost");
        let won_sum: i64 = won
            .iter()
            .filter(|x| x.currency == cur)
            .map(|x| x.amount_minor)
            .sum();
        assert!(!won.is_empty(), "the demo wins deals within a year");
        assert_eq!(money(&kpi(&d, "won_revenue").value, &cur), won_sum);
        let won_before: i64 = closed_in(prev, from, "won")
            .iter()
            .filter(|x| x.currency == cur)
            .map(|x| x.amount_minor)
            .sum();
        assert_eq!(money(&kpi(&d, "won_revenue").previous, &cur), won_before);
        let rate = won.len() as f64 / (won.len() + lost.len()) as f64;
        assert_eq!(kpi(&d, "win_rate").value, KpiValue::Percent(Some(rate)));
        let cycle = won
            .iter()
            .map(|x| (x.closed_at.unwrap() - x.created_at).num_milliseconds() as f64 / 86_400_000.0)
            .sum::<f64>()
            / won.len() as f64;
        let KpiValue::Days(got) = kpi(&d, "sales_cycle_days").value else {
            panic!()
        };
        assert!(close(got, Some(cycle)), "cycle {got:?} vs {cycle}");

        let comps = companies::Entity::find()
            .filter(companies::Column::WorkspaceId.eq(ws.id))
            .all(db)
            .await
            .unwrap();
        let new_companies = comps
            .iter()
            .filter(|c| c.created_at >= from && c.created_at < to)
            .count() as u64;
        assert_eq!(
            kpi(&d, "new_companies").value,
            KpiValue::Count(new_companies)
        );

        let sigs = signals::Entity::find()
            .filter(signals::Column::WorkspaceId.eq(ws.id))
            .all(db)
            .await
            .unwrap();
        let in_period: Vec<f64> = sigs
            .iter()
            .filter(|x| x.published_at >= from && x.published_at < to)
            .map(|x| x.sentiment)
            .collect();
        let avg =
            (!in_period.is_empty()).then(|| in_period.iter().sum::<f64>() / in_period.len() as f64);
        let KpiValue::Score(got) = kpi(&d, "avg_sentiment").value else {
            panic!()
        };
        assert!(close(got, avg), "sentiment {got:?} vs {avg:?}");

        // Charts add up to the same rows.
        assert!(close(
            Some(sum_series(&d.won_revenue, 0)),
            Some(won_sum as f64)
        ));
        let created = all_deals
            .iter()
            .filter(|x| x.created_at >= from && x.created_at < to)
            .count();
        let closed = all_deals
            .iter()
            .filter(|x| x.closed_at.is_some_and(|c| c >= from && c < to))
            .count();
        assert_eq!(sum_series(&d.created_vs_closed, 0) as usize, created);
        assert_eq!(sum_series(&d.created_vs_closed, 1) as usize, closed);
        let acts = activities::Entity::find()
            .filter(activities::Column::WorkspaceId.eq(ws.id))
            .all(db)
            .await
            .unwrap();
        let acts_in = acts
            .iter()
            .filter(|a| a.occurred_at >= from && a.occurred_at < to)
            .count();
        let charted: f64 = (0..d.activity_volume.series.len())
            .map(|i| sum_series(&d.activity_volume, i))
            .sum();
        assert_eq!(charted as usize, acts_in);
        let pid = d.pipeline_id.unwrap();
        let open_in_pipeline: i64 = all_deals
            .iter()
            .filter(|x| x.pipeline_id == pid && x.closed_at.is_none() && x.currency == cur)
            .map(|x| x.amount_minor)
            .sum();
        assert!(close(
            Some(sum_series(&d.pipeline_by_stage, 0)),
            Some(open_in_pipeline as f64)
        ));
        assert!(
            !d.sentiment_trend.series.is_empty(),
            "the demo names competitors"
        );

        // The owner filter narrows deals to one member's.
        let mine: Dashboard = s
            .ok(
                &app.client,
                "get_dashboard",
                json!({"workspace": ws.slug, "query": {"days": 365, "owner": owners[0]}}),
            )
            .await;
        let mine_open: i64 = all_deals
            .iter()
            .filter(|x| x.owner_id == Some(owners[0]) && x.currency == cur && open_at(mine.to, x))
            .map(|x| x.amount_minor)
            .sum();
        assert_eq!(money(&kpi(&mine, "open_pipeline").value, &cur), mine_open);

        // A new deal changes the figures at once: the cached dashboard is dropped.
        let pipelines: Vec<app::types::Pipeline> = s
            .ok(&app.client, "list_pipelines", json!({"workspace": ws.slug}))
            .await;
        let open_stage = pipelines[0]
            .stages
            .iter()
            .find(|st| st.kind == app::types::StageKind::Open)
            .unwrap();
        s.ok::<Value>(
        &app.client,
        "create_deal",
        json!({"workspace": ws.slug, "input": {"name": "Fresh", "pipeline_id": pipelines[0].id, "stage_id": open_stage.id, "amount": "1000", "currency": cur}}),
    )
    .await;
        let mut after = None;
        for _ in 0..100 {
            let d2: Dashboard = s
                .ok(
                    &app.client,
                    "get_dashboard",
                    json!({"workspace": ws.slug, "query": {"days": 365}}),
                )
                .await;
            if money(&kpi(&d2, "open_pipeline").value, &cur) != open_now {
                after = Some(d2);
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let after = after.expect("the dashboard saw the new deal");
        assert_eq!(
            money(&kpi(&after, "open_pipeline").value, &cur),
            open_now + 100_000
        );
    }
);

/// `deal_totals` as it should be: every deal's contributions, summed here from the rows.
type Totals = std::collections::BTreeMap<(String, String, i64, String, i64), (i64, i64, i64, f64)>;

fn expected_totals(rows: &[deals::Model]) -> Totals {
    let mut t = Totals::new();
    for d in rows {
        let owner = d.owner_id.unwrap_or(0);
        let weighted = d.amount_minor * i64::from(d.probability);
        let mut add = |event: &str, day: String, stage: i64, days: f64| {
            let e = t
                .entry((event.into(), day, stage, d.currency.clone(), owner))
                .or_default();
            e.0 += 1;
            e.1 += d.amount_minor;
            e.2 += weighted;
            e.3 += days;
        };
        add(
            "created",
            d.created_at.format("%Y-%m-%d").to_string(),
            0,
            0.0,
        );
        match d.closed_at {
            Some(c) => add(
                "closed",
                c.format("%Y-%m-%d").to_string(),
                d.stage_id,
                (c - d.created_at).num_milliseconds() as f64 / 86_400_000.0,
            ),
            None => add("open", String::new(), d.stage_id, 0.0),
        }
    }
    t
}

async fn stored_totals(db: &sea_orm::DatabaseConnection, ws: i64) -> Totals {
    use sea_orm::{ConnectionTrait, Statement};
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            match db.get_database_backend() {
                sea_orm::DatabaseBackend::Postgres => {
                    "SELECT event, day, stage_id, currency, owner_id, n, amount, weighted, cycle_days \
                     FROM deal_totals WHERE workspace_id = $1"
                }
                _ => {
                    "SELECT event, day, stage_id, currency, owner_id, n, amount, weighted, cycle_days \
                     FROM deal_totals WHERE workspace_id = ?"
                }
            },
            [ws.into()],
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            let get_i = |c: &str| r.try_get::<i64>("", c).unwrap();
            (
                (
                    r.try_get::<String>("", "event").unwrap(),
                    r.try_get::<String>("", "day").unwrap(),
                    get_i("stage_id"),
                    r.try_get::<String>("", "currency").unwrap(),
                    get_i("owner_id"),
                ),
                (
                    get_i("n"),
                    get_i("amount"),
                    get_i("weighted"),
                    r.try_get::<f64>("", "cycle_days").unwrap(),
                ),
            )
        })
        // Rows that dropped back to nothing stay in the table; they add nothing.
        .filter(|(_, v)| v.0 != 0 || v.1 != 0 || v.2 != 0 || v.3.abs() > 1e-6)
        .collect()
}

/// `day_totals` as it should be: (source, day, kind, owner) → (count, total).
type DayTotals = std::collections::BTreeMap<(String, String, String, i64), (i64, f64)>;

async fn expected_day_totals(db: &sea_orm::DatabaseConnection, ws: i64) -> DayTotals {
    let mut t = DayTotals::new();
    let mut add =
        |source: &str, at: chrono::DateTime<chrono::Utc>, kind: &str, owner: i64, v: f64| {
            let e = t
                .entry((
                    source.into(),
                    at.format("%Y-%m-%d").to_string(),
                    kind.into(),
                    owner,
                ))
                .or_default();
            e.0 += 1;
            e.1 += v;
        };
    for c in companies::Entity::find()
        .filter(companies::Column::WorkspaceId.eq(ws))
        .all(db)
        .await
        .unwrap()
    {
        add("company", c.created_at, "", 0, 0.0);
    }
    for a in activities::Entity::find()
        .filter(activities::Column::WorkspaceId.eq(ws))
        .all(db)
        .await
        .unwrap()
    {
        add(
            "activity",
            a.occurred_at,
            a.kind.as_str(),
            a.author_id.unwrap_or(0),
            0.0,
        );
    }
    for x in signals::Entity::find()
        .filter(signals::Column::WorkspaceId.eq(ws))
        .all(db)
        .await
        .unwrap()
    {
        add("signal", x.published_at, "", 0, x.sentiment);
    }
    t
}

async fn stored_day_totals(db: &sea_orm::DatabaseConnection, ws: i64) -> DayTotals {
    use sea_orm::{ConnectionTrait, Statement};
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT source, day, kind, owner_id, n, total FROM day_totals WHERE workspace_id = {ws}"),
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            (
                (
                    r.try_get::<String>("", "source").unwrap(),
                    r.try_get::<String>("", "day").unwrap(),
                    r.try_get::<String>("", "kind").unwrap(),
                    r.try_get::<i64>("", "owner_id").unwrap(),
                ),
                (
                    r.try_get::<i64>("", "n").unwrap(),
                    r.try_get::<f64>("", "total").unwrap(),
                ),
            )
        })
        .filter(|(_, v)| v.0 != 0 || v.1.abs() > 1e-6)
        .collect()
}

async fn assert_totals_match(db: &sea_orm::DatabaseConnection, ws: i64, when: &str) {
    let rows = deals::Entity::find()
        .filter(deals::Column::WorkspaceId.eq(ws))
        .all(db)
        .await
        .unwrap();
    let want = expected_totals(&rows);
    let got = stored_totals(db, ws).await;
    let keys = |t: &Totals| t.keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&got), keys(&want), "{when}: the same rows");
    for (k, w) in &want {
        let g = got[k];
        assert_eq!((g.0, g.1, g.2), (w.0, w.1, w.2), "{when}: {k:?}");
        assert!(
            (g.3 - w.3).abs() < 1e-3,
            "{when}: cycle days of {k:?}: {} vs {}",
            g.3,
            w.3
        );
    }
    let mut named: std::collections::BTreeMap<i64, i64> = Default::default();
    for c in competitors::Entity::find()
        .filter(competitors::Column::WorkspaceId.eq(ws))
        .all(db)
        .await
        .unwrap()
    {
        *named.entry(c.competitor_id).or_default() += 1;
    }
    let counted: std::collections::BTreeMap<i64, i64> = {
        use sea_orm::{ConnectionTrait, Statement};
        db.query_all_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT competitor_id, n FROM competitor_counts WHERE workspace_id = {ws} AND n <> 0"),
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| (r.try_get("", "competitor_id").unwrap(), r.try_get("", "n").unwrap()))
        .collect()
    };
    assert_eq!(counted, named, "{when}: competitor counts");
    let want = expected_day_totals(db, ws).await;
    let got = stored_day_totals(db, ws).await;
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "{when}: the same day rows"
    );
    for (k, w) in &want {
        let g = got[k];
        assert_eq!(g.0, w.0, "{when}: {k:?}");
        assert!(
            (g.1 - w.1).abs() < 1e-6,
            "{when}: total of {k:?}: {} vs {}",
            g.1,
            w.1
        );
    }
}

both_backends!(
    deal_totals_follow_every_kind_of_deal_write,
    |app: TestApp| async move {
        use sea_orm::{ConnectionTrait, Statement};
        // A batch load (the seed's multi-row inserts) first.
        let (s, ws, owners) = seeded(&app, "totals@example.com", 30, 200, 11).await;
        let db = &app.state.db;
        assert_totals_match(db, ws.id, "after the seed").await;

        let pipelines: Vec<app::types::Pipeline> = s
            .ok(&app.client, "list_pipelines", json!({"workspace": ws.slug}))
            .await;
        let p = &pipelines[0];
        let stage =
            |kind: app::types::StageKind| p.stages.iter().find(|st| st.kind == kind).unwrap().id;
        let (open, won, lost) = (
            stage(app::types::StageKind::Open),
            stage(app::types::StageKind::Won),
            stage(app::types::StageKind::Lost),
        );
        // Through the API: create, edit every field the totals read, close, reopen, delete.
        let deal: app::types::Deal = s
            .ok(
                &app.client,
                "create_deal",
                json!({"workspace": ws.slug, "input": {"name": "Totals", "pipeline_id": p.id, "stage_id": open, "amount": "1000", "currency": "EUR", "probability": 30}}),
            )
            .await;
        assert_totals_match(db, ws.id, "after a create").await;
        s.ok::<Value>(
            &app.client,
            "update_deal",
            json!({"workspace": ws.slug, "id": deal.id, "input": {"name": "Totals", "pipeline_id": p.id, "stage_id": open, "amount": "2500.50", "currency": "USD", "probability": 55, "owner_id": owners[0]}}),
        )
        .await;
        assert_totals_match(db, ws.id, "after an update").await;
        for (to, when) in [(won, "won"), (open, "reopened"), (lost, "lost")] {
            s.ok::<Value>(
                &app.client,
                "move_deal",
                json!({"workspace": ws.slug, "id": deal.id, "stage_id": to}),
            )
            .await;
            assert_totals_match(db, ws.id, when).await;
        }
        s.ok::<Value>(
            &app.client,
            "delete_deal",
            json!({"workspace": ws.slug, "id": deal.id}),
        )
        .await;
        assert_totals_match(db, ws.id, "after a delete").await;

        // Plain SQL as another process might write it: many rows per statement, a change
        // of nothing the totals read, back-dated closes.
        let backend = db.get_database_backend();
        for sql in [
            format!("UPDATE deals SET probability = probability / 2, amount_minor = amount_minor + 100 WHERE workspace_id = {} AND closed_at IS NULL", ws.id),
            format!("UPDATE deals SET name = name || ' (renamed)' WHERE workspace_id = {}", ws.id),
            format!("UPDATE deals SET owner_id = NULL WHERE workspace_id = {} AND id % 3 = 0", ws.id),
            format!("UPDATE deals SET stage_id = {won}, closed_at = created_at WHERE workspace_id = {} AND id % 5 = 0 AND closed_at IS NULL", ws.id),
            format!("DELETE FROM deals WHERE workspace_id = {} AND id % 7 = 0", ws.id),
            format!("UPDATE activities SET kind = 'call', author_id = NULL WHERE workspace_id = {} AND id % 2 = 0", ws.id),
            format!("UPDATE activities SET occurred_at = created_at WHERE workspace_id = {} AND id % 3 = 0", ws.id),
            format!("UPDATE signals SET sentiment = -sentiment WHERE workspace_id = {} AND id % 2 = 0", ws.id),
            format!("DELETE FROM signals WHERE workspace_id = {} AND id % 5 = 0", ws.id),
            format!("DELETE FROM competitors WHERE workspace_id = {} AND id % 3 = 0", ws.id),
            // Cascades: a company's contacts, activities and signals go with it.
            format!("DELETE FROM companies WHERE workspace_id = {} AND id % 4 = 0", ws.id),
        ] {
            db.execute_raw(Statement::from_string(backend, sql.clone()))
                .await
                .unwrap();
            assert_totals_match(db, ws.id, &sql).await;
        }

        // What a bulk load that ran without the triggers sums at its end.
        for sql in [
            format!(
                "UPDATE deal_totals SET n = n + 5 WHERE workspace_id = {}",
                ws.id
            ),
            format!(
                "UPDATE day_totals SET n = n + 5 WHERE workspace_id = {}",
                ws.id
            ),
        ] {
            db.execute_raw(Statement::from_string(backend, sql))
                .await
                .unwrap();
        }
        for t in migrations::totals::ALL {
            for sql in t.rebuild(backend, ws.id) {
                db.execute_raw(Statement::from_string(backend, sql))
                    .await
                    .unwrap();
            }
        }
        assert_totals_match(db, ws.id, "after a rebuild").await;
    }
);

both_backends!(
    an_edited_pipeline_shows_on_the_dashboard_at_once,
    |app: TestApp| async move {
        let (s, ws, _) = seeded(&app, "stages@example.com", 20, 120, 5).await;
        let query = json!({"workspace": ws.slug, "query": {"days": 90}});
        let d: Dashboard = s.ok(&app.client, "get_dashboard", query.clone()).await;
        let pipelines: Vec<app::types::Pipeline> = s
            .ok(&app.client, "list_pipelines", json!({"workspace": ws.slug}))
            .await;
        let p = pipelines
            .iter()
            .find(|p| Some(p.id) == d.pipeline_id)
            .unwrap();
        let first_open = p
            .stages
            .iter()
            .find(|st| st.kind == app::types::StageKind::Open)
            .unwrap();
        assert!(d.pipeline_by_stage.labels.contains(&first_open.name));
        // An admin makes that stage a lost one: it leaves the open pipeline's chart.
        let stages: Vec<Value> = p
            .stages
            .iter()
            .map(|st| {
                let kind = if st.id == first_open.id {
                    app::types::StageKind::Lost
                } else {
                    st.kind
                };
                json!({"id": st.id, "name": st.name, "default_probability": st.default_probability, "kind": kind})
            })
            .collect();
        s.ok::<Value>(
            &app.client,
            "update_pipeline",
            json!({"workspace": ws.slug, "id": p.id, "name": p.name, "stages": stages}),
        )
        .await;
        let mut gone = false;
        for _ in 0..100 {
            let d: Dashboard = s.ok(&app.client, "get_dashboard", query.clone()).await;
            if !d.pipeline_by_stage.labels.contains(&first_open.name) {
                gone = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(
            gone,
            "the cached dashboard was dropped when the stages changed"
        );
    }
);
