use app::admin::api::UserView;
use app::domain::Action;
use app::server::{users, AppState};
use axum::extract::{OriginalUri, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

use super::page::{page_of, Paging};
use super::{ApiJson, ApiResult, ApiUser, ErrorBody};

page_of!(
    /// A page of users, in name order.
    UserPage,
    UserView
);

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({
    "name": "Alice Martin", "email": "alice@acme.example", "role": "member", "segment_id": 2,
    "password": "correct-horse-battery"
}))]
pub struct NewUserBody {
    pub name: String,
    pub email: String,
    /// admin, manager or member.
    pub role: String,
    pub segment_id: Option<i32>,
    /// At least 8 characters.
    pub password: String,
}

/// The user the token belongs to.
#[utoipa::path(get, path = "/api/v1/me", tag = "users",
    responses((status = 200, body = UserView), (status = 401, body = ErrorBody)))]
pub async fn me(State(state): State<AppState>, user: ApiUser) -> ApiResult<Json<UserView>> {
    user.require(Action::ViewTeam)?;
    Ok(Json(users::get_view(&state.db, user.0.id).await?))
}

/// Everyone in the workspace.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(Paging),
    responses((status = 200, body = UserPage), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    user: ApiUser,
    Query(paging): Query<Paging>,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Json<UserPage>> {
    user.require(Action::ViewTeam)?;
    let all = users::list(&state.db).await?;
    Ok(Json(UserPage::slice(all, paging, &uri)))
}

/// Creates a user (admins only).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUserBody,
    responses(
        (status = 201, body = UserView),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody)
    ))]
pub async fn create(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<NewUserBody>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    user.require(Action::ManageUsers)?;
    let input = users::NewUser {
        name: body.name,
        email: body.email,
        role: body.role,
        segment_id: body.segment_id,
        password: body.password,
    };
    Ok((
        StatusCode::CREATED,
        Json(users::create(&state.db, input).await?),
    ))
}
