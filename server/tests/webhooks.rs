//! Webhooks against a real receiver on a loopback port: every event once, in order, signed;
//! a receiver that is down gets everything when it is back (retries at the times the tests
//! choose); a restart sends what was queued; a webhook failing for a day is turned off.

mod common;

use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use app::domain::goal::GoalKind;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use axum::routing::post;
use chrono::{Duration, Utc};
use common::smtp::SmtpSink;
use common::{pipeline, type_id, Api, TestApp};
use hmac::{Hmac, KeyInit, Mac};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use server::config::ServeArgs;

/// One request the receiver got.
#[derive(Clone, Debug)]
struct Got {
    delivery: String,
    event: String,
    signature: String,
    body: String,
}

/// A webhook receiver: records every request, and answers with the status it is set to (200
/// takes the delivery; anything else refuses it).
#[derive(Clone)]
struct Receiver {
    url: String,
    tries: Arc<Mutex<Vec<Got>>>,
    taken: Arc<Mutex<Vec<Got>>>,
    answer: Arc<AtomicU16>,
    count: Arc<AtomicUsize>,
}

impl Receiver {
    async fn start() -> Receiver {
        let receiver = Receiver {
            url: String::new(),
            tries: Default::default(),
            taken: Default::default(),
            answer: Arc::new(AtomicU16::new(200)),
            count: Default::default(),
        };
        let app = axum::Router::new()
            .route("/hook", post(take))
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver { url, ..receiver }
    }

    fn answer(&self, status: u16) {
        self.answer.store(status, Ordering::SeqCst);
    }

    fn taken(&self) -> Vec<Got> {
        self.taken.lock().unwrap().clone()
    }

    fn tries(&self) -> Vec<Got> {
        self.tries.lock().unwrap().clone()
    }

    /// Waits (up to 30 s) until `n` deliveries were taken.
    async fn wait_for(&self, n: usize) -> Vec<Got> {
        for _ in 0..300 {
            if self.taken.lock().unwrap().len() >= n {
                break;
            }
            tokio::time::sleep(StdDuration::from_millis(100)).await;
        }
        self.taken()
    }
}

async fn take(State(receiver): State<Receiver>, headers: HeaderMap, body: String) -> AxumStatus {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let got = Got {
        delivery: header("x-cadence-delivery"),
        event: header("x-cadence-event"),
        signature: header("x-cadence-signature"),
        body,
    };
    receiver.count.fetch_add(1, Ordering::SeqCst);
    receiver.tries.lock().unwrap().push(got.clone());
    let status = receiver.answer.load(Ordering::SeqCst);
    if status == 200 {
        receiver.taken.lock().unwrap().push(got);
    }
    AxumStatus::from_u16(status).unwrap()
}

/// Checks a signature the way the API page tells receivers to: HMAC-SHA256 with the secret
/// over the timestamp, a dot and the raw body, in hexadecimal, compared with `v1`.
fn signed_by(secret: &str, got: &Got) -> bool {
    let mut timestamp = "";
    let mut v1 = "";
    for part in got.signature.split(',') {
        match part.split_once('=') {
            Some(("t", t)) => timestamp = t,
            Some(("v1", v)) => v1 = v,
            _ => {}
        }
    }
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.{}", got.body).as_bytes());
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    !timestamp.is_empty() && expected == v1
}

fn body(got: &Got) -> Value {
    serde_json::from_str(&got.body).unwrap()
}

async fn lead(admin: &Api<'_>, step: i64, title: &str) -> i64 {
    admin
        .ok(
            "POST",
            "/leads",
            Some(json!({"title": title, "step_id": step})),
        )
        .await["id"]
        .as_i64()
        .unwrap()
}

/// Registers a webhook for `events`; its id and secret.
async fn hook(admin: &Api<'_>, url: &str, events: &[&str]) -> (i64, String) {
    let created = admin
        .ok(
            "POST",
            "/webhooks",
            Some(json!({"url": url, "events": events})),
        )
        .await;
    (
        created["webhook"]["id"].as_i64().unwrap(),
        created["secret"].as_str().unwrap().to_string(),
    )
}

fn with_worker() -> ServeArgs {
    let mut args = ServeArgs::for_tests("target/no-site".into());
    args.no_webhooks = false;
    args
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_event_reaches_the_receiver_once_in_order_and_signed() {
    let app = TestApp::spawn_with(with_worker()).await;
    let admin = Api::new(&app, "admin").await;
    let receiver = Receiver::start().await;
    let all = [
        "lead.created",
        "lead.updated",
        "lead.moved",
        "lead.status_changed",
        "lead.deleted",
        "activity.created",
        "activity.updated",
        "activity.deleted",
        "prospect.converted",
    ];
    let (id, secret) = hook(&admin, &receiver.url, &all).await;
    assert!(
        secret.starts_with("whsec_") && secret.len() == 70,
        "{secret}"
    );
    let shown = admin.ok("GET", &format!("/webhooks/{id}"), None).await;
    assert!(
        shown.get("secret").is_none(),
        "the secret is shown once: {shown}"
    );
    assert_eq!(shown["active"], true);

    let (_, steps) = pipeline(&admin, "Hooks", &["New", "Proposal"]).await;
    let lead = lead(&admin, steps[0], "Initech").await;
    admin
        .ok(
            "PATCH",
            &format!("/leads/{lead}"),
            Some(json!({"version": 1, "title": "Initech HQ"})),
        )
        .await;
    admin
        .ok(
            "PATCH",
            &format!("/leads/{lead}"),
            Some(json!({"version": 2, "step_id": steps[1]})),
        )
        .await;
    admin
        .ok(
            "PATCH",
            &format!("/leads/{lead}"),
            Some(json!({"version": 3, "status": "won"})),
        )
        .await;
    let types = admin.ok("GET", "/activity-types", None).await["items"].clone();
    let type_id = types[0]["id"].as_i64().unwrap();
    let activity = admin
        .ok(
            "POST",
            "/activities",
            Some(json!({"type_id": type_id, "lead_id": lead})),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    admin
        .ok("DELETE", &format!("/activities/{activity}"), None)
        .await;
    admin.ok("DELETE", &format!("/leads/{lead}"), None).await;

    let expected = [
        "lead.created",
        "lead.updated",
        "lead.moved",
        "lead.status_changed",
        "activity.created",
        "activity.deleted",
        "lead.deleted",
    ];
    let got = receiver.wait_for(expected.len()).await;
    let kinds: Vec<&str> = got.iter().map(|g| g.event.as_str()).collect();
    assert_eq!(kinds, expected, "every event, in order");
    let mut last_event = 0;
    for g in &got {
        assert!(signed_by(&secret, g), "a valid signature on {}", g.event);
        let b = body(g);
        assert_eq!(b["type"], g.event.as_str());
        let event_id = b["id"].as_i64().unwrap();
        assert!(event_id > last_event, "events in order");
        last_event = event_id;
        assert!(b["occurred_at"].is_string());
    }
    assert_eq!(
        body(&got[0])["data"]["id"],
        lead,
        "the lead as the API returns it"
    );
    assert_eq!(body(&got[4])["data"]["id"], activity);
    assert_eq!(
        body(&got[6])["data"]["lead_id"],
        lead,
        "a deleted lead: what the event knew"
    );
    let ids: std::collections::HashSet<&str> = got.iter().map(|g| g.delivery.as_str()).collect();
    assert_eq!(ids.len(), got.len(), "one delivery id per delivery");

    // Nothing more arrives: each once.
    tokio::time::sleep(StdDuration::from_millis(1500)).await;
    assert_eq!(receiver.count.load(Ordering::SeqCst), expected.len());
    let log = admin
        .ok("GET", &format!("/webhooks/{id}/deliveries?limit=5"), None)
        .await;
    assert_eq!(log["total"], 7);
    assert_eq!(log["items"].as_array().unwrap().len(), 5);
    assert_eq!(
        log["items"][0]["event_type"], "lead.deleted",
        "newest first"
    );
    assert_eq!(log["items"][0]["status"], "delivered");
    assert_eq!(log["items"][0]["last_code"], 200);
    let next = log["next"].as_str().unwrap().trim_start_matches("/api/v1");
    let rest = admin.ok("GET", next, None).await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 2);
    assert!(rest["next"].is_null());
    app.finish().await;
}

async fn a_receiver_that_is_down_gets_everything_when_it_is_back(app: &TestApp) {
    let admin = Api::new(app, "admin").await;
    let receiver = Receiver::start().await;
    receiver.answer(503);
    let (id, secret) = hook(&admin, &receiver.url, &["lead.created"]).await;
    let (_, steps) = pipeline(&admin, "Down", &["New"]).await;
    let mut leads = Vec::new();
    for title in ["Alpha", "Beta", "Gamma"] {
        leads.push(lead(&admin, steps[0], title).await);
    }
    let client = server::webhooks::client();
    let t0 = Utc::now();
    let report = server::webhooks::tick(&app.db, &client, None, t0)
        .await
        .unwrap();
    assert_eq!((report.delivered, report.failed_tries), (0, 1));
    assert_eq!(
        receiver.tries().len(),
        1,
        "the first fails; the others wait behind it"
    );
    // Not due yet: nothing is tried.
    server::webhooks::tick(&app.db, &client, None, t0 + Duration::seconds(5))
        .await
        .unwrap();
    assert_eq!(receiver.tries().len(), 1);
    let shown = admin.ok("GET", &format!("/webhooks/{id}"), None).await;
    assert!(shown["failing_since"].is_string());

    receiver.answer(200);
    let report = server::webhooks::tick(&app.db, &client, None, t0 + Duration::seconds(11))
        .await
        .unwrap();
    assert_eq!(report.delivered, 3);
    let taken = receiver.taken();
    let got_leads: Vec<i64> = taken
        .iter()
        .map(|g| body(g)["data"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got_leads, leads, "none lost, in order");
    assert!(taken.iter().all(|g| signed_by(&secret, g)));
    assert_eq!(
        receiver.tries()[0].delivery,
        taken[0].delivery,
        "the retry has the delivery id of the failed try"
    );
    let shown = admin.ok("GET", &format!("/webhooks/{id}"), None).await;
    assert!(shown["failing_since"].is_null());
    let log = admin
        .ok("GET", &format!("/webhooks/{id}/deliveries"), None)
        .await;
    let first = &log["items"][2];
    assert_eq!(first["attempts"], 2);
    assert_eq!(first["status"], "delivered");

    // A resend goes out again with the same id (at least once).
    let first_id = first["id"].as_i64().unwrap();
    admin
        .ok(
            "POST",
            &format!("/webhooks/{id}/deliveries/{first_id}/resend"),
            None,
        )
        .await;
    server::webhooks::tick(&app.db, &client, None, t0 + Duration::seconds(12))
        .await
        .unwrap();
    let taken = receiver.taken();
    assert_eq!(taken.len(), 4);
    assert_eq!(taken[3].delivery, first_id.to_string());
    assert_eq!(taken[3].body, taken[0].body, "the same body");

    // A receiver that fails for a day: the delivery is given up, the webhook turned off, and
    // every active admin told by email.
    let sink = SmtpSink::start(&[]);
    let relay = sink.config("", "");
    receiver.answer(500);
    lead(&admin, steps[0], "Delta").await;
    let start = t0 + Duration::seconds(20);
    server::webhooks::tick(&app.db, &client, None, start)
        .await
        .unwrap();
    let report = server::webhooks::tick(&app.db, &client, None, start + Duration::hours(2))
        .await
        .unwrap();
    assert_eq!((report.failed_tries, report.disabled), (1, 0));
    let report = server::webhooks::tick(&app.db, &client, Some(&relay), start + Duration::days(1))
        .await
        .unwrap();
    assert_eq!((report.failed_tries, report.disabled), (1, 1));
    let admins: Vec<String> = app::server::entity::user::Entity::find()
        .filter(app::server::entity::user::Column::Role.eq("admin"))
        .filter(app::server::entity::user::Column::Active.eq(true))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.email)
        .collect();
    assert!(!admins.is_empty());
    assert_eq!(report.admins_told, admins.len());
    let mails = sink.messages();
    assert_eq!(mails.len(), admins.len(), "one email per admin");
    for mail in &mails {
        assert!(
            admins.iter().any(|a| mail.to.contains(a.as_str())),
            "to an admin: {}",
            mail.to
        );
        assert!(
            mail.subject.contains("webhook was turned off"),
            "{}",
            mail.subject
        );
        let text = &mail.parts["text/plain"];
        assert!(
            text.contains(&receiver.url) && text.contains("500"),
            "{text}"
        );
        assert!(mail.parts["text/html"].contains("/admin/webhooks"));
    }
    let shown = admin.ok("GET", &format!("/webhooks/{id}"), None).await;
    assert_eq!(shown["active"], false);
    let reason = shown["disabled_reason"].as_str().unwrap();
    assert!(reason.contains("500"), "{reason}");
    let log = admin
        .ok("GET", &format!("/webhooks/{id}/deliveries?limit=1"), None)
        .await;
    assert_eq!(log["items"][0]["status"], "failed");
    assert_eq!(log["items"][0]["attempts"], 3);
    // Turned off: nothing more is tried.
    let tries = receiver.tries().len();
    server::webhooks::tick(&app.db, &client, None, start + Duration::days(2))
        .await
        .unwrap();
    assert_eq!(receiver.tries().len(), tries);
}
on_both_backends!(
    receiver_down,
    a_receiver_that_is_down_gets_everything_when_it_is_back
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_queued_before_a_restart_are_sent_after_it() {
    let mut app = TestApp::spawn_with(ServeArgs::for_tests("target/no-site".into())).await;
    let admin = Api::new(&app, "admin").await;
    let receiver = Receiver::start().await;
    receiver.answer(503);
    hook(&admin, &receiver.url, &["lead.created", "lead.updated"]).await;
    let (_, steps) = pipeline(&admin, "Restart", &["New"]).await;
    let first = lead(&admin, steps[0], "Queued one").await;
    // Tried once (refused) a minute ago, so the retry is due at once after the restart.
    let client = server::webhooks::client();
    server::webhooks::tick(&app.db, &client, None, Utc::now() - Duration::minutes(1))
        .await
        .unwrap();
    let second = lead(&admin, steps[0], "Queued two").await;
    assert_eq!(receiver.taken().len(), 0);
    drop(admin);

    receiver.answer(200);
    app.restart_with(with_worker()).await;
    let got = receiver.wait_for(2).await;
    let leads: Vec<i64> = got
        .iter()
        .map(|g| body(g)["data"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(leads, [first, second]);
    app.finish().await;
}

async fn webhooks_are_checked_and_for_admins_only(app: &TestApp) {
    let admin = Api::new(app, "admin").await;
    let manager = Api::new(app, "manager").await;
    let (status, _) = manager
        .send(
            "POST",
            "/webhooks",
            Some(json!({"url": "https://example.com", "events": ["lead.created"]})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, error) = admin
        .send(
            "POST",
            "/webhooks",
            Some(json!({"url": "http://example.com/hook", "events": ["lead.exploded"]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error["error"]["fields"]["url"]
        .as_str()
        .unwrap()
        .contains("https"));
    assert!(error["error"]["fields"]["events"]
        .as_str()
        .unwrap()
        .contains("lead.exploded"));
    let (id, _) = hook(
        &admin,
        "https://hooks.example.com/cadence",
        &["lead.created"],
    )
    .await;
    let changed = admin
        .ok(
            "PATCH",
            &format!("/webhooks/{id}"),
            Some(json!({"active": false, "events": ["activity.created", "lead.moved"]})),
        )
        .await;
    assert_eq!(changed["active"], false);
    assert_eq!(changed["events"], json!(["lead.moved", "activity.created"]));
    let listed = admin.ok("GET", "/webhooks", None).await["items"].clone();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let (status, _) = admin.send("DELETE", &format!("/webhooks/{id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = admin.send("GET", &format!("/webhooks/{id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
on_both_backends!(checked, webhooks_are_checked_and_for_admins_only);

/// Logs an activity of `type_id` on `lead`, now.
async fn log_activity(admin: &Api<'_>, type_id: i64, lead: i64) {
    let activity = json!({"type_id": type_id, "lead_id": lead});
    admin.ok("POST", "/activities", Some(activity)).await;
}

/// A team goal of `target` calls each `period` from `starts_on`; its id.
async fn team_calls_goal(
    admin: &Api<'_>,
    call: i64,
    period: &str,
    starts_on: &str,
    target: i64,
) -> i64 {
    let goal = json!({"kind": "activities", "activity_type_id": call, "assignee": "team",
        "period": period, "starts_on": starts_on, "target": target.to_string()});
    admin.ok("POST", "/goals", Some(goal)).await["id"]
        .as_i64()
        .unwrap()
}

/// A goal that reaches its target sends `goal.met` once in its period, right after the change
/// that met it; a second sender noticing it too records nothing more.
async fn a_goal_met_is_sent_once_per_period(app: &TestApp) {
    let admin = Api::new(app, "admin").await;
    let receiver = Receiver::start().await;
    let (_, secret) = hook(&admin, &receiver.url, &["activity.created", "goal.met"]).await;
    let (call, _) = type_id(&admin, "Call", None).await;
    let goal = team_calls_goal(&admin, call, "year", "2020-01-01", 2).await;
    let (_, steps) = pipeline(&admin, "Goals", &["New"]).await;
    let on = lead(&admin, steps[0], "Umbrella").await;
    let client = server::webhooks::client();
    let log_call = || async {
        log_activity(&admin, call, on).await;
        server::webhooks::tick(&app.db, &client, None, Utc::now())
            .await
            .unwrap()
    };
    let first = log_call().await;
    assert!(first.goals_met.is_empty(), "one call of two: not met");
    let second = log_call().await;
    assert_eq!(second.goals_met.len(), 1, "the second call meets it");
    let third = log_call().await;
    assert!(third.goals_met.is_empty(), "met once per period");
    assert!(
        app::server::goals::record_met(&app.db, &GoalKind::ALL, Utc::now(), Utc::now())
            .await
            .unwrap()
            .is_empty(),
        "another sender noticing it records nothing more"
    );
    let got = receiver.taken();
    let kinds: Vec<&str> = got.iter().map(|g| g.event.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "activity.created",
            "activity.created",
            "goal.met",
            "activity.created"
        ]
    );
    let met = body(&got[2]);
    assert!(signed_by(&secret, &got[2]));
    assert_eq!(met["data"]["goal"]["id"], goal);
    assert_eq!(met["data"]["value"], 2);
    assert_eq!(met["data"]["target"], 2);
    let year = app::server::goals::calendar(&app.db)
        .await
        .unwrap()
        .today(Utc::now())
        .format("%Y-01-01")
        .to_string();
    assert_eq!(met["data"]["period"]["start"], year.as_str());
}
on_both_backends!(goal_met, a_goal_met_is_sent_once_per_period);

/// A goal met by a change just before its period ended is noticed by a look taken after the
/// period rolled over: the look covers the period of the first change it had not seen.
async fn a_goal_met_just_before_its_period_ends_is_still_recorded(app: &TestApp) {
    let admin = Api::new(app, "admin").await;
    let (call, _) = type_id(&admin, "Call", None).await;
    let goal = team_calls_goal(&admin, call, "week", "2020-01-06", 1).await;
    let (_, steps) = pipeline(&admin, "Rollover", &["New"]).await;
    let on = lead(&admin, steps[0], "Late caller").await;
    let change = Utc::now();
    log_activity(&admin, call, on).await;
    // The look comes eight days later: this week is over, next week has no call.
    let later = change + Duration::days(8);
    let only_now = app::server::goals::record_met(&app.db, &GoalKind::ALL, later, later)
        .await
        .unwrap();
    assert!(only_now.is_empty(), "next week's goal is not met");
    let met = app::server::goals::record_met(&app.db, &GoalKind::ALL, change, later)
        .await
        .unwrap();
    assert_eq!(met.len(), 1, "this week's goal, met by the call");
    assert_eq!(met[0].data["goal_id"], goal);
    let week = &met[0].data["period"];
    let start: chrono::NaiveDate = week["start"].as_str().unwrap().parse().unwrap();
    assert!(
        start <= change.date_naive() && change.date_naive() - start < Duration::days(7),
        "{week}"
    );
}
on_both_backends!(
    goal_met_rollover,
    a_goal_met_just_before_its_period_ends_is_still_recorded
);

/// Two nodes on one PostgreSQL database both run the webhook job (each wakes on every event,
/// relayed by the database): every event is delivered once, whichever node sends it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_two_nodes_running_the_job_each_event_is_delivered_once() {
    let Some(app) = TestApp::spawn_postgres_with(with_worker()).await else {
        eprintln!("skipped: CADENCE_TEST_POSTGRES_URL is not set");
        return;
    };
    let db_b = server::connect(&app.db_url).await.unwrap();
    let node_b = server::spawn(db_b.clone(), &with_worker()).await.unwrap();
    let admin = Api::new(&app, "admin").await;
    let receiver = Receiver::start().await;
    hook(&admin, &receiver.url, &["lead.created"]).await;
    let (_, steps) = pipeline(&admin, "Two nodes", &["New"]).await;
    let through_b = common::Bearer::new(&node_b.url(), &admin.token);
    for i in 0..20 {
        let body = json!({"title": format!("Lead {i}"), "step_id": steps[0]});
        if i % 2 == 0 {
            admin.ok("POST", "/leads", Some(body)).await;
        } else {
            through_b.ok("POST", "/leads", Some(body)).await;
        }
    }
    receiver.wait_for(20).await;
    // A round more of each node's job (every 5 s): nothing is sent again.
    tokio::time::sleep(StdDuration::from_secs(6)).await;
    let got = receiver.taken();
    let deliveries: std::collections::HashSet<&str> =
        got.iter().map(|g| g.delivery.as_str()).collect();
    let events: std::collections::HashSet<i64> = got
        .iter()
        .map(|g| {
            serde_json::from_str::<Value>(&g.body).unwrap()["id"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(got.len(), 20, "{} deliveries", got.len());
    assert_eq!(
        (deliveries.len(), events.len()),
        (20, 20),
        "each event once"
    );
    node_b.stop().await;
    db_b.close().await.ok();
    app.finish().await;
}
