//! Demo data: a realistic, deterministic workspace — companies across industries and
//! countries, competitor graphs, two years of deals across both default pipelines, activities,
//! metric series with trend and seasonality, and signals with sentiment — so that lists,
//! dashboards and reports have something true to show.
//!
//! The same seed and anchor date give the same rows. Everything is written in one transaction
//! with multi-row inserts (1,000 rows a statement, below SQLite's 32,766-parameter limit), so a
//! million deals take seconds and a failure leaves nothing behind.

mod words;

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Statement, TransactionSession,
    TransactionTrait,
};

use super::audit::{self, Entry};
use super::auth::{Action, Authorized};
use super::bulk;
use super::db::{self as database, begin_write};
use super::entity::{
    activities, companies, company_tags, competitors, contacts, deals, market_metrics, memberships,
    pipeline_stages, pipelines, signals, workspaces,
};
use super::repo::pipelines::ensure_defaults;
use super::{Error, Result};
use crate::types::{
    ActivityKind, CompanySource, DemoDataReport, Role, SignalSource, StageKind, ThreatLevel,
};
use words::*;

pub const ACTION_SEEDED: &str = "demo.seeded";

const BATCH: usize = 1000;
/// Caps that keep a 1M-deal benchmark workspace from growing tens of millions of side rows.
const MAX_ACTIVITIES: usize = 200_000;
const MAX_SIGNALS: usize = 50_000;
const MAX_CONTACTS: usize = 100_000;
const METRIC_COMPANIES: usize = 60;
const MONTHS: i64 = 24;

/// What to generate.
#[derive(Clone, Debug)]
pub struct DemoSpec {
    pub companies: usize,
    pub deals: usize,
    pub seed: u64,
    /// "Now" for the generated history; dates run up to two years before it.
    pub anchor: DateTime<Utc>,
    /// Maintain every index row by row even for a large load. By default a large seed into a
    /// nearly empty database drops the secondary indexes and builds them after the load
    /// (`bulk`), which on PostgreSQL keeps other sessions out of those tables until it
    /// commits; this keeps them readable, at several times the seed's time.
    pub keep_indexes: bool,
}

impl DemoSpec {
    pub const MAX_COMPANIES: usize = 1_000_000;
    pub const MAX_DEALS: usize = 10_000_000;

    /// The size the empty-state button makes: big enough for every chart to have a shape.
    pub fn standard() -> Self {
        Self {
            companies: 250,
            deals: 1_200,
            seed: 42,
            anchor: today(),
            keep_indexes: false,
        }
    }
}

/// Midnight UTC today: a whole day keeps reruns on the same day identical.
pub fn today() -> DateTime<Utc> {
    let now = Utc::now();
    Utc.with_ymd_and_hms(now.year(), now.month(), now.day(), 0, 0, 0)
        .single()
        .unwrap_or(now)
}

/// Who the demo rows are attributed to (deal owners, activity authors).
#[derive(Clone, Debug, Default)]
pub struct DemoActor {
    pub user_id: Option<i64>,
    pub label: String,
    pub ip: Option<String>,
}

/// Fills an empty workspace. Refuses (409) if it already has companies or deals: demo rows
/// mixed into real ones could not be told apart or removed cleanly.
pub async fn seed<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    workspace_id: i64,
    owner_ids: &[i64],
    actor: &DemoActor,
    spec: &DemoSpec,
) -> Result<DemoDataReport> {
    if spec.companies == 0 || spec.companies > DemoSpec::MAX_COMPANIES {
        return Err(Error::BadRequest(format!(
            "companies must be between 1 and {}",
            DemoSpec::MAX_COMPANIES
        )));
    }
    if spec.deals > DemoSpec::MAX_DEALS {
        return Err(Error::BadRequest(format!(
            "deals must be at most {}",
            DemoSpec::MAX_DEALS
        )));
    }
    let started = Instant::now();
    let txn = begin_write(db).await?;
    // A million deals touch ~800 MB of table and index pages, in random order for most
    // indexes. With the connection's usual 16 MiB page cache SQLite spills dirty pages to the
    // WAL mid-transaction and reads them back for the next insert into the same index; with
    // room for all of them everything stays in memory until the commit writes it once.
    // (Pages are allocated as used: a small seed stays small. PostgreSQL has no such knob.)
    database::sqlite_cache_size(&txn, BULK_CACHE_KIB).await?;
    let adding = (spec.companies + spec.deals) as u64;
    let deferred =
        if !spec.keep_indexes && bulk::worth_deferring(rows_up_to(&txn, adding).await?, adding) {
            let dropped = Instant::now();
            let deferred = bulk::drop_secondary_indexes(&txn, BULK_TABLES).await?;
            tracing::info!(
                indexes = deferred.indexes(),
                foreign_keys = deferred.foreign_keys(),
                ms = dropped.elapsed().as_millis() as u64,
                "demo seed: secondary indexes dropped, to be built after the load"
            );
            Some(deferred)
        } else {
            None
        };
    // On PostgreSQL a deferred load also runs without the totals' triggers (`deal_totals`,
    // `day_totals`) and sums the workspace's rows once at the end: each batch's statement
    // trigger updates the same few thousand totals again, and a row updated many times in
    // one transaction makes every further update walk its earlier versions (1M deals: 204 s
    // for the deals alone, against 57 s for the whole seed before the totals existed).
    // Dropping the indexes already holds these tables exclusively until the commit, so no
    // other writer can miss the triggers; SQLite's row triggers cost nothing measurable
    // there (the same 36 s seed) and stay on.
    let totals_off =
        deferred.is_some() && txn.get_database_backend() == sea_orm::DbBackend::Postgres;
    if totals_off {
        for t in migrations::totals::ALL {
            txn.execute_unprepared(&format!("ALTER TABLE {} DISABLE TRIGGER USER", t.source))
                .await?;
        }
    }
    let mut filled = fill(&txn, workspace_id, owner_ids, actor, spec, started).await;
    if totals_off && filled.is_ok() {
        if let Err(e) = resume_totals(&txn, workspace_id).await {
            filled = Err(e.into());
        }
    }
    if let (Ok(report), Some(deferred)) = (&mut filled, deferred) {
        let building = Instant::now();
        // A failed rebuild fails the seed like a failed insert: through `filled`, so the page
        // cache below is still set back before the (rolled back) connection is returned.
        match deferred.rebuild(&txn).await {
            Ok(()) => {
                tracing::info!(
                    ms = building.elapsed().as_millis() as u64,
                    "demo seed: indexes built"
                );
                report.millis = started.elapsed().as_millis() as u64;
            }
            Err(e) => filled = Err(e.into()),
        }
    }
    // Back to the usual size before the connection returns to the pool; dirty pages are not
    // evicted by this (they are written at commit).
    database::sqlite_cache_size(&txn, database::SQLITE_CACHE_KIB).await?;
    let report = filled?;
    let committing = Instant::now();
    txn.commit().await?;
    tracing::info!(
        ms = committing.elapsed().as_millis() as u64,
        "demo seed: commit"
    );
    tracing::info!(workspace_id, ?report, "demo data seeded");
    Ok(report)
}

/// Switches the totals' triggers back on and sums the workspace's rows into them.
async fn resume_totals(
    txn: &impl ConnectionTrait,
    workspace_id: i64,
) -> Result<(), sea_orm::DbErr> {
    let summing = Instant::now();
    let backend = txn.get_database_backend();
    for t in migrations::totals::ALL {
        txn.execute_unprepared(&format!("ALTER TABLE {} ENABLE TRIGGER USER", t.source))
            .await?;
        for sql in t.rebuild(backend, workspace_id) {
            txn.execute_unprepared(&sql).await?;
        }
    }
    tracing::info!(
        ms = summing.elapsed().as_millis() as u64,
        "demo seed: totals summed"
    );
    Ok(())
}

/// The page cache a seed's transaction gets on SQLite (KiB).
const BULK_CACHE_KIB: i64 = 1 << 20;

/// The tables a seed fills, whose secondary indexes a large seed builds after the load.
const BULK_TABLES: &[&str] = &[
    "companies",
    "company_tags",
    "contacts",
    "competitors",
    "deals",
    "activities",
    "market_metrics",
    "signals",
];

/// Companies plus deals already in the database (all workspaces), counted up to `cap`: what
/// decides whether a seed of `cap` rows builds its indexes after the load.
async fn rows_up_to(db: &impl ConnectionTrait, cap: u64) -> Result<u64> {
    let backend = db.get_database_backend();
    let sql = format!(
        "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM companies LIMIT {cap}) AS c) \
              + (SELECT COUNT(*) FROM (SELECT 1 FROM deals LIMIT {cap}) AS d) AS n"
    );
    let n: i64 = match db
        .query_one_raw(Statement::from_string(backend, sql))
        .await?
    {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    };
    Ok(u64::try_from(n).unwrap_or(0))
}

async fn fill(
    txn: &impl ConnectionTrait,
    workspace_id: i64,
    owner_ids: &[i64],
    actor: &DemoActor,
    spec: &DemoSpec,
    started: Instant,
) -> Result<DemoDataReport> {
    let has_companies = companies::Entity::find()
        .filter(companies::Column::WorkspaceId.eq(workspace_id))
        .count(txn)
        .await?
        > 0;
    let has_deals = deals::Entity::find()
        .filter(deals::Column::WorkspaceId.eq(workspace_id))
        .count(txn)
        .await?
        > 0;
    if has_companies || has_deals {
        return Err(Error::Conflict(
            "demo data goes into an empty workspace; this one already has companies or deals"
                .into(),
        ));
    }
    ensure_defaults(txn, workspace_id).await?;

    let mut g = Generator {
        rng: ChaCha8Rng::seed_from_u64(spec.seed),
        ws: workspace_id,
        anchor: spec.anchor,
        owners: owner_ids.to_vec(),
        report: DemoDataReport::default(),
    };
    // Each kind's time goes to the log (RUST_LOG=info): where a large seed spends it.
    let mut lap = Instant::now();
    let mut phase = |name: &'static str| {
        tracing::info!(
            phase = name,
            ms = lap.elapsed().as_millis() as u64,
            "demo seed"
        );
        lap = Instant::now();
    };
    let cos = g.companies(txn, spec.companies).await?;
    phase("companies");
    g.contacts(txn, &cos).await?;
    phase("contacts");
    g.competitors(txn, &cos).await?;
    phase("competitors");
    let pipes = load_pipelines(txn, workspace_id).await?;
    let deal_rows = g.deals(txn, &cos, &pipes, spec.deals).await?;
    phase("deals");
    g.activities(txn, &cos, &deal_rows).await?;
    phase("activities");
    g.metrics(txn, &cos).await?;
    phase("metrics");
    g.signals(txn, &cos).await?;
    phase("signals");

    let mut report = g.report;
    report.millis = started.elapsed().as_millis() as u64;
    audit::record(
        txn,
        Entry {
            workspace_id: Some(workspace_id),
            actor_user_id: actor.user_id,
            actor_label: actor.label.clone(),
            action: ACTION_SEEDED,
            target_type: Some("workspace"),
            target_id: Some(workspace_id.to_string()),
            detail: Some(format!(
                "seed {}: {} companies, {} deals, {} activities",
                spec.seed, report.companies, report.deals, report.activities
            )),
            ip: actor.ip.clone(),
        },
    )
    .await?;
    Ok(report)
}

/// The empty-state button: fills the caller's workspace with the standard demo, with the
/// workspace's members as deal owners.
pub async fn seed_for(db: &DatabaseConnection, auth: &Authorized<'_>) -> Result<DemoDataReport> {
    debug_assert_eq!(auth.action(), Action::ManageWorkspace);
    let owners = member_ids(db, auth.workspace_id()).await?;
    let actor = DemoActor {
        user_id: Some(auth.user_id()),
        label: auth.actor_label().to_owned(),
        ip: auth.ip().map(str::to_owned),
    };
    seed(
        db,
        auth.workspace_id(),
        &owners,
        &actor,
        &DemoSpec::standard(),
    )
    .await
}

/// Members who can own deals (viewers cannot), oldest first.
pub async fn member_ids(db: &impl ConnectionTrait, workspace_id: i64) -> Result<Vec<i64>> {
    Ok(memberships::Entity::find()
        .filter(memberships::Column::WorkspaceId.eq(workspace_id))
        .filter(memberships::Column::Role.ne(Role::Viewer))
        .order_by_asc(memberships::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect())
}

/// The slug of the workspace `serve` fills when it starts on an empty database; the first
/// account to sign up becomes its owner (see `workspaces::create_first`).
pub const DEMO_SLUG: &str = "demo";

/// On an empty database (no workspaces at all), creates the "Demo workspace" without members
/// and fills it. Returns None when the database already holds workspaces.
pub async fn seed_empty_instance(
    db: &DatabaseConnection,
    spec: &DemoSpec,
) -> Result<Option<DemoDataReport>> {
    let txn = begin_write(db).await?;
    if workspaces::Entity::find().count(&txn).await? > 0 {
        return Ok(None);
    }
    let ws = create_workspace(&txn, "Demo workspace", DEMO_SLUG).await?;
    let actor = DemoActor {
        label: "system".into(),
        ..Default::default()
    };
    let report = seed(&txn, ws, &[], &actor, spec).await?;
    txn.commit().await?;
    Ok(Some(report))
}

/// A workspace without members, for `server seed --demo` and the startup demo.
pub async fn create_workspace(db: &impl ConnectionTrait, name: &str, slug: &str) -> Result<i64> {
    let now = Utc::now();
    let ws = workspaces::ActiveModel {
        name: Set(name.to_owned()),
        slug: Set(slug.to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            Error::Conflict(format!("a workspace with the slug `{slug}` already exists"))
        }
        _ => Error::Db(e),
    })?;
    ensure_defaults(db, ws.id).await?;
    Ok(ws.id)
}

/// What later generators need to know about a company.
struct Co {
    id: i64,
    name: String,
    domain: String,
    industry: usize,
    employees: i32,
}

/// A pipeline's stages, in order.
struct Pipe {
    id: i64,
    open: Vec<(i64, i32)>,
    won: i64,
    lost: i64,
}

/// What activities need to know about a deal.
struct DealRow {
    id: i64,
    company: usize,
    owner: Option<i64>,
    created: DateTime<Utc>,
    end: DateTime<Utc>,
}

async fn load_pipelines(db: &impl ConnectionTrait, ws: i64) -> Result<Vec<Pipe>> {
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

fn weighted<T>(rng: &mut ChaCha8Rng, items: &[T], weight: impl Fn(&T) -> u32) -> usize {
    let total: u32 = items.iter().map(&weight).sum();
    let mut pick = rng.random_range(0..total.max(1));
    for (i, item) in items.iter().enumerate() {
        let w = weight(item);
        if pick < w {
            return i;
        }
        pick -= w;
    }
    items.len() - 1
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn slug(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'a'..='z' | '0'..='9' => Some(c),
            'A'..='Z' => Some(c.to_ascii_lowercase()),
            'ä' | 'á' | 'à' => Some('a'),
            'ö' | 'ó' => Some('o'),
            'ü' | 'ú' => Some('u'),
            'é' | 'è' => Some('e'),
            'ç' => Some('c'),
            'ã' => Some('a'),
            ' ' | '-' => Some('-'),
            _ => None,
        })
        .collect::<String>()
        .trim_matches('-')
        .to_owned()
}

/// Inserts `rows` in statements of `BATCH` rows and returns their ids in insertion order
/// (ids are assigned in VALUES order on both databases; RETURNING's row order is not
/// promised, hence the sort).
macro_rules! insert_batched {
    ($db:expr, $entity:ty, $rows:expr) => {{
        let mut ids: Vec<i64> = Vec::new();
        let mut rows = $rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<_> = rows.by_ref().take(BATCH).collect();
            let mut keys = <$entity>::insert_many(chunk)
                .exec_with_returning_keys($db)
                .await?;
            keys.sort_unstable();
            ids.extend(keys);
        }
        ids
    }};
}

/// As `insert_batched!`, for rows nothing refers to: no ids come back.
macro_rules! insert_only {
    ($db:expr, $entity:ty, $rows:expr) => {{
        let mut n: u64 = 0;
        let mut rows = $rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<_> = rows.by_ref().take(BATCH).collect();
            n += chunk.len() as u64;
            <$entity>::insert_many(chunk)
                .exec_without_returning($db)
                .await?;
        }
        n
    }};
}

struct Generator {
    rng: ChaCha8Rng,
    ws: i64,
    anchor: DateTime<Utc>,
    owners: Vec<i64>,
    report: DemoDataReport,
}

impl Generator {
    fn owner(&mut self) -> Option<i64> {
        (!self.owners.is_empty()).then(|| self.owners[self.rng.random_range(0..self.owners.len())])
    }

    /// A random time some (fractional) days before the anchor.
    fn random_ago(&mut self, days: std::ops::Range<f64>) -> DateTime<Utc> {
        let days = self.rng.random_range(days);
        self.anchor - Duration::seconds((days * 86_400.0) as i64)
    }

    async fn companies(&mut self, db: &impl ConnectionTrait, n: usize) -> Result<Vec<Co>> {
        let mut names = HashSet::with_capacity(n);
        let mut domains = HashSet::with_capacity(n);
        let mut cos = Vec::with_capacity(n);
        let mut rows = Vec::with_capacity(n);
        let mut tags = Vec::new();
        for i in 0..n {
            let rng = &mut self.rng;
            let industry = weighted(rng, INDUSTRIES, |x| x.1);
            let country = weighted(rng, COUNTRIES, |x| x.1);
            let (cc, _, cities) = COUNTRIES[country];
            let city = *pick(rng, cities);
            let stem = format!("{}{}", pick(rng, NAME_STARTS), pick(rng, NAME_ENDS));
            let suffix = *pick(rng, NAME_SUFFIXES);
            let mut name = if suffix.is_empty() {
                stem.clone()
            } else {
                format!("{stem} {suffix}")
            };
            if !names.insert(name.to_lowercase()) {
                // Past a few thousand companies the invented names run out; a number keeps
                // them apart the way "Acme 2" does in real CRMs.
                name = format!("{name} {}", i + 1);
                names.insert(name.to_lowercase());
            }
            let tld = *pick(rng, TLDS);
            let mut domain = format!("{}.{tld}", slug(&name));
            if !domains.insert(domain.clone()) {
                domain = format!("{}-{}.{tld}", slug(&name), i + 1);
                domains.insert(domain.clone());
            }
            // Sizes are long-tailed: most companies are small, a few are very large.
            let employees = 10f64.powf(rng.random_range(1.0..4.6)).round() as i32;
            let revenue_per_head = rng.random_range(90_000..320_000) as i64;
            let revenue = (employees as i64 * revenue_per_head / 1000) * 1000 * 100;
            let founded = rng.random_range(1978..2023);
            let mut my_tags: Vec<&str> = Vec::new();
            for _ in 0..rng.random_range(0..3) {
                let t = *pick(rng, TAGS);
                if !my_tags.contains(&t) {
                    my_tags.push(t);
                }
            }
            let size_tag = match employees {
                0..=200 => "smb",
                201..=2000 => "mid-market",
                _ => "enterprise",
            };
            if !my_tags
                .iter()
                .any(|t| ["smb", "mid-market", "enterprise"].contains(t))
            {
                my_tags.push(size_tag);
            }
            let created = self.random_ago(30.0..730.0);
            let (ind, _, _) = INDUSTRIES[industry];
            tags.push(my_tags.iter().map(|t| t.to_string()).collect::<Vec<_>>());
            rows.push(companies::ActiveModel {
                workspace_id: Set(self.ws),
                name: Set(name.clone()),
                name_key: Set(name.to_lowercase()),
                domain: Set(Some(domain.clone())),
                industry: Set(Some(ind.to_owned())),
                employee_count: Set(Some(employees)),
                annual_revenue_minor: Set(Some(revenue)),
                revenue_currency: Set("USD".into()),
                country: Set(Some(cc.to_owned())),
                city: Set(Some(city.to_owned())),
                description: Set(Some(format!(
                    "{name} is a {} company in {city} with about {employees} employees.",
                    ind.to_lowercase()
                ))),
                website: Set(Some(format!("https://{domain}"))),
                linkedin_url: Set(Some(format!(
                    "https://www.linkedin.com/company/{}",
                    slug(&name)
                ))),
                founded_year: Set(Some(founded)),
                tags: Set(my_tags.join(", ")),
                source: Set(CompanySource::Demo),
                external_ids: Set(None),
                enriched_at: Set(None),
                created_at: Set(created),
                updated_at: Set(created),
                ..Default::default()
            });
            cos.push(Co {
                id: 0,
                name,
                domain,
                industry,
                employees,
            });
        }
        let ids = insert_batched!(db, companies::Entity, rows);
        for (co, id) in cos.iter_mut().zip(&ids) {
            co.id = *id;
        }
        let mut tag_rows = Vec::new();
        for (co, ts) in cos.iter().zip(tags) {
            for tag in ts {
                tag_rows.push(company_tags::ActiveModel {
                    workspace_id: Set(self.ws),
                    company_id: Set(co.id),
                    tag: Set(tag),
                });
            }
        }
        insert_only!(db, company_tags::Entity, tag_rows);
        self.report.companies = cos.len() as u64;
        Ok(cos)
    }

    async fn contacts(&mut self, db: &impl ConnectionTrait, cos: &[Co]) -> Result<()> {
        let mut rows = Vec::new();
        // E-mail addresses are unique per workspace.
        let mut emails = HashSet::new();
        'outer: for co in cos {
            for _ in 0..self.rng.random_range(1..=3) {
                if rows.len() >= MAX_CONTACTS {
                    break 'outer;
                }
                let first = *pick(&mut self.rng, FIRST_NAMES);
                let last = *pick(&mut self.rng, LAST_NAMES);
                let name = format!("{first} {last}");
                let mut email = format!("{}.{}@{}", slug(first), slug(last), co.domain);
                if !emails.insert(email.clone()) {
                    email = format!("{}.{}{}@{}", slug(first), slug(last), rows.len(), co.domain);
                    emails.insert(email.clone());
                }
                let created = self.random_ago(1.0..700.0);
                rows.push(contacts::ActiveModel {
                    workspace_id: Set(self.ws),
                    company_id: Set(Some(co.id)),
                    name_key: Set(name.to_lowercase()),
                    email: Set(Some(email)),
                    name: Set(name),
                    title: Set(Some((*pick(&mut self.rng, TITLES)).to_owned())),
                    phone: Set(Some(format!(
                        "+1 555 {:04}",
                        self.rng.random_range(0..10_000)
                    ))),
                    linkedin_url: Set(None),
                    created_at: Set(created),
                    updated_at: Set(created),
                    ..Default::default()
                });
            }
        }
        self.report.contacts = insert_only!(db, contacts::Entity, rows);
        Ok(())
    }

    /// Each company competes with one to three others of its industry, bigger rivals being
    /// the bigger threat.
    async fn competitors(&mut self, db: &impl ConnectionTrait, cos: &[Co]) -> Result<()> {
        let mut by_industry: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, co) in cos.iter().enumerate() {
            by_industry.entry(co.industry).or_default().push(i);
        }
        let mut seen = HashSet::new();
        let mut rows = Vec::new();
        for (i, co) in cos.iter().enumerate() {
            let peers = &by_industry[&co.industry];
            if peers.len() < 2 || !self.rng.random_bool(0.7) {
                continue;
            }
            for _ in 0..self.rng.random_range(1..=3) {
                let j = *pick(&mut self.rng, peers);
                if j == i || !seen.insert((i, j)) {
                    continue;
                }
                let ratio = cos[j].employees as f64 / co.employees.max(1) as f64;
                let threat = if ratio > 3.0 {
                    ThreatLevel::High
                } else if ratio > 0.5 {
                    ThreatLevel::Medium
                } else {
                    ThreatLevel::Low
                };
                let created = self.random_ago(1.0..600.0);
                rows.push(competitors::ActiveModel {
                    workspace_id: Set(self.ws),
                    company_id: Set(co.id),
                    competitor_id: Set(cos[j].id),
                    threat_level: Set(threat),
                    notes: Set(Some(format!(
                        "Seen in {} of our last deals in {}.",
                        self.rng.random_range(1..6),
                        INDUSTRIES[co.industry].0.to_lowercase()
                    ))),
                    created_at: Set(created),
                    updated_at: Set(created),
                    ..Default::default()
                });
            }
        }
        self.report.competitors = insert_only!(db, competitors::Entity, rows);
        Ok(())
    }

    /// Deals over two years, more of them recently (the business grows), larger for larger
    /// companies; old deals are mostly closed, young ones mostly open.
    async fn deals(
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
            let (stage, prob, closed_at, entered) = if closed {
                let at = created
                    + Duration::seconds(
                        (cycle.min(age_days) * 86_400.0 * rng.random_range(0.6..1.0)) as i64,
                    );
                if rng.random_bool(win_rate) {
                    (pipe.won, 100, Some(at), at)
                } else {
                    (pipe.lost, 0, Some(at), at)
                }
            } else {
                // Younger deals sit in earlier stages.
                let progress = (age_days / cycle).min(1.0);
                let k = ((progress * pipe.open.len() as f64) + rng.random_range(-0.8..0.8))
                    .clamp(0.0, (pipe.open.len() - 1) as f64) as usize;
                let (sid, p) = pipe.open[k];
                let entered = created
                    + Duration::seconds((age_days * 86_400.0 * rng.random_range(0.0..1.0)) as i64);
                (sid, p, None, entered)
            };
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
            rows.push(deals::ActiveModel {
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
            });
            meta.push(DealRow {
                id: 0,
                company: c,
                owner,
                created,
                end,
            });
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

    async fn activities(
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

    /// Monthly headcount and web traffic for the largest companies (growth plus noise;
    /// traffic with a yearly season), and monthly funding per industry segment.
    async fn metrics(&mut self, db: &impl ConnectionTrait, cos: &[Co]) -> Result<()> {
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

    async fn signals(&mut self, db: &impl ConnectionTrait, cos: &[Co]) -> Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_ascii_domain_labels() {
        assert_eq!(slug("Northwind Labs"), "northwind-labs");
        assert_eq!(slug("Malmö Grüße"), "malmo-grue");
        assert_eq!(slug("O'Brien"), "obrien");
    }

    #[test]
    fn weighted_picks_follow_weights() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let items = [1u32, 0, 3];
        let mut counts = [0; 3];
        for _ in 0..4000 {
            counts[weighted(&mut rng, &items, |w| *w)] += 1;
        }
        assert_eq!(counts[1], 0, "a zero weight is never picked");
        assert!(counts[2] > counts[0] * 2, "{counts:?}");
    }
}
