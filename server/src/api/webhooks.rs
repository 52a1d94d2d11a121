//! Webhooks (admins only): register one (its secret is in the answer, once), read, change,
//! delete, and page through its deliveries, newest first.

use app::domain::Action;
use app::server::{webhooks, AppState};
use app::webhooks::api::{CreatedWebhook, WebhookDeliveryView, WebhookView};
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::page::{page_of, Paging};
use super::{ApiJson, ApiResult, ApiUser, ErrorBody};

page_of!(
    /// A page of webhooks, oldest first.
    WebhookPage,
    WebhookView
);

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"url": "https://hooks.example.com/cadence", "events": ["lead.created", "activity.created"]}))]
pub struct NewWebhookBody {
    /// `https://…` (or `http://` to this machine or a private network, when the server allows it).
    pub url: String,
    /// Among `lead.created`, `lead.updated`, `lead.moved`, `lead.status_changed`,
    /// `lead.deleted`, `activity.created`, `activity.updated`, `activity.deleted`,
    /// `prospect.converted`.
    pub events: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"active": true}))]
pub struct WebhookPatchBody {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    /// Turning a webhook on again clears its failure; the events it missed are sent.
    pub active: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct DeliveriesParams {
    /// At most 200 (default 50).
    pub limit: Option<u64>,
    /// The deliveries older than this delivery id (the `next_before` of the previous page).
    pub before: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPage {
    pub items: Vec<WebhookDeliveryView>,
    /// All deliveries of the webhook (kept for 30 days).
    pub total: u64,
    pub limit: u64,
    /// The `before` of the next page, if there is one.
    pub next_before: Option<i32>,
    /// The next page's address, if there is one.
    pub next: Option<String>,
}

/// All webhooks.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks", params(Paging),
    responses((status = 200, body = WebhookPage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: ApiUser,
    Query(paging): Query<Paging>,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Json<WebhookPage>> {
    user.require(Action::ManageWorkspace)?;
    let all = webhooks::list(&state.db).await?;
    Ok(Json(WebhookPage::slice(all, paging, &uri)))
}

/// Registers a webhook; it receives the events that happen from now on. The answer holds its
/// secret, shown this once.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = NewWebhookBody,
    responses((status = 201, body = CreatedWebhook), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, description = "Invalid address or events", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<NewWebhookBody>,
) -> ApiResult<(StatusCode, Json<CreatedWebhook>)> {
    user.require(Action::ManageWorkspace)?;
    let created = webhooks::create(
        &state.db,
        user.0.id,
        &body.url,
        &body.events,
        state.webhooks_allow_http,
        Utc::now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// One webhook (without its secret).
#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    responses((status = 200, body = WebhookView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
) -> ApiResult<Json<WebhookView>> {
    user.require(Action::ManageWorkspace)?;
    Ok(Json(webhooks::get(&state.db, id).await?))
}

/// Changes a webhook's address, events or active flag.
#[utoipa::path(patch, path = "/api/v1/webhooks/{id}", tag = "webhooks", request_body = WebhookPatchBody,
    responses((status = 200, body = WebhookView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
    ApiJson(body): ApiJson<WebhookPatchBody>,
) -> ApiResult<Json<WebhookView>> {
    user.require(Action::ManageWorkspace)?;
    let patch = webhooks::WebhookPatch {
        url: body.url,
        events: body.events,
        active: body.active,
    };
    Ok(Json(
        webhooks::update(&state.db, id, patch, state.webhooks_allow_http, Utc::now()).await?,
    ))
}

/// Deletes a webhook and its deliveries.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
) -> ApiResult<StatusCode> {
    user.require(Action::ManageWorkspace)?;
    webhooks::delete(&state.db, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A webhook's deliveries, newest first, with the status, answer and time of their last try.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks", params(DeliveriesParams),
    responses((status = 200, body = DeliveryPage), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn deliveries(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
    Query(params): Query<DeliveriesParams>,
) -> ApiResult<Json<DeliveryPage>> {
    user.require(Action::ManageWorkspace)?;
    webhooks::get(&state.db, id).await?;
    let limit = params.limit.unwrap_or(50).clamp(1, 200);
    let items = webhooks::deliveries(&state.db, id, params.before, limit + 1).await?;
    let more = items.len() as u64 > limit;
    let items: Vec<_> = items.into_iter().take(limit as usize).collect();
    let next_before = if more {
        items.last().map(|d| d.id)
    } else {
        None
    };
    Ok(Json(DeliveryPage {
        total: webhooks::delivery_count(&state.db, id).await?,
        limit,
        next: next_before.map(|before| {
            format!("/api/v1/webhooks/{id}/deliveries?limit={limit}&before={before}")
        }),
        next_before,
        items,
    }))
}

/// Queues one delivery again (same delivery id and body); it goes out next.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/deliveries/{delivery_id}/resend", tag = "webhooks",
    params(("delivery_id" = i32, Path, description = "The delivery to send again")),
    responses((status = 200, body = WebhookDeliveryView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn resend(
    State(state): State<AppState>,
    user: ApiUser,
    Path((id, delivery_id)): Path<(i32, i32)>,
) -> ApiResult<Json<WebhookDeliveryView>> {
    user.require(Action::ManageWorkspace)?;
    Ok(Json(
        webhooks::resend(&state.db, id, delivery_id, Utc::now()).await?,
    ))
}
