//! Board benchmark (`make bench-board`): a pipeline of 100,000 open leads over 8 steps on
//! SQLite. Measures the board page (server-side render), one column's first page, lead moves
//! under 20 concurrent clients, and the delay from a move to its event at 100 SSE clients.
//! Prints the figures and writes them to `$CARGO_TARGET_DIR/bench/board.txt`; asserts nothing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::server::entity::lead;
use app::server::events::EventBus;
use app::server::{pipelines, tokens, users};
use chrono::Utc;
use futures::StreamExt;
use sea_orm::{EntityTrait, Set, TransactionTrait};
use server::config::ServeArgs;
use tokio::sync::Mutex;

const LEADS: usize = 100_000;
const STEPS: usize = 8;
const MOVERS: usize = 20;
const MOVES_EACH: usize = 50;
const SSE_CLIENTS: usize = 100;
const SSE_MOVES: usize = 100;
const RUNS: usize = 20;

fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let dir = std::env::temp_dir().join(format!("cadence_bench_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/bench.db", dir.display());
    let db = server::connect(&url).await.unwrap();
    let mut report = Vec::new();

    // The workspace: 20 admins (the movers), one pipeline of 8 steps, 100,000 open leads.
    let started = Instant::now();
    let mut movers = Vec::new();
    for i in 0..MOVERS {
        let user = users::create(
            &db,
            users::NewUser {
                name: format!("Mover {i}"),
                email: format!("mover{i}@bench.test"),
                role: "admin".into(),
                segment_id: None,
                password: "bench-password".into(),
            },
        )
        .await
        .unwrap();
        movers.push((
            user.id,
            tokens::create(&db, user.id, "bench").await.unwrap().token,
        ));
    }
    let names: Vec<String> = (1..=STEPS).map(|i| format!("Step {i}")).collect();
    let pipeline = pipelines::create(&db, &EventBus::new(), "Bench", &names)
        .await
        .unwrap();
    let steps: Vec<i32> = pipeline.steps.iter().map(|s| s.id).collect();
    let now = Utc::now();
    let txn = db.begin().await.unwrap();
    for chunk in (0..LEADS).collect::<Vec<_>>().chunks(500) {
        let rows: Vec<lead::ActiveModel> = chunk
            .iter()
            .map(|i| lead::ActiveModel {
                title: Set(format!("Lead {i}")),
                amount_cents: Set((i % 97 + 1) as i64 * 10_000),
                currency: Set("EUR".into()),
                probability: Set(20),
                owner_id: Set(movers[i % MOVERS].0),
                pipeline_id: Set(pipeline.id),
                step_id: Set(steps[i % STEPS]),
                status: Set(if i % 10 == 0 { "standby" } else { "active" }.into()),
                next_action_at: Set(Some(now + chrono::Duration::minutes((i % 5000) as i64))),
                company: Set(format!("Company {}", i % 3000)),
                person: Set(String::new()),
                email: Set(String::new()),
                phone: Set(String::new()),
                notes: Set(String::new()),
                tags: Set(String::new()),
                origin_list_id: Set(None),
                origin_prospect_id: Set(None),
                close_reason: Set(None),
                created_by: Set(movers[0].0),
                updated_by: Set(movers[0].0),
                created_at: Set(now),
                updated_at: Set(now),
                closed_at: Set(None),
                version: Set(1),
                ..Default::default()
            })
            .collect();
        lead::Entity::insert_many(rows).exec(&txn).await.unwrap();
    }
    txn.commit().await.unwrap();
    report.push(format!(
        "seeded {LEADS} leads over {STEPS} steps in {:.1} s",
        started.elapsed().as_secs_f64()
    ));

    let running = server::spawn(db.clone(), &ServeArgs::for_tests(dir.join("site")))
        .await
        .unwrap();
    let base = running.url();
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let login = browser
        .post(format!("{base}/api/login"))
        .form(&[
            ("email", "mover0@bench.test"),
            ("password", "bench-password"),
        ])
        .send()
        .await
        .unwrap();
    assert!(login.status().is_success());

    // 1. The board page, rendered on the server (HTML of all 8 columns, 50 cards each).
    let mut board = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let page = browser
            .get(format!("{base}/board?pipeline={}", pipeline.id))
            .send()
            .await
            .unwrap();
        let html = page.text().await.unwrap();
        board.push(ms(t.elapsed()));
        assert!(html.contains("Step 8"), "the board rendered");
    }
    report.push(format!(
        "board page (SSR, {RUNS} runs): p50 {:.1} ms, p99 {:.1} ms",
        percentile(&mut board, 0.5),
        percentile(&mut board, 0.99)
    ));

    // 2. One column's first page (what "Show more" and a column refresh ask for).
    let mut column = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let r = browser
            .post(format!("{base}/api/load_column"))
            .form(&[
                ("filter[owner]", "all"),
                ("step_id", &steps[3].to_string()),
                ("offset", "0"),
            ])
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
        r.bytes().await.unwrap();
        column.push(ms(t.elapsed()));
    }
    report.push(format!(
        "column first page ({RUNS} runs): p50 {:.1} ms, p99 {:.1} ms",
        percentile(&mut column, 0.5),
        percentile(&mut column, 0.99)
    ));

    // 3. Moves: 20 clients at once, each moving its own 50 leads one step on.
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let t = Instant::now();
    let mut tasks = Vec::new();
    for (m, (_, token)) in movers.iter().enumerate() {
        let token = token.clone();
        let base = base.clone();
        let steps = steps.clone();
        let latencies = latencies.clone();
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            for k in 0..MOVES_EACH {
                let lead_id = 1 + (m * MOVES_EACH + k) * 7;
                let to = steps[(lead_id) % STEPS];
                let t = Instant::now();
                let r = client
                    .patch(format!("{base}/api/v1/leads/{lead_id}"))
                    .bearer_auth(&token)
                    .json(&serde_json::json!({"version": 1, "step_id": to}))
                    .send()
                    .await
                    .unwrap();
                assert!(r.status().is_success(), "move {lead_id}: {}", r.status());
                latencies.lock().await.push(ms(t.elapsed()));
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let total = t.elapsed().as_secs_f64();
    let mut moves = latencies.lock().await.clone();
    report.push(format!(
        "moves ({} by {MOVERS} concurrent clients, {:.0}/s): p50 {:.1} ms, p99 {:.1} ms",
        moves.len(),
        moves.len() as f64 / total,
        percentile(&mut moves, 0.5),
        percentile(&mut moves, 0.99)
    ));

    // 3b. The same clients at a steady pace: each sends one move every 100 ms (200/s in all).
    let paced = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for (m, (_, token)) in movers.iter().enumerate() {
        let token = token.clone();
        let base = base.clone();
        let steps = steps.clone();
        let paced = paced.clone();
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            // Spread the clients over the 100 ms, as independent users would be.
            tokio::time::sleep(Duration::from_millis(5 * m as u64)).await;
            let mut tick = tokio::time::interval(Duration::from_millis(100));
            for k in 0..MOVES_EACH {
                tick.tick().await;
                let lead_id = 4 + (m * MOVES_EACH + k) * 7;
                let t = Instant::now();
                let r = client
                    .patch(format!("{base}/api/v1/leads/{lead_id}"))
                    .bearer_auth(&token)
                    .json(&serde_json::json!({"version": 1, "step_id": steps[lead_id % STEPS]}))
                    .send()
                    .await
                    .unwrap();
                assert!(
                    r.status().is_success(),
                    "paced move {lead_id}: {}",
                    r.status()
                );
                paced.lock().await.push(ms(t.elapsed()));
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let mut paced = paced.lock().await.clone();
    report.push(format!(
        "moves at a steady 200/s ({} by {MOVERS} clients, one every 100 ms each): p50 {:.1} ms, p99 {:.1} ms",
        paced.len(),
        percentile(&mut paced, 0.5),
        percentile(&mut paced, 0.99)
    ));

    // 4. Events: 100 SSE clients; 100 moves; delay from sending each move to its arrival.
    let arrivals = Arc::new(Mutex::new(Vec::<(i64, Instant)>::new()));
    let mut listeners = Vec::new();
    for _ in 0..SSE_CLIENTS {
        let response = reqwest::Client::new()
            .get(format!("{base}/api/v1/events"))
            .bearer_auth(&movers[0].1)
            .send()
            .await
            .unwrap();
        let arrivals = arrivals.clone();
        listeners.push(tokio::spawn(async move {
            let mut stream = response.bytes_stream();
            let mut buffer = String::new();
            let mut seen = 0;
            while seen < SSE_MOVES {
                let Ok(Some(Ok(chunk))) =
                    tokio::time::timeout(Duration::from_secs(20), stream.next()).await
                else {
                    break;
                };
                let at = Instant::now();
                buffer.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buffer.find("\n\n") {
                    let frame: String = buffer.drain(..end + 2).collect();
                    for line in frame.lines() {
                        if let Some(data) = line.strip_prefix("data:") {
                            if let Ok(event) =
                                serde_json::from_str::<serde_json::Value>(data.trim())
                            {
                                if let Some(lead) = event["data"]["lead_id"].as_i64() {
                                    arrivals.lock().await.push((lead, at));
                                    seen += 1;
                                }
                            }
                        }
                    }
                }
            }
        }));
    }
    let client = reqwest::Client::new();
    let mut sent = std::collections::HashMap::new();
    for k in 0..SSE_MOVES {
        let lead_id = 50_000 + k * 11;
        sent.insert(lead_id as i64, Instant::now());
        let r = client
            .patch(format!("{base}/api/v1/leads/{lead_id}"))
            .bearer_auth(&movers[1].1)
            .json(&serde_json::json!({"version": 1, "step_id": steps[(lead_id + 1) % STEPS]}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.status());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for listener in listeners {
        listener.await.unwrap();
    }
    let arrivals = arrivals.lock().await;
    let mut delays: Vec<f64> = arrivals
        .iter()
        .filter_map(|(lead, at)| sent.get(lead).map(|s| ms(at.duration_since(*s))))
        .collect();
    report.push(format!(
        "events ({SSE_MOVES} moves to {SSE_CLIENTS} SSE clients, {} of {} delivered): p50 {:.1} ms, p99 {:.1} ms (from sending the move)",
        delays.len(),
        SSE_MOVES * SSE_CLIENTS,
        percentile(&mut delays, 0.5),
        percentile(&mut delays, 0.99)
    ));

    running.stop().await;
    std::fs::remove_dir_all(&dir).ok();
    let text = report.join("\n");
    println!("{text}");
    let out = std::path::Path::new(
        &std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into()),
    )
    .join("bench");
    std::fs::create_dir_all(&out).ok();
    std::fs::write(out.join("board.txt"), format!("{text}\n")).ok();
}
