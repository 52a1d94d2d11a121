use app::admin::api::SegmentView;
use app::domain::Action;
use app::server::{segments, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{ApiJson, ApiResult, ApiUser, ErrorBody};

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewSegmentBody {
    pub name: String,
}

/// All segments with their member counts.
#[utoipa::path(get, path = "/api/v1/segments", tag = "segments",
    responses((status = 200, body = Vec<SegmentView>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: ApiUser,
) -> ApiResult<Json<Vec<SegmentView>>> {
    user.require(Action::ViewTeam)?;
    Ok(Json(segments::list(&state.db).await?))
}

/// Creates a segment (admins only).
#[utoipa::path(post, path = "/api/v1/segments", tag = "segments", request_body = NewSegmentBody,
    responses(
        (status = 201, body = SegmentView),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, description = "Invalid or taken name", body = ErrorBody)
    ))]
pub async fn create(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<NewSegmentBody>,
) -> ApiResult<(StatusCode, Json<SegmentView>)> {
    user.require(Action::ManageSegments)?;
    Ok((
        StatusCode::CREATED,
        Json(segments::create(&state.db, &body.name).await?),
    ))
}
