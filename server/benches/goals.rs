//! Goals benchmark (`make bench-goals`): 200 users in 4 segments, 20,000 leads of which 5,000
//! won over two years, and 2,000,000 activities over two years (`BENCH_ACTIVITIES` to change
//! it) on SQLite; the goals a plan gives such a team (a daily call goal per person, a weekly
//! meeting goal per segment, team revenue, wins and leads). Measures the team goals page for
//! each kind of period (with six past periods per goal), My day, and the API's progress of
//! every goal, p50 / p99 over 20 runs. Prints the figures and writes them to
//! `$CARGO_TARGET_DIR/bench/goals.txt`; asserts nothing.

use std::time::{Duration, Instant};

use app::domain::period::PeriodKind;
use app::domain::Role;
use app::goals::api::GoalInput;
use app::server::entity::{activity, lead, lead_history};
use app::server::events::EventBus;
use app::server::{activities, goals, pipelines, segments, users, workspace, Actor};
use chrono::{Duration as Days, Utc};
use sea_orm::{EntityTrait, Set, TransactionTrait};

const USERS: usize = 200;
const SEGMENTS: usize = 4;
const LEADS: usize = 20_000;
const WON: usize = 5_000;
const RUNS: usize = 20;
const SPAN_MINUTES: i64 = 2 * 365 * 24 * 60;

fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    samples[((samples.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A small deterministic generator.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below.max(1)
    }
}

async fn timed<F, Fut, T>(label: &str, report: &mut Vec<String>, mut run: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut samples = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        std::hint::black_box(run().await);
        samples.push(ms(started.elapsed()));
    }
    report.push(format!(
        "{label}: p50 {:.1} ms, p99 {:.1} ms",
        percentile(&mut samples, 0.5),
        percentile(&mut samples, 0.99)
    ));
    println!("{}", report.last().unwrap());
}

#[tokio::main]
async fn main() {
    let activity_count: usize = std::env::var("BENCH_ACTIVITIES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2_000_000);
    let dir = std::env::temp_dir().join(format!("cadence_goals_bench_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/bench.db", dir.display());
    let db = server::connect(&url).await.unwrap();
    workspace::update(&db, "Bench", "Europe/Paris", "EUR", "monday")
        .await
        .unwrap();
    let mut report = vec![format!(
        "goals on SQLite: {USERS} users, {LEADS} leads ({WON} won), {activity_count} activities over two years"
    )];
    let started = Instant::now();
    let mut segment_ids = Vec::new();
    for s in 0..SEGMENTS {
        segment_ids.push(
            segments::create(&db, &format!("Segment {s}"))
                .await
                .unwrap()
                .id,
        );
    }
    let mut people = Vec::new();
    for i in 0..USERS {
        let user = users::create(
            &db,
            users::NewUser {
                name: format!("Rep {i:03}"),
                email: format!("rep{i}@bench.test"),
                role: if i == 0 { "manager" } else { "member" }.into(),
                segment_id: Some(segment_ids[i % SEGMENTS]),
                password: "bench-password".into(),
            },
        )
        .await
        .unwrap();
        people.push(user.id);
    }
    let manager = Actor {
        id: people[0],
        role: Role::Manager,
        name: "Rep 000".into(),
        time_zone: "Europe/Paris".into(),
    };
    let pipeline = pipelines::create(
        &db,
        &EventBus::new(),
        "Bench",
        &["New".to_string(), "Won".to_string()],
    )
    .await
    .unwrap();
    let step = pipeline.steps[0].id;
    let types = activities::types(&db).await.unwrap();
    let type_of = |name: &str| types.iter().find(|t| t.name == name).map(|t| t.id).unwrap();
    let (call, meeting) = (type_of("Call"), type_of("Meeting"));
    let kinds: Vec<i32> = types.iter().map(|t| t.id).collect();
    let now = Utc::now();
    let mut dice = Dice(0x9e37_79b9_7f4a_7c15);

    let txn = db.begin().await.unwrap();
    for chunk in (0..LEADS).collect::<Vec<_>>().chunks(1000) {
        let rows: Vec<lead::ActiveModel> = chunk
            .iter()
            .map(|i| {
                let created = now - Days::minutes(((i * 7919) as i64) % SPAN_MINUTES);
                lead::ActiveModel {
                    title: Set(format!("Lead {i}")),
                    amount_cents: Set((i % 97 + 1) as i64 * 10_000),
                    currency: Set("EUR".into()),
                    probability: Set(20),
                    owner_id: Set(people[i % USERS]),
                    pipeline_id: Set(pipeline.id),
                    step_id: Set(step),
                    status: Set(if *i < WON { "won" } else { "active" }.into()),
                    next_action_at: Set(None),
                    company: Set(String::new()),
                    person: Set(String::new()),
                    email: Set(String::new()),
                    phone: Set(String::new()),
                    notes: Set(String::new()),
                    tags: Set(String::new()),
                    origin_list_id: Set(None),
                    origin_prospect_id: Set(None),
                    close_reason: Set(None),
                    created_by: Set(people[i % USERS]),
                    updated_by: Set(people[i % USERS]),
                    created_at: Set(created),
                    updated_at: Set(created),
                    closed_at: Set(None),
                    version: Set(1),
                    ..Default::default()
                }
            })
            .collect();
        lead::Entity::insert_many(rows).exec(&txn).await.unwrap();
    }
    for chunk in (0..WON).collect::<Vec<_>>().chunks(1000) {
        let rows: Vec<lead_history::ActiveModel> = chunk
            .iter()
            .map(|i| lead_history::ActiveModel {
                lead_id: Set(*i as i32 + 1),
                user_id: Set(people[i % USERS]),
                owner_id: Set(people[i % USERS]),
                from_pipeline_id: Set(Some(pipeline.id)),
                to_pipeline_id: Set(pipeline.id),
                from_step_id: Set(Some(step)),
                to_step_id: Set(step),
                from_status: Set(Some("active".into())),
                to_status: Set("won".into()),
                at: Set(now - Days::minutes(((i * 104_729) as i64) % SPAN_MINUTES)),
                amount_cents: Set((i % 97 + 1) as i64 * 10_000),
                last_close: Set(true),
                ..Default::default()
            })
            .collect();
        lead_history::Entity::insert_many(rows)
            .exec(&txn)
            .await
            .unwrap();
    }
    txn.commit().await.unwrap();
    let mut left = activity_count;
    while left > 0 {
        let batch = left.min(100_000);
        let txn = db.begin().await.unwrap();
        for _ in 0..batch.div_ceil(2_000) {
            let rows: Vec<activity::ActiveModel> = (0..2_000.min(left))
                .map(|_| {
                    let user = people[dice.roll(USERS as u64) as usize];
                    let when = now - Days::minutes(dice.roll(SPAN_MINUTES as u64) as i64);
                    activity::ActiveModel {
                        type_id: Set(kinds[dice.roll(kinds.len() as u64) as usize]),
                        outcome_id: Set(None),
                        user_id: Set(user),
                        lead_id: Set(Some(1 + dice.roll(LEADS as u64) as i32)),
                        prospect_id: Set(None),
                        note: Set(String::new()),
                        occurred_at: Set(when),
                        created_at: Set(when),
                        updated_at: Set(when),
                        updated_by: Set(user),
                        ..Default::default()
                    }
                })
                .collect();
            left -= rows.len();
            activity::Entity::insert_many(rows)
                .exec(&txn)
                .await
                .unwrap();
            if left == 0 {
                break;
            }
        }
        txn.commit().await.unwrap();
    }
    report.push(format!(
        "seeded in {:.1} s",
        started.elapsed().as_secs_f64()
    ));
    println!("{}", report.last().unwrap());

    // The goals a plan gives this team.
    let today = goals::calendar(&db).await.unwrap().today(now);
    let start = (today - Days::days(400)).to_string();
    let goal = |input: GoalInput| {
        let db = db.clone();
        let manager = manager.clone();
        async move { goals::create(&db, &manager, &input).await.unwrap() }
    };
    for person in &people {
        goal(GoalInput {
            kind: "activities".into(),
            activity_type_id: Some(call),
            assignee: "user".into(),
            user_id: Some(*person),
            period: "day".into(),
            starts_on: start.clone(),
            target: "12".into(),
            ..Default::default()
        })
        .await;
    }
    for segment in &segment_ids {
        goal(GoalInput {
            kind: "activities".into(),
            activity_type_id: Some(meeting),
            assignee: "segment".into(),
            segment_id: Some(*segment),
            period: "week".into(),
            starts_on: start.clone(),
            target: "8".into(),
            ..Default::default()
        })
        .await;
    }
    for (kind, period, target) in [
        ("revenue_won", "month", "400000"),
        ("leads_won", "quarter", "600"),
        ("leads_created", "quarter", "2500"),
        ("revenue_won", "year", "5000000"),
    ] {
        goal(GoalInput {
            kind: kind.into(),
            pipeline_id: Some(pipeline.id),
            assignee: "team".into(),
            period: period.into(),
            starts_on: start.clone(),
            target: target.into(),
            ..Default::default()
        })
        .await;
    }

    for kind in [
        PeriodKind::Day,
        PeriodKind::Week,
        PeriodKind::Month,
        PeriodKind::Quarter,
        PeriodKind::Year,
    ] {
        let label = format!(
            "team goals page, {} goals (with 6 past periods each)",
            kind.label().to_lowercase()
        );
        timed(&label, &mut report, || {
            goals::team(&db, kind, None, Utc::now())
        })
        .await;
    }
    let rep = Actor {
        id: people[1],
        role: Role::Member,
        name: "Rep 001".into(),
        time_zone: "Europe/Paris".into(),
    };
    timed("My day (one rep)", &mut report, || {
        goals::my_day(&db, &rep, Utc::now())
    })
    .await;
    timed("API progress of every goal today", &mut report, || {
        goals::progress_at(&db, None, None, Utc::now())
    })
    .await;
    timed("board goals of the pipeline", &mut report, || {
        goals::for_pipeline(&db, &manager, pipeline.id, Utc::now())
    })
    .await;

    std::fs::remove_dir_all(&dir).ok();
    let text = report.join("\n");
    println!("{text}");
    let out = std::path::Path::new(
        &std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into()),
    )
    .join("bench");
    std::fs::create_dir_all(&out).ok();
    std::fs::write(out.join("goals.txt"), format!("{text}\n")).ok();
}
