//! Crash: the `cadence` binary serves a load of lead and activity writes and CSV imports through
//! the API and is killed (SIGKILL) at a random moment, round after round; after each restart
//! every write that was answered 2xx is there and intact, no import is half visible (a list
//! shows exactly the rows of its finished imports), and on SQLite `PRAGMA integrity_check` says
//! ok.
//! `CADENCE_CRASH_ROUNDS` rounds per database (3 in `make test`, 20 in `make reliability`);
//! PostgreSQL too when `CADENCE_TEST_POSTGRES_URL` is set. The figures go to standard output.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use serde_json::{json, Value};

fn rounds() -> usize {
    std::env::var("CADENCE_CRASH_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3)
}

/// The server as a child process; its address from its first line.
fn start(db_url: &str) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cadence"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--site-root",
            "target/no-site",
            "--no-digest",
            "--no-webhooks",
            "--api-rate-limit",
            "0",
        ])
        .env("CADENCE_DATABASE_URL", db_url)
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start cadence");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("Cadence is running at ")
        .unwrap_or_else(|| panic!("the server did not start: {line:?}"))
        .to_string();
    (child, url)
}

/// What the server acknowledged: leads (id, title) and activities (id, lead id, note).
#[derive(Default, Clone)]
struct Acked {
    leads: Vec<(i64, String)>,
    activities: Vec<(i64, i64, String)>,
    /// Prospecting lists imported into.
    lists: Vec<i64>,
    imports_started: usize,
}

/// A CSV of `rows` good prospects.
fn csv(rows: usize, round: usize) -> String {
    let mut text = String::from("Company,Name,Email\n");
    for i in 0..rows {
        text.push_str(&format!("Firm {round}-{i},Person {i},p{i}@r{round}.test\n"));
    }
    text
}

/// Imports into one list again and again (a second upload while one runs is refused: fine).
async fn import(url: String, token: String, list: i64, round: usize, acked: Arc<Mutex<Acked>>) {
    let client = common::http();
    loop {
        let Ok(response) = client
            .post(format!("{url}/api/v1/prospecting-lists/{list}/import"))
            .bearer_auth(&token)
            .header("content-type", "text/csv")
            .body(csv(400, round))
            .send()
            .await
        else {
            return;
        };
        if response.status().as_u16() == 202 {
            acked.lock().unwrap().imports_started += 1;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// One writer: leads and activities on them, as fast as answers come, until aborted.
async fn write(
    url: String,
    token: String,
    step: i64,
    call: i64,
    who: usize,
    acked: Arc<Mutex<Acked>>,
) {
    let client = common::http();
    let mut n = 0u64;
    loop {
        n += 1;
        let title = format!("w{who}-{n}-{}", "x".repeat((n % 7) as usize));
        let Ok(response) = client
            .post(format!("{url}/api/v1/leads"))
            .bearer_auth(&token)
            .json(&json!({"title": title, "step_id": step}))
            .send()
            .await
        else {
            return;
        };
        if response.status().as_u16() != 201 {
            continue;
        }
        let Ok(lead) = response.json::<Value>().await else {
            return;
        };
        let lead_id = lead["id"].as_i64().unwrap();
        acked.lock().unwrap().leads.push((lead_id, title.clone()));
        let note = format!("note of {title}");
        let Ok(response) = client
            .post(format!("{url}/api/v1/activities"))
            .bearer_auth(&token)
            .json(&json!({"type_id": call, "lead_id": lead_id, "note": note}))
            .send()
            .await
        else {
            return;
        };
        if response.status().as_u16() == 201 {
            if let Ok(activity) = response.json::<Value>().await {
                let id = activity["id"].as_i64().unwrap();
                acked.lock().unwrap().activities.push((id, lead_id, note));
            }
        }
    }
}

async fn one(db: &DatabaseConnection, sql: String) -> Option<(String, i64)> {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()?;
    Some((
        row.try_get_by_index(0).unwrap(),
        row.try_get_by_index(1).unwrap(),
    ))
}

/// Every acknowledged write is there, as written; SQLite's integrity check says ok.
async fn verify(db_url: &str, acked: &Acked) {
    let db = Database::connect(db_url).await.unwrap();
    for (id, title) in &acked.leads {
        let found = one(
            &db,
            format!("SELECT title, CAST(version AS BIGINT) FROM leads WHERE id = {id}"),
        )
        .await;
        assert_eq!(
            found.map(|f| f.0).as_deref(),
            Some(title.as_str()),
            "lead {id} acknowledged, then lost or changed"
        );
    }
    for (id, lead_id, note) in &acked.activities {
        let found = one(
            &db,
            format!("SELECT note, CAST(lead_id AS BIGINT) FROM activities WHERE id = {id}"),
        )
        .await;
        assert_eq!(
            found,
            Some((note.clone(), *lead_id)),
            "activity {id} acknowledged, then lost or changed"
        );
    }
    for list in &acked.lists {
        let count = |sql: String| {
            let db = &db;
            async move {
                db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
                    .await
                    .unwrap()
                    .unwrap()
                    .try_get_by_index::<i64>(0)
                    .unwrap()
            }
        };
        let visible = count(format!(
            "SELECT COUNT(*) FROM prospects WHERE list_id = {list} AND import_id IS NULL"
        ))
        .await;
        let finished = count(format!(
            "SELECT CAST(COALESCE(SUM(rows_ok), 0) AS BIGINT) FROM imports \
             WHERE list_id = {list} AND status = 'done'"
        ))
        .await;
        assert_eq!(
            visible, finished,
            "list {list}: the rows of finished imports, and of no other"
        );
    }
    if db.get_database_backend() == DbBackend::Sqlite {
        let verdict = db
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "PRAGMA integrity_check",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index::<String>(0)
            .unwrap();
        assert_eq!(verdict, "ok");
    }
    db.close().await.ok();
}

async fn crash_rounds(db_url: &str, label: &str) {
    // A workspace to write into: an admin's token, a pipeline, the Call type.
    let db = server::connect(db_url).await.unwrap();
    let admin = app::server::users::create(
        &db,
        app::server::users::NewUser {
            name: "Crash Admin".into(),
            email: "crash@example.test".into(),
            role: "admin".into(),
            segment_id: None,
            password: common::PASSWORD.into(),
        },
    )
    .await
    .unwrap();
    let token = app::server::tokens::create(&db, admin.id, "crash")
        .await
        .unwrap()
        .token;
    db.close().await.ok();
    let (child, url) = start(db_url);
    let client = common::http();
    let pipeline: Value = client
        .post(format!("{url}/api/v1/pipelines"))
        .bearer_auth(&token)
        .json(&json!({"name": "Crash", "steps": ["New"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let step = pipeline["steps"][0]["id"].as_i64().unwrap();
    let types: Value = client
        .get(format!("{url}/api/v1/activity-types"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let call = types["items"][0]["id"].as_i64().unwrap();

    let acked = Arc::new(Mutex::new(Acked::default()));
    let mut dice = common::Dice(0x9e37_79b9_7f4a_7c15);
    let mut first = Some((child, url));
    let rounds = rounds();
    for round in 0..rounds {
        // A restart after a kill: every write answered before it is there.
        let (mut child, url) = first.take().unwrap_or_else(|| start(db_url));
        let so_far = acked.lock().unwrap().clone();
        verify(db_url, &so_far).await;
        // A list per round: an import cut short stays open on its list for a while.
        let list: Value = common::http()
            .post(format!("{url}/api/v1/prospecting-lists"))
            .bearer_auth(&token)
            .json(&json!({"name": format!("Round {round}"), "columns": [
                {"name": "Company", "kind": "company"},
                {"name": "Name", "kind": "person"},
                {"name": "Email", "kind": "email"},
            ]}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let list = list["id"].as_i64().unwrap();
        acked.lock().unwrap().lists.push(list);
        let importer = tokio::spawn(import(
            url.clone(),
            token.clone(),
            list,
            round,
            acked.clone(),
        ));
        let mut writers: Vec<_> = (0..4)
            .map(|who| {
                tokio::spawn(write(
                    url.clone(),
                    token.clone(),
                    step,
                    call,
                    who,
                    acked.clone(),
                ))
            })
            .collect();
        writers.push(importer);
        tokio::time::sleep(Duration::from_millis(200 + dice.below(1300))).await;
        child.kill().unwrap();
        child.wait().unwrap();
        for writer in writers {
            writer.abort();
        }
    }
    let (mut child, _) = start(db_url);
    let all = acked.lock().unwrap().clone();
    verify(db_url, &all).await;
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        all.leads.len() > rounds,
        "writes were made: {}",
        all.leads.len()
    );
    println!(
        "crash ({label}): {rounds} kill -9 rounds; {} leads and {} activities answered 2xx, \
         all present and intact after the restarts; lost writes: 0; {} imports started, no list \
         showing rows of an unfinished one",
        all.leads.len(),
        all.activities.len(),
        all.imports_started
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_kill_9_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("cadence_crash_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    crash_rounds(&format!("sqlite://{}/crash.db", dir.display()), "SQLite").await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_kill_9_on_postgres() {
    let Some(empty) = common::EmptyPostgres::create("cadence_crash").await else {
        eprintln!("skipped: CADENCE_TEST_POSTGRES_URL is not set");
        return;
    };
    crash_rounds(&empty.url, "PostgreSQL").await;
    empty.drop().await;
}
