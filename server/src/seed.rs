//! The reference-size workspace of `cadence seed-demo --scale large`: 200 users in 4 segments,
//! 3 pipelines, 1,000,000 leads with their history, 10,000,000 activities over the last two
//! years and 20 prospecting lists of 5,000 rows, the same for the same seed (and day). Reports
//! and benchmarks are tried on it.
//!
//! Everything is drawn in memory first (a few hundred MB at full size), then written with
//! multi-row INSERTs in transactions of a few hundred thousand rows, with the secondary indexes
//! of the big tables dropped during the load and created again from their saved definitions.

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration as StdDuration, Instant};

use app::server::entity::workspace;
use chrono::{DateTime, TimeZone, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    EntityTrait, QueryFilter, Statement, TransactionTrait, Value,
};

use crate::demo::{Dice, CITIES, DEMO_PASSWORD};
use crate::BoxError;

/// How much to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    pub users: usize,
    pub leads: usize,
    pub activities: usize,
    pub lists: usize,
    pub prospects_per_list: usize,
}

impl Scale {
    /// The reference workspace.
    pub const LARGE: Scale = Scale {
        users: 200,
        leads: 1_000_000,
        activities: 10_000_000,
        lists: 20,
        prospects_per_list: 5_000,
    };

    /// This scale with `fraction` of its leads, activities and prospects (same team, same
    /// lists), for a quick try.
    pub fn scaled(self, fraction: f64) -> Scale {
        let part = |n: usize, least: usize| ((n as f64 * fraction).round() as usize).max(least);
        Scale {
            leads: part(self.leads, 100),
            activities: part(self.activities, 1_000),
            prospects_per_list: part(self.prospects_per_list, 10),
            ..self
        }
    }
}

/// What was written, and how long it took.
#[derive(Debug, Clone, Default)]
pub struct SeedSummary {
    pub users: usize,
    pub segments: usize,
    pub pipelines: usize,
    pub steps: usize,
    pub leads: usize,
    pub lead_history: usize,
    pub activities: usize,
    pub lists: usize,
    pub prospects: usize,
    /// Prospects converted into leads.
    pub converted: usize,
    /// Leads closed, reopened and closed again.
    pub reopened: usize,
    pub admin_email: String,
    pub seconds: f64,
}

impl fmt::Display for SeedSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Seeded in {:.1} s: {} users in {} segments, {} pipelines ({} steps), {} leads \
             ({} reopened) with {} history entries, {} activities, {} prospecting lists with {} \
             prospects ({} converted into leads).",
            self.seconds,
            self.users,
            self.segments,
            self.pipelines,
            self.steps,
            self.leads,
            self.reopened,
            self.lead_history,
            self.activities,
            self.lists,
            self.prospects,
            self.converted,
        )?;
        write!(
            f,
            "Log in as {} (or manager1@reference.test, rep001@reference.test, ...) with the \
             password {DEMO_PASSWORD}.",
            self.admin_email
        )
    }
}

/// The reference workspace for `seed`, its last day being yesterday (UTC).
pub async fn seed_large(db: &DatabaseConnection, seed: u64) -> Result<SeedSummary, BoxError> {
    seed_workspace(db, &Scale::LARGE, seed, start_of_today()).await
}

/// Midnight UTC today: the end of generated time, so that one day's runs agree.
pub fn start_of_today() -> DateTime<Utc> {
    Utc::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc()
}

/// Fills an empty workspace with `scale`'s data over the two years before `until`. Refuses a
/// database that has users, leads, pipelines, segments or lists. The same seed, scale and
/// `until` give the same rows (the password hash aside: its salt is random).
pub async fn seed_workspace(
    db: &DatabaseConnection,
    scale: &Scale,
    seed: u64,
    until: DateTime<Utc>,
) -> Result<SeedSummary, BoxError> {
    let started = Instant::now();
    if scale.users < 2 {
        return Err("A workspace needs at least 2 users (an admin and a rep).".into());
    }
    for table in [
        "users",
        "leads",
        "pipelines",
        "segments",
        "prospecting_lists",
    ] {
        if count(db, table).await? > 0 {
            return Err(format!(
                "This database already has {table}: seed-demo fills an empty database only \
                 (create a new one, or point --database-url elsewhere)."
            )
            .into());
        }
    }
    let kinds = Kinds::read(db).await?;
    let mut ids = Ids::default();
    for (table, slot) in [
        ("segments", &mut ids.segment),
        ("users", &mut ids.user),
        ("pipelines", &mut ids.pipeline),
        ("steps", &mut ids.step),
        ("prospecting_lists", &mut ids.list),
        ("list_columns", &mut ids.column),
        ("prospects", &mut ids.prospect),
        ("leads", &mut ids.lead),
        ("lead_history", &mut ids.history),
        ("activities", &mut ids.activity),
    ] {
        *slot = max_id(db, table).await? + 1;
    }
    eprintln!("[seed] drawing the workspace ({scale:?}, seed {seed})");
    let password_hash = app::server::passwords::hash(DEMO_PASSWORD)
        .await
        .map_err(|e| format!("hashing the password: {e:?}"))?;
    let world = World::draw(scale, seed, until.timestamp(), &kinds, &ids);
    eprintln!(
        "[seed] drawn in {:.1} s: {} leads, {} history entries, {} activities, {} prospects",
        started.elapsed().as_secs_f64(),
        world.leads.len(),
        world.history.len(),
        world.acts.len(),
        world.prospects.len()
    );

    world.write_team(db, &password_hash).await?;
    let indexes = secondary_indexes(db, &BIG_TABLES).await?;
    for (name, _) in &indexes {
        db.execute_unprepared(&format!("DROP INDEX \"{name}\""))
            .await?;
    }
    eprintln!(
        "[seed] {} secondary indexes of {} dropped for the load",
        indexes.len(),
        BIG_TABLES.join(", ")
    );
    let loaded = world.write_volume(db).await;
    // The indexes come back even when the load failed, so that the schema stays whole.
    let rebuilt = create_indexes(db, &indexes).await;
    loaded?;
    rebuilt?;
    if db.get_database_backend() == DbBackend::Postgres {
        for table in SEQUENCED_TABLES {
            db.execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 (SELECT COALESCE(MAX(id), 1) FROM {table}))"
            ))
            .await?;
        }
        let analyzed = Instant::now();
        db.execute_unprepared("ANALYZE").await?;
        eprintln!(
            "[seed] statistics gathered in {:.1} s",
            analyzed.elapsed().as_secs_f64()
        );
    }
    let summary = SeedSummary {
        users: world.people.len(),
        segments: SEGMENTS.len(),
        pipelines: world.pipelines.len(),
        steps: world.pipelines.iter().map(|p| p.steps.len()).sum(),
        leads: world.leads.len(),
        lead_history: world.history.len(),
        activities: world.acts.len(),
        lists: world.lists.len(),
        prospects: world.prospects.len(),
        converted: world
            .prospects
            .iter()
            .filter(|p| p.status == CONVERTED)
            .count(),
        reopened: world.leads.iter().filter(|l| l.reopened).count(),
        admin_email: world.people[0].email.clone(),
        seconds: started.elapsed().as_secs_f64(),
    };
    eprintln!("[seed] done in {:.1} s", summary.seconds);
    Ok(summary)
}

/// The tables loaded without their secondary indexes.
const BIG_TABLES: [&str; 4] = ["leads", "lead_history", "activities", "prospects"];

/// Tables given explicit ids (PostgreSQL's sequences are moved past them afterwards).
const SEQUENCED_TABLES: [&str; 10] = [
    "segments",
    "users",
    "pipelines",
    "steps",
    "prospecting_lists",
    "list_columns",
    "prospects",
    "leads",
    "lead_history",
    "activities",
];

const SEGMENTS: [&str; 4] = ["North", "South", "East", "West"];

/// (name, steps, share of the leads in percent)
const PIPELINES: [(&str, &[&str], u64); 3] = [
    (
        "New business",
        &[
            "Qualified",
            "Discovery",
            "Demo",
            "Proposal",
            "Negotiation",
            "Signature",
        ],
        60,
    ),
    (
        "Expansion",
        &[
            "Identified",
            "Needs analysis",
            "Proposal",
            "Negotiation",
            "Closing",
        ],
        25,
    ),
    (
        "Renewal",
        &["To contact", "In discussion", "Agreed", "Signed"],
        15,
    ),
];

const FIRST_NAMES: [&str; 16] = [
    "Ada", "Ben", "Chloe", "Dev", "Emma", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kim", "Lea",
    "Malik", "Nora", "Omar", "Paula",
];
const LAST_NAMES: [&str; 16] = [
    "Martin", "Dubois", "Smith", "Garcia", "Rossi", "Novak", "Khan", "Berg", "Silva", "Moreau",
    "Weber", "Jansen", "Costa", "Nowak", "Olsen", "Laurent",
];
const COMPANY_WORDS: [&str; 24] = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Vandelay",
    "Soylent",
    "Tyrell",
    "Wonka",
    "Oscorp",
    "Monarch",
    "Duff",
    "Aperture",
    "Nakatomi",
    "Blue Sun",
    "Northwind",
    "Contoso",
    "Fabrikam",
    "Litware",
    "Tailspin",
    "Wingtip",
    "Adatum",
    "Proseware",
    "Lucerne",
];
const COMPANY_KINDS: [&str; 8] = [
    "Labs", "Group", "SAS", "GmbH", "Ltd", "& Co", "Systems", "Partners",
];
const SECTORS: [&str; 5] = ["retail", "industry", "health", "software", "logistics"];
const LOST_REASONS: [&str; 4] = ["Price", "Chose a competitor", "No budget", "No decision"];
const DISQUALIFY_REASONS: [&str; 4] = [
    "No budget this year",
    "Wrong contact",
    "Already equipped",
    "Not interested",
];

// Lead statuses as small numbers.
const ACTIVE: u8 = 0;
const STANDBY: u8 = 1;
const WON: u8 = 2;
const LOST: u8 = 3;
const CANCELLED: u8 = 4;
const STATUSES: [&str; 5] = ["active", "standby", "won", "lost", "cancelled"];

// Prospect statuses.
const NEW: u8 = 0;
const IN_PROGRESS: u8 = 1;
const CONVERTED: u8 = 2;
const DISQUALIFIED: u8 = 3;
const PROSPECT_STATUSES: [&str; 4] = ["new", "in_progress", "converted", "disqualified"];

const DAY: i64 = 86_400;
const HOUR: i64 = 3_600;
/// Generated time: the two years before `until`.
const SPAN: i64 = 730 * DAY;

/// The first id of each table's new rows.
#[derive(Debug, Default)]
struct Ids {
    segment: i32,
    user: i32,
    pipeline: i32,
    step: i32,
    list: i32,
    column: i32,
    prospect: i32,
    lead: i32,
    history: i32,
    activity: i32,
}

async fn count(db: &impl ConnectionTrait, table: &str) -> Result<i64, DbErr> {
    scalar(db, &format!("SELECT COUNT(*) FROM {table}")).await
}

async fn max_id(db: &impl ConnectionTrait, table: &str) -> Result<i32, DbErr> {
    Ok(scalar(db, &format!("SELECT COALESCE(MAX(id), 0) FROM {table}")).await? as i32)
}

async fn scalar(db: &impl ConnectionTrait, sql: &str) -> Result<i64, DbErr> {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?
        .ok_or_else(|| DbErr::Custom(format!("no row from {sql}")))?;
    // COUNT is a BIGINT on PostgreSQL, MAX(id) an INTEGER.
    row.try_get_by_index::<i64>(0)
        .or_else(|_| row.try_get_by_index::<i32>(0).map(i64::from))
}

/// The secondary indexes of `tables` as (name, SQL that creates it): the primary keys and the
/// indexes behind constraints are not among them.
pub async fn secondary_indexes(
    db: &impl ConnectionTrait,
    tables: &[&str],
) -> Result<Vec<(String, String)>, DbErr> {
    let list = tables
        .iter()
        .map(|t| format!("'{t}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => format!(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() \
             AND tablename IN ({list}) AND indexname NOT LIKE '%_pkey' \
             AND indexname NOT IN (SELECT conname FROM pg_constraint) ORDER BY indexname"
        ),
        _ => format!(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
             AND tbl_name IN ({list}) ORDER BY name"
        ),
    };
    let rows = db
        .query_all_raw(Statement::from_string(backend, sql))
        .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get_by_index::<String>(0)?,
                row.try_get_by_index::<String>(1)?,
            ))
        })
        .collect()
}

async fn create_indexes(
    db: &DatabaseConnection,
    indexes: &[(String, String)],
) -> Result<(), DbErr> {
    let started = Instant::now();
    for (name, sql) in indexes {
        let one = Instant::now();
        let txn = begin(db).await?;
        txn.execute_unprepared(sql).await?;
        end(txn).await?;
        eprintln!(
            "[seed] index {name} created in {:.1} s",
            one.elapsed().as_secs_f64()
        );
    }
    eprintln!(
        "[seed] {} indexes created in {:.1} s",
        indexes.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// A loading transaction: on SQLite a large page cache (and sorter threads for index builds),
/// on PostgreSQL more memory for index builds.
async fn begin(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let txn = db.begin().await?;
    match db.get_database_backend() {
        DbBackend::Postgres => {
            txn.execute_unprepared("SET LOCAL maintenance_work_mem = '512MB'")
                .await?;
        }
        _ => {
            txn.execute_unprepared("PRAGMA cache_size = -262144")
                .await?;
            txn.execute_unprepared("PRAGMA threads = 2").await?;
        }
    }
    Ok(txn)
}

/// Commits, leaving the pooled connection as it was found.
async fn end(txn: DatabaseTransaction) -> Result<(), DbErr> {
    if txn.get_database_backend() == DbBackend::Sqlite {
        txn.execute_unprepared("PRAGMA cache_size = -2000").await?;
        txn.execute_unprepared("PRAGMA threads = 0").await?;
    }
    txn.commit().await
}

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(seconds, 0).single().unwrap_or_default()
}

/// Rows of one table, written a few thousand per INSERT and a few hundred thousand per
/// transaction, with progress on stderr.
struct Writer<'a> {
    db: &'a DatabaseConnection,
    table: &'static str,
    columns: &'static [&'static str],
    per_statement: usize,
    full_sql: String,
    values: Vec<Value>,
    rows: usize,
    txn: Option<DatabaseTransaction>,
    statements: usize,
    done: usize,
    total: usize,
    started: Instant,
    reported: Instant,
}

/// Statements per transaction.
const STATEMENTS_PER_TRANSACTION: usize = 100;

impl<'a> Writer<'a> {
    fn new(
        db: &'a DatabaseConnection,
        table: &'static str,
        columns: &'static [&'static str],
        total: usize,
    ) -> Writer<'a> {
        // Bind parameters per statement: at most 32,766 on SQLite, 65,535 on PostgreSQL.
        let limit = match db.get_database_backend() {
            DbBackend::Postgres => 65_000,
            _ => 32_000,
        };
        let per_statement = (limit / columns.len()).min(2_000);
        Writer {
            db,
            table,
            columns,
            per_statement,
            full_sql: insert_sql(db.get_database_backend(), table, columns, per_statement),
            values: Vec::with_capacity(per_statement * columns.len()),
            rows: 0,
            txn: None,
            statements: 0,
            done: 0,
            total,
            started: Instant::now(),
            reported: Instant::now(),
        }
    }

    async fn push<const N: usize>(&mut self, row: [Value; N]) -> Result<(), DbErr> {
        debug_assert_eq!(N, self.columns.len(), "columns of {}", self.table);
        self.values.extend(row);
        self.rows += 1;
        if self.rows == self.per_statement {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), DbErr> {
        if self.rows == 0 {
            return Ok(());
        }
        let backend = self.db.get_database_backend();
        let sql = if self.rows == self.per_statement {
            self.full_sql.clone()
        } else {
            insert_sql(backend, self.table, self.columns, self.rows)
        };
        if self.txn.is_none() {
            self.txn = Some(begin(self.db).await?);
        }
        let values = std::mem::replace(
            &mut self.values,
            Vec::with_capacity(self.per_statement * self.columns.len()),
        );
        if let Some(txn) = &self.txn {
            txn.execute_raw(Statement::from_sql_and_values(backend, sql, values))
                .await?;
        }
        self.done += self.rows;
        self.rows = 0;
        self.statements += 1;
        if self.statements == STATEMENTS_PER_TRANSACTION {
            self.commit().await?;
        }
        if self.reported.elapsed() >= StdDuration::from_secs(3) {
            self.reported = Instant::now();
            let seconds = self.started.elapsed().as_secs_f64();
            eprintln!(
                "[seed] {}: {} / {} rows ({:.0} rows/s)",
                self.table,
                self.done,
                self.total,
                self.done as f64 / seconds.max(0.001)
            );
        }
        Ok(())
    }

    async fn commit(&mut self) -> Result<(), DbErr> {
        if let Some(txn) = self.txn.take() {
            end(txn).await?;
        }
        self.statements = 0;
        Ok(())
    }

    async fn finish(mut self) -> Result<usize, DbErr> {
        self.flush().await?;
        self.commit().await?;
        let seconds = self.started.elapsed().as_secs_f64();
        eprintln!(
            "[seed] {}: {} rows in {:.1} s ({:.0} rows/s)",
            self.table,
            self.done,
            seconds,
            self.done as f64 / seconds.max(0.001)
        );
        Ok(self.done)
    }
}

fn insert_sql(backend: DbBackend, table: &str, columns: &[&str], rows: usize) -> String {
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    sql.reserve(rows * columns.len() * 7);
    let mut n = 0;
    for row in 0..rows {
        if row > 0 {
            sql.push(',');
        }
        sql.push('(');
        for column in 0..columns.len() {
            if column > 0 {
                sql.push(',');
            }
            n += 1;
            match backend {
                DbBackend::Postgres => {
                    sql.push('$');
                    sql.push_str(&n.to_string());
                }
                _ => sql.push('?'),
            }
        }
        sql.push(')');
    }
    sql
}

/// The workspace's activity types and their outcomes, as migrations (or an admin) left them.
struct Kinds {
    types: Vec<Kind>,
}

struct Kind {
    id: i32,
    name: String,
    /// (id, name)
    outcomes: Vec<(i32, String)>,
}

impl Kinds {
    async fn read(db: &DatabaseConnection) -> Result<Kinds, BoxError> {
        let types: Vec<Kind> = app::server::activities::types(db)
            .await
            .map_err(|e| format!("{e:?}"))?
            .into_iter()
            .filter(|t| t.active)
            .map(|t| Kind {
                id: t.id,
                name: t.name,
                outcomes: t
                    .outcomes
                    .into_iter()
                    .filter(|o| o.active)
                    .map(|o| (o.id, o.name))
                    .collect(),
            })
            .collect();
        if types.is_empty() {
            return Err("The workspace has no active activity type to log.".into());
        }
        Ok(Kinds { types })
    }

    fn named(&self, name: &str) -> Option<usize> {
        self.types.iter().position(|t| t.name == name)
    }

    fn outcome_named(&self, kind: usize, name: &str) -> Option<i32> {
        self.types[kind]
            .outcomes
            .iter()
            .find(|o| o.1 == name)
            .map(|o| o.0)
    }

    /// Any of the type's outcomes, sometimes none.
    fn any_outcome(&self, kind: usize, dice: &mut Dice) -> i32 {
        let outcomes = &self.types[kind].outcomes;
        if outcomes.is_empty() || dice.roll(100) < 8 {
            0
        } else {
            outcomes[dice.roll(outcomes.len() as u64) as usize].0
        }
    }

    /// Cumulative weights of the types for a lead that reached step `reach`: calls most,
    /// emails both ways, a qualifying call, meetings from the second step, proposals from the
    /// third.
    fn mix(&self, reach: usize) -> Vec<u64> {
        let mut total = 0;
        let mut out: Vec<u64> = self
            .types
            .iter()
            .map(|kind| {
                total += match kind.name.as_str() {
                    "Call" => 45,
                    "Email" => 20,
                    "Email received" => 10,
                    "Meeting" if reach >= 1 => 10,
                    "Meeting" => 1,
                    "Qualifying call" => 6,
                    "Proposal" if reach >= 2 => 7,
                    "Proposal" => 0,
                    _ => 5,
                };
                total
            })
            .collect();
        if total == 0 {
            out = (1..=self.types.len() as u64).collect();
        }
        out
    }
}

/// An index drawn from cumulative weights.
fn pick(cumulative: &[u64], dice: &mut Dice) -> usize {
    let total = cumulative.last().copied().unwrap_or(0);
    let r = dice.roll(total);
    cumulative
        .partition_point(|&c| c <= r)
        .min(cumulative.len().saturating_sub(1))
}

/// A generator for one numbered thing (a lead's or a prospect's contact), independent of the
/// order things are drawn in.
fn dice_for(seed: u64, salt: u64, n: u64) -> Dice {
    let mut z = seed
        .wrapping_add(salt.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(n.wrapping_mul(0xBF58_476D_1CE4_E5B9));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    Dice(z ^ (z >> 31))
}

/// A company and a person to call.
struct Contact {
    company: String,
    person: String,
    phone: String,
    email: String,
    city: &'static str,
}

impl Contact {
    fn draw(mut dice: Dice, n: u64) -> Contact {
        let word = COMPANY_WORDS[dice.roll(COMPANY_WORDS.len() as u64) as usize];
        let kind = COMPANY_KINDS[dice.roll(COMPANY_KINDS.len() as u64) as usize];
        let first = FIRST_NAMES[dice.roll(FIRST_NAMES.len() as u64) as usize];
        let last = LAST_NAMES[dice.roll(LAST_NAMES.len() as u64) as usize];
        let domain = format!(
            "{}{}",
            word.to_lowercase().replace(' ', ""),
            dice.roll(1000)
        );
        Contact {
            company: format!("{word} {kind}"),
            person: format!("{first} {last}"),
            phone: format!(
                "+33 1 {:02} {:02} {:02} {:02}",
                dice.roll(100),
                dice.roll(100),
                dice.roll(100),
                n % 100
            ),
            email: format!(
                "{}.{}{}@{domain}.example",
                first.to_lowercase(),
                last.to_lowercase(),
                n
            ),
            city: CITIES[dice.roll(CITIES.len() as u64) as usize],
        }
    }
}

struct Person {
    id: i32,
    name: String,
    email: String,
    role: &'static str,
    segment: Option<usize>,
}

struct PipelineRow {
    id: i32,
    name: &'static str,
    /// Step ids in order.
    steps: Vec<i32>,
}

struct ListRow {
    id: i32,
    name: String,
    owner: usize,
    pipeline: usize,
    created: i64,
    /// Column ids: company, contact, phone, email, city.
    columns: [i32; 5],
}

struct ProspectRow {
    list: usize,
    assigned: Option<usize>,
    status: u8,
    created: i64,
    /// When it was converted or disqualified.
    decided: i64,
    reason: usize,
    lead_id: i32,
    activity_count: i32,
    last_activity_at: i64,
    last_activity_type: i32,
}

/// A lead before its history is drawn.
struct LeadSpec {
    created: i64,
    pipeline: usize,
    creator: usize,
    owner: usize,
    /// The prospect it was converted from.
    origin: Option<usize>,
}

struct LeadRow {
    created: i64,
    pipeline: u8,
    step: u8,
    status: u8,
    reach: u8,
    reopened: bool,
    reason: u8,
    creator: u16,
    first_owner: u16,
    owner: u16,
    updated_by: u16,
    version: u16,
    /// From when `owner` owns it (`first_owner` before).
    reassigned_at: i64,
    updated: i64,
    /// The last moment activities are logged on it: its close, or the end of time.
    end: i64,
    amount: i64,
    next_action: i64,
    origin: Option<u32>,
}

impl LeadRow {
    fn owner_at(&self, t: i64) -> usize {
        if t >= self.reassigned_at {
            self.owner as usize
        } else {
            self.first_owner as usize
        }
    }

    fn closed(&self) -> bool {
        self.status >= WON
    }
}

const NO_STEP: u8 = u8::MAX;

struct Entry {
    at: i64,
    lead: u32,
    user: u16,
    owner: u16,
    from_step: u8,
    from_status: u8,
    to_step: u8,
    to_status: u8,
    last_close: bool,
}

/// One activity; lead and prospect are indexes plus one (0: none).
struct Act {
    at: i64,
    lead: u32,
    prospect: u32,
    outcome: i32,
    user: u16,
    kind: u16,
}

/// The whole workspace, drawn.
struct World {
    seed: u64,
    until: i64,
    ids_lead: i32,
    ids_history: i32,
    ids_activity: i32,
    ids_prospect: i32,
    segment_ids: Vec<i32>,
    people: Vec<Person>,
    pipelines: Vec<PipelineRow>,
    lists: Vec<ListRow>,
    prospects: Vec<ProspectRow>,
    leads: Vec<LeadRow>,
    history: Vec<Entry>,
    acts: Vec<Act>,
    kind_ids: Vec<i32>,
}

impl World {
    fn draw(scale: &Scale, seed: u64, until: i64, kinds: &Kinds, ids: &Ids) -> World {
        let mut dice = dice_for(seed, 1, 0);
        let start = until - SPAN;

        // The team: an admin, a manager per segment (one for a small team), reps.
        let managers = if scale.users >= 20 { SEGMENTS.len() } else { 1 };
        let mut people = Vec::with_capacity(scale.users);
        for i in 0..scale.users {
            let (role, segment, email) = if i == 0 {
                ("admin", None, "admin@reference.test".to_string())
            } else if i <= managers {
                ("manager", Some(i - 1), format!("manager{i}@reference.test"))
            } else {
                let n = i - managers;
                (
                    "member",
                    Some(n % SEGMENTS.len()),
                    format!("rep{n:03}@reference.test"),
                )
            };
            people.push(Person {
                id: ids.user + i as i32,
                name: format!(
                    "{} {}",
                    FIRST_NAMES[i % FIRST_NAMES.len()],
                    LAST_NAMES[(i / FIRST_NAMES.len() + i) % LAST_NAMES.len()]
                ),
                email,
                role,
                segment,
            });
        }
        let manager_of: Vec<Option<usize>> = (0..SEGMENTS.len())
            .map(|s| {
                people
                    .iter()
                    .position(|p| p.role == "manager" && p.segment == Some(s))
            })
            .collect();
        // Who owns leads, some reps busier than others; managers a few.
        let mut total = 0;
        let owners_cumulative: Vec<u64> = people
            .iter()
            .map(|p| {
                total += match p.role {
                    "member" => 50 + dice.roll(100),
                    "manager" => 15,
                    _ => 0,
                };
                total
            })
            .collect();
        let members_of: Vec<Vec<usize>> = (0..SEGMENTS.len())
            .map(|s| {
                let mine: Vec<usize> = people
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.role == "member" && p.segment == Some(s))
                    .map(|(i, _)| i)
                    .collect();
                if mine.is_empty() {
                    (1..people.len()).collect()
                } else {
                    mine
                }
            })
            .collect();

        let mut step_id = ids.step;
        let pipelines: Vec<PipelineRow> = PIPELINES
            .iter()
            .enumerate()
            .map(|(i, (name, steps, _))| PipelineRow {
                id: ids.pipeline + i as i32,
                name,
                steps: steps
                    .iter()
                    .map(|_| {
                        step_id += 1;
                        step_id - 1
                    })
                    .collect(),
            })
            .collect();
        let mut total = 0;
        let pipeline_cumulative: Vec<u64> = PIPELINES
            .iter()
            .map(|p| {
                total += p.2;
                total
            })
            .collect();

        // Prospecting lists, their rows, the work on them, and conversions.
        let call = kinds.named("Call");
        let email = kinds.named("Email");
        let qualifying = kinds.named("Qualifying call");
        let most_converted = scale.leads / 2;
        let mut lists = Vec::new();
        let mut prospects = Vec::new();
        let mut acts: Vec<Act> = Vec::new();
        let mut specs: Vec<LeadSpec> = Vec::with_capacity(scale.leads);
        let mut column_id = ids.column;
        for l in 0..scale.lists {
            let segment = l % SEGMENTS.len();
            let created = start + DAY + dice.roll((SPAN - 45 * DAY) as u64) as i64;
            let pipeline = if l % 4 == 3 { 1 } else { 0 };
            let quarter = at(created);
            lists.push(ListRow {
                id: ids.list + l as i32,
                name: format!(
                    "{} {} {} #{}",
                    CITIES[l % CITIES.len()],
                    SECTORS[l % SECTORS.len()],
                    quarter.format("%Y-%m"),
                    l + 1
                ),
                owner: manager_of[segment].unwrap_or(0),
                pipeline,
                created,
                columns: std::array::from_fn(|c| column_id + c as i32),
            });
            column_id += 5;
            let reps = &members_of[segment];
            for _ in 0..scale.prospects_per_list {
                let p = prospects.len();
                let created = created + 300;
                let assigned =
                    (dice.roll(100) < 90).then(|| reps[dice.roll(reps.len() as u64) as usize]);
                let mut status = match assigned {
                    None => NEW,
                    Some(_) => match dice.roll(100) {
                        0..=34 => NEW,
                        35..=74 => IN_PROGRESS,
                        75..=86 => DISQUALIFIED,
                        _ => CONVERTED,
                    },
                };
                if status == CONVERTED && specs.len() >= most_converted {
                    status = IN_PROGRESS;
                }
                let decided = if matches!(status, CONVERTED | DISQUALIFIED) {
                    created + DAY + dice.roll((until - HOUR - created - DAY) as u64) as i64
                } else {
                    0
                };
                if let (Some(rep), true) = (assigned, status != NEW) {
                    let from = created + HOUR;
                    let to = if decided > 0 {
                        decided - 120
                    } else {
                        until - HOUR
                    };
                    for _ in 0..1 + dice.roll(4) {
                        let when = from + dice.roll((to - from).max(1) as u64) as i64;
                        let kind = match (call, email) {
                            (Some(c), _) if dice.roll(100) < 80 => c,
                            (_, Some(e)) => e,
                            (Some(c), None) => c,
                            (None, None) => dice.roll(kinds.types.len() as u64) as usize,
                        };
                        acts.push(Act {
                            at: when,
                            lead: 0,
                            prospect: p as u32 + 1,
                            outcome: kinds.any_outcome(kind, &mut dice),
                            user: rep as u16,
                            kind: kind as u16,
                        });
                    }
                    if decided > 0 {
                        let kind = qualifying.or(call).unwrap_or(0);
                        let fit = match status {
                            CONVERTED if dice.roll(3) == 0 => "Good fit",
                            CONVERTED => "Top fit",
                            _ => "Bad fit",
                        };
                        acts.push(Act {
                            at: decided - 60,
                            lead: 0,
                            prospect: p as u32 + 1,
                            outcome: kinds
                                .outcome_named(kind, fit)
                                .unwrap_or_else(|| kinds.any_outcome(kind, &mut dice)),
                            user: rep as u16,
                            kind: kind as u16,
                        });
                    }
                    if status == CONVERTED {
                        specs.push(LeadSpec {
                            created: decided,
                            pipeline,
                            creator: rep,
                            owner: rep,
                            origin: Some(p),
                        });
                    }
                }
                prospects.push(ProspectRow {
                    list: l,
                    assigned,
                    status,
                    created,
                    decided,
                    reason: dice.roll(DISQUALIFY_REASONS.len() as u64) as usize,
                    lead_id: 0,
                    activity_count: 0,
                    last_activity_at: 0,
                    last_activity_type: 0,
                });
            }
        }

        // The other leads, created over the two years.
        while specs.len() < scale.leads {
            let owner = pick(&owners_cumulative, &mut dice);
            let creator = if dice.roll(100) < 85 {
                owner
            } else {
                people[owner]
                    .segment
                    .and_then(|s| manager_of[s])
                    .filter(|_| dice.roll(2) == 0)
                    .unwrap_or_else(|| pick(&owners_cumulative, &mut dice))
            };
            specs.push(LeadSpec {
                created: start + dice.roll((SPAN - HOUR) as u64) as i64,
                pipeline: pick(&pipeline_cumulative, &mut dice),
                creator,
                owner,
                origin: None,
            });
        }
        // Ids in order of creation, as a real workspace has them.
        specs.sort_by_key(|s| s.created);
        for (i, spec) in specs.iter().enumerate() {
            if let Some(p) = spec.origin {
                prospects[p].lead_id = ids.lead + i as i32;
            }
        }

        // Each lead's life.
        let mut leads = Vec::with_capacity(specs.len());
        let mut history = Vec::with_capacity(specs.len() * 4);
        for (i, spec) in specs.iter().enumerate() {
            let lead = live(
                &mut dice,
                spec,
                i as u32,
                pipelines[spec.pipeline].steps.len(),
                until,
                &owners_cumulative,
                &people,
                &manager_of,
                &mut history,
            );
            leads.push(lead);
        }

        // Activities: the prospects' (drawn above), a share on no lead nor prospect, and the
        // rest on leads in proportion to how far and how long each went.
        let loose = scale.activities * 15 / 1000;
        let on_leads = scale.activities.saturating_sub(acts.len() + loose);
        let weights: Vec<u64> = leads
            .iter()
            .map(|l| 2 + 2 * l.reach as u64 + ((l.end - l.created) / DAY).min(180) as u64 / 15)
            .collect();
        let weight_total: u128 = weights.iter().map(|&w| w as u128).sum();
        let mixes: Vec<Vec<u64>> = (0..3).map(|r| kinds.mix(r)).collect();
        acts.reserve(on_leads + loose);
        let mut running: u128 = 0;
        let mut given: u128 = 0;
        for (i, lead) in leads.iter().enumerate() {
            running += weights[i] as u128;
            let due = on_leads as u128 * running / weight_total.max(1);
            let count = (due - given) as usize;
            given = due;
            let mix = &mixes[(lead.reach as usize).min(2)];
            let span = (lead.end - lead.created).max(1) as u64;
            for _ in 0..count {
                let when = lead.created + dice.roll(span) as i64;
                let owner = lead.owner_at(when);
                let user = if dice.roll(100) < 90 {
                    owner
                } else {
                    people[owner]
                        .segment
                        .map(|s| &members_of[s])
                        .map(|m| m[dice.roll(m.len() as u64) as usize])
                        .unwrap_or(owner)
                };
                let kind = pick(mix, &mut dice);
                acts.push(Act {
                    at: when,
                    lead: i as u32 + 1,
                    prospect: 0,
                    outcome: kinds.any_outcome(kind, &mut dice),
                    user: user as u16,
                    kind: kind as u16,
                });
            }
        }
        let loose_mix = &mixes[1];
        for _ in 0..loose {
            let kind = pick(loose_mix, &mut dice);
            acts.push(Act {
                at: start + dice.roll((SPAN - 1) as u64) as i64,
                lead: 0,
                prospect: 0,
                outcome: kinds.any_outcome(kind, &mut dice),
                user: pick(&owners_cumulative, &mut dice) as u16,
                kind: kind as u16,
            });
        }
        // Ids in the order things happened, as logging them live gives.
        acts.sort_by_key(|a| a.at);
        history.sort_by_key(|e| e.at);
        let kind_ids: Vec<i32> = kinds.types.iter().map(|t| t.id).collect();
        for a in &acts {
            if a.prospect > 0 {
                let p = &mut prospects[a.prospect as usize - 1];
                p.activity_count += 1;
                p.last_activity_at = a.at;
                p.last_activity_type = kind_ids[a.kind as usize];
            }
        }

        World {
            seed,
            until,
            ids_lead: ids.lead,
            ids_history: ids.history,
            ids_activity: ids.activity,
            ids_prospect: ids.prospect,
            segment_ids: (0..SEGMENTS.len() as i32)
                .map(|s| ids.segment + s)
                .collect(),
            people,
            pipelines,
            lists,
            prospects,
            leads,
            history,
            acts,
            kind_ids,
        }
    }

    /// Workspace settings, segments, users, pipelines, steps, lists and their columns.
    async fn write_team(
        &self,
        db: &DatabaseConnection,
        password_hash: &str,
    ) -> Result<(), BoxError> {
        let t0 = at(self.until - SPAN - 30 * DAY);
        // Written as is (not through workspace::update, which stamps the present time), so
        // that the same seed gives the same row.
        workspace::Entity::update_many()
            .col_expr(workspace::Column::Name, Expr::value("Reference Co"))
            .col_expr(workspace::Column::TimeZone, Expr::value("Europe/Paris"))
            .col_expr(workspace::Column::Currency, Expr::value("EUR"))
            .col_expr(workspace::Column::WeekStart, Expr::value("monday"))
            .col_expr(workspace::Column::SetupDone, Expr::value(true))
            .col_expr(workspace::Column::UpdatedAt, Expr::value(t0))
            .filter(workspace::Column::Id.eq(app::server::workspace::WORKSPACE_ID))
            .exec(db)
            .await?;

        let mut w = Writer::new(
            db,
            "segments",
            &["id", "name", "created_at"],
            SEGMENTS.len(),
        );
        for (id, name) in self.segment_ids.iter().zip(SEGMENTS) {
            w.push([(*id).into(), name.into(), t0.into()]).await?;
        }
        w.finish().await?;

        let mut w = Writer::new(
            db,
            "users",
            &[
                "id",
                "email",
                "name",
                "password_hash",
                "role",
                "segment_id",
                "active",
                "time_zone",
                "created_at",
                "updated_at",
            ],
            self.people.len(),
        );
        for p in &self.people {
            w.push([
                p.id.into(),
                p.email.clone().into(),
                p.name.clone().into(),
                password_hash.into(),
                p.role.into(),
                p.segment.map(|s| self.segment_ids[s]).into(),
                true.into(),
                "Europe/Paris".into(),
                t0.into(),
                t0.into(),
            ])
            .await?;
        }
        w.finish().await?;

        let mut w = Writer::new(
            db,
            "pipelines",
            &["id", "name", "position", "is_default", "created_at"],
            self.pipelines.len(),
        );
        for (i, p) in self.pipelines.iter().enumerate() {
            w.push([
                p.id.into(),
                p.name.into(),
                (i as i32).into(),
                (i == 0).into(),
                t0.into(),
            ])
            .await?;
        }
        w.finish().await?;
        let mut w = Writer::new(
            db,
            "steps",
            &["id", "pipeline_id", "name", "position", "created_at"],
            PIPELINES.iter().map(|p| p.1.len()).sum(),
        );
        for (p, (_, names, _)) in self.pipelines.iter().zip(PIPELINES) {
            for (i, (id, name)) in p.steps.iter().zip(names.iter()).enumerate() {
                w.push([
                    (*id).into(),
                    p.id.into(),
                    (*name).into(),
                    (i as i32).into(),
                    t0.into(),
                ])
                .await?;
            }
        }
        w.finish().await?;

        let mut w = Writer::new(
            db,
            "prospecting_lists",
            &[
                "id",
                "name",
                "owner_id",
                "pipeline_id",
                "step_id",
                "script_id",
                "show_unassigned",
                "archived",
                "created_at",
                "updated_at",
            ],
            self.lists.len(),
        );
        for l in &self.lists {
            w.push([
                l.id.into(),
                l.name.clone().into(),
                self.people[l.owner].id.into(),
                Some(self.pipelines[l.pipeline].id).into(),
                Option::<i32>::None.into(),
                Option::<i32>::None.into(),
                true.into(),
                false.into(),
                at(l.created).into(),
                at(l.created).into(),
            ])
            .await?;
        }
        w.finish().await?;
        let mut w = Writer::new(
            db,
            "list_columns",
            &["id", "list_id", "name", "kind", "position"],
            self.lists.len() * 5,
        );
        for l in &self.lists {
            for (i, (name, kind)) in [
                ("Company", "company"),
                ("Contact", "person"),
                ("Phone", "phone"),
                ("Email", "email"),
                ("City", "text"),
            ]
            .into_iter()
            .enumerate()
            {
                w.push([
                    l.columns[i].into(),
                    l.id.into(),
                    name.into(),
                    kind.into(),
                    (i as i32).into(),
                ])
                .await?;
            }
        }
        w.finish().await?;
        Ok(())
    }

    fn prospect_contact(&self, p: usize) -> Contact {
        Contact::draw(dice_for(self.seed, 2, p as u64), p as u64)
    }

    /// Leads, their history, prospects and activities.
    async fn write_volume(&self, db: &DatabaseConnection) -> Result<(), BoxError> {
        let mut w = Writer::new(
            db,
            "leads",
            &[
                "id",
                "title",
                "amount_cents",
                "currency",
                "probability",
                "owner_id",
                "pipeline_id",
                "step_id",
                "status",
                "next_action_at",
                "company",
                "person",
                "email",
                "phone",
                "notes",
                "tags",
                "origin_list_id",
                "origin_prospect_id",
                "close_reason",
                "created_by",
                "updated_by",
                "created_at",
                "updated_at",
                "closed_at",
                "version",
            ],
            self.leads.len(),
        );
        for (i, l) in self.leads.iter().enumerate() {
            let mut dice = dice_for(self.seed, 3, i as u64);
            let contact = match l.origin {
                Some(p) => self.prospect_contact(p as usize),
                None => Contact::draw(dice_for(self.seed, 4, i as u64), i as u64),
            };
            let pipeline = &self.pipelines[l.pipeline as usize];
            let last = pipeline.steps.len() - 1;
            let probability = match l.status {
                WON => 100,
                LOST | CANCELLED => 0,
                _ => 10 + 80 * l.step as i32 / last.max(1) as i32,
            };
            let close_reason = match l.status {
                LOST => Some(LOST_REASONS[l.reason as usize % LOST_REASONS.len()].to_string()),
                CANCELLED => Some("Project cancelled".to_string()),
                _ => None,
            };
            let origin = l.origin.map(|p| {
                let p = p as usize;
                (
                    self.lists[self.prospects[p].list].id,
                    self.ids_prospect + p as i32,
                )
            });
            w.push([
                (self.ids_lead + i as i32).into(),
                format!(
                    "{} — {}",
                    crate::demo::DEALS[dice.roll(crate::demo::DEALS.len() as u64) as usize],
                    contact.company
                )
                .into(),
                l.amount.into(),
                "EUR".into(),
                probability.into(),
                self.people[l.owner as usize].id.into(),
                pipeline.id.into(),
                pipeline.steps[l.step as usize].into(),
                STATUSES[l.status as usize].into(),
                (l.next_action > 0).then(|| at(l.next_action)).into(),
                contact.company.into(),
                contact.person.into(),
                contact.email.into(),
                contact.phone.into(),
                "".into(),
                if dice.roll(8) == 0 { ",priority," } else { "" }.into(),
                origin.map(|o| o.0).into(),
                origin.map(|o| o.1).into(),
                close_reason.into(),
                self.people[l.creator as usize].id.into(),
                self.people[l.updated_by as usize].id.into(),
                at(l.created).into(),
                at(l.updated).into(),
                l.closed().then(|| at(l.updated)).into(),
                i32::from(l.version).into(),
            ])
            .await?;
        }
        w.finish().await?;

        let mut w = Writer::new(
            db,
            "lead_history",
            &[
                "id",
                "lead_id",
                "user_id",
                "owner_id",
                "from_pipeline_id",
                "to_pipeline_id",
                "from_step_id",
                "to_step_id",
                "from_status",
                "to_status",
                "at",
                "amount_cents",
                "last_close",
            ],
            self.history.len(),
        );
        for (i, e) in self.history.iter().enumerate() {
            let lead = &self.leads[e.lead as usize];
            let pipeline = &self.pipelines[lead.pipeline as usize];
            let from = e.from_step != NO_STEP;
            w.push([
                (self.ids_history + i as i32).into(),
                (self.ids_lead + e.lead as i32).into(),
                self.people[e.user as usize].id.into(),
                self.people[e.owner as usize].id.into(),
                from.then_some(pipeline.id).into(),
                pipeline.id.into(),
                from.then(|| pipeline.steps[e.from_step as usize]).into(),
                pipeline.steps[e.to_step as usize].into(),
                from.then(|| STATUSES[e.from_status as usize]).into(),
                STATUSES[e.to_status as usize].into(),
                at(e.at).into(),
                lead.amount.into(),
                e.last_close.into(),
            ])
            .await?;
        }
        w.finish().await?;

        let mut w = Writer::new(
            db,
            "prospects",
            &[
                "id",
                "list_id",
                "cells",
                "assigned_to",
                "status",
                "disqualify_reason",
                "lead_id",
                "activity_count",
                "last_activity_at",
                "last_activity_type_id",
                "import_id",
                "created_at",
                "updated_at",
            ],
            self.prospects.len(),
        );
        for (i, p) in self.prospects.iter().enumerate() {
            let list = &self.lists[p.list];
            let contact = self.prospect_contact(i);
            let cells: BTreeMap<String, String> = list
                .columns
                .iter()
                .map(|c| c.to_string())
                .zip([
                    contact.company,
                    contact.person,
                    contact.phone,
                    contact.email,
                    contact.city.to_string(),
                ])
                .collect();
            let updated = if p.decided > 0 { p.decided } else { p.created };
            w.push([
                (self.ids_prospect + i as i32).into(),
                list.id.into(),
                serde_json::to_string(&cells)
                    .unwrap_or_else(|_| "{}".into())
                    .into(),
                p.assigned.map(|a| self.people[a].id).into(),
                PROSPECT_STATUSES[p.status as usize].into(),
                (p.status == DISQUALIFIED)
                    .then(|| DISQUALIFY_REASONS[p.reason])
                    .into(),
                (p.lead_id > 0).then_some(p.lead_id).into(),
                p.activity_count.into(),
                (p.activity_count > 0)
                    .then(|| at(p.last_activity_at))
                    .into(),
                (p.activity_count > 0)
                    .then_some(p.last_activity_type)
                    .into(),
                Option::<i32>::None.into(),
                at(p.created).into(),
                at(updated).into(),
            ])
            .await?;
        }
        w.finish().await?;

        let mut w = Writer::new(
            db,
            "activities",
            &[
                "id",
                "type_id",
                "outcome_id",
                "user_id",
                "lead_id",
                "prospect_id",
                "note",
                "occurred_at",
                "created_at",
                "updated_at",
                "updated_by",
            ],
            self.acts.len(),
        );
        for (i, a) in self.acts.iter().enumerate() {
            let user = self.people[a.user as usize].id;
            // A converted prospect's activities show on its lead.
            let lead_id = if a.lead > 0 {
                Some(self.ids_lead + a.lead as i32 - 1)
            } else if a.prospect > 0 {
                Some(self.prospects[a.prospect as usize - 1].lead_id).filter(|&id| id > 0)
            } else {
                None
            };
            let when = at(a.at);
            w.push([
                (self.ids_activity + i as i32).into(),
                self.kind_ids[a.kind as usize].into(),
                (a.outcome > 0).then_some(a.outcome).into(),
                user.into(),
                lead_id.into(),
                (a.prospect > 0)
                    .then(|| self.ids_prospect + a.prospect as i32 - 1)
                    .into(),
                "".into(),
                when.into(),
                when.into(),
                when.into(),
                user.into(),
            ])
            .await?;
        }
        w.finish().await?;
        Ok(())
    }
}

/// Draws one lead's history (appended to `history`) and its final state: it moves forward
/// through the steps from the first; most older leads end won (at the last step), lost or
/// cancelled (at any step); some are put on standby; a few are closed, reopened and closed
/// again. Entries are strictly increasing in time, before `until`.
#[allow(clippy::too_many_arguments)]
fn live(
    dice: &mut Dice,
    spec: &LeadSpec,
    index: u32,
    steps: usize,
    until: i64,
    owners: &[u64],
    people: &[Person],
    manager_of: &[Option<usize>],
    history: &mut Vec<Entry>,
) -> LeadRow {
    let created = spec.created;
    let age_days = ((until - created) / DAY) as u64;
    let closed = dice.roll(1000) < (age_days * 1000 / 150).clamp(50, 920);
    let fate = if closed {
        match dice.roll(100) {
            0..=29 => WON,
            30..=81 => LOST,
            _ => CANCELLED,
        }
    } else if dice.roll(100) < 8 {
        STANDBY
    } else {
        ACTIVE
    };
    let last = steps - 1;
    let reach = if fate == WON {
        last
    } else {
        let mut r = 0;
        while r < last && dice.roll(100) < 55 {
            r += 1;
        }
        r
    };
    // (to step, to status)
    let mut events: Vec<(usize, u8)> = vec![(0, ACTIVE)];
    let reopened = closed && dice.roll(100) < 2;
    if reopened {
        let first_close_at = dice.roll(reach as u64 + 1) as usize;
        for s in 1..=first_close_at {
            events.push((s, ACTIVE));
        }
        let first = if first_close_at == last && dice.roll(2) == 0 {
            WON
        } else {
            LOST
        };
        events.push((first_close_at, first));
        events.push((first_close_at, ACTIVE));
        for s in first_close_at + 1..=reach {
            events.push((s, ACTIVE));
        }
    } else {
        for s in 1..=reach {
            events.push((s, ACTIVE));
        }
    }
    if fate != ACTIVE {
        events.push((reach, fate));
    }

    // Times: an hour to two weeks between events, squeezed into the time left.
    let gaps: Vec<i64> = (1..events.len())
        .map(|_| HOUR + dice.roll(14 * DAY as u64) as i64)
        .collect();
    let window = until - 120 - created;
    let total: i64 = gaps.iter().sum();
    let mut times = Vec::with_capacity(events.len());
    times.push(created);
    let mut sum = 0i64;
    for gap in &gaps {
        sum += gap;
        let offset = if total > window {
            (sum as i128 * window as i128 / total as i128) as i64
        } else {
            sum
        };
        let previous = *times.last().unwrap_or(&created);
        times.push((created + offset).max(previous + 1));
    }
    let last_at = *times.last().unwrap_or(&created);

    // A few leads change hands on the way.
    let first_owner = spec.owner;
    let (owner, reassigned_at) = if spec.origin.is_none() && last_at > created && dice.roll(100) < 5
    {
        let next = pick(owners, dice);
        (
            next,
            created + 1 + dice.roll((last_at - created).max(1) as u64) as i64,
        )
    } else {
        (first_owner, created)
    };
    let owner_at = |t: i64| {
        if t >= reassigned_at {
            owner
        } else {
            first_owner
        }
    };

    let mut updated_by = spec.creator;
    for (n, (&(to_step, to_status), &t)) in events.iter().zip(&times).enumerate() {
        let owner_then = owner_at(t);
        let user = if n == 0 {
            spec.creator
        } else if dice.roll(100) < 85 {
            owner_then
        } else {
            people[owner_then]
                .segment
                .and_then(|s| manager_of[s])
                .unwrap_or(owner_then)
        };
        let from = (n > 0).then(|| events[n - 1]);
        history.push(Entry {
            at: t,
            lead: index,
            user: user as u16,
            owner: owner_then as u16,
            from_step: from.map_or(NO_STEP, |f| f.0 as u8),
            from_status: from.map_or(NO_STEP, |f| f.1),
            to_step: to_step as u8,
            to_status,
            last_close: closed && n == events.len() - 1,
        });
        updated_by = user;
    }
    let (step, status) = events[events.len() - 1];
    LeadRow {
        created,
        pipeline: spec.pipeline as u8,
        step: step as u8,
        status,
        reach: reach as u8,
        reopened,
        reason: dice.roll(LOST_REASONS.len() as u64) as u8,
        creator: spec.creator as u16,
        first_owner: first_owner as u16,
        owner: owner as u16,
        updated_by: updated_by as u16,
        version: events.len() as u16,
        reassigned_at,
        updated: last_at,
        end: if closed { last_at } else { until - 1 },
        amount: ((5 + dice.roll(196)) * 50_000) as i64,
        next_action: if closed {
            0
        } else {
            until - 2 * DAY + dice.roll(16 * DAY as u64) as i64
        },
        origin: spec.origin.map(|p| p as u32),
    }
}
