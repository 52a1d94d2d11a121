use app::admin::api::SegmentView;
use app::domain::Action;
use app::server::{segments, AppState};
use axum::extract::{OriginalUri, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

use super::page::{page_of, Paging};
use super::{ApiJson, ApiResult, ApiUser, ErrorBody};

page_of!(
    /// A page of segments, in name order.
    SegmentPage,
    SegmentView
);

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"name": "Closing"}))]
pub struct NewSegmentBody {
    pub name: String,
}

/// All segments with their member counts.
#[utoipa::path(get, path = "/api/v1/segments", tag = "segments", params(Paging),
    responses((status = 200, body = SegmentPage), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: ApiUser,
    Query(paging): Query<Paging>,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Json<SegmentPage>> {
    user.require(Action::ViewTeam)?;
    let all = segments::list(&state.db).await?;
    Ok(Json(SegmentPage::slice(all, paging, &uri)))
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
