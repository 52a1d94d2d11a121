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
use lettre::Address;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::DatabaseConnection;

use crate::config::SmtpArgs;

/// How long one sender holds a claim it is sending; another may take it after that (a sender
/// that died mid-send, on this node or another).
pub const LEASE: Duration = Duration::minutes(5);

/// How often the background job looks for due digests.
const EVERY: StdDuration = StdDuration::from_secs(30);

/// The longest one send may take, well within the lease.
const SEND_TIMEOUT: StdDuration = StdDuration::from_secs(120);

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

/// Why a send failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    pub failure: Failure,
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
    /// A relay whose settings cannot work (a From that is not an address, say): every send
    /// fails with this reason, recorded for admins to read.
    Broken(String),
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
    pub fn current(settings: &mail_settings::Model, command_line: Option<&SmtpConfig>) -> Mailer {
        let built = match command_line {
            Some(config) => Mailer::new(Some(config)),
            None => Mailer::new(SmtpConfig::from_settings(settings).as_ref()),
        };
        built.unwrap_or_else(Mailer::Broken)
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
        let (transport, from) = match self {
            Mailer::Smtp { transport, from } => (transport, from),
            Mailer::Outbox => return Ok(()),
            Mailer::Broken(reason) => {
                return Err(SendError {
                    failure: Failure::Permanent,
                    message: format!("The SMTP settings cannot work: {reason}"),
                })
            }
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
                failure: Failure::Permanent,
                message: format!("the message could not be built: {e}"),
            })?;
        match tokio::time::timeout(SEND_TIMEOUT, transport.send(message)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(SendError {
                failure: classify(&e),
                message: e.to_string(),
            }),
            Err(_) => Err(SendError {
                failure: Failure::Unknown,
                message: format!(
                    "The mail server did not finish within {} s.",
                    SEND_TIMEOUT.as_secs()
                ),
            }),
        }
    }
}

/// What a failed send means for the next try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Nothing was delivered and it may work later: the relay could not be reached, or it
    /// answered 4xx (try again later).
    Retry,
    /// It will not work by trying again: 5xx (bad credentials, unknown recipient), bad settings.
    Permanent,
    /// The connection broke while the relay had it: the email may have arrived. Not sent again
    /// by itself (never two emails for one day).
    Unknown,
}

fn classify(error: &lettre::transport::smtp::Error) -> Failure {
    if error.is_permanent() {
        Failure::Permanent
    } else if error.is_transient() || error.is_tls() {
        Failure::Retry
    } else if error.to_string().starts_with("Connection error") {
        // lettre's kind for a relay that could not be reached: nothing was sent.
        Failure::Retry
    } else {
        Failure::Unknown
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
    pub unknown: usize,
    /// Claims of days gone by that will not go out.
    pub missed: u64,
}

impl TickReport {
    fn count(&mut self, status: &str) {
        match status {
            s if s == status::SENT => self.sent += 1,
            s if s == status::OUTBOX => self.outbox += 1,
            s if s == status::SKIPPED => self.skipped += 1,
            s if s == status::RETRYING => self.retrying += 1,
            s if s == status::UNKNOWN => self.unknown += 1,
            s if s == status::FAILED => self.failed += 1,
            _ => {}
        }
    }
}

fn send_time(settings: &mail_settings::Model) -> NaiveTime {
    parse_time(&settings.digest_time)
        .or_else(|_| parse_time(DEFAULT_TIME))
        .unwrap_or_default()
}

/// One run at `now`: closes what a stopped sender or a past day left, claims the digests due
/// for everyone who receives them, then sends every claim that waits (new ones, retries whose
/// backoff is over, claims a stopped sender left before handing them over). Each claim is
/// taken at `now` plus the time the run has taken so far, so that a long run never takes a
/// lease that is already over.
pub async fn tick(
    db: &DatabaseConnection,
    mailer: &Mailer,
    now: DateTime<Utc>,
) -> Result<TickReport, AppError> {
    let started = std::time::Instant::now();
    // In whole seconds: a run of under a second works at `now` itself.
    let clock = || now + Duration::seconds(started.elapsed().as_secs() as i64);
    let settings = digests::settings(db).await?;
    let cal = app::server::goals::calendar(db).await?;
    let today = cal.today(now);
    let mut report = TickReport {
        missed: digests::close_stale(db, today.pred_opt().unwrap_or(today), now).await?,
        ..TickReport::default()
    };
    let Some(day) = due_day(now, send_time(&settings), &cal.tz) else {
        return Ok(report);
    };
    report.day = Some(day);
    let claimed = digests::claimed(db, day).await?;
    for recipient in digests::recipients(db).await? {
        if !claimed.contains(&recipient.id)
            && digests::claim(db, recipient.id, day, status::PENDING, now).await?
        {
            report.claimed += 1;
        }
    }
    for waiting in digests::due(db, day, now).await? {
        let at = clock();
        let Some(taken) = digests::take(db, waiting.id, at, LEASE).await? else {
            continue;
        };
        let status = deliver(db, mailer, &taken, at, false).await?;
        report.count(status);
    }
    Ok(report)
}

/// Composes, renders and sends (or keeps) one claim its caller has taken, and records the
/// outcome; returns the status it ends in. `on_demand`: an admin asked for this one, so it goes
/// even to someone who has the digest off or about a quiet day off.
pub async fn deliver(
    db: &DatabaseConnection,
    mailer: &Mailer,
    taken: &digest_delivery::Model,
    now: DateTime<Utc>,
    on_demand: bool,
) -> Result<&'static str, AppError> {
    let attempts = taken.attempts + 1;
    let end = |status: &'static str, error: String, next: Option<DateTime<Utc>>| Outcome {
        status,
        error,
        next_attempt_at: next,
        attempts,
    };
    let Some(recipient) = app::server::users::find(db, taken.user_id).await? else {
        let outcome = end(
            status::FAILED,
            "The recipient no longer exists.".into(),
            None,
        );
        digests::record(db, taken, &Rendered::default(), outcome, now).await?;
        return Ok(status::FAILED);
    };
    if !on_demand && !digests::receives(&recipient) {
        let outcome = end(status::SKIPPED, "The digest was turned off.".into(), None);
        digests::record(db, taken, &Rendered::default(), outcome, now).await?;
        return Ok(status::SKIPPED);
    }
    // A digest that cannot be put together (the database failing, say) is tried again like a
    // refused send, and says why.
    let digest = match digests::compose(db, &recipient, taken.day).await {
        Ok(digest) => digest,
        Err(error) => {
            let (status, next) = if attempts < MAX_ATTEMPTS {
                (status::RETRYING, Some(now + backoff(attempts)))
            } else {
                (status::FAILED, None)
            };
            let outcome = end(
                status,
                format!("The digest could not be made: {error}"),
                next,
            );
            digests::record(db, taken, &Rendered::default(), outcome, now).await?;
            return Ok(status);
        }
    };
    let rendered = digests::render(&digest);
    if !on_demand && !digest.worth_sending(recipient.digest_quiet_days) {
        let outcome = end(status::SKIPPED, String::new(), None);
        digests::record(db, taken, &rendered, outcome, now).await?;
        return Ok(status::SKIPPED);
    }
    if mailer.is_outbox() {
        digests::record(
            db,
            taken,
            &rendered,
            end(status::OUTBOX, String::new(), None),
            now,
        )
        .await?;
        return Ok(status::OUTBOX);
    }
    let to = match recipient.email.parse::<Address>() {
        Ok(address) => Mailbox::new(Some(recipient.name.clone()), address),
        Err(error) => {
            let error = format!("The address {} is not valid: {error}", recipient.email);
            digests::record(db, taken, &rendered, end(status::FAILED, error, None), now).await?;
            return Ok(status::FAILED);
        }
    };
    if !digests::start_sending(db, taken, now).await? {
        tracing::warn!(to = %recipient.email, day = %taken.day, "digest claim lost to another sender before sending");
        return Ok(status::SENDING);
    }
    let message_id = format!("<digest-{}-{}@cadence>", taken.day, taken.id);
    let (status, error, next) = match mailer.send(to, &rendered, message_id).await {
        Ok(()) => (status::SENT, String::new(), None),
        Err(e) => match e.failure {
            Failure::Retry if attempts < MAX_ATTEMPTS => {
                (status::RETRYING, e.message, Some(now + backoff(attempts)))
            }
            Failure::Unknown => (status::UNKNOWN, e.message, None),
            _ => (status::FAILED, e.message, None),
        },
    };
    if status == status::SENT {
        tracing::info!(to = %recipient.email, day = %taken.day, "digest sent");
    } else {
        tracing::warn!(to = %recipient.email, day = %taken.day, attempts, %error, status, "digest not sent");
    }
    if !digests::record(db, taken, &rendered, end(status, error, next), now).await? {
        tracing::warn!(to = %recipient.email, day = %taken.day, status, "digest outcome not recorded: the claim was taken over");
    }
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
            let mailer = Mailer::current(&settings, command_line.as_ref());
            tick(&db, &mailer, Utc::now()).await
        }
        .await;
        match result {
            Ok(report) => {
                last_problem.clear();
                if report.sent + report.outbox + report.failed + report.retrying + report.unknown
                    > 0
                {
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
        Some(config) => match Mailer::new(Some(&config)) {
            Ok(_) => tracing::info!(host = %config.host, port = config.port, "digests are sent through this SMTP relay"),
            Err(problem) => tracing::warn!(%problem, "the SMTP settings cannot work: every digest will fail with this reason until they are mended"),
        },
        None => tracing::warn!("no SMTP relay is set: morning digests are kept in the outbox (Admin > Digest) until one is (--smtp-host or the admin page)"),
    }
}

/// `cadence digest send`: the digests about `day` (a day that is over) for everyone who
/// receives them, or for the user with the email `to` whatever their choice, printed
/// (`dry_run`: the text parts) or sent now. Never a second email for a day: a digest sent, or
/// possibly sent (`unknown`), is sent again only to `to`, when asked by name; so is one kept
/// in the outbox or skipped. Returns a line per recipient.
pub async fn send_on_demand(
    db: &DatabaseConnection,
    day: NaiveDate,
    to: Option<&str>,
    dry_run: bool,
    relay: Option<&SmtpConfig>,
    now: DateTime<Utc>,
    out: &mut impl std::io::Write,
) -> Result<String, AppError> {
    let today = app::server::goals::calendar(db).await?.today(now);
    if day >= today {
        return Err(AppError::field(
            "date",
            format!("The digest about {day} can be made once that day is over (today is {today})."),
        ));
    }
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
    let mailer = Mailer::current(&settings, relay);
    // Asked by name: anything but a digest sure to have been sent; for everyone: only what
    // failed or was missed.
    let again: &[&str] = if to.is_some() {
        &[
            status::FAILED,
            status::MISSED,
            status::SKIPPED,
            status::OUTBOX,
            status::UNKNOWN,
        ]
    } else {
        &[status::FAILED, status::MISSED]
    };
    for person in people {
        digests::claim(db, person.id, day, status::PENDING, now).await?;
        let Some(record) = digests::find(db, person.id, day).await? else {
            continue;
        };
        if again.contains(&record.status.as_str()) {
            digests::reopen(db, record.id, again, now).await?;
        }
        let Some(taken) = digests::take(db, record.id, now, LEASE).await? else {
            lines.push(format!(
                "{}: already {} before",
                person.email, record.status
            ));
            continue;
        };
        let status = deliver(db, &mailer, &taken, now, to.is_some()).await?;
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
