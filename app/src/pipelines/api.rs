use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "id": 3, "pipeline_id": 1, "name": "Proposal", "position": 2
})))]
pub struct StepView {
    pub id: i32,
    pub pipeline_id: i32,
    pub name: String,
    pub position: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "id": 1, "name": "New business", "is_default": true, "position": 0,
    "steps": [
        {"id": 1, "pipeline_id": 1, "name": "Qualified", "position": 0},
        {"id": 2, "pipeline_id": 1, "name": "Demo", "position": 1},
        {"id": 3, "pipeline_id": 1, "name": "Proposal", "position": 2},
        {"id": 4, "pipeline_id": 1, "name": "Negotiation", "position": 3}
    ],
    "lead_count": 42
})))]
pub struct PipelineView {
    pub id: i32,
    pub name: String,
    pub is_default: bool,
    pub position: i32,
    /// In board order.
    pub steps: Vec<StepView>,
    /// Leads of any status in this pipeline.
    pub lead_count: u64,
}

#[server(endpoint = "list_pipelines")]
pub async fn list_pipelines() -> Result<Vec<PipelineView>, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, pipelines, respond, state};
    respond(
        async {
            authorize(Action::ViewTeam).await?;
            pipelines::list(&state()?.db).await
        }
        .await,
    )
}

#[server(endpoint = "create_pipeline")]
pub async fn create_pipeline(name: String, steps: String) -> Result<PipelineView, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, pipelines, respond, state};
    respond(
        async {
            authorize(Action::ManagePipelines).await?;
            let state = state()?;
            let names: Vec<String> = steps.split([',', '\n']).map(str::to_string).collect();
            pipelines::create(&state.db, &state.bus, &name, &names).await
        }
        .await,
    )
}

#[server(endpoint = "rename_pipeline")]
pub async fn rename_pipeline(id: i32, name: String) -> Result<PipelineView, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, pipelines, respond, state};
    respond(
        async {
            authorize(Action::ManagePipelines).await?;
            let state = state()?;
            pipelines::rename(&state.db, &state.bus, id, &name).await
        }
        .await,
    )
}

#[server(endpoint = "set_default_pipeline")]
pub async fn set_default_pipeline(id: i32) -> Result<(), AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, pipelines, respond, state};
    respond(
        async {
            authorize(Action::ManagePipelines).await?;
            let state = state()?;
            pipelines::set_default(&state.db, &state.bus, id).await
        }
        .await,
    )
}

/// Deletes a pipeline; its leads, if any, go to the first step of `move_to` (empty: none).
#[server(endpoint = "delete_pipeline")]
pub async fn delete_pipeline(id: i32, move_to: String) -> Result<(), AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, pipelines, respond, state};
    respond(
        async {
            let actor = authorize(Action::ManagePipelines).await?;
            let state = state()?;
            let move_to = parse_optional_id(&move_to, "move_to")?;
            pipelines::delete(&state.db, &state.bus, &actor, id, move_to).await
        }
        .await,
    )
}

#[server(endpoint = "add_step")]
pub async fn add_step(pipeline_id: i32, name: String) -> Result<StepView, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, pipelines, respond, state};
    respond(
        async {
            authorize(Action::ManagePipelines).await?;
            let state = state()?;
            pipelines::add_step(&state.db, &state.bus, pipeline_id, &name).await
        }
        .await,
    )
}

#[server(endpoint = "rename_step")]
pub async fn rename_step(id: i32, name: String) -> Result<StepView, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, pipelines, respond, state};
    respond(
        async {
            authorize(Action::ManagePipelines).await?;
            let state = state()?;
            pipelines::rename_step(&state.db, &state.bus, id, &name).await
        }
        .await,
    )
}

/// Puts a step at `position` (0 = first) within its pipeline.
#[server(endpoint = "reorder_step")]
pub async fn reorder_step(id: i32, position: i32) -> Result<(), AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, pipelines, respond, state};
    respond(
        async {
            authorize(Action::ManagePipelines).await?;
            let state = state()?;
            pipelines::reorder_step(&state.db, &state.bus, id, position).await
        }
        .await,
    )
}

/// Deletes a step; its leads go to `move_to` (another step of the same pipeline).
#[server(endpoint = "delete_step")]
pub async fn delete_step(id: i32, move_to: String) -> Result<(), AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, pipelines, respond, state};
    respond(
        async {
            let actor = authorize(Action::ManagePipelines).await?;
            let state = state()?;
            let move_to = parse_optional_id(&move_to, "move_to")?;
            pipelines::delete_step(&state.db, &state.bus, &actor, id, move_to).await
        }
        .await,
    )
}

/// An id chosen in a form: empty means none.
pub fn parse_optional_id(text: &str, field: &str) -> Result<Option<i32>, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| AppError::field(field, "Choose one from the list."))
}
