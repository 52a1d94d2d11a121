//! Sending webhook deliveries: the queue of each webhook is filled from the events table and
//! sent in order, signed, with a timeout; failures wait and are tried again; a webhook that
//! fails for a day is turned off, and the admins are told by email and see why on the webhooks
//! page. Goals that reach their target are noticed here too (`goal.met`), when a webhook wants
//! them.
//!
//! Every step takes the time as an argument (`now`): the background job passes the clock,
//! tests pass the instants they want.

use std::time::{Duration as StdDuration, Instant};

use app::domain::goal::GoalKind;
use app::domain::webhook::{signed_text, DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER};
use app::error::AppError;
use app::live::LiveEvent;
use app::server::events::EventBus;
use app::server::webhooks::{self as store, Try};
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sea_orm::DatabaseConnection;

use crate::digest::{Mailer, SmtpConfig};

/// How long one sender holds a webhook's queue; another may take it after that (a sender that
/// died, on this node or another).
pub const LEASE: Duration = Duration::minutes(2);

/// The longest one delivery may take.
const TIMEOUT: StdDuration = StdDuration::from_secs(10);

/// How often the background job looks at the queues when nothing happens.
const EVERY: StdDuration = StdDuration::from_secs(5);

/// Events read per webhook and round.
const BATCH: u64 = 200;

/// How long one sender sends a webhook's queue before giving it back (well within the lease).
const TURN: StdDuration = StdDuration::from_secs(60);

/// The HTTP client deliveries are sent with: a timeout, no redirects.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Cadence-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("an HTTP client")
}

/// The signature header's value: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac =
        <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(signed_text(timestamp, body).as_bytes());
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("t={timestamp},v1={hex}")
}

/// What one round did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Report {
    pub queued_events: usize,
    pub delivered: usize,
    pub failed_tries: usize,
    pub disabled: usize,
    /// Admins told by email that a webhook was turned off.
    pub admins_told: usize,
    /// The `goal.met` events this round recorded.
    pub goals_met: Vec<LiveEvent>,
}

/// One round: records the goals met when a webhook wants them, fills every active webhook's
/// queue from the events, then sends each queue in order until its head must wait (a failure,
/// or a retry not due yet). `relay` is the command line's SMTP relay, if any (else the stored
/// settings'), for telling the admins about a webhook turned off.
pub async fn tick(
    db: &DatabaseConnection,
    client: &reqwest::Client,
    relay: Option<&SmtpConfig>,
    now: DateTime<Utc>,
) -> Result<Report, AppError> {
    let mut report = Report::default();
    let hooks = store::active(db).await?;
    // Deliveries go on when goals cannot be looked at.
    match goals_met(db, &hooks, now).await {
        Ok(met) => report.goals_met = met,
        Err(error) => tracing::warn!(?error, "webhooks: the goals met could not be recorded"),
    }
    for hook in hooks {
        let Some(hook) = store::take(db, hook.id, now, LEASE).await? else {
            continue;
        };
        let result = send_queue(db, client, relay, hook.clone(), now, &mut report).await;
        store::release(db, hook.id).await?;
        result?;
    }
    store::prune(db, now).await?;
    Ok(report)
}

/// A goal is met only through a change: goals are looked at when a webhook that wants
/// `goal.met` has events it has not read yet, and only the kinds of goal those events feed
/// (a new activity: activity goals; a lead created or won: lead and revenue goals).
async fn goals_met(
    db: &DatabaseConnection,
    hooks: &[app::server::entity::webhook::Model],
    now: DateTime<Utc>,
) -> Result<Vec<LiveEvent>, AppError> {
    let Some(read_up_to) = hooks
        .iter()
        .filter(|h| h.events.split_whitespace().any(|e| e == "goal.met"))
        .map(|h| h.cursor)
        .min()
    else {
        return Ok(Vec::new());
    };
    let mut kinds: Vec<GoalKind> = Vec::new();
    let mut since = now;
    for (event, first_at) in app::server::events::kinds_since(db, read_up_to).await? {
        for kind in GoalKind::fed_by(&event) {
            since = since.min(first_at);
            if !kinds.contains(kind) {
                kinds.push(*kind);
            }
        }
    }
    app::server::goals::record_met(db, &kinds, since, now).await
}

async fn send_queue(
    db: &DatabaseConnection,
    client: &reqwest::Client,
    relay: Option<&SmtpConfig>,
    mut hook: app::server::entity::webhook::Model,
    now: DateTime<Utc>,
    report: &mut Report,
) -> Result<(), AppError> {
    loop {
        let read = store::fill(db, &hook, now, BATCH).await?;
        report.queued_events += read;
        if read < BATCH as usize {
            break;
        }
        hook = store::find(db, hook.id).await?;
    }
    let started = Instant::now();
    while started.elapsed() < TURN {
        let Some(delivery) = store::head(db, hook.id).await? else {
            break;
        };
        if delivery.next_attempt_at > now {
            break;
        }
        let outcome = deliver(client, &hook, &delivery, now).await;
        let disabled = store::record(db, &hook, &delivery, &outcome, now).await?;
        if outcome.succeeded() {
            report.delivered += 1;
            hook.failing_since = None;
            continue;
        }
        report.failed_tries += 1;
        if disabled {
            report.disabled += 1;
            tracing::warn!(
                webhook = hook.id,
                url = %hook.url,
                error = %outcome.error,
                "a webhook failed for a day and was turned off"
            );
            report.admins_told += tell_admins(db, relay, hook.id, now).await;
        }
        break;
    }
    Ok(())
}

/// Emails every active admin that a webhook was turned off (when a relay is set up; without
/// one the webhooks page says it). The number of admins the relay took it for; a failure is
/// logged, not retried: the page keeps showing the webhook as turned off, with the reason.
async fn tell_admins(
    db: &DatabaseConnection,
    relay: Option<&SmtpConfig>,
    hook_id: i32,
    now: DateTime<Utc>,
) -> usize {
    let result = async {
        let settings = app::server::digest::settings(db).await?;
        let mailer = Mailer::current(&settings, relay);
        if mailer.is_outbox() {
            return Ok(0);
        }
        let (admins, mail) = store::disabled_notice(db, hook_id).await?;
        let mut told = 0;
        for (name, email) in admins {
            let Ok(address) = email.parse::<lettre::Address>() else {
                continue;
            };
            let to = lettre::message::Mailbox::new(Some(name), address);
            let message_id = format!("<webhook-{hook_id}-off-{}@cadence>", now.timestamp());
            match mailer.send(to, &mail, message_id).await {
                Ok(()) => told += 1,
                Err(error) => tracing::warn!(
                    webhook = hook_id,
                    error = %error.message,
                    "could not tell an admin that a webhook was turned off"
                ),
            }
        }
        Ok::<usize, AppError>(told)
    }
    .await;
    result.unwrap_or_else(|error| {
        tracing::warn!(
            webhook = hook_id,
            ?error,
            "could not tell the admins that a webhook was turned off"
        );
        0
    })
}

/// One POST of a delivery, signed with the webhook's secret.
async fn deliver(
    client: &reqwest::Client,
    hook: &app::server::entity::webhook::Model,
    delivery: &app::server::entity::webhook_delivery::Model,
    now: DateTime<Utc>,
) -> Try {
    let started = Instant::now();
    let result = client
        .post(&hook.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(DELIVERY_HEADER, delivery.id.to_string())
        .header(EVENT_HEADER, &delivery.event_type)
        .header(
            SIGNATURE_HEADER,
            signature(&hook.secret, now.timestamp(), &delivery.body),
        )
        .body(delivery.body.clone())
        .send()
        .await;
    let duration_ms = started.elapsed().as_millis().min(i32::MAX as u128) as i32;
    match result {
        Ok(response) => {
            let code = response.status().as_u16();
            let error = if response.status().is_success() {
                String::new()
            } else {
                format!("The receiver answered {}.", response.status())
            };
            Try {
                code: Some(code),
                error,
                duration_ms,
            }
        }
        Err(error) => Try {
            code: None,
            error: if error.is_timeout() {
                format!("No answer within {} seconds.", TIMEOUT.as_secs())
            } else if error.is_connect() {
                "Could not connect to the receiver.".to_string()
            } else {
                format!("The request failed: {error}.")
            },
            duration_ms,
        },
    }
}

/// The background job: a round every few seconds, and soon after each change.
pub async fn run(db: DatabaseConnection, bus: EventBus, relay: Option<SmtpConfig>) {
    let client = client();
    let mut changes = bus.subscribe();
    let mut closing = bus.closing();
    let mut last_problem = String::new();
    loop {
        let closed = *closing.borrow();
        if closed {
            return;
        }
        match store::active(&db).await {
            Ok(hooks) if hooks.is_empty() => {}
            Ok(_) => match tick(&db, &client, relay.as_ref(), Utc::now()).await {
                Ok(mut report) => {
                    bus.publish(std::mem::take(&mut report.goals_met));
                    last_problem.clear();
                    if report != Report::default() {
                        tracing::debug!(?report, "webhooks");
                    }
                }
                Err(error) => {
                    // Said once, not every round.
                    let problem = format!("{error:?}");
                    if problem != last_problem {
                        tracing::warn!(%problem, "the webhook job could not run");
                        last_problem = problem;
                    }
                }
            },
            Err(error) => tracing::warn!(?error, "the webhook job could not read the webhooks"),
        }
        tokio::select! {
            _ = tokio::time::sleep(EVERY) => {}
            received = changes.recv() => {
                if matches!(received, Err(tokio::sync::broadcast::error::RecvError::Closed)) {
                    return;
                }
                // Let the other changes of the same moment arrive first.
                tokio::time::sleep(StdDuration::from_millis(50)).await;
                while changes.try_recv().is_ok() {}
            }
            changed = closing.changed() => {
                let closed = changed.is_err() || *closing.borrow();
                if closed {
                    return;
                }
            }
        }
    }
}
