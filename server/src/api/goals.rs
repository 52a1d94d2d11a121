//! Goals, their progress, and forecast plans.

use app::domain::forecast::PlanInputs;
use app::domain::goal::GoalKind;
use app::domain::Action;
use app::error::AppError;
use app::goals::api::{GoalInput, GoalProgress, GoalView, PlanOutcome, PlanView};
use app::server::{goals, AppState};
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::page::{page_of, Paging};
use super::{ApiJson, ApiResult, ApiUser, ErrorBody};

page_of!(
    /// A page of goals, oldest first.
    GoalPage,
    GoalView
);
page_of!(
    /// A page of saved plans, most recently changed first.
    PlanPage,
    PlanView
);

/// Goal list filters.
#[derive(Debug, Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct GoalQuery {
    pub user_id: Option<i32>,
    pub segment_id: Option<i32>,
    pub plan_id: Option<i32>,
    /// activities, leads_created, leads_won or revenue_won.
    pub kind: Option<String>,
    /// Items per page: 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// Items to skip (default 0).
    pub offset: Option<u64>,
}

/// Goals (managers and admins).
#[utoipa::path(get, path = "/api/v1/goals", tag = "goals", params(GoalQuery),
    responses((status = 200, body = GoalPage), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: ApiUser,
    Query(query): Query<GoalQuery>,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Json<GoalPage>> {
    user.require(Action::ManageGoals)?;
    let kind = match query.kind.as_deref() {
        Some(text) => Some(GoalKind::parse(text).map_err(|m| AppError::field("kind", m))?),
        None => None,
    };
    let filter = goals::GoalFilter {
        user_id: query.user_id,
        segment_id: query.segment_id,
        plan_id: query.plan_id,
        kind,
    };
    let all = goals::list(&state.db, &filter).await?;
    let paging = Paging::new(query.limit, query.offset);
    Ok(Json(GoalPage::slice(all, paging, &uri)))
}

/// Sets a goal. `period`: day, week, month, quarter, half_year, year, or `range` (then
/// `ends_on` is required); a revenue target is an amount such as `90000` or `1200.50`.
#[utoipa::path(post, path = "/api/v1/goals", tag = "goals", request_body = GoalInput,
    responses((status = 201, body = GoalView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<GoalInput>,
) -> ApiResult<(StatusCode, Json<GoalView>)> {
    user.require(Action::ManageGoals)?;
    let goal = goals::create(&state.db, &user.0, &body).await?;
    Ok((StatusCode::CREATED, Json(goal)))
}

/// One goal.
#[utoipa::path(get, path = "/api/v1/goals/{id}", tag = "goals",
    responses((status = 200, body = GoalView), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
) -> ApiResult<Json<GoalView>> {
    user.require(Action::ManageGoals)?;
    Ok(Json(goals::get(&state.db, id).await?))
}

/// The fields of a goal to change; those left out keep their value.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(example = json!({"target": "8", "ends_on": "2027-03-31"}))]
#[serde(default)]
pub struct GoalPatch {
    pub kind: Option<String>,
    #[serde(deserialize_with = "app::leads::api::double_option")]
    pub activity_type_id: Option<Option<i32>>,
    #[serde(deserialize_with = "app::leads::api::double_option")]
    pub outcome_id: Option<Option<i32>>,
    #[serde(deserialize_with = "app::leads::api::double_option")]
    pub pipeline_id: Option<Option<i32>>,
    pub assignee: Option<String>,
    #[serde(deserialize_with = "app::leads::api::double_option")]
    pub user_id: Option<Option<i32>>,
    #[serde(deserialize_with = "app::leads::api::double_option")]
    pub segment_id: Option<Option<i32>>,
    pub period: Option<String>,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub target: Option<String>,
}

/// Changes a goal.
#[utoipa::path(patch, path = "/api/v1/goals/{id}", tag = "goals", request_body = GoalPatch,
    responses((status = 200, body = GoalView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
    ApiJson(patch): ApiJson<GoalPatch>,
) -> ApiResult<Json<GoalView>> {
    user.require(Action::ManageGoals)?;
    let mut input = GoalInput::from(&goals::get(&state.db, id).await?);
    macro_rules! merge {
        ($($field:ident),*) => { $(if let Some(v) = patch.$field { input.$field = v; })* };
    }
    merge!(
        kind,
        activity_type_id,
        outcome_id,
        pipeline_id,
        assignee,
        user_id,
        segment_id,
        period,
        starts_on,
        ends_on,
        target
    );
    Ok(Json(goals::update(&state.db, id, &input).await?))
}

/// Deletes a goal (its progress was never stored: nothing else changes).
#[utoipa::path(delete, path = "/api/v1/goals/{id}", tag = "goals",
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
) -> ApiResult<StatusCode> {
    user.require(Action::ManageGoals)?;
    goals::delete(&state.db, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Which progress to read.
#[derive(Debug, Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct ProgressQuery {
    /// A day (`YYYY-MM-DD`): each goal is read in its period holding that day; today if absent.
    pub period_start: Option<String>,
    /// Only this person's rows. Members always get their own.
    pub user_id: Option<i32>,
}

/// Progress of every goal that applies on a day: current value, target, the value expected
/// at this point of the period, and the projected end value, per person and in total.
#[utoipa::path(get, path = "/api/v1/goals/progress", tag = "goals", params(ProgressQuery),
    responses((status = 200, body = Vec<GoalProgress>), (status = 422, body = ErrorBody)))]
pub async fn progress(
    State(state): State<AppState>,
    user: ApiUser,
    Query(query): Query<ProgressQuery>,
) -> ApiResult<Json<Vec<GoalProgress>>> {
    user.require(Action::LogActivities)?;
    let date = match query.period_start.as_deref() {
        Some(text) => Some(
            NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .map_err(|_| AppError::field("period_start", "Enter a date as YYYY-MM-DD."))?,
        ),
        None => None,
    };
    let user_id = if user.0.require(Action::ManageGoals).is_ok() {
        query.user_id
    } else {
        Some(user.0.id)
    };
    Ok(Json(
        goals::progress_at(&state.db, date, user_id, Utc::now()).await?,
    ))
}

/// A plan to save: its name and inputs.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({
    "name": "Q4 2026 new business",
    "inputs": {
        "target": "90000", "period": "quarter", "starts_on": "2026-10-01",
        "deal_value": "30000", "leads_per_deal": "4", "prospects_per_lead": "20",
        "per_prospect": [{"type_id": 1, "rate": "3"}],
        "per_lead": [
            {"type_id": 1, "rate": "8"}, {"type_id": 3, "rate": "1"},
            {"type_id": 4, "rate": "2"}
        ],
        "prospecting_segment": 1, "closing_segment": 2, "shares": [], "goal_period": "day"
    }
}))]
pub struct PlanBody {
    pub name: String,
    pub inputs: PlanInputs,
}

/// Saved plans, most recently changed first.
#[utoipa::path(get, path = "/api/v1/plans", tag = "plans", params(Paging),
    responses((status = 200, body = PlanPage), (status = 403, body = ErrorBody)))]
pub async fn plans(
    State(state): State<AppState>,
    user: ApiUser,
    Query(paging): Query<Paging>,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Json<PlanPage>> {
    user.require(Action::ManageGoals)?;
    let all = goals::plans(&state.db).await?;
    Ok(Json(PlanPage::slice(all, paging, &uri)))
}

/// Saves a plan (it must compute).
#[utoipa::path(post, path = "/api/v1/plans", tag = "plans", request_body = PlanBody,
    responses((status = 201, body = PlanView), (status = 422, body = ErrorBody)))]
pub async fn create_plan(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<PlanBody>,
) -> ApiResult<(StatusCode, Json<PlanView>)> {
    user.require(Action::ManageGoals)?;
    let plan = goals::save_plan(&state.db, &user.0, None, &body.name, &body.inputs).await?;
    Ok((StatusCode::CREATED, Json(plan)))
}

/// One plan.
#[utoipa::path(get, path = "/api/v1/plans/{id}", tag = "plans",
    responses((status = 200, body = PlanView), (status = 404, body = ErrorBody)))]
pub async fn get_plan(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
) -> ApiResult<Json<PlanView>> {
    user.require(Action::ManageGoals)?;
    Ok(Json(goals::get_plan(&state.db, id).await?))
}

/// A change to a plan: a new name, new inputs, or both.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(example = json!({"name": "Q4 2026 new business (revised)"}))]
#[serde(default)]
pub struct PlanPatch {
    pub name: Option<String>,
    pub inputs: Option<PlanInputs>,
}

/// Changes a plan (its goals change when it is applied again).
#[utoipa::path(patch, path = "/api/v1/plans/{id}", tag = "plans", request_body = PlanPatch,
    responses((status = 200, body = PlanView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_plan(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
    ApiJson(patch): ApiJson<PlanPatch>,
) -> ApiResult<Json<PlanView>> {
    user.require(Action::ManageGoals)?;
    let current = goals::get_plan(&state.db, id).await?;
    let name = patch.name.unwrap_or(current.name);
    let inputs = patch.inputs.unwrap_or(current.inputs);
    Ok(Json(
        goals::save_plan(&state.db, &user.0, Some(id), &name, &inputs).await?,
    ))
}

/// Deletes a plan; the goals it created stay.
#[utoipa::path(delete, path = "/api/v1/plans/{id}", tag = "plans",
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_plan(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
) -> ApiResult<StatusCode> {
    user.require(Action::ManageGoals)?;
    goals::delete_plan(&state.db, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Computes a plan without saving anything: the funnel, each person's share, and the goals
/// applying it would create.
#[utoipa::path(post, path = "/api/v1/plans/compute", tag = "plans", request_body = PlanInputs,
    responses((status = 200, body = PlanOutcome), (status = 422, body = ErrorBody)))]
pub async fn compute(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(inputs): ApiJson<PlanInputs>,
) -> ApiResult<Json<PlanOutcome>> {
    user.require(Action::ManageGoals)?;
    Ok(Json(goals::compute(&state.db, &inputs).await?))
}

/// Creates the plan's goals, replacing those it created before; returns the goals created.
#[utoipa::path(post, path = "/api/v1/plans/{id}/apply", tag = "plans",
    responses((status = 200, body = Vec<GoalView>), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn apply(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
) -> ApiResult<Json<Vec<GoalView>>> {
    user.require(Action::ManageGoals)?;
    Ok(Json(goals::apply_plan(&state.db, &user.0, id).await?))
}
