//! The OpenAPI document as the reference page shows it.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ApiDocument {
    pub title: String,
    pub version: String,
    pub groups: Vec<ApiGroup>,
}

/// The operations of one tag (leads, activities, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiGroup {
    pub tag: String,
    pub operations: Vec<ApiOperation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiOperation {
    /// GET, POST, ...
    pub method: String,
    pub path: String,
    pub summary: String,
    pub description: String,
    pub parameters: Vec<ApiParameter>,
    /// "application/json: LeadPatch".
    pub request: Option<String>,
    pub responses: Vec<ApiResponse>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiParameter {
    pub name: String,
    /// path or query.
    pub location: String,
    pub required: bool,
    /// "integer", "string", "LeadStatus".
    pub kind: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiResponse {
    pub status: String,
    pub description: String,
    /// "application/json: LeadView", "text/csv: string".
    pub content: Vec<String>,
}

#[server(endpoint = "api_reference")]
pub async fn api_reference() -> Result<ApiDocument, AppError> {
    use crate::domain::Action;
    use crate::server::{api_reference, authorize, respond, state};
    respond(
        async {
            authorize(Action::ViewTeam).await?;
            Ok(api_reference::read(&state()?.openapi))
        }
        .await,
    )
}
