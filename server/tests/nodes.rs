//! Several `cadence` nodes on one PostgreSQL database: they migrate once when started together,
//! a change through one node reaches the live clients of every node once and in order, and a
//! token's rate limit is counted across nodes. Skipped without `CADENCE_TEST_POSTGRES_URL`.

mod common;

use std::time::{Duration, Instant};

use common::TestApp;
use futures::StreamExt;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database};
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
    let Ok(admin_url) = std::env::var("CADENCE_TEST_POSTGRES_URL") else {
        eprintln!("skipped: CADENCE_TEST_POSTGRES_URL is not set");
        return;
    };
    let name = format!("cadence_nodes_{}", std::process::id());
    let admin = Database::connect(admin_url.as_str()).await.unwrap();
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let url = format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0);
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
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .unwrap();
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
    b.stop().await;
    app.finish().await;
}
