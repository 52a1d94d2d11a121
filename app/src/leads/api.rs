use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Deserializer, Serialize};

use crate::domain::lead::LeadStatus;
use crate::error::AppError;
use crate::pipelines::api::{PipelineView, StepView};

/// A lead on the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadCard {
    pub id: i32,
    pub title: String,
    pub company: String,
    pub amount: String,
    pub owner_id: i32,
    pub owner_name: String,
    pub pipeline_id: i32,
    pub step_id: i32,
    pub status: LeadStatus,
    /// The next action in the viewer's time zone, e.g. `Nov 27, 10:30`.
    pub next_action: Option<String>,
    pub overdue: bool,
    pub version: i32,
}

/// A lead with every field, as the lead page and the API show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "id": 12, "title": "Globex annual licence", "amount": "30000.00", "currency": "EUR",
    "probability": 60, "owner_id": 2, "owner_name": "Alice Martin", "pipeline_id": 1,
    "pipeline_name": "New business", "step_id": 3, "step_name": "Proposal", "status": "active",
    "next_action_at": "2026-11-30T09:00:00Z", "next_action_local": "2026-11-30T10:00",
    "company": "Globex", "person": "Hank Scorpio", "email": "hank@globex.example",
    "phone": "+33 1 23 45 67 89", "notes": "Wants a three-year term; legal review in December.",
    "tags": ["enterprise", "renewal"], "close_reason": null, "origin_list_id": 5,
    "origin_prospect_id": 301, "created_at": "2026-10-14T08:12:00Z",
    "updated_at": "2026-11-27T09:30:00Z", "closed_at": null, "version": 7, "can_edit": true
})))]
pub struct LeadView {
    pub id: i32,
    pub title: String,
    /// A decimal string, e.g. `1200.50`.
    pub amount: String,
    pub currency: String,
    pub probability: i32,
    pub owner_id: i32,
    pub owner_name: String,
    pub pipeline_id: i32,
    pub pipeline_name: String,
    pub step_id: i32,
    pub step_name: String,
    pub status: LeadStatus,
    pub next_action_at: Option<DateTime<Utc>>,
    /// `YYYY-MM-DDTHH:MM` in the viewer's time zone, for a date-time field.
    pub next_action_local: String,
    pub company: String,
    pub person: String,
    pub email: String,
    pub phone: String,
    pub notes: String,
    pub tags: Vec<String>,
    pub close_reason: Option<String>,
    pub origin_list_id: Option<i32>,
    pub origin_prospect_id: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub version: i32,
    /// Whether the viewer may edit it.
    pub can_edit: bool,
}

/// One step move or status change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "id": 57, "user_id": 2, "user_name": "Alice Martin", "owner_id": 2, "from_step_id": 2,
    "from_step": "Demo", "to_step_id": 3, "to_step": "Proposal", "from_status": "active",
    "to_status": "active", "at": "2026-11-20T14:00:00Z", "at_local": "Nov 20, 15:00"
})))]
pub struct HistoryView {
    pub id: i32,
    pub user_id: i32,
    pub user_name: String,
    pub owner_id: i32,
    pub from_step_id: Option<i32>,
    pub from_step: Option<String>,
    pub to_step_id: i32,
    pub to_step: String,
    pub from_status: Option<LeadStatus>,
    pub to_status: LeadStatus,
    pub at: DateTime<Utc>,
    /// `at` in the viewer's time zone.
    pub at_local: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardColumn {
    pub step: StepView,
    /// Leads in this column under the filter, all pages.
    pub count: u64,
    pub sum: String,
    pub cards: Vec<LeadCard>,
    pub has_more: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardView {
    pub pipelines: Vec<PipelineView>,
    pub pipeline_id: Option<i32>,
    pub columns: Vec<BoardColumn>,
    pub currency: String,
    pub me: i32,
    pub can_reassign: bool,
    pub owners: Vec<(i32, String)>,
    /// The pipeline's result goals in their current periods.
    #[serde(default)]
    pub goals: Vec<crate::goals::api::GoalProgress>,
}

/// The board's filter, as it stands in the URL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BoardFilter {
    pub pipeline: Option<i32>,
    /// `all` (default), `me`, or a user id.
    pub owner: String,
    /// `open` (default: active and standby), a status, or `closed`.
    pub status: String,
    pub tag: String,
    pub q: String,
}

/// Cards per column page.
pub const PAGE: u64 = 50;

pub fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Fields to set on a lead; absent fields keep their value (or take the default on creation).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "title": null, "amount": "32000.00", "currency": null, "probability": 70, "owner_id": null,
    "step_id": 4, "status": null, "next_action_at": "2026-12-02T09:00:00Z", "company": null,
    "person": null, "email": null, "phone": null, "notes": null, "tags": null,
    "close_reason": null
})))]
#[serde(default)]
pub struct LeadPatch {
    pub title: Option<String>,
    /// A decimal string such as `1200.50`.
    pub amount: Option<String>,
    pub currency: Option<String>,
    pub probability: Option<i32>,
    pub owner_id: Option<i32>,
    /// The step decides the pipeline.
    pub step_id: Option<i32>,
    pub status: Option<String>,
    /// RFC 3339; `null` clears it.
    #[serde(deserialize_with = "double_option")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<DateTime<Utc>>))]
    pub next_action_at: Option<Option<DateTime<Utc>>>,
    pub company: Option<String>,
    pub person: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub notes: Option<String>,
    pub tags: Option<Vec<String>>,
    /// Why it was won, lost or cancelled.
    pub close_reason: Option<String>,
}

/// A lead form as typed: every field is text. Empty fields are left out of the patch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LeadForm {
    pub title: String,
    pub amount: String,
    pub probability: String,
    pub owner_id: String,
    pub step_id: String,
    pub status: String,
    /// `YYYY-MM-DDTHH:MM` in the user's time zone; empty clears it.
    pub next_action: String,
    pub company: String,
    pub person: String,
    pub email: String,
    pub phone: String,
    pub notes: String,
    /// Comma-separated.
    pub tags: String,
}

#[server(endpoint = "get_board")]
pub async fn get_board(filter: BoardFilter) -> Result<BoardView, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, leads, respond, state};
    respond(
        async {
            let actor = authorize(Action::ViewTeam).await?;
            let db = &state()?.db;
            let mut board = leads::board(db, &actor, &filter).await?;
            if let Some(pipeline) = board.pipeline_id {
                board.goals =
                    crate::server::goals::for_pipeline(db, &actor, pipeline, chrono::Utc::now())
                        .await?;
            }
            Ok(board)
        }
        .await,
    )
}

#[server(endpoint = "load_column")]
pub async fn load_column(
    filter: BoardFilter,
    step_id: i32,
    offset: u64,
) -> Result<(Vec<LeadCard>, bool), AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, leads, respond, state};
    respond(
        async {
            let actor = authorize(Action::ViewTeam).await?;
            leads::column_page(&state()?.db, &actor, &filter, step_id, offset).await
        }
        .await,
    )
}

#[server(endpoint = "get_lead")]
pub async fn get_lead(id: i32) -> Result<(LeadView, Vec<HistoryView>), AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, leads, respond, state};
    respond(
        async {
            let actor = authorize(Action::ViewTeam).await?;
            let db = &state()?.db;
            Ok((
                leads::get(db, &actor, id).await?,
                leads::history(db, &actor, id).await?,
            ))
        }
        .await,
    )
}

#[server(endpoint = "create_lead")]
pub async fn create_lead(lead: LeadForm) -> Result<LeadView, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, leads, respond, state};
    respond(
        async {
            let actor = authorize(Action::ViewTeam).await?;
            let state = state()?;
            let patch = leads::form_to_patch(&state.db, &actor, lead).await?;
            leads::create(&state.db, &state.bus, &actor, patch).await
        }
        .await,
    )
}

#[server(endpoint = "update_lead")]
pub async fn update_lead(id: i32, version: i32, lead: LeadForm) -> Result<LeadView, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, leads, respond, state};
    respond(
        async {
            let actor = authorize(Action::ViewTeam).await?;
            let state = state()?;
            let patch = leads::form_to_patch(&state.db, &actor, lead).await?;
            leads::update(&state.db, &state.bus, &actor, id, version, patch).await
        }
        .await,
    )
}

#[server(endpoint = "move_lead")]
pub async fn move_lead(id: i32, version: i32, step_id: i32) -> Result<LeadView, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, leads, respond, state};
    respond(
        async {
            let actor = authorize(Action::ViewTeam).await?;
            let state = state()?;
            let patch = LeadPatch {
                step_id: Some(step_id),
                ..Default::default()
            };
            leads::update(&state.db, &state.bus, &actor, id, version, patch).await
        }
        .await,
    )
}

/// Won, lost or cancelled (with an optional reason), or reopened as active.
#[server(endpoint = "set_lead_status")]
pub async fn set_lead_status(
    id: i32,
    version: i32,
    status: String,
    reason: String,
) -> Result<LeadView, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, leads, respond, state};
    respond(
        async {
            let actor = authorize(Action::ViewTeam).await?;
            let state = state()?;
            let patch = LeadPatch {
                status: Some(status),
                close_reason: Some(reason),
                ..Default::default()
            };
            leads::update(&state.db, &state.bus, &actor, id, version, patch).await
        }
        .await,
    )
}

#[server(endpoint = "delete_lead")]
pub async fn delete_lead(id: i32) -> Result<(), AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, leads, respond, state};
    respond(
        async {
            let actor = authorize(Action::ViewTeam).await?;
            let state = state()?;
            leads::delete(&state.db, &state.bus, &actor, id).await
        }
        .await,
    )
}
