//! Sending the morning digest: the SMTP relay (lettre), the outbox when there is none, the
//! once-per-recipient-and-day delivery, retries, and the background job that runs it.
//!
//! Every step takes the time as an argument (`now`): the background job passes the clock,
//! tests pass the instants they want.

use std::time::Duration as StdDuration;

use app::digest::api::MailSecurity;
use app::domain::digest::{backoff, due_day, parse_time, DEFAULT_TIME, MAX_ATTEMPTS};
use app::error::AppError;
use app::server::digest::{self as digests, status, Outcome, Rendered};
use app::server::entity::{digest_delivery, mail_settings};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::DatabaseConnection;

use crate::config::SmtpArgs;

/// How long one sender holds a claim it is sending; another may take it after that (a sender
/// that died mid-send, on this node or another).
pub const LEASE: Duration = Duration::minutes(5);

/// How often the background job looks for due digests.
const EVERY: StdDuration = StdDuration::from_secs(30);

/// An SMTP relay.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: MailSecurity,
    pub user: String,
    pub password: String,
    pub from: String,
}

/// The password stays out of logs and debug output.
impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.user)
            .field(
                "password",
                &if self.password.is_empty() { "" } else { "***" },
            )
            .field("from", &self.from)
            .finish()
    }
}

impl SmtpConfig {
    /// The relay given on the command line or in the environment, if any.
    pub fn from_args(args: &SmtpArgs) -> Option<SmtpConfig> {
        let host = args.smtp_host.as_deref()?.trim();
        if host.is_empty() {
            return None;
        }
        let security = args
            .smtp_security
            .as_deref()
            .and_then(|s| MailSecurity::parse(s).ok())
            .unwrap_or_default();
        Some(SmtpConfig {
            host: host.to_string(),
            port: args.smtp_port.unwrap_or(match security {
                MailSecurity::Tls => 465,
                MailSecurity::Starttls => 587,
                MailSecurity::None => 25,
            }),
            security,
            user: args.smtp_user.clone().unwrap_or_default(),
            password: args.smtp_password.clone().unwrap_or_default(),
            from: args.smtp_from.clone().unwrap_or_default(),
        })
    }

    /// The relay set on the admin page, if any.
    pub fn from_settings(settings: &mail_settings::Model) -> Option<SmtpConfig> {
        let host = settings.smtp_host.trim();
        if host.is_empty() {
            return None;
        }
        Some(SmtpConfig {
            host: host.to_string(),
            port: u16::try_from(settings.smtp_port).unwrap_or(587),
            security: MailSecurity::parse(&settings.smtp_security).unwrap_or_default(),
            user: settings.smtp_user.clone(),
            password: settings.smtp_password.clone(),
            from: settings.smtp_from.clone(),
        })
    }
}

/// Why a send failed: `transient` ones are tried again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    pub transient: bool,
    pub message: String,
}

/// Where digests go: a relay, or the outbox.
#[derive(Clone)]
pub enum Mailer {
    Smtp {
        transport: Box<AsyncSmtpTransport<Tokio1Executor>>,
        from: Mailbox,
    },
    /// No relay: digests are rendered and kept for admins to read.
    Outbox,
}

impl Mailer {
    pub fn new(config: Option<&SmtpConfig>) -> Result<Mailer, String> {
        let Some(config) = config else {
            return Ok(Mailer::Outbox);
        };
        let from: Mailbox = config
            .from
            .parse()
            .map_err(|e| format!("the From address {:?} is not valid: {e}", config.from))?;
        let builder = match config.security {
            MailSecurity::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&config.host)
                    .map_err(|e| format!("SMTP host {}: {e}", config.host))?
            }
            MailSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&config.host)
                .map_err(|e| format!("SMTP host {}: {e}", config.host))?,
            MailSecurity::None => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            }
        };
        let mut builder = builder
            .port(config.port)
            .timeout(Some(StdDuration::from_secs(30)));
        if !config.user.is_empty() {
            builder = builder.credentials(Credentials::new(
                config.user.clone(),
                config.password.clone(),
            ));
        }
        Ok(Mailer::Smtp {
            transport: Box::new(builder.build()),
            from,
        })
    }

    /// The mailer for now: the command line's relay when given, else the stored settings'.
    pub fn current(
        settings: &mail_settings::Model,
        command_line: Option<&SmtpConfig>,
    ) -> Result<Mailer, String> {
        match command_line {
            Some(config) => Mailer::new(Some(config)),
            None => Mailer::new(SmtpConfig::from_settings(settings).as_ref()),
        }
    }

    pub fn is_outbox(&self) -> bool {
        matches!(self, Mailer::Outbox)
    }

    /// Sends one digest. `message_id` is the same on every try of one delivery, so a mail
    /// client that got a message twice (a relay that accepted it and then lost the
    /// connection before saying so) shows it once.
    pub async fn send(
        &self,
        to: Mailbox,
        mail: &Rendered,
        message_id: String,
    ) -> Result<(), SendError> {
        let Mailer::Smtp { transport, from } = self else {
            return Ok(());
        };
        let message = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(message_id))
            .multipart(MultiPart::alternative_plain_html(
                mail.text.clone(),
                mail.html.clone(),
            ))
            .map_err(|e| SendError {
                transient: false,
                message: format!("the message could not be built: {e}"),
            })?;
        transport.send(message).await.map(|_| ()).map_err(|e| {
            // A permanent reply (5xx: bad credentials, unknown recipient) will not change by
            // trying again; anything else (4xx, a connection refused or cut, a timeout) may.
            let transient = !e.is_permanent();
            SendError {
                transient,
                message: e.to_string(),
            }
        })
    }
}

/// What one run of the job did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TickReport {
    /// The day whose digests were due, if any.
    pub day: Option<NaiveDate>,
    pub claimed: usize,
    pub sent: usize,
    pub outbox: usize,
    pub skipped: usize,
    pub retrying: usize,
    pub failed: usize,
    /// Claims of days gone by that will not go out.
    pub missed: u64,
}

fn send_time(settings: &mail_settings::Model) -> NaiveTime {
    parse_time(&settings.digest_time)
        .or_else(|_| parse_time(DEFAULT_TIME))
        .unwrap_or_default()
}

/// One run: claims the digests due at `now` for everyone who receives them, then sends every
/// claim that waits (new ones, retries after their backoff, and claims a stopped sender left).
pub async fn tick(
    db: &DatabaseConnection,
    mailer: &Mailer,
    now: DateTime<Utc>,
) -> Result<TickReport, AppError> {
    let settings = digests::settings(db).await?;
    let cal = app::server::goals::calendar(db).await?;
    let today = cal.today(now);
    let mut report = TickReport {
        missed: digests::give_up_before(db, today.pred_opt().unwrap_or(today), now).await?,
        ..TickReport::default()
    };
    let Some(day) = due_day(now, send_time(&settings), &cal.tz) else {
        return Ok(report);
    };
    report.day = Some(day);
    let claimed: std::collections::HashSet<i32> = digests::deliveries(db, day)
        .await?
        .into_iter()
        .map(|d| d.user_id)
        .collect();
    for recipient in digests::recipients(db).await? {
        if !claimed.contains(&recipient.id)
            && digests::claim(db, recipient.id, day, status::PENDING, now).await?
        {
            report.claimed += 1;
        }
    }
    for delivery in digests::due(db, day, now).await? {
        if !digests::take(db, delivery.id, now, LEASE).await? {
            continue;
        }
        match deliver(db, mailer, &delivery, now, false).await? {
            s if s == status::SENT => report.sent += 1,
            s if s == status::OUTBOX => report.outbox += 1,
            s if s == status::SKIPPED => report.skipped += 1,
            s if s == status::RETRYING => report.retrying += 1,
            _ => report.failed += 1,
        }
    }
    Ok(report)
}

/// Composes, renders and sends (or keeps) one claimed digest and records the outcome; returns
/// the status it ends in. `on_demand` sends even about a quiet day off.
pub async fn deliver(
    db: &DatabaseConnection,
    mailer: &Mailer,
    delivery: &digest_delivery::Model,
    now: DateTime<Utc>,
    on_demand: bool,
) -> Result<&'static str, AppError> {
    let Some(recipient) = app::server::users::find(db, delivery.user_id).await? else {
        let outcome = Outcome {
            status: status::FAILED,
            error: "The recipient no longer exists.".into(),
            next_attempt_at: None,
            attempts: delivery.attempts,
        };
        digests::record(db, delivery, &Rendered::default(), outcome, now).await?;
        return Ok(status::FAILED);
    };
    let digest = digests::compose(db, &recipient, delivery.day).await?;
    let rendered = digests::render(&digest);
    if !on_demand && !digest.worth_sending(recipient.digest_quiet_days) {
        let outcome = Outcome {
            status: status::SKIPPED,
            error: String::new(),
            next_attempt_at: None,
            attempts: delivery.attempts,
        };
        digests::record(db, delivery, &rendered, outcome, now).await?;
        return Ok(status::SKIPPED);
    }
    let attempts = delivery.attempts + 1;
    let to = match format!("{} <{}>", recipient.name, recipient.email).parse::<Mailbox>() {
        Ok(to) => to,
        Err(error) => {
            let outcome = Outcome {
                status: status::FAILED,
                error: format!("The address {} is not valid: {error}", recipient.email),
                next_attempt_at: None,
                attempts,
            };
            digests::record(db, delivery, &rendered, outcome, now).await?;
            return Ok(status::FAILED);
        }
    };
    let message_id = format!("<digest-{}-{}@cadence>", delivery.day, delivery.id);
    let (status, error, next) = match mailer.send(to, &rendered, message_id).await {
        Ok(()) if mailer.is_outbox() => (status::OUTBOX, String::new(), None),
        Ok(()) => (status::SENT, String::new(), None),
        Err(e) if e.transient && attempts < MAX_ATTEMPTS => {
            (status::RETRYING, e.message, Some(now + backoff(attempts)))
        }
        Err(e) => (status::FAILED, e.message, None),
    };
    match status {
        s if s == status::SENT => {
            tracing::info!(to = %recipient.email, day = %delivery.day, "digest sent")
        }
        s if s == status::OUTBOX => {}
        _ => {
            tracing::warn!(to = %recipient.email, day = %delivery.day, attempts, %error, "digest not sent")
        }
    }
    let outcome = Outcome {
        status,
        error,
        next_attempt_at: next,
        attempts,
    };
    digests::record(db, delivery, &rendered, outcome, now).await?;
    Ok(status)
}

/// The background job: a run every 30 seconds with the clock's time. The relay is read anew
/// each run, so a change on the admin page applies without a restart.
pub async fn run(db: DatabaseConnection, command_line: Option<SmtpConfig>) {
    let mut every = tokio::time::interval(EVERY);
    let mut last_problem = String::new();
    loop {
        every.tick().await;
        let result = async {
            let settings = digests::settings(&db).await?;
            let mailer = Mailer::current(&settings, command_line.as_ref())
                .map_err(|e| AppError::field("smtp", e))?;
            tick(&db, &mailer, Utc::now()).await
        }
        .await;
        match result {
            Ok(report) => {
                last_problem.clear();
                if report.sent + report.outbox + report.failed + report.retrying > 0 {
                    tracing::info!(?report, "digests");
                }
            }
            Err(error) => {
                // Said once, not every 30 seconds.
                let problem = format!("{error:?}");
                if problem != last_problem {
                    tracing::warn!(%problem, "the digest job could not run");
                    last_problem = problem;
                }
            }
        }
    }
}

/// Says once, at start, where digests will go.
pub async fn announce(db: &DatabaseConnection, command_line: Option<&SmtpConfig>) {
    let relay = match command_line {
        Some(config) => Some(config.clone()),
        None => digests::settings(db)
            .await
            .ok()
            .and_then(|s| SmtpConfig::from_settings(&s)),
    };
    match relay {
        Some(config) => tracing::info!(host = %config.host, port = config.port, "digests are sent through this SMTP relay"),
        None => tracing::warn!("no SMTP relay is set: morning digests are kept in the outbox (Admin > Digest) until one is (--smtp-host or the admin page)"),
    }
}

/// `cadence digest send`: the digests about `day` for everyone who receives them (or for the
/// user with the email `to`, whatever their choice), printed (`dry_run`: the text parts) or
/// sent now. A digest already sent or kept in the outbox is not sent again; one that failed,
/// was missed or skipped is. Returns a line per recipient.
pub async fn send_on_demand(
    db: &DatabaseConnection,
    day: NaiveDate,
    to: Option<&str>,
    dry_run: bool,
    relay: Option<&SmtpConfig>,
    now: DateTime<Utc>,
    out: &mut impl std::io::Write,
) -> Result<String, AppError> {
    let people = match to {
        Some(email) => vec![app::server::users::find_by_email(db, email)
            .await?
            .ok_or_else(|| AppError::field("to", format!("No user has the email {email}.")))?],
        None => digests::recipients(db).await?,
    };
    let mut lines = Vec::new();
    if dry_run {
        for person in &people {
            let mail = digests::render(&digests::compose(db, person, day).await?);
            writeln!(
                out,
                "To: {} <{}>\nSubject: {}\n\n{}",
                person.name, person.email, mail.subject, mail.text
            )
            .map_err(|e| AppError::field("output", e.to_string()))?;
            lines.push(format!("{}: rendered", person.email));
        }
        return Ok(lines.join("\n"));
    }
    let settings = digests::settings(db).await?;
    let mailer = Mailer::current(&settings, relay).map_err(|e| AppError::field("smtp", e))?;
    for person in people {
        digests::claim(db, person.id, day, status::PENDING, now).await?;
        let Some(record) = digests::find(db, person.id, day).await? else {
            continue;
        };
        if record.status == status::SENT || record.status == status::OUTBOX {
            lines.push(format!(
                "{}: already {} before",
                person.email, record.status
            ));
            continue;
        }
        digests::reopen(db, record.id, now).await?;
        if !digests::take(db, record.id, now, LEASE).await? {
            lines.push(format!("{}: being sent by another process", person.email));
            continue;
        }
        let Some(record) = digests::find(db, person.id, day).await? else {
            continue;
        };
        let status = deliver(db, &mailer, &record, now, true).await?;
        let detail = digests::find(db, person.id, day)
            .await?
            .map(|d| d.last_error)
            .filter(|e| !e.is_empty())
            .map(|e| format!(" ({e})"))
            .unwrap_or_default();
        lines.push(format!("{}: {status}{detail}", person.email));
    }
    Ok(lines.join("\n"))
}
