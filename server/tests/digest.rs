//! The morning digest: its numbers on a hand-made fixture, and its sending through a real SMTP
//! server (aiosmtpd, started by the test on a loopback port): both parts arrive with the
//! numbers, once per recipient and day across restarts and a sender that died mid-send, a
//! refused first try is retried after its backoff, bad credentials are recorded. The time is
//! passed to each run of the job, never slept on.

#[macro_use]
mod common;

use app::digest::api::{DigestSettingsView, MailSecurity};
use app::domain::goal::PaceStatus;
use app::server::digest::{self as digests, status};
use app::server::entity::digest_delivery;
use app::server::users;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use common::smtp::SmtpSink;
use common::{activity_at, lead_with_history, pipeline, type_id, Api, TestApp};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use server::digest::{tick, Mailer, SmtpConfig, LEASE};

/// Thursday 26 November 2026, New York (UTC−5): the local day runs from 05:00 UTC on the 26th
/// to 05:00 UTC on the 27th, and the digest about it goes at 07:30 local on the 27th, 12:30 UTC.
fn utc(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, hour, minute, 0)
        .unwrap()
}

fn thursday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
}

/// 07:30 in New York on Friday the 27th.
fn send_time() -> DateTime<Utc> {
    utc(27, 12, 30)
}

/// The fixture's recipients of the digest about Thursday (Max asked for it).
const THE_THREE: [&str; 3] = [
    "Ada <ada@digest.test>",
    "Max <max@digest.test>",
    "Mia <mia@digest.test>",
];

/// Who the sink's messages went to, in order of name.
fn addressees(sink: &SmtpSink) -> Vec<String> {
    let mut to: Vec<String> = sink.messages().into_iter().map(|m| m.to).collect();
    to.sort();
    to
}

struct People {
    ann: i32,
    bob: i32,
    cat: i32,
    mia: i32,
    ada: i32,
    max: i32,
}

async fn person(app: &TestApp, name: &str, role: &str, segment: Option<i64>) -> i32 {
    let id = users::create(
        &app.db,
        users::NewUser {
            name: name.into(),
            email: format!("{}@digest.test", name.to_lowercase()),
            role: role.into(),
            segment_id: None,
            password: common::PASSWORD.into(),
        },
    )
    .await
    .expect("create user")
    .id;
    if let Some(segment) = segment {
        common::set_segment(app, id, segment).await;
    }
    id
}

/// The fixture, in New York time, weeks from Monday 23 November:
/// - Callers: Ann and Bob (members) and Mia (their manager); Cat, a member of no segment;
///   Ada, an admin; Max, a member who asked for his own digest.
/// - Thursday: Ann 2 answered calls, 1 call without outcome, 1 email; created a lead and won
///   it at 1,200; one more call at 23:59:59 UTC−5 on Wednesday (04:59 UTC) and one at 00:00
///   Friday (05:00 UTC), both outside the day. Bob 1 answered call; lost a lead of 300.
///   Cat 2 emails. Ann also called on Monday, and early on Friday (outside the week so far).
/// - Goals: 3 calls a day for each Caller; 10 calls a week for Ann.
async fn fixture(app: &TestApp) -> People {
    app::server::workspace::update(&app.db, "Digest Co", "America/New_York", "EUR", "monday")
        .await
        .unwrap();
    let admin = Api::new(app, "admin").await;
    let segment = admin
        .ok("POST", "/segments", Some(json!({"name": "Callers"})))
        .await["id"]
        .as_i64()
        .unwrap();
    let people = People {
        ann: person(app, "Ann", "member", Some(segment)).await,
        bob: person(app, "Bob", "member", Some(segment)).await,
        cat: person(app, "Cat", "member", None).await,
        mia: person(app, "Mia", "manager", Some(segment)).await,
        ada: person(app, "Ada", "admin", None).await,
        max: person(app, "Max", "member", None).await,
    };
    digests::set_choice(&app.db, people.max, true, false)
        .await
        .unwrap();
    // The token user `Api::new` made for the admin is an admin too: keep them out of the
    // recipients.
    let (_, steps) = pipeline(&admin, "Sales", &["New", "Won"]).await;
    let call = type_id(&admin, "Call", None).await;
    let answered = type_id(&admin, "Call", Some("Answered")).await;
    let email = type_id(&admin, "Email", None).await;
    let ann_api = Api::for_user(app, people.ann).await;
    let bob_api = Api::for_user(app, people.bob).await;
    let won = lead_with_history(
        app,
        &ann_api,
        steps[0],
        people.ann,
        "1200",
        utc(26, 14, 0),
        &[("won", utc(26, 20, 0))],
    )
    .await;
    let lost = lead_with_history(
        app,
        &bob_api,
        steps[0],
        people.bob,
        "300",
        utc(20, 14, 0),
        &[("lost", utc(26, 21, 0))],
    )
    .await;
    for at in [utc(26, 13, 0), utc(26, 15, 0)] {
        activity_at(app, people.ann, answered, won, at).await;
    }
    activity_at(app, people.ann, call, won, utc(26, 16, 0)).await;
    activity_at(app, people.ann, email, won, utc(26, 17, 0)).await;
    activity_at(app, people.ann, call, won, utc(26, 4, 59)).await;
    activity_at(app, people.ann, call, won, utc(27, 5, 0)).await;
    activity_at(app, people.ann, call, won, utc(23, 15, 0)).await;
    activity_at(app, people.ann, call, won, utc(27, 11, 0)).await;
    activity_at(app, people.bob, answered, lost, utc(26, 18, 0)).await;
    for at in [utc(26, 14, 0), utc(26, 19, 0)] {
        activity_at(app, people.cat, email, lost, at).await;
    }
    let manager = Api::for_user(app, people.mia).await;
    manager
        .ok(
            "POST",
            "/goals",
            Some(
                json!({"kind": "activities", "activity_type_id": call.0, "assignee": "segment",
                "segment_id": segment, "period": "day", "starts_on": "2026-11-01", "target": "3"}),
            ),
        )
        .await;
    manager
        .ok(
            "POST",
            "/goals",
            Some(json!({"kind": "activities", "activity_type_id": call.0, "assignee": "user",
                "user_id": people.ann, "period": "week", "starts_on": "2026-11-02", "target": "10"})),
        )
        .await;
    // Only the fixture's people receive digests: the API's token users are switched off.
    for other in app::server::entity::user::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
    {
        if ![people.mia, people.ada, people.max].contains(&other.id) {
            digests::set_choice(&app.db, other.id, false, false)
                .await
                .unwrap();
        }
    }
    people
}

async fn digest_of(app: &TestApp, user: i32, day: NaiveDate) -> digests::Digest {
    let recipient = users::find(&app.db, user).await.unwrap().unwrap();
    digests::compose(&app.db, &recipient, day).await.unwrap()
}

async fn the_numbers_are_exact(app: &TestApp) {
    let p = fixture(app).await;
    // Mia manages the Callers: Ann and Bob (she did nothing herself, so she is not listed).
    let mia = digest_of(app, p.mia, thursday()).await;
    let names: Vec<&str> = mia.reps.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["Ann", "Bob"], "busiest first");
    assert_eq!(mia.segment.as_deref(), Some("Callers"));
    let labels: Vec<&str> = mia.columns.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(
        labels,
        ["Call · no outcome", "Call · Answered", "Email · no outcome"]
    );
    let ann = &mia.reps[0];
    assert_eq!(ann.activities, [1, 2, 1]);
    assert_eq!(ann.activities_total, 4);
    assert_eq!((ann.leads_created, ann.won, ann.won_cents), (1, 1, 120_000));
    assert_eq!((ann.lost, ann.lost_cents), (0, 0));
    // The daily goal counts every call (3 of 3: met); the week so far counts Monday's,
    // Wednesday's last-minute one and Thursday's, not Friday's: 5 of 10 with 4 of 5 working
    // days gone (8 expected): behind.
    assert_eq!(ann.day_goals.len(), 1);
    assert_eq!(
        (ann.day_goals[0].pace.current, ann.day_goals[0].pace.target),
        (3, 3)
    );
    assert_eq!(ann.day_goals[0].pace.status, PaceStatus::Met);
    assert_eq!(ann.week_goals.len(), 1);
    assert_eq!(
        (
            ann.week_goals[0].pace.current,
            ann.week_goals[0].pace.expected
        ),
        (5, 8)
    );
    assert_eq!(ann.week_goals[0].pace.status, PaceStatus::Behind);
    assert_eq!(ann.attainment, Some(100));
    let bob = &mia.reps[1];
    assert_eq!(bob.activities, [0, 1, 0]);
    assert_eq!((bob.leads_created, bob.won), (0, 0));
    assert_eq!((bob.lost, bob.lost_cents), (1, 30_000));
    assert_eq!(bob.day_goals[0].pace.status, PaceStatus::Missed);
    assert_eq!(bob.attainment, Some(33));
    // The team against the day's goal: 4 calls of 6.
    assert_eq!(mia.team_goals.len(), 1);
    assert_eq!(
        (
            mia.team_goals[0].pace.current,
            mia.team_goals[0].pace.target
        ),
        (4, 6)
    );
    assert_eq!(mia.team_goals[0].pace.status, PaceStatus::Missed);
    assert_eq!(mia.best, Some(("Ann".to_string(), 100)));
    assert_eq!(mia.lowest, Some(("Bob".to_string(), 33)));
    let totals = mia.totals();
    assert_eq!(totals.activities_total, 5);
    assert_eq!((totals.won_cents, totals.lost_cents), (120_000, 30_000));

    // Ada, an admin, reads everyone: Cat and Max too (members, listed with or without numbers).
    let ada = digest_of(app, p.ada, thursday()).await;
    let names: Vec<&str> = ada.reps.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["Ann", "Cat", "Bob", "Max"]);
    assert_eq!(ada.totals().activities_total, 7);
    assert_eq!(ada.segment, None);

    // Max asked for his own summary: only himself, no team summary.
    let max = digest_of(app, p.max, thursday()).await;
    assert!(max.own_only);
    assert_eq!(max.reps.len(), 1);
    assert_eq!(max.reps[0].user_id, p.max);
    assert_eq!((max.best.clone(), max.team_goals.len()), (None, 0));

    // The rendered email carries the same numbers.
    let mail = digests::render(&mia);
    assert_eq!(mail.subject, "Digest Co · daily digest for Thu 26 Nov 2026");
    assert!(mail.text.contains("Team: 5 activities; 1 leads created, 1 won (1,200.00 EUR), 1 lost or cancelled (300.00 EUR)"), "{}", mail.text);
    assert!(mail.text.contains("Best against their goals: Ann (100 %)"));
    assert!(mail.text.contains("Lowest against their goals: Bob (33 %)"));
    assert!(mail.html.contains("1,200.00 EUR"));

    // A Saturday without activity is not worth a digest, unless asked for.
    let saturday = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    let quiet = digest_of(app, p.mia, saturday).await;
    assert!(!quiet.working_day && !quiet.any_activity());
    assert!(!quiet.worth_sending(false));
    assert!(quiet.worth_sending(true));
    let _ = (p.ann, p.bob, p.cat);
}
on_both_backends!(numbers, the_numbers_are_exact);

async fn status_of(app: &TestApp, user: i32) -> digest_delivery::Model {
    digest_delivery::Entity::find()
        .filter(digest_delivery::Column::UserId.eq(user))
        .filter(digest_delivery::Column::Day.eq(thursday()))
        .one(&app.db)
        .await
        .unwrap()
        .expect("a delivery record")
}

async fn sent_once_with_both_parts_across_restarts(app: &mut TestApp) {
    let p = fixture(app).await;
    let sink = SmtpSink::start(&[]);
    let mailer = Mailer::new(Some(&sink.config("", ""))).unwrap();
    // 07:29: not yet.
    let early = tick(&app.db, &mailer, send_time() - Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!((early.day, early.claimed), (None, 0));
    assert!(sink.messages().is_empty());
    // 07:30: the three recipients (Mia, Ada, and Max who asked) get theirs.
    let run = tick(&app.db, &mailer, send_time()).await.unwrap();
    assert_eq!(run.day, Some(thursday()));
    assert_eq!((run.claimed, run.sent, run.failed), (3, 3, 0), "{run:?}");
    let messages = sink.messages();
    assert_eq!(messages.len(), 3);
    assert_eq!(addressees(&sink), THE_THREE);
    let mia = messages.iter().find(|m| m.to.contains("mia@")).unwrap();
    assert_eq!(mia.content_type, "multipart/alternative");
    assert_eq!(mia.subject, "Digest Co · daily digest for Thu 26 Nov 2026");
    let text = &mia.parts["text/plain"];
    let html = &mia.parts["text/html"];
    assert!(
        text.contains("Best against their goals: Ann (100 %)"),
        "{text}"
    );
    assert!(text.contains("Team: 5 activities; 1 leads created, 1 won (1,200.00 EUR)"));
    assert!(html.contains("1,200.00 EUR") && html.contains("<table"));
    assert!(!html.contains("<script") && !html.contains("<img"));
    let id = status_of(app, p.mia).await.id;
    assert_eq!(mia.message_id, format!("<digest-2026-11-26-{id}@cadence>"));
    assert_eq!(status_of(app, p.mia).await.status, status::SENT);

    // Later runs the same day, and a restart, send nothing more.
    let again = tick(&app.db, &mailer, send_time() + Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!((again.claimed, again.sent), (0, 0));
    app.restart().await;
    let after_restart = tick(&app.db, &mailer, send_time() + Duration::hours(2))
        .await
        .unwrap();
    assert_eq!((after_restart.claimed, after_restart.sent), (0, 0));
    assert_eq!(sink.messages().len(), 3);

    // The API says who got what.
    let admin = Api::new(app, "admin").await;
    let deliveries = admin
        .ok("GET", "/digests/deliveries?date=2026-11-26", None)
        .await["items"]
        .clone();
    let statuses: Vec<(&str, &str)> = deliveries
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["user_name"].as_str().unwrap(),
                d["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [("Ada", "sent"), ("Max", "sent"), ("Mia", "sent")]
    );
}

async fn a_sender_that_died_after_the_claim_is_replaced_once(app: &mut TestApp) {
    let p = fixture(app).await;
    let sink = SmtpSink::start(&[]);
    let mailer = Mailer::new(Some(&sink.config("", ""))).unwrap();
    // A sender claimed Mia's digest and took it for sending, then its process died before
    // handing it to the relay; another took Ada's and died while the relay had it.
    for user in [p.mia, p.ada] {
        assert!(
            digests::claim(&app.db, user, thursday(), status::PENDING, send_time())
                .await
                .unwrap()
        );
    }
    let mia = status_of(app, p.mia).await;
    assert!(digests::take(&app.db, mia.id, send_time(), LEASE)
        .await
        .unwrap()
        .is_some());
    let ada = status_of(app, p.ada).await;
    let ada = digests::take(&app.db, ada.id, send_time(), LEASE)
        .await
        .unwrap()
        .unwrap();
    assert!(digests::start_sending(&app.db, &ada, send_time())
        .await
        .unwrap());
    app.restart().await;
    // The restarted server sends Max's; Mia's and Ada's are still held by the dead senders.
    let run = tick(&app.db, &mailer, send_time() + Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!((run.claimed, run.sent), (1, 1));
    assert_eq!(status_of(app, p.mia).await.status, status::PENDING);
    // Once the leases are over, Mia's goes out, once; Ada's may have arrived: it is not sent
    // again, and admins see why.
    let run = tick(&app.db, &mailer, send_time() + LEASE + Duration::seconds(1))
        .await
        .unwrap();
    assert_eq!(run.sent, 1);
    let run = tick(
        &app.db,
        &mailer,
        send_time() + LEASE + Duration::minutes(10),
    )
    .await
    .unwrap();
    assert_eq!(run.sent, 0);
    let to: Vec<String> = sink.messages().into_iter().map(|m| m.to).collect();
    assert_eq!(to, ["Max <max@digest.test>", "Mia <mia@digest.test>"]);
    assert_eq!(status_of(app, p.mia).await.status, status::SENT);
    let ada = status_of(app, p.ada).await;
    assert_eq!(ada.status, status::UNKNOWN);
    assert!(ada.last_error.contains("may or may not have arrived"));
}

async fn a_refused_first_try_is_retried_after_its_backoff(app: &mut TestApp) {
    let p = fixture(app).await;
    // Only Mia receives, so that the refused message is hers.
    digests::set_choice(&app.db, p.ada, false, false)
        .await
        .unwrap();
    digests::set_choice(&app.db, p.max, false, false)
        .await
        .unwrap();
    // First no relay listens at all: nothing was sent, so it is tried again.
    let closed = {
        let socket = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        socket.local_addr().unwrap().port()
    };
    let nowhere = SmtpConfig {
        port: closed,
        ..SmtpSink::config_for(0)
    };
    let run = tick(&app.db, &Mailer::new(Some(&nowhere)).unwrap(), send_time())
        .await
        .unwrap();
    assert_eq!((run.sent, run.retrying), (0, 1), "{run:?}");
    let waiting = status_of(app, p.mia).await;
    assert_eq!(
        (waiting.status.as_str(), waiting.attempts),
        (status::RETRYING, 1)
    );
    assert!(
        waiting.last_error.contains("Connection error"),
        "{}",
        waiting.last_error
    );
    assert_eq!(
        waiting.next_attempt_at,
        Some(send_time() + Duration::minutes(1))
    );
    // Then a relay that answers "try again later" (451) to the first message.
    let sink = SmtpSink::start(&["--refuse-first", "1"]);
    let mailer = Mailer::new(Some(&sink.config("", ""))).unwrap();
    // Not before the backoff is over.
    let run = tick(&app.db, &mailer, send_time() + Duration::seconds(30))
        .await
        .unwrap();
    assert_eq!((run.sent, run.retrying), (0, 0));
    let second = send_time() + Duration::minutes(1);
    let run = tick(&app.db, &mailer, second).await.unwrap();
    assert_eq!((run.sent, run.retrying), (0, 1));
    let waiting = status_of(app, p.mia).await;
    assert_eq!(waiting.attempts, 2);
    assert!(waiting.last_error.contains("451"), "{}", waiting.last_error);
    assert_eq!(waiting.next_attempt_at, Some(second + Duration::minutes(5)));
    let run = tick(&app.db, &mailer, second + Duration::minutes(5))
        .await
        .unwrap();
    assert_eq!(run.sent, 1);
    let sent = status_of(app, p.mia).await;
    assert_eq!((sent.status.as_str(), sent.attempts), (status::SENT, 3));
    assert_eq!(sink.messages().len(), 1);
}

async fn wrong_credentials_are_recorded_and_shown(app: &mut TestApp) {
    let p = fixture(app).await;
    let sink = SmtpSink::start(&["--user", "cadence", "--password", "right"]);
    let mailer = Mailer::new(Some(&sink.config("cadence", "wrong"))).unwrap();
    let run = tick(&app.db, &mailer, send_time()).await.unwrap();
    assert_eq!((run.sent, run.failed), (0, 3), "{run:?}");
    let failed = status_of(app, p.mia).await;
    assert_eq!(failed.status, status::FAILED);
    assert!(failed.last_error.contains("535"), "{}", failed.last_error);
    assert!(sink.messages().is_empty());
    // Permanent: not tried again.
    let run = tick(&app.db, &mailer, send_time() + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!((run.sent, run.failed), (0, 0));
    // Admins read the failure through the API.
    let admin = Api::new(app, "admin").await;
    let deliveries = admin
        .ok("GET", "/digests/deliveries?date=2026-11-26", None)
        .await["items"]
        .clone();
    let mia = deliveries
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["user_id"] == json!(p.mia))
        .unwrap()
        .clone();
    assert_eq!(mia["status"], "failed");
    assert!(mia["last_error"].as_str().unwrap().contains("535"));
    // With the right password, `cadence digest send` sends the failed one again.
    let lines = server::digest::send_on_demand(
        &app.db,
        thursday(),
        Some("mia@digest.test"),
        false,
        Some(&sink.config("cadence", "right")),
        send_time() + Duration::hours(2),
        &mut Vec::new(),
    )
    .await
    .unwrap();
    assert_eq!(lines, "mia@digest.test: sent");
    assert_eq!(sink.messages().len(), 1);
}

async fn without_a_relay_digests_wait_in_the_outbox(app: &TestApp) {
    let p = fixture(app).await;
    let run = tick(&app.db, &Mailer::Outbox, send_time()).await.unwrap();
    assert_eq!((run.outbox, run.sent), (3, 0));
    let kept = status_of(app, p.mia).await;
    assert_eq!(kept.status, status::OUTBOX);
    assert!(kept
        .text_body
        .contains("Best against their goals: Ann (100 %)"));
    assert!(kept.html_body.starts_with("<!DOCTYPE html>"));
    // The preview API renders anyone's digest of any day, as HTML or text.
    let admin = Api::new(app, "admin").await;
    let html = admin
        .client
        .get(app.api(&format!(
            "/digests/preview?date=2026-11-26&user_id={}",
            p.mia
        )))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(html.status(), 200);
    assert!(html.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(html.text().await.unwrap().contains("1,200.00 EUR"));
    let text = admin
        .client
        .get(app.api(&format!(
            "/digests/preview?date=2026-11-26&user_id={}",
            p.mia
        )))
        .header("accept", "text/plain")
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    assert!(text.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    assert_eq!(text.text().await.unwrap(), kept.text_body);
    // Members and managers may not read others' digests.
    let member = Api::for_user(app, p.ann).await;
    let (code, _) = member
        .send("GET", "/digests/deliveries?date=2026-11-26", None)
        .await;
    assert_eq!(code, 403);
    let (code, body) = admin
        .send("GET", "/digests/deliveries?date=26/11/2026", None)
        .await;
    assert_eq!(code, 422, "{body}");

    // The next morning, a claim of the day before still waiting is given up: the same day only.
    assert!(
        digests::claim(&app.db, p.ann, thursday(), status::PENDING, send_time())
            .await
            .unwrap()
    );
    let next_day = tick(&app.db, &Mailer::Outbox, utc(28, 5, 30))
        .await
        .unwrap();
    assert_eq!((next_day.day, next_day.missed), (None, 1));
    assert_eq!(status_of(app, p.ann).await.status, status::MISSED);
}
on_both_backends!(outbox, without_a_relay_digests_wait_in_the_outbox);

/// A server that was down at 07:30 and back at 22:00 sends the day's digests then; one quiet
/// Saturday sends nothing to who did not ask.
async fn a_late_start_sends_the_same_day_and_quiet_days_are_skipped(app: &TestApp) {
    let p = fixture(app).await;
    let run = tick(&app.db, &Mailer::Outbox, utc(28, 3, 0)).await.unwrap();
    assert_eq!((run.day, run.outbox), (Some(thursday()), 3));
    // Sunday 07:30: the digest about Saturday, a day off without activity.
    digests::set_choice(&app.db, p.ada, true, true)
        .await
        .unwrap();
    let sunday = utc(29, 12, 30);
    let run = tick(&app.db, &Mailer::Outbox, sunday).await.unwrap();
    assert_eq!(run.day, NaiveDate::from_ymd_opt(2026, 11, 28));
    assert_eq!((run.outbox, run.skipped), (1, 2), "only Ada asked: {run:?}");
}
on_both_backends!(
    late_and_quiet,
    a_late_start_sends_the_same_day_and_quiet_days_are_skipped
);

macro_rules! with_smtp {
    ($name:ident, $body:path) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let mut app = TestApp::spawn(common::Backend::Sqlite).await;
            $body(&mut app).await;
            app.finish().await;
        }
    };
}

with_smtp!(sent_once, sent_once_with_both_parts_across_restarts);
with_smtp!(
    dead_sender,
    a_sender_that_died_after_the_claim_is_replaced_once
);
with_smtp!(
    refused_then_retried,
    a_refused_first_try_is_retried_after_its_backoff
);
with_smtp!(wrong_credentials, wrong_credentials_are_recorded_and_shown);

/// Two nodes run the digest job at the same moment, each with its own connections: every
/// recipient gets one email, claimed and sent by one of them.
async fn two_senders_at_once_send_each_digest_once(app: &mut TestApp) {
    fixture(app).await;
    let sink = SmtpSink::start(&[]);
    let mailer = Mailer::new(Some(&sink.config("", ""))).unwrap();
    let other = server::connect(&app.db_url).await.unwrap();
    let (a, b) = tokio::join!(
        tick(&app.db, &mailer, send_time()),
        tick(&other, &mailer, send_time())
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(
        (a.claimed + b.claimed, a.sent + b.sent),
        (3, 3),
        "{a:?} {b:?}"
    );
    assert_eq!(addressees(&sink), THE_THREE);
    other.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_senders_at_once_on_sqlite() {
    let mut app = TestApp::spawn(common::Backend::Sqlite).await;
    two_senders_at_once_send_each_digest_once(&mut app).await;
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_senders_at_once_on_postgres() {
    let Some(mut app) = TestApp::spawn_postgres().await else {
        eprintln!("skipped: CADENCE_TEST_POSTGRES_URL is not set");
        return;
    };
    two_senders_at_once_send_each_digest_once(&mut app).await;
    app.finish().await;
}

/// The settings refuse what cannot work, next to the field, and never give the password back.
async fn settings_are_checked_and_the_password_kept(app: &TestApp) {
    let input = DigestSettingsView {
        digest_time: "7h30".into(),
        public_url: "crm.example.com".into(),
        smtp_host: "smtp.example.com".into(),
        smtp_port: 70000,
        smtp_security: MailSecurity::Starttls,
        smtp_user: "me".into(),
        smtp_password_set: false,
        smtp_from: "not an address".into(),
    };
    let error = digests::save_settings(&app.db, &input, "secret")
        .await
        .unwrap_err();
    for field in ["digest_time", "public_url", "smtp_port", "smtp_from"] {
        assert!(error.field_message(field).is_some(), "{field}: {error:?}");
    }
    let good = DigestSettingsView {
        digest_time: "06:45".into(),
        public_url: "https://crm.example.com/".into(),
        smtp_port: 587,
        smtp_from: "Cadence <digest@example.com>".into(),
        ..input
    };
    let saved = digests::save_settings(&app.db, &good, "secret")
        .await
        .unwrap();
    assert!(saved.smtp_password_set);
    assert_eq!(saved.public_url, "https://crm.example.com");
    // Saving again without a password keeps it.
    digests::save_settings(&app.db, &good, "").await.unwrap();
    let stored = digests::settings(&app.db).await.unwrap();
    assert_eq!(stored.smtp_password, "secret");
    assert_eq!(stored.digest_time, "06:45");
}
on_both_backends!(settings, settings_are_checked_and_the_password_kept);
