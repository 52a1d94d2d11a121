//! Activity logging benchmark (`make bench-activities`): 50 API clients log activities on
//! SQLite as fast as they can for 30 s (`BENCH_SECONDS`), while 200 SSE clients follow the
//! event stream. Reports throughput, p50/p99 latency, and how many of the logged activities
//! each feed client received. Prints the figures and writes them to
//! `$CARGO_TARGET_DIR/bench/activities.txt`; asserts nothing.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::server::events::EventBus;
use app::server::{activities, leads, pipelines, tokens, users, Actor};
use futures::StreamExt;
use server::config::ServeArgs;

const CLIENTS: usize = 50;

fn percentile(samples: &mut [f64], p: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index]
}

#[tokio::main]
async fn main() {
    let setting = |name: &str, default: u64| -> u64 {
        std::env::var(name)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(default)
    };
    let seconds = setting("BENCH_SECONDS", 30);
    let feeds_wanted = setting("BENCH_FEEDS", 200) as usize;
    let dir = std::env::temp_dir().join(format!("cadence_bench_act_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/bench.db", dir.display());
    let db = server::connect(&url).await.unwrap();
    let bus = EventBus::new();
    let pipeline = pipelines::create(&db, &bus, "Bench", &["New".to_string()])
        .await
        .unwrap();
    let types = activities::types(&db).await.unwrap();
    let call = types.iter().find(|t| t.name == "Call").unwrap();
    let (call_id, outcomes) = (call.id, call.outcomes.clone());

    // Each client is a rep with a token and a lead of their own.
    let mut reps = Vec::new();
    for i in 0..CLIENTS {
        let user = users::create(
            &db,
            users::NewUser {
                name: format!("Rep {i}"),
                email: format!("rep{i}@bench.test"),
                role: "member".into(),
                segment_id: None,
                password: "bench-password".into(),
            },
        )
        .await
        .unwrap();
        let actor = Actor {
            id: user.id,
            role: app::domain::Role::Member,
            name: user.name.clone(),
            time_zone: "UTC".into(),
        };
        let lead = leads::create(
            &db,
            &bus,
            &actor,
            app::leads::api::LeadPatch {
                title: Some(format!("Lead of rep {i}")),
                step_id: Some(pipeline.steps[0].id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let token = tokens::create(&db, user.id, "bench").await.unwrap().token;
        reps.push((token, lead.id));
    }

    let running = server::spawn(db.clone(), &ServeArgs::for_tests(dir.join("site")))
        .await
        .unwrap();
    let base = running.url();

    // 200 feed clients, each counting the activities it receives.
    let stop_feeds = Arc::new(tokio::sync::Notify::new());
    let mut feeds = Vec::new();
    for i in 0..feeds_wanted {
        let response = reqwest::Client::new()
            .get(format!("{base}/api/v1/events"))
            .bearer_auth(&reps[i % CLIENTS].0)
            .send()
            .await
            .unwrap();
        let stop = stop_feeds.clone();
        feeds.push(tokio::spawn(async move {
            let mut stream = response.bytes_stream();
            let mut count = 0u64;
            let mut tail = String::new();
            loop {
                tokio::select! {
                    chunk = stream.next() => match chunk {
                        Some(Ok(bytes)) => {
                            tail.push_str(&String::from_utf8_lossy(&bytes));
                            // Count in complete lines; an unfinished one waits for the next chunk.
                            let complete = tail.rfind('\n').map(|i| i + 1).unwrap_or(0);
                            let lines: String = tail.drain(..complete).collect();
                            count += lines.matches("\"type\":\"activity.created\"").count() as u64;
                        }
                        _ => break,
                    },
                    _ = stop.notified() => break,
                }
            }
            count
        }));
    }

    let ok = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut writers = Vec::new();
    for (i, (token, lead_id)) in reps.iter().cloned().enumerate() {
        let (base, ok, failed) = (base.clone(), ok.clone(), failed.clone());
        let outcomes = outcomes.clone();
        writers.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut latencies = Vec::new();
            let mut n = i;
            while Instant::now() < deadline {
                n += 1;
                let body = serde_json::json!({
                    "type_id": call_id,
                    "outcome_id": outcomes[n % outcomes.len()].id,
                    "lead_id": lead_id,
                    "note": "Benchmark call",
                });
                let sent = Instant::now();
                let response = client
                    .post(format!("{base}/api/v1/activities"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await;
                latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
                match response {
                    Ok(r) if r.status().as_u16() == 201 => ok.fetch_add(1, Ordering::Relaxed),
                    _ => failed.fetch_add(1, Ordering::Relaxed),
                };
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for writer in writers {
        latencies.extend(writer.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    let logged = ok.load(Ordering::Relaxed);
    // Give the feeds time to drain, then count.
    let drain = Instant::now();
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop_feeds.notify_waiters();
    let mut received = Vec::new();
    for feed in feeds {
        received.push(feed.await.unwrap());
    }
    let complete = received.iter().filter(|c| **c == logged).count();
    let min = received.iter().min().copied().unwrap_or(0);
    let max = received.iter().max().copied().unwrap_or(0);
    let report = [
        format!(
            "activities: {logged} logged by {CLIENTS} clients in {elapsed:.1} s = {:.0}/s ({} failed)",
            logged as f64 / elapsed,
            failed.load(Ordering::Relaxed)
        ),
        format!(
            "latency: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            percentile(&mut latencies, 0.5),
            percentile(&mut latencies, 0.99),
            percentile(&mut latencies, 1.0)
        ),
        format!(
            "feeds: {complete} of {feeds_wanted} SSE clients received all {logged} activities (min {min}, max {max}; counted {:.1} s after the last write)",
            drain.elapsed().as_secs_f64()
        ),
    ];
    running.stop().await;
    std::fs::remove_dir_all(&dir).ok();
    let text = report.join("\n");
    println!("{text}");
    let out = std::path::Path::new(
        &std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into()),
    )
    .join("bench");
    std::fs::create_dir_all(&out).ok();
    std::fs::write(out.join("activities.txt"), format!("{text}\n")).ok();
}
