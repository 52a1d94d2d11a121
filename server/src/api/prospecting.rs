//! Prospecting lists, their rows, CSV imports, conversion, script answers and scripts.

use std::collections::{BTreeMap, HashMap};
use std::pin::Pin;

use app::domain::prospecting::{parse_delimiter, ColumnKind, Target};
use app::domain::Action;
use app::error::AppError;
use app::leads::api::LeadView;
use app::prospecting::api::{
    AnswerView, ColumnView, ImportView, ListSettings, ListView, ProspectPage, ProspectView,
    QuestionForm, RowQuery, ScriptView,
};
use app::server::imports::{self, ImportOptions};
use app::server::prospecting::{self, Conversion, NewColumn};
use app::server::scripts::{self, Subject};
use app::server::AppState;
use axum::body::{Body, HttpBody};
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::page::{page_of, Paging};
use super::{ApiError, ApiJson, ApiResult, ApiUser, ErrorBody};

page_of!(
    /// A page of prospecting lists.
    ListPage,
    ListView
);
page_of!(
    /// A page of call scripts.
    ScriptPage,
    ScriptView
);

#[derive(Debug, Serialize, Deserialize, ToSchema, Default)]
#[schema(example = json!({"name": "Industry", "kind": "text"}))]
#[serde(default)]
pub struct ColumnBody {
    pub name: String,
    /// text (default), company, person, email, phone
    pub kind: Option<ColumnKind>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema, Default)]
#[schema(example = json!({
    "name": "Paris SaaS Q4",
    "columns": [
        {"name": "Company", "kind": "company"}, {"name": "Contact", "kind": "person"},
        {"name": "Email", "kind": "email"}, {"name": "Phone", "kind": "phone"}
    ]
}))]
#[serde(default)]
pub struct NewListBody {
    pub name: String,
    pub columns: Vec<ColumnBody>,
}

/// Adds a column at the end of a list (managers and admins).
#[utoipa::path(post, path = "/api/v1/prospecting-lists/{id}/columns", tag = "prospecting", request_body = ColumnBody,
    responses((status = 201, body = ColumnView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_column(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
    ApiJson(body): ApiJson<ColumnBody>,
) -> ApiResult<(StatusCode, Json<ColumnView>)> {
    user.require(Action::ManageLists)?;
    let kind = body.kind.unwrap_or_else(|| ColumnKind::guess(&body.name));
    let column =
        prospecting::save_column(&state.db, &user.0, id, None, &body.name, kind.as_str()).await?;
    Ok((StatusCode::CREATED, Json(column)))
}

/// Renames or retypes a column (managers and admins).
#[utoipa::path(patch, path = "/api/v1/prospecting-lists/{id}/columns/{column}", tag = "prospecting", request_body = ColumnBody,
    responses((status = 200, body = ColumnView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_column(
    State(state): State<AppState>,
    user: ApiUser,
    Path((id, column)): Path<(i32, i32)>,
    ApiJson(body): ApiJson<ColumnBody>,
) -> ApiResult<Json<ColumnView>> {
    user.require(Action::ManageLists)?;
    let kind = body.kind.unwrap_or(ColumnKind::Text);
    Ok(Json(
        prospecting::save_column(
            &state.db,
            &user.0,
            id,
            Some(column),
            &body.name,
            kind.as_str(),
        )
        .await?,
    ))
}

/// Removes a column (its cells stay in the rows, unseen).
#[utoipa::path(delete, path = "/api/v1/prospecting-lists/{id}/columns/{column}", tag = "prospecting",
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_column(
    State(state): State<AppState>,
    user: ApiUser,
    Path((id, column)): Path<(i32, i32)>,
) -> ApiResult<StatusCode> {
    user.require(Action::ManageLists)?;
    prospecting::delete_column(&state.db, &user.0, id, column).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct ListsQuery {
    /// `true`: the archived lists.
    pub archived: bool,
    /// Items per page: 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// Items to skip (default 0).
    pub offset: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/prospecting-lists", tag = "prospecting", params(ListsQuery),
    responses((status = 200, body = ListPage), (status = 401, body = ErrorBody)))]
pub async fn lists(
    State(state): State<AppState>,
    user: ApiUser,
    Query(query): Query<ListsQuery>,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Json<ListPage>> {
    user.require(Action::WorkProspects)?;
    let all = prospecting::lists(&state.db, &user.0, query.archived).await?;
    let paging = Paging::new(query.limit, query.offset);
    Ok(Json(ListPage::slice(all, paging, &uri)))
}

/// Creates a list with its columns (managers and admins).
#[utoipa::path(post, path = "/api/v1/prospecting-lists", tag = "prospecting", request_body = NewListBody,
    responses((status = 201, body = ListView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_list(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<NewListBody>,
) -> ApiResult<(StatusCode, Json<ListView>)> {
    user.require(Action::ManageLists)?;
    let columns = body
        .columns
        .into_iter()
        .map(|c| NewColumn {
            kind: c
                .kind
                .unwrap_or_else(|| ColumnKind::guess(&c.name))
                .as_str()
                .into(),
            name: c.name,
        })
        .collect();
    let list = prospecting::create_list(&state.db, &user.0, &body.name, columns).await?;
    Ok((StatusCode::CREATED, Json(list)))
}

#[utoipa::path(get, path = "/api/v1/prospecting-lists/{id}", tag = "prospecting",
    responses((status = 200, body = ListView), (status = 404, body = ErrorBody)))]
pub async fn get_list(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
) -> ApiResult<Json<ListView>> {
    user.require(Action::WorkProspects)?;
    Ok(Json(prospecting::get_list(&state.db, &user.0, id).await?))
}

/// Renames a list, changes its owner, conversion defaults, script, who sees unassigned rows,
/// or archives it (managers and admins).
#[utoipa::path(patch, path = "/api/v1/prospecting-lists/{id}", tag = "prospecting", request_body = ListSettings,
    responses((status = 200, body = ListView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_list(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
    ApiJson(body): ApiJson<ListSettings>,
) -> ApiResult<Json<ListView>> {
    user.require(Action::ManageLists)?;
    Ok(Json(
        prospecting::update_list(&state.db, &user.0, id, body).await?,
    ))
}

/// Archives a list: hidden from the lists, kept (with its rows) for reports.
#[utoipa::path(delete, path = "/api/v1/prospecting-lists/{id}", tag = "prospecting",
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn archive_list(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
) -> ApiResult<StatusCode> {
    user.require(Action::ManageLists)?;
    let settings = ListSettings {
        archived: Some(true),
        ..Default::default()
    };
    prospecting::update_list(&state.db, &user.0, id, settings).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Row filters: `status`, `assigned` (a user id or `none`), `filter.<column id>=text` (the
/// cell contains it, ignoring case), `sort` (a column id, `status`, `assigned`, `activities`,
/// `last`), `desc=true`, `offset` (pages of 50).
#[derive(Debug, Deserialize, IntoParams, Default)]
#[allow(
    dead_code,
    reason = "documents the query, which is read as a map for `filter.<id>`"
)]
pub struct RowsQuery {
    pub status: Option<String>,
    pub assigned: Option<String>,
    pub sort: Option<String>,
    pub desc: Option<bool>,
    pub offset: Option<u64>,
}

fn row_query(params: HashMap<String, String>) -> RowQuery {
    let mut query = RowQuery::default();
    for (key, value) in params {
        match key.as_str() {
            "status" | "assigned" => {
                query.filters.insert(key, value);
            }
            "sort" => query.sort = value,
            "desc" => query.desc = value == "true" || value == "1",
            "offset" => query.offset = value.parse().unwrap_or(0),
            other => {
                if let Some(column) = other.strip_prefix("filter.") {
                    query.filters.insert(column.to_string(), value);
                }
            }
        }
    }
    query
}

#[utoipa::path(get, path = "/api/v1/prospecting-lists/{id}/prospects", tag = "prospecting", params(RowsQuery),
    responses((status = 200, body = ProspectPage), (status = 404, body = ErrorBody)))]
pub async fn rows(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
    Query(params): Query<HashMap<String, String>>,
) -> ApiResult<Json<ProspectPage>> {
    user.require(Action::WorkProspects)?;
    Ok(Json(
        prospecting::rows(&state.db, &user.0, id, &row_query(params)).await?,
    ))
}

#[derive(Debug, Serialize, Deserialize, ToSchema, Default)]
#[schema(example = json!({
    "cells": {
        "11": "Initech", "12": "Bill Lumbergh", "13": "bill@initech.example",
        "14": "+33 1 98 76 54 32"
    },
    "assigned_to": 3
}))]
#[serde(default)]
pub struct ProspectBody {
    /// Column id → text; on PATCH, an empty text empties the cell.
    pub cells: Option<BTreeMap<String, String>>,
    /// A user id; `null` unassigns (managers and admins).
    #[serde(deserialize_with = "app::leads::api::double_option")]
    #[schema(value_type = Option<i32>)]
    pub assigned_to: Option<Option<i32>>,
}

/// Adds a row (managers and admins).
#[utoipa::path(post, path = "/api/v1/prospecting-lists/{id}/prospects", tag = "prospecting", request_body = ProspectBody,
    responses((status = 201, body = ProspectView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_prospect(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
    ApiJson(body): ApiJson<ProspectBody>,
) -> ApiResult<(StatusCode, Json<ProspectView>)> {
    user.require(Action::ManageLists)?;
    let view = prospecting::add_prospect(
        &state.db,
        &state.bus,
        &user.0,
        id,
        body.cells.unwrap_or_default(),
        body.assigned_to.flatten(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[utoipa::path(get, path = "/api/v1/prospects/{id}", tag = "prospecting",
    responses((status = 200, body = ProspectView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_prospect(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
) -> ApiResult<Json<ProspectView>> {
    user.require(Action::WorkProspects)?;
    Ok(Json(
        prospecting::get_prospect(&state.db, &user.0, id).await?,
    ))
}

#[utoipa::path(patch, path = "/api/v1/prospects/{id}", tag = "prospecting", request_body = ProspectBody,
    responses((status = 200, body = ProspectView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_prospect(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
    ApiJson(body): ApiJson<ProspectBody>,
) -> ApiResult<Json<ProspectView>> {
    user.require(Action::WorkProspects)?;
    Ok(Json(
        prospecting::update_prospect(
            &state.db,
            &state.bus,
            &user.0,
            id,
            body.cells,
            body.assigned_to,
        )
        .await?,
    ))
}

/// Deletes a row that was not converted, with its activities (managers and admins).
#[utoipa::path(delete, path = "/api/v1/prospects/{id}", tag = "prospecting",
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete_prospect(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
) -> ApiResult<StatusCode> {
    user.require(Action::ManageLists)?;
    prospecting::get_prospect(&state.db, &user.0, id).await?;
    match prospecting::delete_prospects(&state.db, &state.bus, &user.0, &[id]).await? {
        0 => Err(ApiError(AppError::Conflict(
            "This prospect became a lead: it is kept as the lead's origin.".into(),
        ))),
        _ => Ok(StatusCode::NO_CONTENT),
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema, Default)]
#[schema(example = json!({
    "title": "Initech pilot project", "step_id": 1, "amount": "12000.00", "owner_id": 2
}))]
#[serde(default)]
pub struct ConvertBody {
    /// Default: the company, else the contact's name.
    pub title: Option<String>,
    /// Default: the list's step, else the first step of the list's pipeline.
    pub step_id: Option<i32>,
    /// A decimal string such as `1200.50`.
    pub amount: Option<String>,
    /// Default: the row's assignee, else you (members always get it themselves).
    pub owner_id: Option<i32>,
}

/// Turns a prospect into a lead, once (409 the second time).
#[utoipa::path(post, path = "/api/v1/prospects/{id}/convert", tag = "prospecting", request_body = ConvertBody,
    responses((status = 201, body = LeadView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn convert(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
    ApiJson(body): ApiJson<ConvertBody>,
) -> ApiResult<(StatusCode, Json<LeadView>)> {
    user.require(Action::WorkProspects)?;
    let conversion = Conversion {
        title: body.title,
        step_id: body.step_id,
        amount: body.amount,
        owner_id: body.owner_id,
    };
    let lead = prospecting::convert(&state.db, &state.bus, &user.0, id, conversion).await?;
    Ok((StatusCode::CREATED, Json(lead)))
}

#[derive(Debug, Serialize, Deserialize, ToSchema, Default)]
#[schema(example = json!({"reason": "Under contract with a competitor until 2028."}))]
#[serde(default)]
pub struct DisqualifyBody {
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/prospects/{id}/disqualify", tag = "prospecting", request_body = DisqualifyBody,
    responses((status = 200, body = ProspectView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn disqualify(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
    ApiJson(body): ApiJson<DisqualifyBody>,
) -> ApiResult<Json<ProspectView>> {
    user.require(Action::WorkProspects)?;
    Ok(Json(
        prospecting::disqualify(&state.db, &state.bus, &user.0, id, &body.reason).await?,
    ))
}

/// The script answers given about a prospect.
#[utoipa::path(get, path = "/api/v1/prospects/{id}/answers", tag = "prospecting",
    responses((status = 200, body = Vec<AnswerView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn answers(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
) -> ApiResult<Json<Vec<AnswerView>>> {
    user.require(Action::WorkProspects)?;
    Ok(Json(
        scripts::answers(&state.db, &user.0, Subject::Prospect(id)).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"question_id": 21, "value": ["A committee"]}))]
pub struct AnswerBody {
    pub question_id: i32,
    /// Free text: one item; choices: the picked options.
    pub value: Vec<String>,
}

/// Sets answers (each replaces the one given before to its question).
#[utoipa::path(put, path = "/api/v1/prospects/{id}/answers", tag = "prospecting", request_body = Vec<AnswerBody>,
    responses((status = 200, body = Vec<AnswerView>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_answers(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
    ApiJson(body): ApiJson<Vec<AnswerBody>>,
) -> ApiResult<Json<Vec<AnswerView>>> {
    user.require(Action::WorkProspects)?;
    for answer in body {
        scripts::save_answer(
            &state.db,
            &user.0,
            Subject::Prospect(id),
            answer.question_id,
            answer.value,
        )
        .await?;
    }
    Ok(Json(
        scripts::answers(&state.db, &user.0, Subject::Prospect(id)).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/scripts", tag = "prospecting", params(Paging),
    responses((status = 200, body = ScriptPage), (status = 401, body = ErrorBody)))]
pub async fn list_scripts(
    State(state): State<AppState>,
    user: ApiUser,
    Query(paging): Query<Paging>,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Json<ScriptPage>> {
    user.require(Action::WorkProspects)?;
    let all = scripts::list(&state.db).await?;
    Ok(Json(ScriptPage::slice(all, paging, &uri)))
}

#[derive(Debug, Serialize, Deserialize, ToSchema, Default)]
#[schema(example = json!({
    "name": "Discovery call",
    "questions": [
        {
            "id": 21, "kind": "single", "prompt": "Who decides on the purchase?",
            "options": ["The contact", "Their manager", "A committee"], "required": true
        },
        {
            "id": null, "kind": "text", "prompt": "Which tool do they use today?",
            "options": [], "required": false
        }
    ],
    "pipeline_ids": [1]
}))]
#[serde(default)]
pub struct ScriptBody {
    pub name: String,
    /// The whole list, in order: questions with an `id` are kept (a changed one that was
    /// answered gets a new id, its answers keep the old version), questions left out are
    /// retired.
    pub questions: Vec<QuestionForm>,
    /// The pipelines whose leads are called with this script (absent: unchanged).
    pub pipeline_ids: Option<Vec<i32>>,
}

#[utoipa::path(post, path = "/api/v1/scripts", tag = "prospecting", request_body = ScriptBody,
    responses((status = 201, body = ScriptView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_script(
    State(state): State<AppState>,
    user: ApiUser,
    ApiJson(body): ApiJson<ScriptBody>,
) -> ApiResult<(StatusCode, Json<ScriptView>)> {
    user.require(Action::ManageScripts)?;
    let script = scripts::save(
        &state.db,
        None,
        &body.name,
        body.questions,
        body.pipeline_ids,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(script)))
}

#[utoipa::path(get, path = "/api/v1/scripts/{id}", tag = "prospecting",
    responses((status = 200, body = ScriptView), (status = 404, body = ErrorBody)))]
pub async fn get_script(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
) -> ApiResult<Json<ScriptView>> {
    user.require(Action::WorkProspects)?;
    Ok(Json(scripts::get(&state.db, id).await?))
}

#[utoipa::path(put, path = "/api/v1/scripts/{id}", tag = "prospecting", request_body = ScriptBody,
    responses((status = 200, body = ScriptView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_script(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
    ApiJson(body): ApiJson<ScriptBody>,
) -> ApiResult<Json<ScriptView>> {
    user.require(Action::ManageScripts)?;
    Ok(Json(
        scripts::save(
            &state.db,
            Some(id),
            &body.name,
            body.questions,
            body.pipeline_ids,
        )
        .await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/scripts/{id}", tag = "prospecting",
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete_script(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
) -> ApiResult<StatusCode> {
    user.require(Action::ManageScripts)?;
    scripts::delete(&state.db, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// How to read the uploaded CSV.
#[derive(Debug, Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct ImportQuery {
    /// `comma`, `semicolon` or `tab`; detected when absent.
    pub delimiter: Option<String>,
    /// JSON array, one entry per CSV column: `"skip"`, `{"column": <id>}` or
    /// `{"new": {"name": "City", "kind": "text"}}`. Absent: each header goes to the list column
    /// of the same name, else to a new column.
    pub mapping: Option<String>,
    /// `true`: import the good rows even if some are rejected (default: all or nothing; with
    /// rejected rows the import waits in `review` for `accept` or `discard`).
    pub good_rows_only: bool,
}

/// Imports a CSV (the request body, UTF-8, any size) into a list, in the background: answers
/// 202 with the import, whose progress and rejected lines `GET /api/v1/imports/{id}` shows.
#[utoipa::path(post, path = "/api/v1/prospecting-lists/{id}/import", tag = "prospecting", params(ImportQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 202, body = ImportView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
    Query(query): Query<ImportQuery>,
    body: Body,
) -> ApiResult<(StatusCode, Json<ImportView>)> {
    user.require(Action::ManageLists)?;
    let delimiter = match query.delimiter.as_deref().filter(|d| !d.is_empty()) {
        Some(text) => Some(parse_delimiter(text).map_err(|m| AppError::field("delimiter", m))?),
        None => None,
    };
    let mapping = match query.mapping.as_deref().filter(|m| !m.is_empty()) {
        Some(text) => Some(serde_json::from_str::<Vec<Target>>(text).map_err(|e| {
            AppError::field("mapping", format!("The mapping is not readable: {e}"))
        })?),
        None => None,
    };
    let options = ImportOptions {
        delimiter,
        mapping,
        good_rows_only: query.good_rows_only,
    };
    let started = imports::begin(&state.db, &user.0, id, &options).await?;
    if let Err(message) = store(body, &imports::upload_path(started.id, started.created_at)).await {
        imports::abandon(&state.db, started.id, &message).await;
        return Err(ApiError(AppError::field("file", message)));
    }
    let (db, bus) = (state.db.clone(), state.bus.clone());
    tokio::spawn(imports::run(db, bus, started.id));
    Ok((
        StatusCode::ACCEPTED,
        Json(imports::get(&state.db, started.id).await?),
    ))
}

/// Writes a request body to `path` as it arrives (never all of it in memory).
async fn store(mut body: Body, path: &std::path::Path) -> Result<(), String> {
    use std::io::Write;
    let mut file = Some(std::fs::File::create(path).map_err(|e| e.to_string())?);
    let mut written = 0u64;
    let mut pending: Vec<u8> = Vec::with_capacity(1 << 20);
    loop {
        let frame = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await;
        let done = match frame {
            None => true,
            Some(Err(e)) => return Err(format!("The upload was interrupted: {e}")),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    written += data.len() as u64;
                    if written > imports::MAX_BYTES {
                        return Err("The file is larger than 2 GB.".into());
                    }
                    pending.extend_from_slice(&data);
                }
                false
            }
        };
        if pending.len() >= (1 << 20) || (done && !pending.is_empty()) {
            let chunk = std::mem::take(&mut pending);
            let mut f = file.take().ok_or("file closed")?;
            f = tokio::task::spawn_blocking(move || f.write_all(&chunk).map(|_| f))
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?;
            file = Some(f);
        }
        if done {
            break;
        }
    }
    if written == 0 {
        return Err("The file is empty.".into());
    }
    Ok(())
}

#[utoipa::path(get, path = "/api/v1/imports/{id}", tag = "prospecting",
    responses((status = 200, body = ImportView), (status = 404, body = ErrorBody)))]
pub async fn get_import(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
) -> ApiResult<Json<ImportView>> {
    user.require(Action::ManageLists)?;
    Ok(Json(imports::get(&state.db, id).await?))
}

/// Every rejected line of an import, as CSV (`line,reason,content`).
#[utoipa::path(get, path = "/api/v1/imports/{id}/errors.csv", tag = "prospecting",
    responses((status = 200, body = String, content_type = "text/csv"), (status = 404, body = ErrorBody)))]
pub async fn import_errors(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i32>,
) -> ApiResult<Response> {
    user.require(Action::ManageLists)?;
    let bytes = imports::errors_csv(&state.db, id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"import-{id}-rejected.csv\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = "accept")]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Cancel,
    Accept,
    Discard,
}

/// `cancel` a running import (nothing stays), or for an import in `review`: `accept` (import
/// the good rows) or `discard`.
#[utoipa::path(post, path = "/api/v1/imports/{id}/{decision}", tag = "prospecting",
    params(("decision" = Decision, Path, description = "cancel, accept or discard")),
    responses((status = 200, body = ImportView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn decide_import(
    State(state): State<AppState>,
    user: ApiUser,
    Path((id, decision)): Path<(i32, String)>,
) -> ApiResult<Json<ImportView>> {
    user.require(Action::ManageLists)?;
    Ok(Json(
        imports::decide(&state.db, &state.bus, id, &decision).await?,
    ))
}
