#![recursion_limit = "256"]

use clap::{Parser, Subcommand};

use server::{config, shutdown, telemetry, Application, Config};

// glibc's allocator showed as ~17% of the server's time under concurrent list requests (a
// request allocates its rows, its JSON and its SQL, on whichever thread runs it); mimalloc's
// per-thread free lists cost a fraction of that.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Hyperformant — market and sales intelligence workspace.
#[derive(Debug, Parser)]
#[command(name = "server", version, about)]
struct Cli {
    #[command(flatten)]
    config: Config,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the web app and the API (the default).
    Serve,
    /// Run background job workers only (no HTTP), e.g. beside web processes started with
    /// JOB_WORKERS=0, against one PostgreSQL.
    Worker,
    /// Apply pending database migrations, print the schema status, and exit.
    Migrate,
    /// Fill a workspace with generated data (applies pending migrations first).
    Seed(SeedArgs),
}

#[derive(Debug, clap::Args)]
struct SeedArgs {
    /// Realistic demo data: companies, competitors, deals over two years, activities,
    /// metric series and signals. (The only kind of seed there is; the flag says so.)
    #[arg(long, required = true)]
    demo: bool,
    /// How many companies.
    #[arg(long, default_value_t = 250)]
    companies: usize,
    /// How many deals.
    #[arg(long, default_value_t = 1_200)]
    deals: usize,
    /// The random seed: the same seed (on the same day) gives the same data.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Fill this existing, empty workspace (its members become the deal owners). Without it a
    /// new member-less workspace "Demo workspace" is created with a free `demo…` slug.
    #[arg(long)]
    workspace: Option<String>,
    /// Maintain every index row by row. By default a large seed (100k+ rows into a nearly
    /// empty database) drops the tables' secondary indexes and builds them after the load,
    /// in its transaction: several times faster, but on PostgreSQL other sessions cannot read
    /// those tables until it commits.
    #[arg(long)]
    keep_indexes: bool,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // `.env` first, so its values count as environment for the flags below.
    let dotenv = dotenvy::dotenv();
    let cli = Cli::parse();
    telemetry::init(cli.config.log_format);
    if let Ok(path) = dotenv {
        tracing::debug!(path = %path.display(), "loaded .env");
    }

    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cli.config).await,
        Command::Worker => worker(cli.config).await,
        Command::Migrate => migrate(cli.config).await,
        Command::Seed(args) => seed(cli.config, args).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let options = config::leptos_options(&config.leptos_config)?;
    let app = Application::build(config.clone(), options).await?;
    tracing::info!(
        addr = %format!("http://{}", app.local_addr()),
        database = %app::backend::db::redact(&config.database_url),
        "Hyperformant is listening"
    );
    app.run_until(shutdown::signal()).await
}

async fn worker(config: Config) -> anyhow::Result<()> {
    let options = config::leptos_options(&config.leptos_config)?;
    tracing::info!(
        database = %app::backend::db::redact(&config.database_url),
        "Hyperformant worker starting"
    );
    server::run_workers(config, options.site_addr, shutdown::signal()).await
}

async fn migrate(config: Config) -> anyhow::Result<()> {
    use app::backend::db;
    let conn = db::connect(&config.database_url, config.pool()).await?;
    db::migrate(&conn).await?;
    let status = db::migration_status(&conn).await?;
    for m in &status {
        println!(
            "{} {}",
            if m.applied { "applied" } else { "pending" },
            m.name
        );
    }
    println!(
        "{} migration(s), database {}",
        status.len(),
        db::redact(&config.database_url)
    );
    conn.close().await?;
    Ok(())
}

async fn seed(config: Config, args: SeedArgs) -> anyhow::Result<()> {
    use anyhow::Context;
    use app::backend::{db, demo, entity::workspaces};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    debug_assert!(args.demo);
    let conn = db::connect(&config.database_url, config.pool()).await?;
    db::migrate(&conn).await?;
    let (workspace_id, slug, owners) = match &args.workspace {
        Some(slug) => {
            let ws = workspaces::Entity::find()
                .filter(workspaces::Column::Slug.eq(slug.as_str()))
                .one(&conn)
                .await?
                .with_context(|| format!("no workspace with the slug `{slug}`"))?;
            let id = app::backend::workspaces::by_id(&conn, ws.id).await?;
            let owners = demo::member_ids(&conn, id).await?;
            (id, ws.slug, owners)
        }
        None => {
            let mut n = 1;
            loop {
                let slug = if n == 1 {
                    "demo".to_owned()
                } else {
                    format!("demo-{n}")
                };
                match demo::create_workspace(&conn, "Demo workspace", &slug).await {
                    Ok(id) => break (id, slug, Vec::new()),
                    Err(app::backend::Error::Conflict(_)) if n < 100 => n += 1,
                    Err(e) => return Err(e.into()),
                }
            }
        }
    };
    let spec = demo::DemoSpec {
        companies: args.companies,
        deals: args.deals,
        seed: args.seed,
        anchor: demo::today(),
        keep_indexes: args.keep_indexes,
    };
    let actor = demo::DemoActor {
        label: "server seed".into(),
        ..Default::default()
    };
    let r = demo::seed(&conn, workspace_id, &owners, &actor, &spec).await?;
    println!(
        "workspace `{slug}`: {} companies, {} contacts, {} competitor links, {} deals, {} activities, {} metric points, {} signals in {:.1} s",
        r.companies,
        r.contacts,
        r.competitors,
        r.deals,
        r.activities,
        r.metrics,
        r.signals,
        r.millis as f64 / 1000.0
    );
    if owners.is_empty() {
        println!("it has no members yet: on a new instance, the first account to sign up owns the `demo` workspace");
    }
    // Fresh statistics, so the query planners see the new volumes at once.
    db::analyze(&conn).await?;
    conn.close().await?;
    Ok(())
}
