use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::validate::WeekStart;
use crate::domain::Role;
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "id": 2, "name": "Alice Martin", "email": "alice@acme.example", "role": "member",
    "segment_id": 2, "segment_name": "Closing", "active": true, "time_zone": "Europe/Paris"
})))]
pub struct UserView {
    pub id: i32,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub segment_id: Option<i32>,
    pub segment_name: Option<String>,
    pub active: bool,
    pub time_zone: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "id": 1, "name": "Prospecting", "member_count": 2
})))]
pub struct SegmentView {
    pub id: i32,
    pub name: String,
    pub member_count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "name": "Acme Corp", "time_zone": "Europe/Paris", "currency": "EUR", "week_start": "monday",
    "working_days": 31
})))]
pub struct WorkspaceView {
    pub name: String,
    pub time_zone: String,
    pub currency: String,
    pub week_start: WeekStart,
    #[serde(default)]
    pub working_days: crate::domain::period::WorkingDays,
}

/// A segment chosen in a form: empty means none.
pub fn parse_segment_choice(text: &str) -> Result<Option<i32>, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| AppError::field("segment_id", "Choose a segment from the list."))
}

#[server(endpoint = "list_users")]
pub async fn list_users() -> Result<Vec<UserView>, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, respond, state, users};
    respond(
        async {
            authorize(Action::ViewTeam).await?;
            users::list(&state()?.db).await
        }
        .await,
    )
}

#[server(endpoint = "create_user")]
pub async fn create_user(
    name: String,
    email: String,
    role: String,
    segment_id: String,
    password: String,
) -> Result<UserView, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, respond, state, users};
    respond(
        async {
            authorize(Action::ManageUsers).await?;
            let segment_id = parse_segment_choice(&segment_id)?;
            let input = users::NewUser {
                name,
                email,
                role,
                segment_id,
                password,
            };
            users::create(&state()?.db, input).await
        }
        .await,
    )
}

#[server(endpoint = "update_user")]
pub async fn update_user(
    id: i32,
    name: String,
    role: String,
    segment_id: String,
) -> Result<UserView, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, respond, state, users};
    respond(
        async {
            authorize(Action::ManageUsers).await?;
            let segment_id = parse_segment_choice(&segment_id)?;
            let edit = users::UserEdit {
                name,
                role,
                segment_id,
            };
            users::update(&state()?.db, id, edit).await
        }
        .await,
    )
}

#[server(endpoint = "set_user_active")]
pub async fn set_user_active(id: i32, active: bool) -> Result<UserView, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, respond, state, users};
    respond(
        async {
            authorize(Action::ManageUsers).await?;
            users::set_active(&state()?.db, id, active).await
        }
        .await,
    )
}

#[server(endpoint = "list_segments")]
pub async fn list_segments() -> Result<Vec<SegmentView>, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, respond, segments, state};
    respond(
        async {
            authorize(Action::ViewTeam).await?;
            segments::list(&state()?.db).await
        }
        .await,
    )
}

#[server(endpoint = "create_segment")]
pub async fn create_segment(name: String) -> Result<SegmentView, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, respond, segments, state};
    respond(
        async {
            authorize(Action::ManageSegments).await?;
            segments::create(&state()?.db, &name).await
        }
        .await,
    )
}

#[server(endpoint = "rename_segment")]
pub async fn rename_segment(id: i32, name: String) -> Result<SegmentView, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, respond, segments, state};
    respond(
        async {
            authorize(Action::ManageSegments).await?;
            segments::rename(&state()?.db, id, &name).await
        }
        .await,
    )
}

#[server(endpoint = "delete_segment")]
pub async fn delete_segment(id: i32) -> Result<(), AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, respond, segments, state};
    respond(
        async {
            authorize(Action::ManageSegments).await?;
            segments::delete(&state()?.db, id).await
        }
        .await,
    )
}

#[server(endpoint = "get_workspace")]
pub async fn get_workspace() -> Result<WorkspaceView, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, respond, state, workspace};
    respond(
        async {
            authorize(Action::ViewTeam).await?;
            Ok(workspace::view(&workspace::get(&state()?.db).await?))
        }
        .await,
    )
}

#[server(endpoint = "update_workspace")]
pub async fn update_workspace(
    name: String,
    time_zone: String,
    currency: String,
    week_start: String,
    /// `mon,tue,wed,thu,fri`; unchanged when absent.
    #[server(default)]
    working_days: Option<String>,
) -> Result<WorkspaceView, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, respond, state, workspace};
    respond(
        async {
            authorize(Action::ManageWorkspace).await?;
            let txn = crate::server::writing(&state()?.db).await?;
            if let Some(days) = working_days {
                workspace::set_working_days(&txn, &days).await?;
            }
            let view = workspace::update(&txn, &name, &time_zone, &currency, &week_start).await?;
            txn.commit().await?;
            Ok(view)
        }
        .await,
    )
}
