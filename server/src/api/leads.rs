use app::domain::Action;
use app::leads::api::{HistoryView, LeadPatch, LeadView};
use app::server::{leads, AppState};
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::page::{page_of, Paging};
use super::{ApiJson, ApiResult, ApiUser, ErrorBody};

/// A change to a lead: the version it is based on, and the fields to change.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({
    "version": 7, "amount": "32000.00", "probability": 70, "step_id": 4,
    "next_action_at": "2026-12-02T09:00:00Z"
}))]
pub struct LeadUpdate {
    /// The `version` the client last saw; a stale one gets 409.
    pub version: i32,
    #[serde(flatten)]
    pub changes: LeadPatch,
}

page_of!(
    /// A page of leads matching the filters.
    LeadPage,
    LeadView
);
page_of!(
    /// A page of a lead's history, newest first.
    HistoryPage,
    HistoryView
);

/// Lead list filters; `limit` at most 200 (default 50).
#[derive(Debug, Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct LeadQuery {
    pub pipeline_id: Option<i32>,
    pub step_id: Option<i32>,
    pub owner_id: Option<i32>,
    /// active, standby, won, lost, cancelled, `open` or `closed`.
    pub status: Option<String>,
    /// Text in the title or company.
    pub q: Option<String>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// Leads, filtered and paged.
#[utoipa::path(get, path = "/api/v1/leads", tag = "leads", params(LeadQuery),
    responses((status = 200, body = LeadPage), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: ApiUser,
    Query(query): Query<LeadQuery>,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Json<LeadPage>> {
    user.require(Action::ViewTeam)?;
    let paging = Paging::new(query.limit, query.offset);
    let (limit, offset) = (paging.limit(), paging.offset());
    let filter = leads::ListFilter {
        pipeline_id: query.pipeline_id,
        step_id: query.step_id,
        owner_id: query.owner_id,
        status: query.status,
        q: query.q,
    };
    let (items, total) = leads::list(&state.db, &user.0, &filter, limit, offset).await?;
    Ok(Json(LeadPage::new(items, total, paging, &uri)))
}

/// Creates a lead. Members create their own; the step decides the pipeline (default: the
/// default pipeline's first step).
#[utoipa::path(post, path = "/api/v1/leads", tag = "leads", request_body = LeadPatch,
    responses((status = 201, body = LeadView), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<LeadPatch>,
) -> ApiResult<(StatusCode, Json<LeadView>)> {
    user.require(Action::ViewTeam)?;
    let lead = leads::create(&state.db, &state.bus, &user.0, body).await?;
    Ok((StatusCode::CREATED, Json(lead)))
}

/// One lead.
#[utoipa::path(get, path = "/api/v1/leads/{id}", tag = "leads",
    responses((status = 200, body = LeadView), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
) -> ApiResult<Json<LeadView>> {
    user.require(Action::ViewTeam)?;
    Ok(Json(leads::get(&state.db, &user.0, id).await?))
}

/// Changes any field, including `step_id` (a move) and `status`, if `version` is current.
#[utoipa::path(patch, path = "/api/v1/leads/{id}", tag = "leads", request_body = LeadUpdate,
    responses((status = 200, body = LeadView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "Changed by someone else meanwhile", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
    ApiJson(body): ApiJson<LeadUpdate>,
) -> ApiResult<Json<LeadView>> {
    user.require(Action::ViewTeam)?;
    Ok(Json(
        leads::update(
            &state.db,
            &state.bus,
            &user.0,
            id,
            body.version,
            body.changes,
        )
        .await?,
    ))
}

/// Deletes a lead (managers and admins).
#[utoipa::path(delete, path = "/api/v1/leads/{id}", tag = "leads",
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
) -> ApiResult<StatusCode> {
    user.require(Action::ViewTeam)?;
    leads::delete(&state.db, &state.bus, &user.0, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A lead's step moves and status changes, newest first.
#[utoipa::path(get, path = "/api/v1/leads/{id}/history", tag = "leads",
    params(Paging),
    responses((status = 200, body = HistoryPage), (status = 404, body = ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
    Query(paging): Query<Paging>,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Json<HistoryPage>> {
    user.require(Action::ViewTeam)?;
    leads::get(&state.db, &user.0, id).await?;
    let (items, total) =
        leads::history_page(&state.db, &user.0, id, paging.offset(), paging.limit()).await?;
    Ok(Json(HistoryPage::new(items, total, paging, &uri)))
}
