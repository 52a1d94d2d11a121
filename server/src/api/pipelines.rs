use app::domain::Action;
use app::pipelines::api::{PipelineView, StepView};
use app::server::{pipelines, AppState};
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::page::{page_of, Paging};
use super::{ApiJson, ApiResult, ApiUser, ErrorBody};

page_of!(
    /// A page of pipelines, each with its steps.
    PipelinePage,
    PipelineView
);

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({
    "name": "Renewals", "steps": ["To contact", "Offer sent", "Signed"]
}))]
pub struct NewPipelineBody {
    pub name: String,
    /// Step names in board order; one step "New" when empty.
    #[serde(default)]
    pub steps: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"name": "New business", "is_default": true}))]
pub struct PipelinePatch {
    pub name: Option<String>,
    /// `true` makes it the default pipeline.
    pub is_default: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"name": "Negotiation"}))]
pub struct NewStepBody {
    pub name: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"name": "Demo booked", "position": 1}))]
pub struct StepPatch {
    pub name: Option<String>,
    /// 0 = first column.
    pub position: Option<i32>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DeletePipelineParams {
    /// Where the pipeline's leads go (required when it has leads).
    pub move_to_pipeline_id: Option<i32>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DeleteStepParams {
    /// Another step of the same pipeline for the step's leads (required when it has leads).
    pub move_to_step_id: Option<i32>,
}

/// Every pipeline with its steps.
#[utoipa::path(get, path = "/api/v1/pipelines", tag = "pipelines", params(Paging),
    responses((status = 200, body = PipelinePage), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: ApiUser,
    Query(paging): Query<Paging>,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Json<PipelinePage>> {
    user.require(Action::ViewTeam)?;
    let all = pipelines::list(&state.db).await?;
    Ok(Json(PipelinePage::slice(all, paging, &uri)))
}

/// Creates a pipeline (admins).
#[utoipa::path(post, path = "/api/v1/pipelines", tag = "pipelines", request_body = NewPipelineBody,
    responses((status = 201, body = PipelineView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<NewPipelineBody>,
) -> ApiResult<(StatusCode, Json<PipelineView>)> {
    user.require(Action::ManagePipelines)?;
    let created = pipelines::create(&state.db, &state.bus, &body.name, &body.steps).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// One pipeline with its steps.
#[utoipa::path(get, path = "/api/v1/pipelines/{id}", tag = "pipelines",
    responses((status = 200, body = PipelineView), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
) -> ApiResult<Json<PipelineView>> {
    user.require(Action::ViewTeam)?;
    Ok(Json(pipelines::get(&state.db, id).await?))
}

/// Renames a pipeline or makes it the default (admins).
#[utoipa::path(patch, path = "/api/v1/pipelines/{id}", tag = "pipelines", request_body = PipelinePatch,
    responses((status = 200, body = PipelineView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
    ApiJson(body): ApiJson<PipelinePatch>,
) -> ApiResult<Json<PipelineView>> {
    user.require(Action::ManagePipelines)?;
    if let Some(name) = &body.name {
        pipelines::rename(&state.db, &state.bus, id, name).await?;
    }
    if body.is_default == Some(true) {
        pipelines::set_default(&state.db, &state.bus, id).await?;
    }
    Ok(Json(pipelines::get(&state.db, id).await?))
}

/// Deletes a pipeline, moving its leads to another one in the same operation (admins).
#[utoipa::path(delete, path = "/api/v1/pipelines/{id}", tag = "pipelines", params(DeletePipelineParams),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
    Query(params): Query<DeletePipelineParams>,
) -> ApiResult<StatusCode> {
    user.require(Action::ManagePipelines)?;
    pipelines::delete(
        &state.db,
        &state.bus,
        &user.0,
        id,
        params.move_to_pipeline_id,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a step at the end of a pipeline (admins).
#[utoipa::path(post, path = "/api/v1/pipelines/{id}/steps", tag = "pipelines", request_body = NewStepBody,
    responses((status = 201, body = StepView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_step(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
    ApiJson(body): ApiJson<NewStepBody>,
) -> ApiResult<(StatusCode, Json<StepView>)> {
    user.require(Action::ManagePipelines)?;
    let step = pipelines::add_step(&state.db, &state.bus, id, &body.name).await?;
    Ok((StatusCode::CREATED, Json(step)))
}

/// Renames or moves a step (admins).
#[utoipa::path(patch, path = "/api/v1/steps/{id}", tag = "pipelines", request_body = StepPatch,
    responses((status = 200, body = StepView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_step(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
    ApiJson(body): ApiJson<StepPatch>,
) -> ApiResult<Json<StepView>> {
    user.require(Action::ManagePipelines)?;
    if let Some(name) = &body.name {
        pipelines::rename_step(&state.db, &state.bus, id, name).await?;
    }
    if let Some(position) = body.position {
        pipelines::reorder_step(&state.db, &state.bus, id, position).await?;
    }
    let step = pipelines::find_step(&state.db, id)
        .await?
        .ok_or(app::error::AppError::NotFound)?;
    Ok(Json(StepView {
        id: step.id,
        pipeline_id: step.pipeline_id,
        name: step.name,
        position: step.position,
    }))
}

/// Deletes a step, moving its leads to another step of the pipeline (admins).
#[utoipa::path(delete, path = "/api/v1/steps/{id}", tag = "pipelines", params(DeleteStepParams),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn delete_step(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
    Query(params): Query<DeleteStepParams>,
) -> ApiResult<StatusCode> {
    user.require(Action::ManagePipelines)?;
    pipelines::delete_step(&state.db, &state.bus, &user.0, id, params.move_to_step_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
