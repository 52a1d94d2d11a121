//! Crash: the `cadence` binary serves a load of lead and activity writes, CSV imports and plan
//! applications through the API and is killed (SIGKILL) at a random moment, round after round;
//! after each restart every write that was answered 2xx is there and intact, no import is half
//! visible (a list shows exactly the rows of its finished imports), a plan's goals are those of
//! one whole application, and on SQLite `PRAGMA integrity_check` says ok.
//! `CADENCE_CRASH_ROUNDS` rounds per database (3 in `make test`, 20 in `make reliability`);
//! PostgreSQL too when `CADENCE_TEST_POSTGRES_URL` is set, where two nodes also serve one
//! database and one of them is killed mid-request. The figures go to standard output.

mod common;

use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Bearer, ServerProcess};
use futures::StreamExt;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use serde_json::json;

fn rounds() -> usize {
    std::env::var("CADENCE_CRASH_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3)
}

/// The server as a child process, without a rate limit; its address.
fn start(db_url: &str) -> (ServerProcess, String) {
    let args = ["--api-rate-limit", "0"];
    common::serve_binary(db_url, &args, &[], Stdio::null())
}

/// What the server acknowledged: leads (id, title) and activities (id, lead id, note).
#[derive(Default, Clone)]
struct Acked {
    leads: Vec<(i64, String)>,
    activities: Vec<(i64, i64, String)>,
    /// Prospecting lists imported into.
    lists: Vec<i64>,
    imports_started: usize,
    /// The plan applied again and again, and how many goals an application creates.
    plan: Option<i64>,
    plan_goals: Option<usize>,
    plans_applied: usize,
    /// Requests whose connection broke after it was made (cut off by a kill, not refused).
    cut_off: usize,
}

/// The workspace written into: an admin's API token, and a segment with a member for plans.
struct Workspace {
    token: String,
    segment: i32,
}

/// Creates the workspace directly in the (migrated) database, before any node serves it.
async fn workspace(db_url: &str) -> Workspace {
    let db = server::connect(db_url).await.unwrap();
    let segment = app::server::segments::create(&db, "Callers")
        .await
        .unwrap()
        .id;
    let mut ids = Vec::new();
    for (name, email, role, segment_id) in [
        ("Crash Admin", "crash@example.test", "admin", None),
        (
            "Crash Caller",
            "caller@example.test",
            "member",
            Some(segment),
        ),
    ] {
        let user = app::server::users::NewUser {
            name: name.into(),
            email: email.into(),
            role: role.into(),
            segment_id,
            password: common::PASSWORD.into(),
        };
        ids.push(app::server::users::create(&db, user).await.unwrap().id);
    }
    let token = app::server::tokens::create(&db, ids[0], "crash")
        .await
        .unwrap()
        .token;
    db.close().await.ok();
    Workspace { token, segment }
}

/// A pipeline (its one step) and the Call type, through the API.
async fn step_and_call(api: &Bearer) -> (i64, i64) {
    let pipeline = api
        .ok(
            "POST",
            "/pipelines",
            Some(json!({"name": "Crash", "steps": ["New"]})),
        )
        .await;
    let types = api.ok("GET", "/activity-types", None).await;
    (
        pipeline["steps"][0]["id"].as_i64().unwrap(),
        types["items"][0]["id"].as_i64().unwrap(),
    )
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
async fn import(api: Bearer, list: i64, round: usize, acked: Arc<Mutex<Acked>>) {
    loop {
        let Ok(response) = api
            .client
            .post(format!(
                "{}/api/v1/prospecting-lists/{list}/import",
                api.base
            ))
            .bearer_auth(&api.token)
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

/// Applies the plan again and again: each application replaces the goals of the one before.
async fn apply_plan(api: Bearer, plan: i64, acked: Arc<Mutex<Acked>>) {
    loop {
        let Ok((status, goals)) = api
            .send("POST", &format!("/plans/{plan}/apply"), None)
            .await
        else {
            return;
        };
        if status.as_u16() == 200 {
            let mut acked = acked.lock().unwrap();
            acked.plans_applied += 1;
            acked.plan_goals = goals.as_array().map(Vec::len);
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

/// One writer: leads and activities on them, as fast as answers come, through each node in
/// turn, until `stop`; a node that stops answering is left for the others (as a load balancer
/// would), and the writer ends when none answers.
async fn write(
    mut nodes: Vec<Bearer>,
    step: i64,
    call: i64,
    who: usize,
    acked: Arc<Mutex<Acked>>,
    stop: Arc<AtomicBool>,
) {
    let mut n = 0u64;
    while !nodes.is_empty() && !stop.load(Ordering::Relaxed) {
        n += 1;
        let node = nodes[n as usize % nodes.len()].clone();
        let gone = |nodes: &mut Vec<Bearer>, error: reqwest::Error| {
            if !error.is_connect() {
                acked.lock().unwrap().cut_off += 1;
            }
            nodes.retain(|other| other.base != node.base);
        };
        let title = format!("w{who}-{n}-{}", "x".repeat((n % 7) as usize));
        let body = json!({"title": title, "step_id": step});
        let lead = match node.send("POST", "/leads", Some(body)).await {
            Ok((status, lead)) if status.as_u16() == 201 => lead,
            Ok(_) => continue,
            Err(error) => {
                gone(&mut nodes, error);
                continue;
            }
        };
        let lead_id = lead["id"].as_i64().unwrap();
        acked.lock().unwrap().leads.push((lead_id, title.clone()));
        let note = format!("note of {title}");
        let body = json!({"type_id": call, "lead_id": lead_id, "note": note});
        match node.send("POST", "/activities", Some(body)).await {
            Ok((status, activity)) if status.as_u16() == 201 => {
                let id = activity["id"].as_i64().unwrap();
                acked.lock().unwrap().activities.push((id, lead_id, note));
            }
            Ok(_) => {}
            Err(error) => gone(&mut nodes, error),
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

async fn count(db: &DatabaseConnection, sql: String) -> i64 {
    db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap()
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
        let visible = count(
            &db,
            format!("SELECT COUNT(*) FROM prospects WHERE list_id = {list} AND import_id IS NULL"),
        )
        .await;
        let finished = count(
            &db,
            format!(
                "SELECT CAST(COALESCE(SUM(rows_ok), 0) AS BIGINT) FROM imports \
                 WHERE list_id = {list} AND status = 'done'"
            ),
        )
        .await;
        assert_eq!(
            visible, finished,
            "list {list}: the rows of finished imports, and of no other"
        );
    }
    if let Some(plan) = acked.plan {
        // An application deletes the plan's goals and creates new ones, all dated as the plan's
        // `applied_at`: a half-done one would leave too few goals, or goals of two applications.
        let goals = count(
            &db,
            format!("SELECT COUNT(*) FROM goals WHERE plan_id = {plan}"),
        )
        .await;
        let of_the_last = count(
            &db,
            format!(
                "SELECT COUNT(*) FROM goals g JOIN plans p ON p.id = g.plan_id \
                 WHERE p.id = {plan} AND g.created_at = p.applied_at"
            ),
        )
        .await;
        assert_eq!(goals, of_the_last, "plan {plan}: goals of one application");
        if let Some(expected) = acked.plan_goals {
            assert!(expected > 0, "an application creates goals");
            assert_eq!(
                goals, expected as i64,
                "plan {plan}: applied {} times, its goals whole",
                acked.plans_applied
            );
        }
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
    let workspace = workspace(db_url).await;
    let token = workspace.token.clone();
    let (child, url) = start(db_url);
    let api = Bearer::new(&url, &token);
    let (step, call) = step_and_call(&api).await;
    // The worked example of a plan, with calls only: prospecting and closing by one segment.
    let inputs = json!({
        "target": "90000", "period": "quarter", "starts_on": "2026-10-01",
        "deal_value": "30000", "leads_per_deal": "4", "prospects_per_lead": "20",
        "per_prospect": [{"type_id": call, "rate": "3"}],
        "per_lead": [{"type_id": call, "rate": "8"}],
        "prospecting_segment": workspace.segment, "closing_segment": workspace.segment,
        "goal_period": "day"
    });
    let plan = api
        .ok(
            "POST",
            "/plans",
            Some(json!({"name": "Crash plan", "inputs": inputs})),
        )
        .await["id"]
        .as_i64()
        .unwrap();

    let acked = Arc::new(Mutex::new(Acked {
        plan: Some(plan),
        ..Acked::default()
    }));
    let mut dice = common::Dice(0x9e37_79b9_7f4a_7c15);
    let mut first = Some((child, url));
    let rounds = rounds();
    for round in 0..rounds {
        // A restart after a kill: every write answered before it is there.
        let (mut child, url) = first.take().unwrap_or_else(|| start(db_url));
        let so_far = acked.lock().unwrap().clone();
        verify(db_url, &so_far).await;
        let api = Bearer::new(&url, &token);
        // A list per round: an import cut short stays open on its list for a while.
        let columns = json!([
            {"name": "Company", "kind": "company"},
            {"name": "Name", "kind": "person"},
            {"name": "Email", "kind": "email"},
        ]);
        let list = api
            .ok(
                "POST",
                "/prospecting-lists",
                Some(json!({"name": format!("Round {round}"), "columns": columns})),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        acked.lock().unwrap().lists.push(list);
        let mut load: Vec<_> = (0..4)
            .map(|who| {
                let stop = Arc::new(AtomicBool::new(false));
                tokio::spawn(write(
                    vec![api.clone()],
                    step,
                    call,
                    who,
                    acked.clone(),
                    stop,
                ))
            })
            .collect();
        load.push(tokio::spawn(import(
            api.clone(),
            list,
            round,
            acked.clone(),
        )));
        load.push(tokio::spawn(apply_plan(api.clone(), plan, acked.clone())));
        tokio::time::sleep(Duration::from_millis(200 + dice.below(1300))).await;
        child.kill();
        for task in load {
            task.abort();
        }
    }
    let (mut child, _) = start(db_url);
    let all = acked.lock().unwrap().clone();
    verify(db_url, &all).await;
    child.kill();
    assert!(
        all.leads.len() > rounds,
        "writes were made: {}",
        all.leads.len()
    );
    assert!(all.plans_applied > 0, "the plan was applied");
    println!(
        "crash ({label}): {rounds} kill -9 rounds; {} leads and {} activities answered 2xx, \
         all present and intact after the restarts; lost writes: 0; {} imports started, no list \
         showing rows of an unfinished one; {} plan applications answered, the plan's {} goals \
         always those of one whole application",
        all.leads.len(),
        all.activities.len(),
        all.imports_started,
        all.plans_applied,
        all.plan_goals.unwrap_or(0)
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

/// A live client that follows the events after `after` on the first node and, when that node
/// goes away, on the next one from the last id it got; until it has the event `end` says is
/// the last (0 while the load runs). The ids, in the order they came.
async fn follow(
    nodes: Vec<String>,
    token: String,
    after: i64,
    connected: Arc<tokio::sync::Barrier>,
    end: tokio::sync::watch::Receiver<i64>,
) -> Vec<i64> {
    let client = reqwest::Client::new();
    let (mut ids, mut last) = (Vec::new(), after);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    for (i, base) in nodes.iter().enumerate() {
        let response = client
            .get(format!("{base}/api/v1/events"))
            .bearer_auth(&token)
            .header("Last-Event-ID", last.to_string())
            .send()
            .await
            .expect("the live stream opens");
        assert_eq!(response.status().as_u16(), 200);
        if i == 0 {
            connected.wait().await;
        }
        let mut stream = response.bytes_stream();
        // A frame cut short by the node that went away is sent again whole by the next.
        let mut text = String::new();
        loop {
            let end = *end.borrow();
            if end > 0 && last >= end {
                return ids;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{} events after {after}, the last {last}; waiting for {end}",
                ids.len()
            );
            match tokio::time::timeout(Duration::from_millis(200), stream.next()).await {
                Err(_) => continue,
                Ok(Some(Ok(chunk))) => text.push_str(&String::from_utf8_lossy(&chunk)),
                // The node went away: on to the next.
                Ok(_) => break,
            }
            while let Some(stop) = text.find("\n\n") {
                let frame: String = text.drain(..stop + 2).collect();
                if let Some(id) = frame.lines().find_map(|l| l.strip_prefix("id: ")) {
                    last = id.parse().unwrap();
                    ids.push(last);
                }
            }
        }
    }
    panic!("every node went away; the last event was {last}");
}

/// Two nodes serve one PostgreSQL database; node A is killed while writes go through both and
/// live clients follow it. Every write answered 2xx (by either node) is there, and each client,
/// back on node B from its last event id, has every event exactly once, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_mid_request_loses_nothing_and_its_live_clients_catch_up_on_the_other() {
    let Some(empty) = common::EmptyPostgres::create("cadence_failover").await else {
        eprintln!("skipped: CADENCE_TEST_POSTGRES_URL is not set");
        return;
    };
    let workspace = workspace(&empty.url).await;
    let token = workspace.token;
    let (mut a, url_a) = start(&empty.url);
    let (mut b, url_b) = start(&empty.url);
    let nodes = vec![Bearer::new(&url_a, &token), Bearer::new(&url_b, &token)];
    let (step, call) = step_and_call(&nodes[1]).await;
    let db = Database::connect(&empty.url).await.unwrap();
    let newest = "SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM events";
    let first = count(&db, newest.into()).await;

    let clients = 10;
    let connected = Arc::new(tokio::sync::Barrier::new(clients + 1));
    let (end_tx, end) = tokio::sync::watch::channel(0i64);
    let followers: Vec<_> = (0..clients)
        .map(|_| {
            tokio::spawn(follow(
                vec![url_a.clone(), url_b.clone()],
                token.clone(),
                first,
                connected.clone(),
                end.clone(),
            ))
        })
        .collect();
    connected.wait().await;
    let acked = Arc::new(Mutex::new(Acked::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..4)
        .map(|who| {
            let (nodes, acked, stop) = (nodes.clone(), acked.clone(), stop.clone());
            tokio::spawn(write(nodes, step, call, who, acked, stop))
        })
        .collect();
    let mut dice = common::Dice(0x0dd_ba11);
    tokio::time::sleep(Duration::from_millis(300 + dice.below(700))).await;
    a.kill();
    let at_kill = acked.lock().unwrap().leads.len();
    // The load goes on through node B for a while, then ends: every request answered.
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.await.unwrap();
    }
    let all = acked.lock().unwrap().clone();
    verify(&empty.url, &all).await;
    let last = count(&db, newest.into()).await;
    end_tx.send(last).unwrap();
    let expected: Vec<i64> = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            format!("SELECT CAST(id AS BIGINT) FROM events WHERE id > {first} ORDER BY id"),
        ))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get_by_index(0).unwrap())
        .collect();
    let mut duplicates = 0;
    for follower in followers {
        let ids = follower.await.unwrap();
        let distinct: std::collections::HashSet<i64> = ids.iter().copied().collect();
        duplicates += ids.len() - distinct.len();
        assert_eq!(
            ids, expected,
            "every event once, in order, across the failover"
        );
    }
    assert!(
        all.leads.len() > at_kill && at_kill > 0,
        "writes before ({at_kill}) and after the kill ({})",
        all.leads.len()
    );
    println!(
        "node failover (PostgreSQL): node A of 2 killed after {at_kill} leads, {} requests cut off \
         mid-flight; {} leads and {} activities answered 2xx by either node, all present; lost \
         writes: 0; {clients} live clients moved to node B, each with all {} events; \
         duplicates {duplicates}",
        all.cut_off,
        all.leads.len(),
        all.activities.len(),
        expected.len()
    );
    b.kill();
    db.close().await.ok();
    empty.drop().await;
}
