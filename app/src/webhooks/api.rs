//! What the webhooks page and the REST API exchange, and the server functions behind the page.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// A webhook as admins see it; its secret is shown once, when it is created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "id": 3, "url": "https://hooks.example.com/cadence", "events": ["lead.created", "activity.created"],
    "active": true, "created_at": "2026-11-27T09:30:00Z", "failing_since": null,
    "disabled_at": null, "disabled_reason": ""
})))]
pub struct WebhookView {
    pub id: i32,
    pub url: String,
    /// Event types sent to it (see the API page for the list).
    pub events: Vec<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    /// Since when its deliveries fail, without a success since.
    pub failing_since: Option<DateTime<Utc>>,
    /// When it was turned off after failing for a day (it is then inactive).
    pub disabled_at: Option<DateTime<Utc>>,
    pub disabled_reason: String,
}

/// A webhook just created, with the secret its deliveries are signed with: shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "webhook": {
        "id": 3, "url": "https://hooks.example.com/cadence",
        "events": ["lead.created", "activity.created"], "active": true,
        "created_at": "2026-11-27T09:30:00Z", "failing_since": null, "disabled_at": null,
        "disabled_reason": ""
    },
    "secret": "whsec_9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
})))]
pub struct CreatedWebhook {
    pub webhook: WebhookView,
    /// `whsec_` and 64 hexadecimal digits. Keep it: it is not shown again.
    pub secret: String,
}

/// One delivery of an event to a webhook, and how its last try went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "id": 41, "event_id": 1207, "event_type": "lead.moved", "status": "delivered", "attempts": 1,
    "last_code": 200, "last_error": "", "last_duration_ms": 38,
    "created_at": "2026-11-27T09:31:02Z", "delivered_at": "2026-11-27T09:31:02Z",
    "next_attempt_at": "2026-11-27T09:31:02Z"
})))]
pub struct WebhookDeliveryView {
    /// Also sent as the `X-Cadence-Delivery` header: the same on every try.
    pub id: i32,
    pub event_id: i32,
    pub event_type: String,
    /// `pending` (waiting or retrying), `delivered`, or `failed` (given up after a day).
    pub status: String,
    pub attempts: i32,
    /// The receiver's HTTP status of the last try.
    pub last_code: Option<i32>,
    /// Why the last try failed (a timeout, a refused connection, a status).
    pub last_error: String,
    pub last_duration_ms: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub next_attempt_at: DateTime<Utc>,
}

/// The webhooks page: every webhook with its latest deliveries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhooksPageData {
    pub webhooks: Vec<(WebhookView, Vec<WebhookDeliveryView>)>,
    /// Whether plain http:// to local addresses is allowed (a server setting).
    pub allow_http: bool,
}

/// Deliveries shown per webhook on the page.
pub const PAGE_DELIVERIES: u64 = 20;

#[server(endpoint = "webhooks_page")]
pub async fn webhooks_page() -> Result<WebhooksPageData, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, respond, state, webhooks};
    respond(
        async {
            authorize(Action::ManageWorkspace).await?;
            let state = state()?;
            let mut out = Vec::new();
            for hook in webhooks::list(&state.db).await? {
                let deliveries =
                    webhooks::deliveries(&state.db, hook.id, None, PAGE_DELIVERIES).await?;
                out.push((hook, deliveries));
            }
            Ok(WebhooksPageData {
                webhooks: out,
                allow_http: state.webhooks_allow_http,
            })
        }
        .await,
    )
}

#[server(endpoint = "create_webhook", input = Json)]
pub async fn create_webhook(url: String, events: Vec<String>) -> Result<CreatedWebhook, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, respond, state, webhooks};
    respond(
        async {
            let actor = authorize(Action::ManageWorkspace).await?;
            let state = state()?;
            webhooks::create(
                &state.db,
                actor.id,
                &url,
                &events,
                state.webhooks_allow_http,
                Utc::now(),
            )
            .await
        }
        .await,
    )
}

#[server(endpoint = "set_webhook_active")]
pub async fn set_webhook_active(id: i32, active: bool) -> Result<WebhookView, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, respond, state, webhooks};
    respond(
        async {
            authorize(Action::ManageWorkspace).await?;
            let state = state()?;
            let patch = webhooks::WebhookPatch {
                active: Some(active),
                ..Default::default()
            };
            webhooks::update(&state.db, id, patch, state.webhooks_allow_http, Utc::now()).await
        }
        .await,
    )
}

#[server(endpoint = "delete_webhook")]
pub async fn delete_webhook(id: i32) -> Result<(), AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, respond, state, webhooks};
    respond(
        async {
            authorize(Action::ManageWorkspace).await?;
            webhooks::delete(&state()?.db, id).await
        }
        .await,
    )
}

#[server(endpoint = "resend_delivery")]
pub async fn resend_delivery(
    webhook_id: i32,
    delivery_id: i32,
) -> Result<WebhookDeliveryView, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, respond, state, webhooks};
    respond(
        async {
            authorize(Action::ManageWorkspace).await?;
            webhooks::resend(&state()?.db, webhook_id, delivery_id, Utc::now()).await
        }
        .await,
    )
}
