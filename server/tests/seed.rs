//! The reference-workspace generator (`seed-demo --scale large`) at a tiny scale on SQLite:
//! the sizes asked for, the rules the reports read (one counting close per closed lead and
//! none for open ones, each lead where its last history entry put it, forward moves, wins at
//! the last step only, activities inside their lead's life, prospect summaries and
//! conversions that agree with the rows), the indexes back after the load, a second run
//! refused, and the same seed giving the same rows.

use std::path::PathBuf;

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use server::seed::{secondary_indexes, seed_workspace, Scale};

const TINY: Scale = Scale {
    users: 12,
    leads: 400,
    activities: 6_000,
    lists: 2,
    prospects_per_list: 60,
};

const SEED: u64 = 7;

const BIG_TABLES: [&str; 4] = ["leads", "lead_history", "activities", "prospects"];

fn until() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()
}

/// A timestamp as SeaORM stores it in SQLite.
fn stored(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

struct TempDb {
    file: PathBuf,
    db: DatabaseConnection,
}

impl TempDb {
    async fn new(name: &str) -> TempDb {
        let file = std::env::temp_dir().join(format!(
            "cadence_seed_{name}_{}_{}.db",
            std::process::id(),
            Utc::now().timestamp_nanos_opt().unwrap_or_default()
        ));
        let db = server::connect(&format!("sqlite://{}", file.display()))
            .await
            .expect("connect and migrate");
        TempDb { file, db }
    }

    async fn remove(self) {
        self.db.close().await.ok();
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.file.display()));
        }
    }
}

async fn number(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .expect("a row");
    row.try_get_by_index::<i64>(0).expect("a number")
}

/// Asserts that `sql` counts no row breaking `rule`.
async fn none(db: &DatabaseConnection, rule: &str, sql: &str) {
    let broken = number(db, sql).await;
    assert_eq!(broken, 0, "{rule}: {broken} rows break it ({sql})");
}

/// Every row of the tables the generator writes, as text, in id order (the password hash left
/// out: its salt is random).
async fn dump(db: &DatabaseConnection) -> Vec<String> {
    let backend = db.get_database_backend();
    let mut out = Vec::new();
    for table in [
        "workspaces",
        "segments",
        "users",
        "pipelines",
        "steps",
        "prospecting_lists",
        "list_columns",
        "prospects",
        "leads",
        "lead_history",
        "activity_types",
        "outcomes",
        "activities",
    ] {
        let columns: Vec<String> = db
            .query_all_raw(Statement::from_string(
                backend,
                format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid"),
            ))
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get_by_index::<String>(0).unwrap())
            .filter(|c| c != "password_hash")
            .collect();
        let row = columns
            .iter()
            .map(|c| format!("quote({c})"))
            .collect::<Vec<_>>()
            .join(" || ',' || ");
        let rows = db
            .query_all_raw(Statement::from_string(
                backend,
                format!("SELECT '{table}:' || {row} FROM {table} ORDER BY id"),
            ))
            .await
            .unwrap();
        out.extend(
            rows.iter()
                .map(|r| r.try_get_by_index::<String>(0).unwrap()),
        );
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tiny_reference_workspace_keeps_the_rules_the_reports_read() {
    let first = TempDb::new("first").await;
    let db = &first.db;
    let indexes_before = secondary_indexes(db, &BIG_TABLES).await.unwrap();
    assert!(indexes_before.len() > 10, "the big tables have indexes");
    let summary = seed_workspace(db, &TINY, SEED, until()).await.unwrap();

    // Sizes.
    for (table, expected) in [
        ("users", 12),
        ("segments", 4),
        ("pipelines", 3),
        ("steps", 15),
        ("leads", 400),
        ("activities", 6_000),
        ("prospecting_lists", 2),
        ("list_columns", 10),
        ("prospects", 120),
    ] {
        let n = number(db, &format!("SELECT COUNT(*) FROM {table}")).await;
        assert_eq!(n, expected, "rows in {table}");
    }
    assert_eq!(
        number(db, "SELECT COUNT(*) FROM lead_history").await,
        summary.lead_history as i64
    );
    assert_eq!(
        number(
            db,
            "SELECT COUNT(*) FROM users WHERE role = 'admin' AND segment_id IS NULL"
        )
        .await,
        1
    );
    assert_eq!(
        number(
            db,
            "SELECT COUNT(DISTINCT password_hash) FROM users WHERE password_hash LIKE '$argon2%'"
        )
        .await,
        1,
        "one hash, shared"
    );
    assert_eq!(
        number(db, "SELECT COUNT(*) FROM workspaces WHERE setup_done").await,
        1
    );

    // Lead history.
    none(
        db,
        "a closed lead has exactly one counting close, an open one none",
        "SELECT COUNT(*) FROM leads l WHERE (SELECT COUNT(*) FROM lead_history h \
         WHERE h.lead_id = l.id AND h.last_close) \
         <> (CASE WHEN l.status IN ('won', 'lost', 'cancelled') THEN 1 ELSE 0 END)",
    )
    .await;
    none(
        db,
        "the counting close is the lead's last entry, into its status, at its close",
        "SELECT COUNT(*) FROM lead_history h JOIN leads l ON l.id = h.lead_id \
         WHERE h.last_close AND (h.id <> (SELECT MAX(id) FROM lead_history x \
         WHERE x.lead_id = l.id) OR h.to_status <> l.status OR h.at <> l.closed_at \
         OR h.from_status = h.to_status)",
    )
    .await;
    none(
        db,
        "a lead is where its last entry put it, with one version per entry",
        "SELECT COUNT(*) FROM leads l JOIN lead_history h ON h.id = (SELECT MAX(id) \
         FROM lead_history x WHERE x.lead_id = l.id) WHERE h.to_status <> l.status \
         OR h.to_step_id <> l.step_id OR h.to_pipeline_id <> l.pipeline_id \
         OR h.at <> l.updated_at OR h.owner_id <> l.owner_id OR h.user_id <> l.updated_by \
         OR l.version <> (SELECT COUNT(*) FROM lead_history x WHERE x.lead_id = l.id)",
    )
    .await;
    none(
        db,
        "closed leads have a close date, open ones none",
        "SELECT COUNT(*) FROM leads WHERE (closed_at IS NULL) \
         <> (status NOT IN ('won', 'lost', 'cancelled'))",
    )
    .await;
    none(
        db,
        "each lead starts with its creation, into the first step, by its creator",
        "SELECT COUNT(*) FROM leads l JOIN lead_history h ON h.id = (SELECT MIN(id) \
         FROM lead_history x WHERE x.lead_id = l.id) WHERE h.from_step_id IS NOT NULL \
         OR h.from_status IS NOT NULL OR h.from_pipeline_id IS NOT NULL \
         OR h.to_status <> 'active' OR h.at <> l.created_at OR h.user_id <> l.created_by \
         OR h.to_step_id <> (SELECT s.id FROM steps s WHERE s.pipeline_id = l.pipeline_id \
         ORDER BY s.position LIMIT 1)",
    )
    .await;
    assert_eq!(
        number(
            db,
            "SELECT COUNT(*) FROM lead_history WHERE from_status IS NULL"
        )
        .await,
        400,
        "one creation entry per lead"
    );
    none(
        db,
        "each entry starts where the one before ended, later",
        "SELECT COUNT(*) FROM lead_history h JOIN lead_history p ON p.id = (SELECT MAX(id) \
         FROM lead_history x WHERE x.lead_id = h.lead_id AND x.id < h.id) \
         WHERE h.from_step_id <> p.to_step_id OR h.from_status <> p.to_status \
         OR h.from_pipeline_id <> p.to_pipeline_id OR h.at <= p.at",
    )
    .await;
    none(
        db,
        "moves go one step forward keeping the status; status changes keep the step",
        "SELECT COUNT(*) FROM lead_history h JOIN steps a ON a.id = h.from_step_id \
         JOIN steps b ON b.id = h.to_step_id WHERE (h.from_status = h.to_status \
         AND (b.position <> a.position + 1 OR b.pipeline_id <> a.pipeline_id)) \
         OR (h.from_status <> h.to_status AND a.id <> b.id)",
    )
    .await;
    none(
        db,
        "wins happen at the pipeline's last step only",
        "SELECT COUNT(*) FROM lead_history h JOIN steps s ON s.id = h.to_step_id \
         WHERE h.to_status = 'won' AND s.position <> (SELECT MAX(position) FROM steps x \
         WHERE x.pipeline_id = s.pipeline_id)",
    )
    .await;
    none(
        db,
        "entries carry the lead's amount",
        "SELECT COUNT(*) FROM lead_history h JOIN leads l ON l.id = h.lead_id \
         WHERE h.amount_cents <> l.amount_cents",
    )
    .await;
    none(
        db,
        "reps and managers create and own leads",
        "SELECT COUNT(*) FROM leads l JOIN users o ON o.id = l.owner_id \
         JOIN users c ON c.id = l.created_by \
         WHERE o.role NOT IN ('member', 'manager') OR c.role NOT IN ('member', 'manager')",
    )
    .await;
    let reopened = number(
        db,
        "SELECT COUNT(*) FROM leads l WHERE (SELECT COUNT(*) FROM lead_history h \
         WHERE h.lead_id = l.id AND h.to_status IN ('won', 'lost', 'cancelled') \
         AND h.from_status <> h.to_status) > 1",
    )
    .await;
    assert!(reopened > 0, "some leads were closed twice");
    assert_eq!(reopened, summary.reopened as i64);
    for status in ["active", "standby", "won", "lost", "cancelled"] {
        let n = number(
            db,
            &format!("SELECT COUNT(*) FROM leads WHERE status = '{status}'"),
        )
        .await;
        assert!(n > 0, "some leads are {status}");
    }

    // Activities.
    let from = stored(until() - chrono::Duration::days(730));
    let to = stored(until());
    none(
        db,
        "activities happened in the two years",
        &format!(
            "SELECT COUNT(*) FROM activities WHERE occurred_at < '{from}' OR occurred_at >= '{to}'"
        ),
    )
    .await;
    none(
        db,
        "an activity's outcome is one of its type's",
        "SELECT COUNT(*) FROM activities a JOIN outcomes o ON o.id = a.outcome_id \
         WHERE o.type_id <> a.type_id",
    )
    .await;
    none(
        db,
        "activities are recorded when they happen, by who did them, without a note",
        "SELECT COUNT(*) FROM activities WHERE created_at <> occurred_at \
         OR updated_at <> occurred_at OR updated_by <> user_id OR note <> ''",
    )
    .await;
    none(
        db,
        "a lead's activities fall between its creation and its close",
        "SELECT COUNT(*) FROM activities a JOIN leads l ON l.id = a.lead_id \
         WHERE a.prospect_id IS NULL AND (a.occurred_at < l.created_at \
         OR (l.closed_at IS NOT NULL AND a.occurred_at > l.closed_at))",
    )
    .await;
    none(
        db,
        "a prospect's activities come after its import and show on its lead once converted, \
         before the conversion",
        "SELECT COUNT(*) FROM activities a JOIN prospects p ON p.id = a.prospect_id \
         LEFT JOIN leads l ON l.id = p.lead_id WHERE (a.lead_id IS NOT NULL) \
         <> (p.lead_id IS NOT NULL) OR a.lead_id <> p.lead_id \
         OR a.occurred_at < p.created_at OR a.occurred_at > l.created_at",
    )
    .await;
    let on_leads = number(
        db,
        "SELECT COUNT(*) FROM activities WHERE prospect_id IS NULL AND lead_id IS NOT NULL",
    )
    .await;
    let on_prospects = number(
        db,
        "SELECT COUNT(*) FROM activities WHERE prospect_id IS NOT NULL",
    )
    .await;
    let loose = number(
        db,
        "SELECT COUNT(*) FROM activities WHERE prospect_id IS NULL AND lead_id IS NULL",
    )
    .await;
    assert!(
        on_leads > on_prospects && on_prospects > 0 && loose > 0,
        "{on_leads} on leads, {on_prospects} on prospects, {loose} on neither"
    );

    // Prospects.
    none(
        db,
        "a prospect's summary counts its activities and names its last one",
        "SELECT COUNT(*) FROM prospects p WHERE p.activity_count \
         <> (SELECT COUNT(*) FROM activities a WHERE a.prospect_id = p.id) \
         OR p.last_activity_at IS NOT (SELECT MAX(a.occurred_at) FROM activities a \
         WHERE a.prospect_id = p.id) OR p.last_activity_type_id IS NOT (SELECT a.type_id \
         FROM activities a WHERE a.prospect_id = p.id ORDER BY a.occurred_at DESC, a.id DESC \
         LIMIT 1)",
    )
    .await;
    none(
        db,
        "a prospect's status agrees with its lead, its activities and its reason",
        "SELECT COUNT(*) FROM prospects WHERE (status = 'converted') <> (lead_id IS NOT NULL) \
         OR (status = 'new' AND activity_count > 0) \
         OR (status <> 'new' AND activity_count = 0) \
         OR (status = 'disqualified') <> (disqualify_reason IS NOT NULL) \
         OR status NOT IN ('new', 'in_progress', 'converted', 'disqualified') \
         OR (status <> 'new' AND assigned_to IS NULL)",
    )
    .await;
    none(
        db,
        "a converted prospect's lead names it as its origin and belongs to its rep",
        "SELECT COUNT(*) FROM prospects p JOIN leads l ON l.id = p.lead_id \
         WHERE l.origin_prospect_id <> p.id OR l.origin_list_id <> p.list_id \
         OR l.owner_id <> p.assigned_to OR l.created_by <> p.assigned_to",
    )
    .await;
    none(
        db,
        "a lead with an origin is its prospect's lead",
        "SELECT COUNT(*) FROM leads l WHERE (l.origin_prospect_id IS NULL) \
         <> (l.origin_list_id IS NULL) OR (l.origin_prospect_id IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM prospects p WHERE p.id = l.origin_prospect_id \
         AND p.lead_id = l.id))",
    )
    .await;
    none(
        db,
        "cells are keyed by the list's column ids",
        "SELECT COUNT(*) FROM prospects p JOIN list_columns c ON c.list_id = p.list_id \
         WHERE json_extract(p.cells, '$.\"' || c.id || '\"') IS NULL",
    )
    .await;
    assert!(summary.converted > 0, "some prospects became leads");
    assert_eq!(
        number(
            db,
            "SELECT COUNT(*) FROM prospects WHERE status = 'converted'"
        )
        .await,
        summary.converted as i64
    );

    // The indexes dropped for the load are back, as they were.
    assert_eq!(
        secondary_indexes(db, &BIG_TABLES).await.unwrap(),
        indexes_before
    );

    // A database with a workspace is never seeded again.
    let again = seed_workspace(db, &TINY, SEED, until()).await;
    let message = again.expect_err("refused").to_string();
    assert!(message.contains("empty database"), "{message}");

    // The same seed gives the same rows; another seed other rows.
    let second = TempDb::new("second").await;
    seed_workspace(&second.db, &TINY, SEED, until())
        .await
        .unwrap();
    let third = TempDb::new("third").await;
    seed_workspace(&third.db, &TINY, SEED + 1, until())
        .await
        .unwrap();
    let (a, b, c) = (
        dump(&first.db).await,
        dump(&second.db).await,
        dump(&third.db).await,
    );
    assert!(a.len() > 7_000);
    assert!(a == b, "two runs with seed {SEED} differ");
    assert!(a != c, "seeds {SEED} and {} gave the same rows", SEED + 1);

    first.remove().await;
    second.remove().await;
    third.remove().await;
}
