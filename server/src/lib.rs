//! The Cadence server: the router (web app, server functions, REST API, health check), the
//! command line's actions, and a handle to run the app on any port for tests.

pub mod api;
pub mod backup;
pub mod config;
pub mod demo;
pub mod digest;
mod guards;
pub mod live;
mod notify;
pub mod seed;
pub mod telemetry;
pub mod webhooks;

use std::io::BufRead;
use std::net::SocketAddr;
use std::time::Duration;

use app::server::events::EventBus;
use app::server::session_store::{self, DbSessionStore};
use app::server::{tokens, users, AppState};
use app::{shell, App};
use axum::extract::MatchedPath;
use axum::http::Request;
use axum::routing::get;
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use tokio::sync::oneshot;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_sessions::cookie::{time, SameSite};
use tower_sessions::{Expiry, SessionManagerLayer};
use tracing::Level;

use crate::config::{Cli, Command, DigestCommand, SeedScale, ServeArgs, TokenCommand};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The PostgreSQL session lock one node holds while it migrates.
const MIGRATION_LOCK: i64 = 0x0063_6164_6d69_6772;

/// Opens the database (creating a SQLite file and its folder if needed) and migrates it.
pub async fn connect(url: &str) -> Result<DatabaseConnection, BoxError> {
    let url = if url.starts_with("sqlite:") {
        if let Some(parent) = backup::sqlite_file(url).as_deref().and_then(|f| f.parent()) {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent)?;
            }
        }
        if url.contains("mode=") {
            url.to_string()
        } else if url.contains('?') {
            format!("{url}&mode=rwc")
        } else {
            format!("{url}?mode=rwc")
        }
    } else {
        url.to_string()
    };
    let mut options = ConnectOptions::new(url.clone());
    options
        .max_connections(if url.starts_with("sqlite:") { 8 } else { 16 })
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        // SQLite: write-ahead log (readers never wait for the writer), synchronous NORMAL
        // (safe in WAL: a crash of the process loses nothing committed; only an OS crash can
        // lose the last commits), and writers queue for up to 10 s instead of failing.
        .map_sqlx_sqlite_opts(|opts| {
            use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
        });
    // Migrate first, then open the pool: a SQLite connection opened before a migration alters
    // a table keeps the old shape of `RETURNING *` rows in its statement cache (seen as
    // "Missing value for column" right after an upgrade).
    let migrating = Database::connect(options.clone()).await?;
    if migrating.get_database_backend() == sea_orm::DbBackend::Postgres {
        // Nodes starting together: one migrates, the others wait for it and find nothing to do.
        // One connection, never closed by the pool while the lock is on it.
        let mut single = ConnectOptions::new(url.clone());
        single
            .max_connections(1)
            .idle_timeout(Duration::from_secs(86_400))
            .max_lifetime(Duration::from_secs(86_400))
            .sqlx_logging(false);
        let lock = Database::connect(single).await?;
        lock.execute_unprepared(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
            .await?;
        let migrated = Migrator::up(&migrating, None).await;
        let _ = lock
            .execute_unprepared(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
            .await;
        lock.close().await?;
        migrated?;
    } else {
        Migrator::up(&migrating, None).await?;
    }
    migrating.close().await?;
    Ok(Database::connect(options).await?)
}

/// The largest request body the API reads (the CSV import streams, without this limit).
pub const API_BODY_LIMIT: usize = 1024 * 1024;

/// The whole HTTP application.
pub fn router(db: DatabaseConnection, bus: EventBus, args: &ServeArgs, addr: SocketAddr) -> Router {
    let leptos_options = LeptosOptions::builder()
        .output_name(app::OUTPUT_NAME)
        .site_root(args.site_root.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .build();
    let state = AppState {
        db: db.clone(),
        bus: bus.clone(),
        leptos_options: leptos_options.clone(),
        smtp_override: digest::SmtpConfig::from_args(&args.smtp).is_some(),
        openapi: std::sync::Arc::new(
            serde_json::to_value(<api::ApiDoc as utoipa::OpenApi>::openapi()).unwrap_or_default(),
        ),
        webhooks_allow_http: args.webhooks_allow_http,
    };
    let limiter =
        api::rate::RateLimiter::for_database(args.api_rate_limit, args.api_rate_window, &db);
    let sessions = SessionManagerLayer::new(DbSessionStore::new(db))
        .with_name("cadence_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(args.secure_cookies)
        .with_always_save(true)
        .with_expiry(Expiry::OnInactivity(time::Duration::days(
            args.session_idle_days.max(1),
        )));
    let routes = generate_route_list(App);
    Router::new()
        .route("/healthz", get(health))
        .route("/api/events", get(live::browser_events))
        .nest(
            "/api/v1",
            api::router()
                .layer(axum::extract::DefaultBodyLimit::max(API_BODY_LIMIT))
                .layer(axum::middleware::from_fn_with_state(
                    limiter,
                    api::rate::limit,
                ))
                .layer(axum::middleware::map_response(api::json_errors)),
        )
        .leptos_routes_with_context(&state, routes, || (), {
            let options = leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::map_response(error_status))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guards::resolve_page_user,
        ))
        .layer(sessions)
        .layer(axum::middleware::map_response(guards::security_headers))
        .layer(axum::middleware::from_fn_with_state(
            guards::Origins::new(&args.public_url),
            guards::same_site_writes,
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<_>| {
                    let path = request
                        .extensions()
                        .get::<MatchedPath>()
                        .map(|p| p.as_str().to_string())
                        .unwrap_or_else(|| "(unmatched)".into());
                    tracing::info_span!("request", method = %request.method(), path)
                })
                .on_request(())
                .on_response(
                    DefaultOnResponse::new()
                        .level(Level::INFO)
                        .latency_unit(tower_http::LatencyUnit::Millis),
                ),
        )
        .with_state(state)
}

/// `GET /healthz` for load balancers: 200 `ok` when this node reaches its database within two
/// seconds, else 503 (the balancer sends its traffic to the other nodes meanwhile).
async fn health(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> (axum::http::StatusCode, &'static str) {
    use axum::http::StatusCode;
    match tokio::time::timeout(Duration::from_secs(2), state.db.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, "ok"),
        Ok(Err(error)) => {
            tracing::warn!(%error, "health check: the database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
        Err(_) => {
            tracing::warn!("health check: the database took over 2 s to answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}

/// Server functions that fail before their body runs (arguments that cannot be read) answer
/// 500 with our error in the body; give them the status that error stands for.
async fn error_status(response: axum::response::Response) -> axum::response::Response {
    if response.status() != axum::http::StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return axum::response::Response::from_parts(parts, axum::body::Body::empty());
    };
    if let Ok(error) = serde_json::from_slice::<app::error::AppError>(&bytes) {
        if let Ok(status) = axum::http::StatusCode::from_u16(error.status()) {
            parts.status = status;
        }
    }
    axum::response::Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// A server running in the background, for tests and for `serve`.
pub struct Running {
    pub addr: SocketAddr,
    pub bus: EventBus,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections, finishes requests in flight, and waits.
    pub async fn stop(mut self) {
        // Live streams never end by themselves: close them so that shutdown can finish.
        self.bus.shut_down();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

/// Binds `args.addr` and serves in the background until stopped.
pub async fn spawn(db: DatabaseConnection, args: &ServeArgs) -> Result<Running, BoxError> {
    let listener = tokio::net::TcpListener::bind(args.addr).await?;
    let addr = listener.local_addr()?;
    let bus = match db.get_database_backend() {
        sea_orm::DbBackend::Sqlite => EventBus::with_writer_turns(),
        sea_orm::DbBackend::Postgres => {
            let bus = EventBus::through_database();
            notify::start(&db, &bus).await?;
            bus
        }
        _ => EventBus::new(),
    };
    let app = router(db.clone(), bus.clone(), args, addr);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });
    tokio::spawn(housekeeping(db.clone()));
    let relay = digest::SmtpConfig::from_args(&args.smtp);
    if !args.no_digest {
        digest::announce(&db, relay.as_ref()).await;
        tokio::spawn(digest::run(db.clone(), relay.clone()));
    }
    if !args.no_webhooks {
        tokio::spawn(webhooks::run(db.clone(), bus.clone(), relay));
    }
    tokio::spawn(recover_imports(db, bus.clone()));
    Ok(Running {
        addr,
        bus,
        stop: Some(stop),
        task,
    })
}

/// Hourly clean-up of expired sessions and of rate windows long over.
async fn housekeeping(db: DatabaseConnection) {
    let mut every = tokio::time::interval(Duration::from_secs(3600));
    loop {
        every.tick().await;
        match session_store::delete_expired(&db).await {
            Ok(n) if n > 0 => tracing::info!(removed = n, "expired sessions removed"),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "session clean-up failed"),
        }
        if let Err(error) = api::rate::sweep(&db, chrono::Utc::now()).await {
            tracing::warn!(%error, "rate window clean-up failed");
        }
    }
}

/// Imports left behind by a stopped server (this one before a restart, or another node) are
/// undone: checked at start and every minute.
async fn recover_imports(db: DatabaseConnection, bus: EventBus) {
    let mut every = tokio::time::interval(Duration::from_secs(60));
    loop {
        every.tick().await;
        match app::server::imports::recover(&db, &bus).await {
            Ok(n) if n > 0 => tracing::warn!(undone = n, "imports of a stopped server undone"),
            Ok(_) => {}
            Err(error) => tracing::warn!(?error, "import recovery failed"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}

/// Carries out one command line.
pub async fn run(cli: Cli) -> Result<(), BoxError> {
    let started = std::time::Instant::now();
    // A restore puts a file in place of the database: nothing may have it open. A backup
    // reads the database as it is, without migrating it under a server of another version.
    match &cli.command {
        Command::Restore { from, force } => {
            let summary = backup::restore(&cli.database_url, from, *force).await?;
            println!("Restored {summary}.");
            return Ok(());
        }
        Command::Backup { to } => {
            let db = Database::connect(cli.database_url.as_str()).await?;
            let summary = backup::backup(&db, to).await;
            db.close().await.ok();
            println!("Backed up to {}.", summary?);
            return Ok(());
        }
        _ => {}
    }
    let db = connect(&cli.database_url).await?;
    match cli.command {
        Command::Restore { .. } | Command::Backup { .. } => {}
        Command::Migrate => {
            println!("Migrations are up to date.");
        }
        Command::Serve(args) => {
            if args.demo {
                if let Some(logins) = demo::seed_if_empty(&db).await? {
                    println!("{logins}");
                }
            }
            if !args.site_root.join("pkg").exists() {
                tracing::warn!(site_root = %args.site_root.display(), "no compiled site here: pages will not hydrate (build with `make build`)");
            }
            // While it serves, a restore of this SQLite database is refused.
            let _serving = backup::ServingLock::take(&cli.database_url)?;
            let running = spawn(db, &args).await?;
            tracing::info!(url = %running.url(), startup_ms = started.elapsed().as_millis() as u64, "Cadence is listening");
            println!("Cadence is running at {}", running.url());
            shutdown_signal().await;
            tracing::info!("shutting down: finishing requests in flight");
            running.stop().await;
        }
        Command::CreateUser { email, name, role } => {
            let mut password = String::new();
            std::io::stdin().lock().read_line(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']).to_string();
            let input = users::NewUser {
                name,
                email,
                role,
                segment_id: None,
                password,
            };
            match users::create(&db, input).await {
                Ok(user) => {
                    app::server::workspace::claim_setup(&db).await.ok();
                    println!(
                        "Created {} <{}> as {}.",
                        user.name,
                        user.email,
                        user.role.as_str()
                    );
                }
                Err(error) => return Err(describe(error).into()),
            }
        }
        Command::Token {
            command: TokenCommand::Create { email, name },
        } => {
            let user = users::find_by_email(&db, &email)
                .await
                .map_err(describe)?
                .ok_or_else(|| format!("no user with the email {email}"))?;
            let token = tokens::create(&db, user.id, &name)
                .await
                .map_err(describe)?;
            println!("{}", token.token);
        }
        Command::Digest {
            command:
                DigestCommand::Send {
                    date,
                    to,
                    dry_run,
                    smtp,
                },
        } => {
            let relay = digest::SmtpConfig::from_args(&smtp);
            let report = digest::send_on_demand(
                &db,
                date,
                to.as_deref(),
                dry_run,
                relay.as_ref(),
                chrono::Utc::now(),
                &mut std::io::stdout(),
            )
            .await
            .map_err(describe)?;
            if !dry_run {
                eprintln!("{report}");
            }
        }
        Command::SeedDemo { scale, seed } => {
            match scale {
                SeedScale::Small => match demo::seed_if_empty(&db).await? {
                    Some(logins) => println!("{logins}"),
                    None => return Err(
                        "This database already has users: seed-demo fills an empty database only."
                            .into(),
                    ),
                },
                SeedScale::Large => {
                    let summary = seed::seed_large(&db, seed).await?;
                    println!("{summary}");
                }
            }
        }
    }
    Ok(())
}

/// An error in words for the command line, with field messages.
fn describe(error: app::error::AppError) -> String {
    match &error {
        app::error::AppError::Validation(fields) => fields
            .iter()
            .map(|(field, message)| format!("{field}: {message}"))
            .collect::<Vec<_>>()
            .join("; "),
        _ => error.to_string(),
    }
}
