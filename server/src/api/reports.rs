//! The five reports. Each answers JSON, or CSV (the page's tables) with `format=csv` or
//! `Accept: text/csv`. `from` and `to` are days in the workspace's time zone, both included;
//! members get the numbers about themselves only.

use app::domain::report::ReportKind;
use app::domain::Action;
use app::reports::api::{
    CompanyReport, ListReport, PipelineReport, ReportBody, ReportQuery, ReportView,
    TeamActivityReport, TeamPerformanceReport,
};
use app::server::{reports, AppState};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{ApiResult, ApiUser, ErrorBody};

/// A report's range and filters.
#[derive(Debug, Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct ReportParams {
    /// First day, `YYYY-MM-DD`.
    pub from: String,
    /// Last day (included), `YYYY-MM-DD`.
    pub to: String,
    pub segment_id: Option<i32>,
    pub user_id: Option<i32>,
    pub pipeline_id: Option<i32>,
    /// Company performance: day, week or month.
    pub group_by: String,
    /// `csv` for CSV; JSON otherwise.
    pub format: String,
}

async fn answer(
    state: &AppState,
    user: &ApiUser,
    headers: &HeaderMap,
    kind: ReportKind,
    params: ReportParams,
    list_id: Option<i32>,
) -> ApiResult<Response> {
    user.require(Action::ViewReports)?;
    let wants_csv = params.format.eq_ignore_ascii_case("csv")
        || headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/csv"));
    let query = ReportQuery {
        range: "custom".into(),
        from: params.from,
        to: params.to,
        pipeline_id: params.pipeline_id,
        segment_id: params.segment_id,
        user_id: params.user_id,
        list_id,
        group_by: params.group_by,
    };
    let view = reports::run(&state.db, &user.0, kind, query, Utc::now()).await?;
    if wants_csv {
        let name = format!(
            "{}-{}-{}.csv",
            kind.slug(),
            view.range.start,
            view.range.end
        );
        return Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                ),
            ],
            reports::csv(&view)?,
        )
            .into_response());
    }
    Ok(body_json(view))
}

fn body_json(view: ReportView) -> Response {
    match view.body {
        ReportBody::TeamActivity(r) => Json(r).into_response(),
        ReportBody::ProspectingList(r) => Json(r).into_response(),
        ReportBody::PipelinePerformance(r) => Json(r).into_response(),
        ReportBody::TeamPerformance(r) => Json(r).into_response(),
        ReportBody::CompanyPerformance(r) => Json(r).into_response(),
    }
}

/// Team activity: per user, activities by type and outcome, leads created, leads managed
/// (with an activity by them in the range), leads won and revenue won.
#[utoipa::path(get, path = "/api/v1/reports/team-activity", tag = "reports", params(ReportParams),
    responses((status = 200, content((TeamActivityReport = "application/json"), (String = "text/csv"))),
        (status = 422, body = ErrorBody)))]
pub async fn team_activity(
    State(state): State<AppState>,
    user: ApiUser,
    headers: HeaderMap,
    Query(params): Query<ReportParams>,
) -> ApiResult<Response> {
    answer(
        &state,
        &user,
        &headers,
        ReportKind::TeamActivity,
        params,
        None,
    )
    .await
}

/// One prospecting list: per rep, activities on its prospects and prospects converted; then
/// the activities on the leads converted from it, and their wins and losses.
#[utoipa::path(get, path = "/api/v1/reports/prospecting-lists/{id}", tag = "reports", params(ReportParams),
    responses((status = 200, content((ListReport = "application/json"), (String = "text/csv"))),
        (status = 422, body = ErrorBody)))]
pub async fn prospecting_list(
    State(state): State<AppState>,
    user: ApiUser,
    headers: HeaderMap,
    Path(id): Path<i32>,
    Query(params): Query<ReportParams>,
) -> ApiResult<Response> {
    answer(
        &state,
        &user,
        &headers,
        ReportKind::ProspectingList,
        params,
        Some(id),
    )
    .await
}

/// One pipeline (the default one without `pipeline_id`): per step, the leads that entered it
/// in the range, and how many of them moved on, are still there, were lost or won there.
#[utoipa::path(get, path = "/api/v1/reports/pipeline-performance", tag = "reports", params(ReportParams),
    responses((status = 200, content((PipelineReport = "application/json"), (String = "text/csv"))),
        (status = 422, body = ErrorBody)))]
pub async fn pipeline_performance(
    State(state): State<AppState>,
    user: ApiUser,
    headers: HeaderMap,
    Query(params): Query<ReportParams>,
) -> ApiResult<Response> {
    answer(
        &state,
        &user,
        &headers,
        ReportKind::PipelinePerformance,
        params,
        None,
    )
    .await
}

/// Team performance: per user, leads created, and as owner won, lost, cancelled, amount won
/// and win rate.
#[utoipa::path(get, path = "/api/v1/reports/team-performance", tag = "reports", params(ReportParams),
    responses((status = 200, content((TeamPerformanceReport = "application/json"), (String = "text/csv"))),
        (status = 422, body = ErrorBody)))]
pub async fn team_performance(
    State(state): State<AppState>,
    user: ApiUser,
    headers: HeaderMap,
    Query(params): Query<ReportParams>,
) -> ApiResult<Response> {
    answer(
        &state,
        &user,
        &headers,
        ReportKind::TeamPerformance,
        params,
        None,
    )
    .await
}

/// Company performance: leads created, leads won and revenue won per day, week or month.
#[utoipa::path(get, path = "/api/v1/reports/company-performance", tag = "reports", params(ReportParams),
    responses((status = 200, content((CompanyReport = "application/json"), (String = "text/csv"))),
        (status = 422, body = ErrorBody)))]
pub async fn company_performance(
    State(state): State<AppState>,
    user: ApiUser,
    headers: HeaderMap,
    Query(params): Query<ReportParams>,
) -> ApiResult<Response> {
    answer(
        &state,
        &user,
        &headers,
        ReportKind::CompanyPerformance,
        params,
        None,
    )
    .await
}
