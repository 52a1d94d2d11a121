//! Reports benchmark (`make bench-reports`): the reference workspace of `cadence seed-demo
//! --scale large` (200 users, 1,000,000 leads, 10,000,000 activities, 20 lists of 5,000
//! prospects; `BENCH_SCALE=0.02` for a fraction of the volume) on SQLite, and on PostgreSQL
//! too when `CADENCE_BENCH_POSTGRES_URL` is set. It is seeded once into
//! `$CARGO_TARGET_DIR/bench/reports.db` (database `cadence_bench_reports`) and reused while it
//! is complete. Each report's REST endpoint is asked 20 times over the last full month and
//! over the last 365 days of the data (p50, p99), next to the median of 5 runs of the plain
//! GROUP BY that answers the same question in the sqlite3 / psql command-line tool. A request
//! that fails is written down as such. Prints the figures and writes them to
//! `$CARGO_TARGET_DIR/bench/reports.txt`; asserts nothing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use app::domain::period::day_start;
use app::server::entity::user;
use app::server::{goals, tokens};
use chrono::{DateTime, Datelike, Duration as Days, NaiveDate, SecondsFormat, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, Database, DatabaseConnection, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, Statement,
};
use server::config::ServeArgs;
use server::seed::{seed_workspace, start_of_today, Scale};

const RUNS: usize = 20;
const CLI_RUNS: usize = 5;
const SEED: u64 = 1;

fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    samples[((samples.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

enum Backend {
    Sqlite { file: PathBuf },
    Postgres { url: String },
}

impl Backend {
    fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite { .. } => "SQLite",
            Backend::Postgres { .. } => "PostgreSQL",
        }
    }
}

/// One report range: days in the workspace's time zone, both included.
struct Range {
    label: String,
    from: NaiveDate,
    to: NaiveDate,
    group_by: &'static str,
}

async fn number(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0)
        .or_else(|_| row.try_get_by_index::<i32>(0).map(i64::from))
        .unwrap()
}

async fn text(db: &DatabaseConnection, sql: &str) -> Option<String> {
    db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .ok()
        .flatten()
        .and_then(|row| row.try_get_by_index::<String>(0).ok())
}

/// What the marker of a complete seed says.
fn marker(scale: &Scale, until: DateTime<Utc>) -> String {
    format!(
        "{} {} {} {} {} seed {SEED} until {}",
        scale.users,
        scale.leads,
        scale.activities,
        scale.lists,
        scale.prospects_per_list,
        until.date_naive()
    )
}

/// The day the data ends, from a marker.
fn until_of(marker: &str) -> Option<NaiveDate> {
    marker.rsplit(' ').next()?.parse().ok()
}

async fn seed(db: &DatabaseConnection, scale: &Scale, report: &mut Vec<String>) -> String {
    let until = start_of_today();
    let started = Instant::now();
    let summary = seed_workspace(db, scale, SEED, until)
        .await
        .expect("seed the workspace");
    report.push(format!(
        "  seeded in {:.1} s: {} leads, {} history entries, {} activities, {} prospects",
        started.elapsed().as_secs_f64(),
        summary.leads,
        summary.lead_history,
        summary.activities,
        summary.prospects
    ));
    println!("{}", report.last().unwrap());
    marker(scale, until)
}

/// The SQLite file, seeded unless a complete seed of this scale is there.
async fn open_sqlite(
    file: &Path,
    scale: &Scale,
    report: &mut Vec<String>,
) -> (DatabaseConnection, String) {
    let done = file.with_extension("db.seeded");
    let wanted = marker(scale, start_of_today());
    let existing = std::fs::read_to_string(&done).ok();
    let reusable = existing
        .as_deref()
        .is_some_and(|m| m.split(" until ").next() == wanted.split(" until ").next())
        && file.exists();
    if reusable {
        let note = existing.unwrap_or_default();
        report.push(format!("  reusing {} ({note})", file.display()));
        println!("{}", report.last().unwrap());
        let db = server::connect(&format!("sqlite://{}", file.display()))
            .await
            .unwrap();
        return (db, note);
    }
    let _ = std::fs::remove_file(&done);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }
    let db = server::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    let note = seed(&db, scale, report).await;
    std::fs::write(&done, &note).unwrap();
    (db, note)
}

/// The PostgreSQL database, created if missing and seeded unless a complete seed of this scale
/// is there (a database left half-seeded is dropped and made again).
async fn open_postgres(
    admin_url: &str,
    name: &str,
    scale: &Scale,
    report: &mut Vec<String>,
) -> (DatabaseConnection, String, String) {
    let admin = Database::connect(admin_url)
        .await
        .expect("connect to PostgreSQL");
    let base = admin_url
        .rsplit_once('/')
        .map(|(base, _)| base.to_string())
        .expect("a URL with a database name");
    let url = format!("{base}/{name}");
    let exists = number(
        &admin,
        &format!("SELECT COUNT(*) FROM pg_database WHERE datname = '{name}'"),
    )
    .await
        > 0;
    let wanted = marker(scale, start_of_today());
    if exists {
        let db = server::connect(&url).await.unwrap();
        let existing = text(&db, "SELECT note FROM bench_seeded").await;
        if let Some(note) =
            existing.filter(|m| m.split(" until ").next() == wanted.split(" until ").next())
        {
            report.push(format!("  reusing database {name} ({note})"));
            println!("{}", report.last().unwrap());
            admin.close().await.ok();
            return (db, note, url);
        }
        db.close().await.ok();
        admin
            .execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .await
            .unwrap();
    }
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    admin.close().await.ok();
    let db = server::connect(&url).await.unwrap();
    let note = seed(&db, scale, report).await;
    db.execute_unprepared("CREATE TABLE bench_seeded (note TEXT NOT NULL)")
        .await
        .unwrap();
    db.execute_unprepared(&format!(
        "INSERT INTO bench_seeded (note) VALUES ('{note}')"
    ))
    .await
    .unwrap();
    (db, note, url)
}

/// The median wall time of a command-line run, or why it failed.
fn time_cli(program: &str, args: &[String]) -> String {
    let mut samples = Vec::new();
    for _ in 0..CLI_RUNS {
        let started = Instant::now();
        match Command::new(program).args(args).output() {
            Ok(out) if out.status.success() => samples.push(ms(started.elapsed())),
            Ok(out) => {
                let why = String::from_utf8_lossy(&out.stderr);
                return format!("failed: {}", why.lines().next().unwrap_or("no message"));
            }
            Err(error) => return format!("failed: {program}: {error}"),
        }
    }
    format!("median {:.1} ms", percentile(&mut samples, 0.5))
}

/// p50 and p99 of `RUNS` requests, or the first failure.
async fn time_endpoint(client: &reqwest::Client, url: &str, token: &str) -> String {
    let mut samples = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        match client.get(url).bearer_auth(token).send().await {
            Ok(response) => {
                let status = response.status();
                let body = response.bytes().await;
                if status != reqwest::StatusCode::OK {
                    return format!("failed: status {}", status.as_u16());
                }
                if let Err(error) = body {
                    return format!("failed: {error}");
                }
                samples.push(ms(started.elapsed()));
            }
            Err(error) => return format!("failed: {error}"),
        }
    }
    format!(
        "p50 {:.1} ms, p99 {:.1} ms",
        percentile(&mut samples, 0.5),
        percentile(&mut samples, 0.99)
    )
}

/// The last full month and the last 365 days before the day the data ends.
fn ranges(until: NaiveDate) -> Vec<Range> {
    let first_of_this_month = until.with_day(1).unwrap();
    let month_end = first_of_this_month.pred_opt().unwrap();
    let month_start = month_end.with_day(1).unwrap();
    let year_end = until.pred_opt().unwrap();
    let year_start = year_end - Days::days(364);
    vec![
        Range {
            label: format!("month {month_start}..{month_end}"),
            from: month_start,
            to: month_end,
            group_by: "day",
        },
        Range {
            label: format!("365 days {year_start}..{year_end}"),
            from: year_start,
            to: year_end,
            group_by: "month",
        },
    ]
}

/// (report, endpoint path and query, the plain SQL answering the same question)
fn cases(
    backend: DbBackend,
    range: &Range,
    bounds: (String, String),
    list_id: i64,
    pipeline_id: i64,
) -> Vec<(&'static str, String, String)> {
    let (x, y) = bounds;
    let days = format!("from={}&to={}", range.from, range.to);
    let bucket = |column: &str| match (backend, range.group_by) {
        (DbBackend::Postgres, by) => {
            format!("date_trunc('{by}', {column} AT TIME ZONE 'Europe/Paris')")
        }
        (_, "day") => format!("substr({column}, 1, 10)"),
        _ => format!("substr({column}, 1, 7)"),
    };
    vec![
        (
            "team activity",
            format!("team-activity?{days}"),
            format!(
                "SELECT user_id, type_id, outcome_id, COUNT(*) FROM activities \
                 WHERE occurred_at >= '{x}' AND occurred_at < '{y}' GROUP BY 1, 2, 3"
            ),
        ),
        (
            "prospecting list",
            format!("prospecting-lists/{list_id}?{days}"),
            format!(
                "SELECT a.user_id, a.type_id, a.outcome_id, COUNT(*) FROM activities a \
                 JOIN prospects p ON p.id = a.prospect_id WHERE p.list_id = {list_id} \
                 AND a.occurred_at >= '{x}' AND a.occurred_at < '{y}' GROUP BY 1, 2, 3; \
                 SELECT created_by, COUNT(*) FROM leads WHERE origin_list_id = {list_id} \
                 AND created_at >= '{x}' AND created_at < '{y}' GROUP BY 1"
            ),
        ),
        (
            "pipeline performance",
            format!("pipeline-performance?pipeline_id={pipeline_id}&{days}"),
            format!(
                "SELECT to_step_id, to_status, COUNT(*) FROM lead_history \
                 WHERE to_pipeline_id = {pipeline_id} AND at >= '{x}' AND at < '{y}' \
                 GROUP BY 1, 2"
            ),
        ),
        (
            "team performance",
            format!("team-performance?{days}"),
            format!(
                "SELECT created_by, COUNT(*) FROM leads WHERE created_at >= '{x}' \
                 AND created_at < '{y}' GROUP BY 1; \
                 SELECT owner_id, to_status, COUNT(*), SUM(amount_cents) FROM lead_history \
                 WHERE last_close AND at >= '{x}' AND at < '{y}' GROUP BY 1, 2"
            ),
        ),
        (
            "company performance",
            format!("company-performance?{days}&group_by={}", range.group_by),
            format!(
                "SELECT {}, COUNT(*) FROM leads WHERE created_at >= '{x}' \
                 AND created_at < '{y}' GROUP BY 1; \
                 SELECT {}, COUNT(*), SUM(amount_cents) FROM lead_history \
                 WHERE last_close AND to_status = 'won' AND at >= '{x}' AND at < '{y}' \
                 GROUP BY 1",
                bucket("created_at"),
                bucket("at")
            ),
        ),
    ]
}

async fn bench(backend: Backend, scale: &Scale, fraction: f64, report: &mut Vec<String>) {
    report.push(format!("{} (BENCH_SCALE {fraction}):", backend.name()));
    println!("{}", report.last().unwrap());
    let (db, note, cli): (DatabaseConnection, String, (&str, Vec<String>)) = match &backend {
        Backend::Sqlite { file } => {
            let (db, note) = open_sqlite(file, scale, report).await;
            let size: u64 = ["", "-wal"]
                .iter()
                .filter_map(|s| std::fs::metadata(format!("{}{s}", file.display())).ok())
                .map(|m| m.len())
                .sum();
            report.push(format!("  database file {:.2} GB", size as f64 / 1e9));
            (
                db,
                note,
                ("/usr/bin/sqlite3", vec![file.display().to_string()]),
            )
        }
        Backend::Postgres { url } => {
            let name = if fraction == 1.0 {
                "cadence_bench_reports".to_string()
            } else {
                format!(
                    "cadence_bench_reports_{}",
                    (fraction * 1000.0).round() as u64
                )
            };
            let (db, note, url) = open_postgres(url, &name, scale, report).await;
            let size = number(&db, "SELECT pg_database_size(current_database())").await;
            report.push(format!("  database {name}: {:.2} GB", size as f64 / 1e9));
            (db, note, ("psql", vec![url, "-X".into(), "-q".into()]))
        }
    };
    println!("{}", report.last().unwrap());
    let counts = format!(
        "  {} leads, {} history entries, {} activities, {} prospects",
        number(&db, "SELECT COUNT(*) FROM leads").await,
        number(&db, "SELECT COUNT(*) FROM lead_history").await,
        number(&db, "SELECT COUNT(*) FROM activities").await,
        number(&db, "SELECT COUNT(*) FROM prospects").await
    );
    report.push(counts);
    println!("{}", report.last().unwrap());

    let admin = user::Entity::find()
        .filter(user::Column::Role.eq("admin"))
        .order_by_asc(user::Column::Id)
        .one(&db)
        .await
        .unwrap()
        .expect("an admin");
    let token = tokens::create(&db, admin.id, "reports bench")
        .await
        .unwrap()
        .token;
    let list_id = number(&db, "SELECT MIN(id) FROM prospecting_lists").await;
    let pipeline_id = number(
        &db,
        "SELECT id FROM pipelines ORDER BY position, id LIMIT 1",
    )
    .await;
    let tz = goals::calendar(&db).await.unwrap().tz;
    let until = until_of(&note).unwrap_or_else(|| start_of_today().date_naive());
    let dir = std::env::temp_dir().join(format!("cadence_reports_bench_{}", std::process::id()));
    let running = server::spawn(db.clone(), &ServeArgs::for_tests(dir.join("site")))
        .await
        .unwrap();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(600))
        .build()
        .unwrap();
    let backend_kind = db.get_database_backend();
    for range in ranges(until) {
        // The range's bounds in UTC, as the database stores times.
        let stored = |at: DateTime<Utc>| at.to_rfc3339_opts(SecondsFormat::AutoSi, false);
        let bounds = (
            stored(day_start(range.from, &tz)),
            stored(day_start(range.to.succ_opt().unwrap(), &tz)),
        );
        for (name, path, sql) in cases(backend_kind, &range, bounds, list_id, pipeline_id) {
            let url = format!("{}/api/v1/reports/{path}", running.url());
            let api = time_endpoint(&client, &url, &token).await;
            let mut args = cli.1.clone();
            match backend_kind {
                DbBackend::Postgres => {
                    for statement in sql.split("; ") {
                        args.push("-c".into());
                        args.push(statement.to_string());
                    }
                }
                _ => args.push(sql),
            }
            let plain = time_cli(cli.0, &args);
            let tool = if backend_kind == DbBackend::Postgres {
                "psql"
            } else {
                "sqlite3"
            };
            report.push(format!(
                "  {name:<21} {:<27} API {api:<30} {tool} GROUP BY {plain}",
                range.label
            ));
            println!("{}", report.last().unwrap());
        }
    }
    running.stop().await;
    db.close().await.ok();
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::main]
async fn main() {
    let fraction: f64 = std::env::var("BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|f: &f64| *f > 0.0 && *f <= 1.0)
        .unwrap_or(1.0);
    let scale = if fraction == 1.0 {
        Scale::LARGE
    } else {
        Scale::LARGE.scaled(fraction)
    };
    let out = Path::new(&std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into()))
        .join("bench");
    std::fs::create_dir_all(&out).unwrap();
    let file = if fraction == 1.0 {
        out.join("reports.db")
    } else {
        out.join(format!("reports-{fraction}.db"))
    };
    let mut report = vec![format!(
        "reports: {} users, {} leads, {} activities, {} lists of {} prospects; {RUNS} requests \
         per report and range, plain SQL timed over {CLI_RUNS} runs of the command-line tool",
        scale.users, scale.leads, scale.activities, scale.lists, scale.prospects_per_list
    )];
    println!("{}", report[0]);
    bench(Backend::Sqlite { file }, &scale, fraction, &mut report).await;
    match std::env::var("CADENCE_BENCH_POSTGRES_URL") {
        Ok(url) => bench(Backend::Postgres { url }, &scale, fraction, &mut report).await,
        Err(_) => {
            report.push("PostgreSQL: not run (set CADENCE_BENCH_POSTGRES_URL)".into());
            println!("{}", report.last().unwrap());
        }
    }
    let text = report.join("\n");
    std::fs::write(out.join("reports.txt"), format!("{text}\n")).ok();
    println!("written to {}", out.join("reports.txt").display());
}
