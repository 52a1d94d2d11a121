//! Activity types, outcomes and activities. `POST /activities` is the hottest write of the
//! product (a phone system logging every call).

use app::activities::api::{ActivityTypeView, ActivityView, OutcomeView};
use app::domain::Action;
use app::error::Check;
use app::server::activities::{
    self, ActivityFilter, ActivityPatch, NewActivity, OutcomePatch, TypePatch,
};
use app::server::AppState;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::page::{page_of, Paging};
use super::{ApiJson, ApiResult, ApiUser, ErrorBody};

page_of!(
    /// A page of activity types, in order, each with its outcomes.
    ActivityTypePage,
    ActivityTypeView
);

/// An activity type's fields; absent ones keep their value (or take a default on creation).
#[derive(Debug, Deserialize, ToSchema, Default)]
#[schema(example = json!({
    "name": "Call", "colour": "#2563eb", "icon": "phone", "active": true, "position": 0
}))]
#[serde(default)]
pub struct TypeBody {
    pub name: Option<String>,
    /// `#rrggbb`
    pub colour: Option<String>,
    /// phone, mail, inbox, meeting, target, proposal, calendar, chat, video, check, star, flag
    pub icon: Option<String>,
    /// `false` deactivates: no longer offered for new activities, kept in history.
    pub active: Option<bool>,
    /// 0 = first.
    pub position: Option<i32>,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[schema(example = json!({
    "name": "Voicemail", "colour": "#f59e0b", "active": true, "position": 1
}))]
#[serde(default)]
pub struct OutcomeBody {
    pub name: Option<String>,
    pub colour: Option<String>,
    pub active: Option<bool>,
    pub position: Option<i32>,
}

/// A new activity, on a lead or on a prospect (give one of `lead_id`, `prospect_id`).
#[derive(Debug, Deserialize, ToSchema, Default)]
#[schema(example = json!({
    "type_id": 1, "outcome_id": 1, "lead_id": 12,
    "note": "Walked through the proposal; decision expected next week.",
    "occurred_at": "2026-11-27T09:30:00Z", "next_action_at": "2026-11-30T09:00:00Z"
}))]
#[serde(default)]
pub struct NewActivityBody {
    pub type_id: Option<i32>,
    /// One of the type's outcomes.
    pub outcome_id: Option<i32>,
    pub lead_id: Option<i32>,
    /// Instead of `lead_id`: a prospect of a prospecting list (a converted one logs on its
    /// lead).
    pub prospect_id: Option<i32>,
    /// Managers and admins may log for someone else (default: the token's user).
    pub user_id: Option<i32>,
    /// At most 10,000 characters.
    pub note: Option<String>,
    /// RFC 3339; default now; at most 5 minutes in the future.
    pub occurred_at: Option<String>,
    /// RFC 3339: also sets the lead's next action.
    pub next_action_at: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[schema(example = json!({
    "outcome_id": 2, "note": "Left a voicemail; calling back on Monday."
}))]
#[serde(default)]
pub struct ActivityPatchBody {
    pub type_id: Option<i32>,
    /// `null` clears it.
    #[serde(deserialize_with = "app::leads::api::double_option")]
    #[schema(value_type = Option<i32>)]
    pub outcome_id: Option<Option<i32>>,
    pub note: Option<String>,
    /// RFC 3339.
    pub occurred_at: Option<String>,
}

/// Activity filters; `from` and `to` (RFC 3339) bound `occurred_at` (`from` ≤ t < `to`);
/// `limit` at most 500 (default 50).
#[derive(Debug, Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct ActivityQuery {
    pub user_id: Option<i32>,
    pub type_id: Option<i32>,
    pub outcome_id: Option<i32>,
    pub lead_id: Option<i32>,
    pub prospect_id: Option<i32>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// A page of activities, newest first (by `occurred_at`); no total (counting millions of
/// activities for each page would cost more than the page).
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityListPage {
    pub items: Vec<ActivityView>,
    pub limit: u64,
    pub offset: u64,
    /// The offset of the next page, if there is one.
    pub next_offset: Option<u64>,
    /// The next page's address, if there is one.
    pub next: Option<String>,
}

fn rfc3339(check: &mut Check, field: &str, text: Option<&str>) -> Option<DateTime<Utc>> {
    let text = text?.trim();
    check.take(
        field,
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| format!("Use RFC 3339, e.g. 2026-11-27T09:30:00Z (got {text:?}).")),
    )
}

fn type_patch(body: TypeBody) -> TypePatch {
    TypePatch {
        name: body.name,
        colour: body.colour,
        icon: body.icon,
        active: body.active,
        position: body.position,
    }
}

fn outcome_patch(body: OutcomeBody) -> OutcomePatch {
    OutcomePatch {
        name: body.name,
        colour: body.colour,
        active: body.active,
        position: body.position,
    }
}

/// Every activity type with its outcomes, in order (inactive ones too).
#[utoipa::path(get, path = "/api/v1/activity-types", tag = "activities", params(Paging),
    responses((status = 200, body = ActivityTypePage), (status = 401, body = ErrorBody)))]
pub async fn list_types(
    State(state): State<AppState>,
    user: ApiUser,
    Query(paging): Query<Paging>,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Json<ActivityTypePage>> {
    user.require(Action::LogActivities)?;
    let all = activities::types(&state.db).await?;
    Ok(Json(ActivityTypePage::slice(all, paging, &uri)))
}

/// Creates an activity type (admins).
#[utoipa::path(post, path = "/api/v1/activity-types", tag = "activities", request_body = TypeBody,
    responses((status = 201, body = ActivityTypeView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_type(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<TypeBody>,
) -> ApiResult<(StatusCode, Json<ActivityTypeView>)> {
    user.require(Action::ManageActivityTypes)?;
    let created = activities::create_type(&state.db, &state.bus, type_patch(body)).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Renames, recolours, moves, activates or deactivates a type (admins).
#[utoipa::path(patch, path = "/api/v1/activity-types/{id}", tag = "activities", request_body = TypeBody,
    responses((status = 200, body = ActivityTypeView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_type(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
    ApiJson(body): ApiJson<TypeBody>,
) -> ApiResult<Json<ActivityTypeView>> {
    user.require(Action::ManageActivityTypes)?;
    Ok(Json(
        activities::update_type(&state.db, &state.bus, id, type_patch(body)).await?,
    ))
}

/// Deletes a type never used (admins); a used one answers 409: deactivate it instead.
#[utoipa::path(delete, path = "/api/v1/activity-types/{id}", tag = "activities",
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete_type(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
) -> ApiResult<StatusCode> {
    user.require(Action::ManageActivityTypes)?;
    activities::delete_type(&state.db, &state.bus, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds an outcome to a type (admins).
#[utoipa::path(post, path = "/api/v1/activity-types/{id}/outcomes", tag = "activities", request_body = OutcomeBody,
    responses((status = 201, body = OutcomeView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_outcome(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
    ApiJson(body): ApiJson<OutcomeBody>,
) -> ApiResult<(StatusCode, Json<OutcomeView>)> {
    user.require(Action::ManageActivityTypes)?;
    let created =
        activities::create_outcome(&state.db, &state.bus, id, outcome_patch(body)).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(patch, path = "/api/v1/outcomes/{id}", tag = "activities", request_body = OutcomeBody,
    responses((status = 200, body = OutcomeView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_outcome(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
    ApiJson(body): ApiJson<OutcomeBody>,
) -> ApiResult<Json<OutcomeView>> {
    user.require(Action::ManageActivityTypes)?;
    Ok(Json(
        activities::update_outcome(&state.db, &state.bus, id, outcome_patch(body)).await?,
    ))
}

/// Deletes an outcome never used (admins); a used one answers 409.
#[utoipa::path(delete, path = "/api/v1/outcomes/{id}", tag = "activities",
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete_outcome(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
) -> ApiResult<StatusCode> {
    user.require(Action::ManageActivityTypes)?;
    activities::delete_outcome(&state.db, &state.bus, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Activities, filtered and paged, newest first.
#[utoipa::path(get, path = "/api/v1/activities", tag = "activities", params(ActivityQuery),
    responses((status = 200, body = ActivityListPage), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: ApiUser,
    Query(query): Query<ActivityQuery>,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Json<ActivityListPage>> {
    user.require(Action::LogActivities)?;
    let mut check = Check::new();
    let filter = ActivityFilter {
        user_id: query.user_id,
        type_id: query.type_id,
        outcome_id: query.outcome_id,
        lead_id: query.lead_id,
        prospect_id: query.prospect_id,
        from: rfc3339(&mut check, "from", query.from.as_deref()),
        to: rfc3339(&mut check, "to", query.to.as_deref()),
    };
    check.finish()?;
    let limit = query.limit.unwrap_or(50).clamp(1, 500);
    let offset = query.offset.unwrap_or(0).min(i64::MAX as u64);
    let (items, more) = activities::list(&state.db, &user.0, &filter, limit, offset).await?;
    let next_offset = more.then_some(offset + limit);
    Ok(Json(ActivityListPage {
        items,
        limit,
        offset,
        next_offset,
        next: next_offset.map(|o| super::page::link(&uri, o)),
    }))
}

/// Logs an activity on a lead or a prospect.
#[utoipa::path(post, path = "/api/v1/activities", tag = "activities", request_body = NewActivityBody,
    responses((status = 201, body = ActivityView), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<NewActivityBody>,
) -> ApiResult<(StatusCode, Json<ActivityView>)> {
    user.require(Action::LogActivities)?;
    let mut check = Check::new();
    let occurred_at = rfc3339(&mut check, "occurred_at", body.occurred_at.as_deref());
    let next_action_at = rfc3339(&mut check, "next_action_at", body.next_action_at.as_deref());
    check.finish()?;
    let new = NewActivity {
        type_id: body.type_id,
        outcome_id: body.outcome_id,
        lead_id: body.lead_id,
        prospect_id: body.prospect_id,
        user_id: body.user_id,
        note: body.note.unwrap_or_default(),
        occurred_at,
        next_action_at,
    };
    let view = activities::log(&state.db, &state.bus, &user.0, new).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[utoipa::path(get, path = "/api/v1/activities/{id}", tag = "activities",
    responses((status = 200, body = ActivityView), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
) -> ApiResult<Json<ActivityView>> {
    user.require(Action::LogActivities)?;
    Ok(Json(activities::get(&state.db, &user.0, id).await?))
}

/// Changes an activity: its author within 24 hours, managers and admins always.
#[utoipa::path(patch, path = "/api/v1/activities/{id}", tag = "activities", request_body = ActivityPatchBody,
    responses((status = 200, body = ActivityView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
    ApiJson(body): ApiJson<ActivityPatchBody>,
) -> ApiResult<Json<ActivityView>> {
    user.require(Action::LogActivities)?;
    let mut check = Check::new();
    let occurred_at = rfc3339(&mut check, "occurred_at", body.occurred_at.as_deref());
    check.finish()?;
    let patch = ActivityPatch {
        type_id: body.type_id,
        outcome_id: body.outcome_id,
        note: body.note,
        occurred_at,
    };
    Ok(Json(
        activities::update(&state.db, &state.bus, &user.0, id, patch).await?,
    ))
}

/// Deletes an activity: its author within 24 hours, managers and admins always.
#[utoipa::path(delete, path = "/api/v1/activities/{id}", tag = "activities",
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
) -> ApiResult<StatusCode> {
    user.require(Action::LogActivities)?;
    activities::delete(&state.db, &state.bus, &user.0, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
