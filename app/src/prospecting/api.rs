//! What the prospecting pages and the API exchange, and the server functions behind the pages.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use crate::activities::api::{ActivityTypeView, ActivityView};
use crate::admin::api::UserView;
use crate::domain::prospecting::{ColumnKind, ProspectStatus, QuestionKind, Target};
use crate::error::AppError;
use crate::pipelines::api::PipelineView;

/// Rows per page of a list.
pub const ROWS: u64 = 50;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "id": 11, "name": "Company", "kind": "company", "position": 0
})))]
pub struct ColumnView {
    pub id: i32,
    pub name: String,
    pub kind: ColumnKind,
    pub position: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "id": 5, "name": "Paris SaaS Q4", "owner_id": 3, "owner_name": "Bruno Petit",
    "pipeline_id": 1, "step_id": 1, "script_id": 2, "show_unassigned": true, "archived": false,
    "columns": [
        {"id": 11, "name": "Company", "kind": "company", "position": 0},
        {"id": 12, "name": "Contact", "kind": "person", "position": 1},
        {"id": 13, "name": "Email", "kind": "email", "position": 2},
        {"id": 14, "name": "Phone", "kind": "phone", "position": 3}
    ],
    "rows": 250, "created_at": "2026-10-01T08:00:00Z"
})))]
pub struct ListView {
    pub id: i32,
    pub name: String,
    pub owner_id: i32,
    pub owner_name: String,
    /// Where its prospects go when converted (defaults of the conversion form).
    pub pipeline_id: Option<i32>,
    pub step_id: Option<i32>,
    /// The script offered on its calls.
    pub script_id: Option<i32>,
    /// Whether members see (and may work) rows assigned to no one.
    pub show_unassigned: bool,
    pub archived: bool,
    pub columns: Vec<ColumnView>,
    /// Rows the viewer sees.
    pub rows: u64,
    pub created_at: DateTime<Utc>,
}

/// One row of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "id": 318, "list_id": 5,
    "cells": {
        "11": "Initech", "12": "Bill Lumbergh", "13": "bill@initech.example",
        "14": "+33 1 98 76 54 32"
    },
    "label": "Initech · Bill Lumbergh", "assigned_to": 3, "assigned_name": "Bruno Petit",
    "status": "in_progress", "disqualify_reason": null, "lead_id": null, "activity_count": 2,
    "last_activity_at": "2026-11-27T09:30:00Z", "last_activity": "Call",
    "last_local": "Nov 27, 10:30", "created_at": "2026-10-01T08:05:00Z",
    "updated_at": "2026-11-27T09:30:00Z"
})))]
pub struct ProspectView {
    pub id: i32,
    pub list_id: i32,
    /// Column id → text.
    pub cells: BTreeMap<String, String>,
    /// Its first two non-empty cells.
    pub label: String,
    pub assigned_to: Option<i32>,
    pub assigned_name: Option<String>,
    pub status: ProspectStatus,
    pub disqualify_reason: Option<String>,
    /// The lead it became.
    pub lead_id: Option<i32>,
    pub activity_count: i32,
    pub last_activity_at: Option<DateTime<Utc>>,
    /// The type of the last activity.
    pub last_activity: Option<String>,
    /// `last_activity_at` in the viewer's time zone.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub last_local: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What the list page asks for: filters by column (`"<column id>"`, or `status`, `assigned`),
/// a sort key (the same keys, or `activities`, `last`), and a page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RowQuery {
    /// Key → text the cell contains (case-insensitive); `status` takes a status, `assigned` a
    /// user id or `none`.
    pub filters: BTreeMap<String, String>,
    pub sort: String,
    pub desc: bool,
    pub offset: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProspectPage {
    pub items: Vec<ProspectView>,
    pub offset: u64,
    /// Rows matching the filters (with filters, counted up to 10,000).
    pub total: u64,
    /// `total` is a lower bound: more rows match.
    pub more: bool,
}

/// The list page: the list, a page of rows, who rows can be assigned to, the viewer's rights.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetData {
    pub list: ListView,
    pub page: ProspectPage,
    pub people: Vec<UserView>,
    pub can_manage: bool,
    /// An import still running or waiting for a decision, to follow.
    pub import: Option<ImportView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "line": 42, "reason": "Email: \"bill(at)initech\" is not an email address."
})))]
pub struct ImportErrorView {
    /// The line of the file where the rejected record starts (1 = the header).
    pub line: i64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "id": 7, "list_id": 5, "status": "review", "good_rows_only": false, "total_bytes": 48213,
    "read_bytes": 48213, "rows_ok": 248, "rows_bad": 2, "message": "",
    "errors": [
        {"line": 42, "reason": "Email: \"bill(at)initech\" is not an email address."},
        {"line": 187, "reason": "Expected 4 fields, found 3."}
    ],
    "created_at": "2026-10-01T08:03:00Z"
})))]
pub struct ImportView {
    pub id: i32,
    pub list_id: i32,
    /// `running`, `cancelling`, `review` (rows were rejected: import the good ones or discard),
    /// `done`, `cancelled`, `failed`.
    pub status: String,
    /// `true`: rejected rows do not stop the others.
    pub good_rows_only: bool,
    pub total_bytes: i64,
    pub read_bytes: i64,
    pub rows_ok: i64,
    pub rows_bad: i64,
    /// What went wrong, for a failed import.
    pub message: String,
    /// The first rejected rows (all of them in the error CSV).
    pub errors: Vec<ImportErrorView>,
    pub created_at: DateTime<Utc>,
}

impl ImportView {
    pub fn percent(&self) -> u32 {
        if self.total_bytes <= 0 {
            return 0;
        }
        ((self.read_bytes.min(self.total_bytes) * 100) / self.total_bytes) as u32
    }

    pub fn is_open(&self) -> bool {
        matches!(self.status.as_str(), "running" | "cancelling" | "review")
    }
}

/// The start of a CSV file, read for the mapping step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preview {
    /// `,` `;` or a tab.
    pub delimiter: String,
    pub headers: Vec<String>,
    /// Up to 5 rows after the header.
    pub rows: Vec<Vec<String>>,
    /// The suggested target of each header.
    pub mapping: Vec<Target>,
    /// The list's columns, which a CSV column may go into.
    pub columns: Vec<(i32, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "id": 21, "position": 0, "kind": "single", "prompt": "Who decides on the purchase?",
    "options": ["The contact", "Their manager", "A committee"], "required": true
})))]
pub struct QuestionView {
    pub id: i32,
    pub position: i32,
    pub kind: QuestionKind,
    pub prompt: String,
    pub options: Vec<String>,
    pub required: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "id": 2, "name": "Discovery call",
    "questions": [
        {
            "id": 21, "position": 0, "kind": "single", "prompt": "Who decides on the purchase?",
            "options": ["The contact", "Their manager", "A committee"], "required": true
        },
        {
            "id": 22, "position": 1, "kind": "text", "prompt": "Which tool do they use today?",
            "options": [], "required": false
        }
    ],
    "used_by": ["Paris SaaS Q4", "New business"], "pipeline_ids": [1]
})))]
pub struct ScriptView {
    pub id: i32,
    pub name: String,
    /// The current questions, in order.
    pub questions: Vec<QuestionView>,
    /// Lists and pipelines using it.
    pub used_by: Vec<String>,
    /// The pipelines whose leads are called with it.
    pub pipeline_ids: Vec<i32>,
}

/// A question of a script as an admin edits it: an empty id adds it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "id": 21, "kind": "single", "prompt": "Who decides on the purchase?",
    "options": ["The contact", "Their manager", "A committee"], "required": true
})))]
#[serde(default)]
pub struct QuestionForm {
    pub id: Option<i32>,
    pub kind: String,
    pub prompt: String,
    pub options: Vec<String>,
    pub required: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "question_id": 21, "prompt": "Who decides on the purchase?", "kind": "single",
    "value": ["A committee"], "retired": false, "updated_by": "Bruno Petit",
    "updated_at": "2026-11-27T09:34:00Z"
})))]
pub struct AnswerView {
    pub question_id: i32,
    pub prompt: String,
    pub kind: QuestionKind,
    /// Free text: one item; choices: the picked options.
    pub value: Vec<String>,
    /// Answered to an earlier version of the script's question.
    pub retired: bool,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

/// Everything the prospect page shows, in one load.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProspectRecord {
    pub prospect: ProspectView,
    pub list: ListView,
    pub activities: Vec<ActivityView>,
    pub types: Vec<ActivityTypeView>,
    pub script: Option<ScriptView>,
    pub answers: Vec<AnswerView>,
    pub pipelines: Vec<PipelineView>,
    pub people: Vec<UserView>,
    pub can_manage: bool,
}

/// Changes to a list; absent fields keep their value, `null` clears an optional id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "name": "Paris SaaS Q4", "owner_id": null, "script_id": 2, "show_unassigned": false,
    "archived": null
})))]
#[serde(default)]
pub struct ListSettings {
    pub name: Option<String>,
    pub owner_id: Option<i32>,
    #[serde(
        deserialize_with = "crate::leads::api::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<i32>))]
    pub pipeline_id: Option<Option<i32>>,
    #[serde(
        deserialize_with = "crate::leads::api::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<i32>))]
    pub step_id: Option<Option<i32>>,
    #[serde(
        deserialize_with = "crate::leads::api::double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<i32>))]
    pub script_id: Option<Option<i32>>,
    pub show_unassigned: Option<bool>,
    /// `true` hides the list (kept for reports); `false` brings it back.
    pub archived: Option<bool>,
}

/// The conversion form, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConvertForm {
    pub title: String,
    pub step_id: String,
    pub amount: String,
    pub owner_id: String,
}

// ---------------------------------------------------------------------------------------
// Server functions

#[server(endpoint = "prospecting_lists")]
pub async fn prospecting_lists(archived: bool) -> Result<Vec<ListView>, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, prospecting, respond, state};
    respond(
        async {
            let actor = authorize(Action::WorkProspects).await?;
            prospecting::lists(&state()?.db, &actor, archived).await
        }
        .await,
    )
}

/// Creates a list with columns given as `Name:kind` lines (kind optional).
#[server(endpoint = "create_prospecting_list")]
pub async fn create_prospecting_list(name: String, columns: String) -> Result<ListView, AppError> {
    use crate::domain::Action;
    use crate::server::prospecting::{self, NewColumn};
    use crate::server::{authorize, respond, state};
    respond(
        async {
            let actor = authorize(Action::ManageLists).await?;
            let columns = columns
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(NewColumn::from_line)
                .collect();
            prospecting::create_list(&state()?.db, &actor, &name, columns).await
        }
        .await,
    )
}

/// Changes a list's settings (empty fields keep theirs; `-` clears an id).
#[server(endpoint = "update_prospecting_list", input = Json)]
pub async fn update_prospecting_list(
    id: i32,
    settings: ListSettings,
) -> Result<ListView, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, prospecting, respond, state};
    respond(
        async {
            let actor = authorize(Action::ManageLists).await?;
            prospecting::update_list(&state()?.db, &actor, id, settings).await
        }
        .await,
    )
}

/// Adds a column to a list (`id` empty) or renames / retypes one.
#[server(endpoint = "save_column")]
pub async fn save_column(
    list_id: i32,
    id: String,
    name: String,
    kind: String,
) -> Result<ColumnView, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, prospecting, respond, state};
    respond(
        async {
            let actor = authorize(Action::ManageLists).await?;
            let id = crate::pipelines::api::parse_optional_id(&id, "id")?;
            prospecting::save_column(&state()?.db, &actor, list_id, id, &name, &kind).await
        }
        .await,
    )
}

#[server(endpoint = "delete_column")]
pub async fn delete_column(list_id: i32, id: i32) -> Result<(), AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, prospecting, respond, state};
    respond(
        async {
            let actor = authorize(Action::ManageLists).await?;
            prospecting::delete_column(&state()?.db, &actor, list_id, id).await
        }
        .await,
    )
}

/// The list page's data: the list and a page of its rows.
#[server(endpoint = "list_page", input = Json)]
pub async fn list_page(id: i32, query: RowQuery) -> Result<SheetData, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, imports, prospecting, respond, state, users};
    respond(
        async {
            let actor = authorize(Action::WorkProspects).await?;
            let db = &state()?.db;
            let (list, page) = prospecting::sheet(db, &actor, id, &query).await?;
            Ok(SheetData {
                list,
                page,
                people: users::list(db)
                    .await?
                    .into_iter()
                    .filter(|u| u.active)
                    .collect(),
                can_manage: crate::domain::access::allows(actor.role, Action::ManageLists),
                import: imports::open_for(db, id).await?,
            })
        }
        .await,
    )
}

#[server(endpoint = "list_rows", input = Json)]
pub async fn list_rows(id: i32, query: RowQuery) -> Result<ProspectPage, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, prospecting, respond, state};
    respond(
        async {
            let actor = authorize(Action::WorkProspects).await?;
            prospecting::rows(&state()?.db, &actor, id, &query).await
        }
        .await,
    )
}

/// Sets one cell of a row.
#[server(endpoint = "set_cell")]
pub async fn set_cell(id: i32, column_id: i32, value: String) -> Result<ProspectView, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, prospecting, respond, state};
    respond(
        async {
            let actor = authorize(Action::WorkProspects).await?;
            let state = state()?;
            let mut cells = BTreeMap::new();
            cells.insert(column_id.to_string(), value);
            prospecting::update_prospect(&state.db, &state.bus, &actor, id, Some(cells), None).await
        }
        .await,
    )
}

/// Adds an empty row, or one with `cells`.
#[server(endpoint = "add_prospect", input = Json)]
pub async fn add_prospect(
    list_id: i32,
    cells: BTreeMap<String, String>,
) -> Result<ProspectView, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, prospecting, respond, state};
    respond(
        async {
            let actor = authorize(Action::ManageLists).await?;
            let state = state()?;
            prospecting::add_prospect(&state.db, &state.bus, &actor, list_id, cells, None).await
        }
        .await,
    )
}

/// Assigns rows to a rep (`None`: to no one).
#[server(endpoint = "assign_prospects", input = Json)]
pub async fn assign_prospects(ids: Vec<i32>, user_id: Option<i32>) -> Result<u64, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, prospecting, respond, state};
    respond(
        async {
            let actor = authorize(Action::ManageLists).await?;
            let state = state()?;
            prospecting::assign(&state.db, &state.bus, &actor, &ids, user_id).await
        }
        .await,
    )
}

#[server(endpoint = "delete_prospects", input = Json)]
pub async fn delete_prospects(ids: Vec<i32>) -> Result<u64, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, prospecting, respond, state};
    respond(
        async {
            let actor = authorize(Action::ManageLists).await?;
            let state = state()?;
            prospecting::delete_prospects(&state.db, &state.bus, &actor, &ids).await
        }
        .await,
    )
}

/// Reads the start of a file (sent as text by the page) for the mapping step.
#[server(endpoint = "preview_import")]
pub async fn preview_import(
    list_id: i32,
    sample: String,
    delimiter: String,
) -> Result<Preview, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, imports, respond, state};
    respond(
        async {
            let actor = authorize(Action::ManageLists).await?;
            imports::preview(&state()?.db, &actor, list_id, sample.as_bytes(), &delimiter).await
        }
        .await,
    )
}

#[server(endpoint = "import_status")]
pub async fn import_status(id: i32) -> Result<ImportView, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, imports, respond, state};
    respond(
        async {
            authorize(Action::ManageLists).await?;
            imports::get(&state()?.db, id).await
        }
        .await,
    )
}

/// `cancel`, `accept` (import the good rows of an import in review) or `discard`.
#[server(endpoint = "decide_import")]
pub async fn decide_import(id: i32, decision: String) -> Result<ImportView, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, imports, respond, state};
    respond(
        async {
            authorize(Action::ManageLists).await?;
            let state = state()?;
            imports::decide(&state.db, &state.bus, id, &decision).await
        }
        .await,
    )
}

/// Everything the prospect page shows.
#[server(endpoint = "prospect_detail")]
pub async fn prospect_detail(id: i32) -> Result<ProspectRecord, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, prospecting, respond, state};
    respond(
        async {
            let actor = authorize(Action::WorkProspects).await?;
            prospecting::detail(&state()?.db, &actor, id).await
        }
        .await,
    )
}

#[server(endpoint = "convert_prospect")]
pub async fn convert_prospect(id: i32, form: ConvertForm) -> Result<i32, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, prospecting, respond, state};
    respond(
        async {
            let actor = authorize(Action::WorkProspects).await?;
            let state = state()?;
            let conversion = prospecting::Conversion::from_form(form)?;
            prospecting::convert(&state.db, &state.bus, &actor, id, conversion)
                .await
                .map(|lead| lead.id)
        }
        .await,
    )
}

#[server(endpoint = "disqualify_prospect")]
pub async fn disqualify_prospect(id: i32, reason: String) -> Result<ProspectView, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, prospecting, respond, state};
    respond(
        async {
            let actor = authorize(Action::WorkProspects).await?;
            let state = state()?;
            prospecting::disqualify(&state.db, &state.bus, &actor, id, &reason).await
        }
        .await,
    )
}

/// Saves one answer of a call (as it is typed): on a prospect or on a lead.
#[server(endpoint = "save_answer", input = Json)]
pub async fn save_answer(
    prospect_id: Option<i32>,
    lead_id: Option<i32>,
    question_id: i32,
    value: Vec<String>,
) -> Result<AnswerView, AppError> {
    use crate::domain::Action;
    use crate::server::scripts::{self, Subject};
    use crate::server::{authorize, respond, state};
    respond(
        async {
            let actor = authorize(Action::WorkProspects).await?;
            let subject = Subject::of(prospect_id, lead_id)?;
            scripts::save_answer(&state()?.db, &actor, subject, question_id, value).await
        }
        .await,
    )
}

#[server(endpoint = "list_scripts")]
pub async fn list_scripts() -> Result<Vec<ScriptView>, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, respond, scripts, state};
    respond(
        async {
            authorize(Action::WorkProspects).await?;
            scripts::list(&state()?.db).await
        }
        .await,
    )
}

/// Creates (`id` None) or changes a script: its name and its whole question list in order.
#[server(endpoint = "save_script", input = Json)]
pub async fn save_script(
    id: Option<i32>,
    name: String,
    questions: Vec<QuestionForm>,
    pipeline_ids: Option<Vec<i32>>,
) -> Result<ScriptView, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, respond, scripts, state};
    respond(
        async {
            authorize(Action::ManageScripts).await?;
            scripts::save(&state()?.db, id, &name, questions, pipeline_ids).await
        }
        .await,
    )
}

#[server(endpoint = "delete_script")]
pub async fn delete_script(id: i32) -> Result<(), AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, respond, scripts, state};
    respond(
        async {
            authorize(Action::ManageScripts).await?;
            scripts::delete(&state()?.db, id).await
        }
        .await,
    )
}

/// A lead's call script (its pipeline's, else its list's) and the answers given on it or on
/// the prospect it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadCall {
    pub script: Option<ScriptView>,
    pub answers: Vec<AnswerView>,
}

#[server(endpoint = "lead_answers")]
pub async fn lead_answers(lead_id: i32) -> Result<LeadCall, AppError> {
    use crate::domain::Action;
    use crate::server::scripts::{self, Subject};
    use crate::server::{authorize, respond, state};
    respond(
        async {
            let actor = authorize(Action::LogActivities).await?;
            let db = &state()?.db;
            crate::server::leads::get(db, &actor, lead_id).await?;
            Ok(LeadCall {
                script: scripts::for_lead(db, lead_id).await?,
                answers: scripts::answers(db, &actor, Subject::Lead(lead_id)).await?,
            })
        }
        .await,
    )
}
