//! Several `cadence` nodes on one PostgreSQL database: they migrate once when started together,
//! a change through one node reaches the live clients of every node once and in order, and a
//! token's rate limit is counted across nodes. Skipped without `CADENCE_TEST_POSTGRES_URL`.

mod common;

use std::time::{Duration, Instant};

use common::TestApp;
use futures::StreamExt;
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};
use server::config::ServeArgs;

fn args() -> ServeArgs {
    ServeArgs::for_tests("target/no-site".into())
}

/// Another node serving the same database.
async fn second_node(app: &TestApp, args: ServeArgs) -> server::Running {
    let db = server::connect(&app.db_url).await.expect("connect node B");
    server::spawn(db, &args).await.expect("spawn node B")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nodes_started_together_migrate_once() {
    let Some(empty) = common::EmptyPostgres::create("cadence_nodes").await else {
        eprintln!("skipped: CADENCE_TEST_POSTGRES_URL is not set");
        return;
    };
    let url = empty.url.clone();
    let (a, b, c) = tokio::join!(
        server::connect(&url),
        server::connect(&url),
        server::connect(&url)
    );
    let (a, b, c) = (
        a.expect("node A starts"),
        b.expect("node B starts"),
        c.expect("node C starts"),
    );
    let applied = a
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT COUNT(*), COUNT(DISTINCT version) FROM seaql_migrations",
        ))
        .await
        .unwrap()
        .unwrap();
    let (rows, distinct): (i64, i64) = (
        applied.try_get_by_index(0).unwrap(),
        applied.try_get_by_index(1).unwrap(),
    );
    assert_eq!(rows, distinct, "each migration applied once");
    assert!(rows >= 10, "{rows} migrations");
    for db in [a, b, c] {
        db.close().await.ok();
    }
    empty.drop().await;
}

/// Reads events from a live stream until there are at least `n` (up to 10 s): each event's id
/// and type.
async fn read_events<B: AsRef<[u8]>>(
    stream: &mut (impl futures::Stream<Item = reqwest::Result<B>> + Unpin),
    n: usize,
) -> Vec<(i64, String)> {
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let events: Vec<(i64, String)> = text
            .split("\n\n")
            .filter_map(|frame| frame.lines().find_map(|l| l.strip_prefix("data: ")))
            .filter_map(|data| serde_json::from_str::<Value>(data).ok())
            .map(|e| {
                (
                    e["id"].as_i64().unwrap(),
                    e["type"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        if events.len() >= n {
            return events;
        }
        match tokio::time::timeout_at(deadline, stream.next()).await {
            Ok(Some(Ok(chunk))) => text.push_str(&String::from_utf8_lossy(chunk.as_ref())),
            Ok(Some(Err(error))) => panic!("{} of {n} events, then {error}: {text}", events.len()),
            Ok(None) => panic!("{} of {n} events, then the end: {text}", events.len()),
            Err(_) => panic!("{} of {n} events within 10 s: {text}", events.len()),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_change_through_one_node_reaches_the_live_clients_of_both_once_in_order() {
    let Some(app) = TestApp::spawn_postgres().await else {
        eprintln!("skipped: CADENCE_TEST_POSTGRES_URL is not set");
        return;
    };
    let b = second_node(&app, args()).await;
    let admin = common::Api::new(&app, "admin").await;
    let (_, steps) = common::pipeline(&admin, "Nodes", &["New"]).await;
    let step = steps[0];
    let token = admin.token.clone();
    let client = common::http();
    let open = |base: String| {
        let client = client.clone();
        let token = token.clone();
        async move {
            let response = client
                .get(format!("{base}/api/v1/events"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            response.bytes_stream()
        }
    };
    let mut on_a = open(app.url.clone()).await;
    let mut on_b = open(b.url()).await;
    let post = |base: String, title: String| {
        let client = client.clone();
        let token = token.clone();
        async move {
            let response = client
                .post(format!("{base}/api/v1/leads"))
                .bearer_auth(token)
                .json(&json!({ "title": title, "step_id": step }))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::CREATED);
        }
    };
    // One lead through node A: node B's client has it within a second.
    let started = Instant::now();
    post(app.url.clone(), "Through A".into()).await;
    let first_b = read_events(&mut on_b, 1).await;
    let latency = started.elapsed();
    assert_eq!(first_b[0].1, "lead.created");
    assert!(
        latency < Duration::from_secs(1),
        "node B's client waited {latency:?}"
    );
    // Twenty more, through both nodes at once: each client gets all of them once, in id order.
    let writes = (0..20).map(|i| {
        let base = if i % 2 == 0 { app.url.clone() } else { b.url() };
        post(base, format!("Lead {i}"))
    });
    futures::future::join_all(writes).await;
    let all_a = read_events(&mut on_a, 21).await;
    let mut all_b = first_b;
    all_b.extend(read_events(&mut on_b, 20).await);
    assert_eq!(
        all_a, all_b,
        "both nodes send the same events in the same order"
    );
    let ids: Vec<i64> = all_a.iter().map(|(id, _)| *id).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(ids, sorted, "once each, in id order");
    assert!(all_a.iter().all(|(_, kind)| kind == "lead.created"));
    drop((on_a, on_b, admin));
    b.stop().await;
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_tokens_rate_limit_is_counted_across_nodes() {
    let mut limited = args();
    limited.api_rate_limit = 10;
    limited.api_rate_window = 30;
    let Some(app) = TestApp::spawn_postgres_with(limited.clone()).await else {
        eprintln!("skipped: CADENCE_TEST_POSTGRES_URL is not set");
        return;
    };
    let b = second_node(&app, limited).await;
    let token = app.token("manager").await;
    let other = app.token("manager").await;
    let client = common::http();
    let me = |base: String, token: String| {
        let client = client.clone();
        async move {
            client
                .get(format!("{base}/api/v1/me"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
        }
    };
    for i in 0..10 {
        let base = if i < 6 { app.url.clone() } else { b.url() };
        let response = me(base, token.clone()).await;
        assert_eq!(response.status(), StatusCode::OK, "request {}", i + 1);
    }
    for base in [app.url.clone(), b.url()] {
        let refused = me(base, token.clone()).await;
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        let wait: u64 = refused.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=30).contains(&wait), "Retry-After {wait}");
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["error"]["code"], "too_many_requests", "{body}");
    }
    assert_eq!(
        me(b.url(), other).await.status(),
        StatusCode::OK,
        "another token is not affected"
    );
    // Strings that are not tokens get 401 and no window: a flood of them leaves nothing behind.
    for i in 0..20 {
        let response = me(app.url.clone(), format!("cad_not_a_token_{i}")).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let windows: i64 = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT COUNT(*) FROM api_rate_windows",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap();
    assert_eq!(
        windows, 2,
        "a window for each of the two tokens, none for the others"
    );
    b.stop().await;
    app.finish().await;
}

/// What the clients were told: per lead, the updates taken (version bumps) and among them the
/// moves and status changes (history entries), the activities logged; the 409s.
#[derive(Default)]
struct Tally {
    updates: std::collections::HashMap<i64, i64>,
    position_changes: std::collections::HashMap<i64, i64>,
    activities: std::collections::HashMap<i64, i64>,
    conflicts: u64,
    ops: u64,
}

fn concurrency_ops() -> u64 {
    std::env::var("CADENCE_CONCURRENCY_OPS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200)
}

/// One client: random operations on random leads through one node, each based on the lead as
/// it read it (its version); a refused update must be a 409.
#[allow(clippy::too_many_arguments)]
async fn client_ops(
    base: String,
    token: String,
    leads: Vec<i64>,
    steps: Vec<i64>,
    call: i64,
    ops: u64,
    seed: u64,
    tally: std::sync::Arc<std::sync::Mutex<Tally>>,
) {
    let client = common::http();
    let mut dice = common::Dice(seed | 1);
    let mut roll = |n: u64| dice.below(n);
    for _ in 0..ops {
        let lead = leads[roll(leads.len() as u64) as usize];
        let kind = roll(4);
        if kind == 3 {
            let response = client
                .post(format!("{base}/api/v1/activities"))
                .bearer_auth(&token)
                .json(&json!({"type_id": call, "lead_id": lead}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::CREATED);
            let mut t = tally.lock().unwrap();
            *t.activities.entry(lead).or_default() += 1;
            t.ops += 1;
            continue;
        }
        let current: Value = client
            .get(format!("{base}/api/v1/leads/{lead}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let version = current["version"].as_i64().unwrap();
        let (change, moves) = match kind {
            0 => {
                let others: Vec<i64> = steps
                    .iter()
                    .copied()
                    .filter(|s| Some(*s) != current["step_id"].as_i64())
                    .collect();
                let to = others[roll(others.len() as u64) as usize];
                (json!({"version": version, "step_id": to}), true)
            }
            1 => {
                let to = if current["status"] == "active" {
                    "lost"
                } else {
                    "active"
                };
                (json!({"version": version, "status": to}), true)
            }
            _ => (
                json!({"version": version, "title": format!("Edited {}", roll(1_000_000))}),
                false,
            ),
        };
        let response = client
            .patch(format!("{base}/api/v1/leads/{lead}"))
            .bearer_auth(&token)
            .json(&change)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let mut t = tally.lock().unwrap();
        t.ops += 1;
        match status {
            StatusCode::OK => {
                *t.updates.entry(lead).or_default() += 1;
                if moves {
                    *t.position_changes.entry(lead).or_default() += 1;
                }
            }
            StatusCode::CONFLICT => t.conflicts += 1,
            other => panic!("PATCH {change}: {other}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_changes_through_two_nodes_lose_nothing_silently() {
    let Some(app) = TestApp::spawn_postgres().await else {
        eprintln!("skipped: CADENCE_TEST_POSTGRES_URL is not set");
        return;
    };
    let b = second_node(&app, args()).await;
    let admin = common::Api::new(&app, "admin").await;
    let (_, steps) = common::pipeline(&admin, "Race", &["New", "Call", "Demo", "Offer"]).await;
    let (call, _) = common::type_id(&admin, "Call", None).await;
    let mut leads = Vec::new();
    for i in 0..5 {
        let lead = admin
            .ok(
                "POST",
                "/leads",
                Some(json!({"title": format!("Contested {i}"), "step_id": steps[0]})),
            )
            .await;
        leads.push(lead["id"].as_i64().unwrap());
    }
    let clients = 8u64;
    let total = concurrency_ops();
    let tally = std::sync::Arc::new(std::sync::Mutex::new(Tally::default()));
    let runs = (0..clients).map(|i| {
        let base = if i % 2 == 0 { app.url.clone() } else { b.url() };
        tokio::spawn(client_ops(
            base,
            admin.token.clone(),
            leads.clone(),
            steps.clone(),
            call,
            total / clients,
            0x5eed_0000 + i,
            tally.clone(),
        ))
    });
    for run in futures::future::join_all(runs).await {
        run.unwrap();
    }
    let tally = std::mem::take(&mut *tally.lock().unwrap());
    for lead in &leads {
        let now = admin.ok("GET", &format!("/leads/{lead}"), None).await;
        let updates = tally.updates.get(lead).copied().unwrap_or(0);
        assert_eq!(
            now["version"].as_i64().unwrap(),
            1 + updates,
            "lead {lead}: every update answered 200 is in its version, no other"
        );
        let history = admin
            .ok("GET", &format!("/leads/{lead}/history?limit=200"), None)
            .await;
        // Newest first: turned around to follow the lead's path.
        let entries: Vec<Value> = history["items"]
            .as_array()
            .unwrap()
            .iter()
            .rev()
            .cloned()
            .collect();
        let changes = tally.position_changes.get(lead).copied().unwrap_or(0);
        assert_eq!(
            entries.len() as i64,
            1 + changes,
            "lead {lead}: one entry per move"
        );
        for pair in entries.windows(2) {
            assert_eq!(
                pair[1]["from_step_id"], pair[0]["to_step_id"],
                "lead {lead}"
            );
            assert_eq!(pair[1]["from_status"], pair[0]["to_status"], "lead {lead}");
        }
        let last = entries.last().unwrap();
        assert_eq!(
            last["to_step_id"], now["step_id"],
            "lead {lead}: history ends where it is"
        );
        assert_eq!(last["to_status"], now["status"], "lead {lead}");
        let logged = admin
            .ok(
                "GET",
                &format!("/activities?lead_id={lead}&limit=500"),
                None,
            )
            .await;
        assert_eq!(
            logged["items"].as_array().unwrap().len() as i64,
            tally.activities.get(lead).copied().unwrap_or(0),
            "lead {lead}: every activity logged"
        );
    }
    let raw: i64 = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT COUNT(*) FROM activities",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap();
    let today = app::server::goals::calendar(&app.db)
        .await
        .unwrap()
        .today(chrono::Utc::now());
    let report = admin
        .ok(
            "GET",
            &format!("/reports/team-activity?from={today}&to={today}"),
            None,
        )
        .await;
    let reported: i64 = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["activities_total"].as_i64().unwrap())
        .sum();
    assert_eq!(reported, raw, "the report counts the raw rows");
    let logged: i64 = tally.activities.values().sum();
    assert_eq!(raw, logged);
    println!(
        "concurrency: {} operations by {clients} clients over 2 nodes on 5 leads; {} updates \
         taken, {} refused with 409, none lost; {raw} activities, report total {reported}",
        tally.ops,
        tally.updates.values().sum::<i64>(),
        tally.conflicts
    );
    drop(admin);
    b.stop().await;
    app.finish().await;
}

fn live_clients() -> usize {
    std::env::var("CADENCE_LIVE_CLIENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20)
}

/// One live client: the ids of the events it got (in the order it got them) and how long after
/// each event was recorded it arrived, until it has `wanted` distinct events.
async fn follow(
    client: reqwest::Client,
    url: String,
    token: String,
    wanted: usize,
    connected: std::sync::Arc<tokio::sync::Barrier>,
) -> (Vec<i64>, Vec<f64>) {
    let response = client.get(url).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mut stream = response.bytes_stream();
    connected.wait().await;
    let (mut ids, mut latencies, mut text) = (Vec::new(), Vec::new(), String::new());
    let mut distinct = std::collections::HashSet::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while distinct.len() < wanted {
        let chunk = match tokio::time::timeout_at(deadline, stream.next()).await {
            Ok(Some(Ok(chunk))) => chunk,
            other => panic!("{} of {wanted} events, then {other:?}", distinct.len()),
        };
        let now = chrono::Utc::now();
        text.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = text.find("\n\n") {
            let frame: String = text.drain(..end + 2).collect();
            let Some(data) = frame.lines().find_map(|l| l.strip_prefix("data: ")) else {
                continue;
            };
            let event: Value = serde_json::from_str(data).unwrap();
            let at: chrono::DateTime<chrono::Utc> = event["at"].as_str().unwrap().parse().unwrap();
            ids.push(event["id"].as_i64().unwrap());
            distinct.insert(event["id"].as_i64().unwrap());
            latencies.push((now - at).num_microseconds().unwrap_or(0) as f64 / 1000.0);
        }
    }
    (ids, latencies)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_live_client_on_either_node_gets_every_event_once() {
    let Some(app) = TestApp::spawn_postgres().await else {
        eprintln!("skipped: CADENCE_TEST_POSTGRES_URL is not set");
        return;
    };
    let b = second_node(&app, args()).await;
    let admin = common::Api::new(&app, "admin").await;
    let (_, steps) = common::pipeline(&admin, "Live", &["New"]).await;
    let clients = live_clients();
    let events = 30;
    let connected = std::sync::Arc::new(tokio::sync::Barrier::new(clients + 1));
    let http = reqwest::Client::builder().build().unwrap();
    let followers: Vec<_> = (0..clients)
        .map(|i| {
            let base = if i % 2 == 0 { app.url.clone() } else { b.url() };
            tokio::spawn(follow(
                http.clone(),
                format!("{base}/api/v1/events"),
                admin.token.clone(),
                events,
                connected.clone(),
            ))
        })
        .collect();
    connected.wait().await;
    for i in 0..events {
        let base = if i % 2 == 0 { app.url.clone() } else { b.url() };
        let response = http
            .post(format!("{base}/api/v1/leads"))
            .bearer_auth(&admin.token)
            .json(&json!({"title": format!("Live {i}"), "step_id": steps[0]}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut latencies = Vec::new();
    let mut duplicates = 0;
    let mut reference: Option<Vec<i64>> = None;
    for follower in followers {
        let (ids, mut waited) = follower.await.unwrap();
        let mut distinct = ids.clone();
        distinct.sort_unstable();
        distinct.dedup();
        duplicates += ids.len() - distinct.len();
        assert_eq!(ids, distinct, "once each and in order");
        match &reference {
            Some(first) => assert_eq!(&ids, first, "every client the same events"),
            None => reference = Some(ids),
        }
        latencies.append(&mut waited);
    }
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "multi-node live: {clients} clients over 2 nodes, {events} events each, {} deliveries; \
         duplicates {duplicates}; latency from the event's recording p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        latencies.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
    assert_eq!(duplicates, 0);
    assert_eq!(latencies.len(), clients * events);
    drop(admin);
    b.stop().await;
    app.finish().await;
}

/// A live client whose node goes away reconnects to the other with the last id it got, and
/// gets what it missed, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_client_of_a_node_that_stops_catches_up_on_another_without_duplicates() {
    let Some(app) = TestApp::spawn_postgres().await else {
        eprintln!("skipped: CADENCE_TEST_POSTGRES_URL is not set");
        return;
    };
    let b = second_node(&app, args()).await;
    let admin = common::Api::new(&app, "admin").await;
    let (_, steps) = common::pipeline(&admin, "Failover", &["New"]).await;
    let step = steps[0];
    let http = common::http();
    let post = |title: String| {
        let http = http.clone();
        let (url, token) = (app.url.clone(), admin.token.clone());
        async move {
            let response = http
                .post(format!("{url}/api/v1/leads"))
                .bearer_auth(token)
                .json(&json!({"title": title, "step_id": step}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::CREATED);
        }
    };
    let mut on_b = http
        .get(format!("{}/api/v1/events", b.url()))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap()
        .bytes_stream();
    for i in 0..3 {
        post(format!("Before {i}")).await;
    }
    let before = read_events(&mut on_b, 3).await;
    let last = before.last().unwrap().0;
    // Node B goes away; its stream ends. Work goes on through node A meanwhile.
    b.stop().await;
    drop(on_b);
    for i in 0..4 {
        post(format!("While away {i}")).await;
    }
    let mut on_a = http
        .get(format!("{}/api/v1/events", app.url))
        .bearer_auth(&admin.token)
        .header("Last-Event-ID", last.to_string())
        .send()
        .await
        .unwrap()
        .bytes_stream();
    post("After".into()).await;
    let after = read_events(&mut on_a, 5).await;
    let ids: Vec<i64> = before.iter().chain(&after).map(|(id, _)| *id).collect();
    let mut distinct = ids.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(ids, distinct, "nothing twice, in order");
    assert_eq!(ids.len(), 8, "nothing missed: {ids:?}");
    drop(on_a);
    drop(admin);
    app.finish().await;
}

/// A browser logged in through one node is logged in on every node, and logged out everywhere
/// by a logout through any; failed logins count across nodes.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_session_and_the_login_throttle_are_the_same_on_every_node() {
    let Some(app) = TestApp::spawn_postgres().await else {
        eprintln!("skipped: CADENCE_TEST_POSTGRES_URL is not set");
        return;
    };
    let b = second_node(&app, args()).await;
    let nodes = [app.url.clone(), b.url()];
    let email = "shared@example.test";
    app.user(email, "member").await;
    // One cookie jar for both nodes, as behind a load balancer.
    let browser = app.client();
    let call = |node: usize, endpoint: &str, form: Vec<(&str, &str)>| {
        browser
            .post(format!("{}/api/{endpoint}", nodes[node]))
            .form(&form)
            .send()
    };
    let who = |node: usize| async move {
        let answer = call(node, "current_user", vec![]).await.unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
        answer.json::<Value>().await.unwrap()
    };
    let login = call(
        0,
        "login",
        vec![("email", email), ("password", common::PASSWORD)],
    );
    assert_eq!(login.await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        who(1).await["email"],
        email,
        "node B knows node A's session"
    );
    assert_eq!(
        call(1, "logout", vec![]).await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        who(0).await,
        Value::Null,
        "logged out through B, out on A too"
    );
    // Five wrong passwords, alternately through A and B: the sixth try is refused by both.
    for i in 0..5 {
        let wrong = call(
            i % 2,
            "login",
            vec![("email", email), ("password", "not it at all")],
        );
        assert_eq!(
            wrong.await.unwrap().status(),
            StatusCode::UNAUTHORIZED,
            "try {}",
            i + 1
        );
    }
    for node in 0..2 {
        let right = call(
            node,
            "login",
            vec![("email", email), ("password", common::PASSWORD)],
        );
        assert_eq!(
            right.await.unwrap().status(),
            StatusCode::TOO_MANY_REQUESTS,
            "node {node}"
        );
    }
    b.stop().await;
    app.finish().await;
}

/// The health check a load balancer polls fails (503) while the node cannot reach its
/// database, and passes again once it can.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_health_check_fails_while_the_database_cannot_be_reached() {
    let Some(empty) = common::EmptyPostgres::create("cadence_health").await else {
        eprintln!("skipped: CADENCE_TEST_POSTGRES_URL is not set");
        return;
    };
    let db = server::connect(&empty.url).await.unwrap();
    let node = server::spawn(db.clone(), &args()).await.unwrap();
    let client = common::http();
    let health_becomes = |wanted: StatusCode| {
        let (client, url) = (client.clone(), format!("{}/healthz", node.url()));
        async move {
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                let status = client.get(&url).send().await.unwrap().status();
                if status == wanted {
                    return;
                }
                assert!(
                    Instant::now() < deadline,
                    "health stayed {status}, not {wanted}"
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    };
    health_becomes(StatusCode::OK).await;
    let name = empty.url.rsplit('/').next().unwrap().to_string();
    let admin_url = std::env::var("CADENCE_TEST_POSTGRES_URL").unwrap();
    let admin = sea_orm::Database::connect(admin_url.as_str())
        .await
        .unwrap();
    // The database refuses new connections and ends the node's.
    admin
        .execute_unprepared(&format!(
            "ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false"
        ))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        ))
        .await
        .unwrap();
    health_becomes(StatusCode::SERVICE_UNAVAILABLE).await;
    admin
        .execute_unprepared(&format!(
            "ALTER DATABASE {name} WITH ALLOW_CONNECTIONS true"
        ))
        .await
        .unwrap();
    health_becomes(StatusCode::OK).await;
    node.stop().await;
    db.close().await.ok();
    admin.close().await.ok();
    empty.drop().await;
}
