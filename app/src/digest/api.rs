//! What the digest pages and the API exchange, and the server functions behind them.
// The settings form posts its eight fields as the server function's arguments; the code the
// `server` macro generates for them cannot carry an attribute of its own.
#![allow(clippy::too_many_arguments)]

use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = "starttls"))]
#[serde(rename_all = "snake_case")]
pub enum MailSecurity {
    /// Plain connection upgraded with STARTTLS (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on this machine or a private network.
    None,
}

impl MailSecurity {
    pub const ALL: [MailSecurity; 3] = [
        MailSecurity::Starttls,
        MailSecurity::Tls,
        MailSecurity::None,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MailSecurity::Starttls => "starttls",
            MailSecurity::Tls => "tls",
            MailSecurity::None => "none",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MailSecurity::Starttls => "STARTTLS (port 587)",
            MailSecurity::Tls => "TLS (port 465)",
            MailSecurity::None => "None (local relay only)",
        }
    }

    pub fn parse(text: &str) -> Result<MailSecurity, String> {
        MailSecurity::ALL
            .into_iter()
            .find(|s| s.as_str() == text.trim())
            .ok_or_else(|| "Choose STARTTLS, TLS or none.".to_string())
    }
}

/// The digest's settings; the SMTP password is never sent back, only whether one is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestSettingsView {
    /// "HH:MM" in the workspace time zone.
    pub digest_time: String,
    /// The address people open the app at, for the links in the email.
    pub public_url: String,
    /// Empty: no relay; digests go to the outbox.
    pub smtp_host: String,
    pub smtp_port: i32,
    pub smtp_security: MailSecurity,
    pub smtp_user: String,
    pub smtp_password_set: bool,
    pub smtp_from: String,
}

/// One recipient's digest about one day: claimed, then sent, kept in the outbox, retried,
/// failed, skipped (nothing to say) or missed (the day ended first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "id": 88, "user_id": 2, "user_name": "Alice Martin", "email": "alice@acme.example",
    "day": "2026-11-27", "status": "sent", "attempts": 1, "last_error": "",
    "subject": "Acme Corp · daily digest for Fri 27 Nov 2026",
    "claimed_at": "2026-11-27T06:00:02Z", "sent_at": "2026-11-27T06:00:04Z",
    "next_attempt_at": null
})))]
pub struct DeliveryView {
    pub id: i32,
    pub user_id: i32,
    pub user_name: String,
    pub email: String,
    /// The day the digest is about.
    pub day: NaiveDate,
    /// pending, retrying, sent, outbox, failed, skipped or missed.
    pub status: String,
    pub attempts: i32,
    /// Why the last try failed, as the mail server said it.
    pub last_error: String,
    pub subject: String,
    pub claimed_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// A rendered digest: what the recipient gets (or got).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestPreview {
    pub subject: String,
    pub to: String,
    pub text: String,
    pub html: String,
    /// Why this digest would not go out, if it would not.
    pub note: Option<String>,
}

/// Someone the preview can be made for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecipientChoice {
    pub id: i32,
    pub name: String,
    pub receives: bool,
}

/// The digest page's choices: who, and the settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestPageData {
    pub settings: DigestSettingsView,
    pub people: Vec<RecipientChoice>,
    /// Yesterday in the workspace time zone: the day the next digest is about.
    pub yesterday: NaiveDate,
    /// Where the SMTP settings come from when the server was started with them.
    pub smtp_from_command_line: bool,
}

/// One's own digest choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestChoice {
    pub receives: bool,
    pub quiet_days: bool,
}

/// A `YYYY-MM-DD` field.
pub fn parse_date(field: &str, text: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::field(field, "Give a date as YYYY-MM-DD."))
}

#[server(endpoint = "digest_admin")]
pub async fn digest_admin() -> Result<DigestPageData, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, digest, respond, state};
    respond(
        async {
            authorize(Action::ManageWorkspace).await?;
            let state = state()?;
            digest::admin(&state.db, state.smtp_override, Utc::now()).await
        }
        .await,
    )
}

#[server(endpoint = "save_digest_settings")]
pub async fn save_digest_settings(
    digest_time: String,
    public_url: String,
    smtp_host: String,
    smtp_port: String,
    smtp_security: String,
    smtp_user: String,
    smtp_password: String,
    smtp_from: String,
) -> Result<DigestSettingsView, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, digest, respond, state};
    respond(
        async {
            authorize(Action::ManageWorkspace).await?;
            let port = smtp_port
                .trim()
                .parse::<i32>()
                .map_err(|_| AppError::field("smtp_port", "A port is a number from 1 to 65535."))?;
            let security = MailSecurity::parse(&smtp_security)
                .map_err(|m| AppError::field("smtp_security", m))?;
            let input = DigestSettingsView {
                digest_time,
                public_url,
                smtp_host,
                smtp_port: port,
                smtp_security: security,
                smtp_user,
                smtp_password_set: false,
                smtp_from,
            };
            digest::save_settings(&state()?.db, &input, &smtp_password).await
        }
        .await,
    )
}

/// The digest `user_id` (default: oneself) gets about `date` (default: yesterday).
#[server(endpoint = "preview_digest")]
pub async fn preview_digest(date: String, user_id: Option<i32>) -> Result<DigestPreview, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, digest, respond, state};
    respond(
        async {
            let actor = authorize(Action::ManageWorkspace).await?;
            let db = &state()?.db;
            let day = digest::day_asked(db, &date, Utc::now()).await?;
            digest::preview(db, user_id.unwrap_or(actor.id), day).await
        }
        .await,
    )
}

/// Who got the digest about `date` (default: yesterday), and how it went.
#[server(endpoint = "digest_deliveries")]
pub async fn digest_deliveries(date: String) -> Result<Vec<DeliveryView>, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, digest, respond, state};
    respond(
        async {
            authorize(Action::ManageWorkspace).await?;
            let db = &state()?.db;
            let day = digest::day_asked(db, &date, Utc::now()).await?;
            digest::deliveries(db, day).await
        }
        .await,
    )
}

/// A stored digest (sent or in the outbox) as it went out.
#[server(endpoint = "read_delivery")]
pub async fn read_delivery(id: i32) -> Result<DigestPreview, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, digest, respond, state};
    respond(
        async {
            authorize(Action::ManageWorkspace).await?;
            digest::stored(&state()?.db, id).await
        }
        .await,
    )
}

#[server(endpoint = "my_digest_choice")]
pub async fn my_digest_choice() -> Result<DigestChoice, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, digest, respond, state};
    respond(
        async {
            let actor = authorize(Action::ManageOwnAccount).await?;
            digest::choice(&state()?.db, actor.id).await
        }
        .await,
    )
}

/// Checkboxes: present ("on") when ticked.
#[server(endpoint = "save_digest_choice")]
pub async fn save_digest_choice(
    receives: Option<String>,
    quiet_days: Option<String>,
) -> Result<DigestChoice, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, digest, respond, state};
    respond(
        async {
            let actor = authorize(Action::ManageOwnAccount).await?;
            let db = &state()?.db;
            digest::set_choice(db, actor.id, receives.is_some(), quiet_days.is_some()).await?;
            digest::choice(db, actor.id).await
        }
        .await,
    )
}
