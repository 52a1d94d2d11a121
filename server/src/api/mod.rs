//! The REST API under `/api/v1`: JSON, bearer tokens, one error shape, an OpenAPI document.
//!
//! Adding a resource: a file with its handlers (each `#[utoipa::path]`), routes in `router()`,
//! and its paths and schemas in `ApiDoc`.

mod activities;
mod digests;
mod goals;
mod leads;
pub(crate) mod page;
mod pipelines;
mod prospecting;
pub mod rate;
mod reports;
mod segments;
mod users;
mod webhooks;

use std::collections::BTreeMap;

use app::domain::Action;
use app::error::AppError;
use app::server::{tokens, Actor, AppState};
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::{AUTHORIZATION, RETRY_AFTER};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Serialize;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/me", get(users::me))
        .route("/users", get(users::list).post(users::create))
        .route("/segments", get(segments::list).post(segments::create))
        .route("/pipelines", get(pipelines::list).post(pipelines::create))
        .route(
            "/pipelines/{id}",
            get(pipelines::get)
                .patch(pipelines::update)
                .delete(pipelines::delete),
        )
        .route("/pipelines/{id}/steps", post(pipelines::add_step))
        .route(
            "/steps/{id}",
            patch(pipelines::update_step).delete(pipelines::delete_step),
        )
        .route("/leads", get(leads::list).post(leads::create))
        .route(
            "/leads/{id}",
            get(leads::get).patch(leads::update).delete(leads::delete),
        )
        .route("/leads/{id}/history", get(leads::history))
        .route(
            "/activity-types",
            get(activities::list_types).post(activities::create_type),
        )
        .route(
            "/activity-types/{id}",
            patch(activities::update_type).delete(activities::delete_type),
        )
        .route(
            "/activity-types/{id}/outcomes",
            post(activities::create_outcome),
        )
        .route(
            "/outcomes/{id}",
            patch(activities::update_outcome).delete(activities::delete_outcome),
        )
        .route(
            "/activities",
            get(activities::list).post(activities::create),
        )
        .route(
            "/activities/{id}",
            get(activities::get)
                .patch(activities::update)
                .delete(activities::delete),
        )
        .route(
            "/prospecting-lists",
            get(prospecting::lists).post(prospecting::create_list),
        )
        .route(
            "/prospecting-lists/{id}",
            get(prospecting::get_list)
                .patch(prospecting::update_list)
                .delete(prospecting::archive_list),
        )
        .route(
            "/prospecting-lists/{id}/columns",
            post(prospecting::add_column),
        )
        .route(
            "/prospecting-lists/{id}/columns/{column}",
            patch(prospecting::update_column).delete(prospecting::delete_column),
        )
        .route(
            "/prospecting-lists/{id}/prospects",
            get(prospecting::rows).post(prospecting::add_prospect),
        )
        .route(
            "/prospecting-lists/{id}/import",
            post(prospecting::import).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/imports/{id}", get(prospecting::get_import))
        .route("/imports/{id}/errors.csv", get(prospecting::import_errors))
        .route("/imports/{id}/{decision}", post(prospecting::decide_import))
        .route(
            "/prospects/{id}",
            get(prospecting::get_prospect)
                .patch(prospecting::update_prospect)
                .delete(prospecting::delete_prospect),
        )
        .route("/prospects/{id}/convert", post(prospecting::convert))
        .route("/prospects/{id}/disqualify", post(prospecting::disqualify))
        .route(
            "/prospects/{id}/answers",
            get(prospecting::answers).put(prospecting::put_answers),
        )
        .route(
            "/scripts",
            get(prospecting::list_scripts).post(prospecting::create_script),
        )
        .route(
            "/scripts/{id}",
            get(prospecting::get_script)
                .put(prospecting::update_script)
                .delete(prospecting::delete_script),
        )
        .route("/goals", get(goals::list).post(goals::create))
        .route("/goals/progress", get(goals::progress))
        .route(
            "/goals/{id}",
            get(goals::get).patch(goals::update).delete(goals::delete),
        )
        .route("/plans", get(goals::plans).post(goals::create_plan))
        .route("/plans/compute", post(goals::compute))
        .route(
            "/plans/{id}",
            get(goals::get_plan)
                .patch(goals::update_plan)
                .delete(goals::delete_plan),
        )
        .route("/plans/{id}/apply", post(goals::apply))
        .route("/reports/team-activity", get(reports::team_activity))
        .route(
            "/reports/prospecting-lists/{id}",
            get(reports::prospecting_list),
        )
        .route(
            "/reports/pipeline-performance",
            get(reports::pipeline_performance),
        )
        .route("/reports/team-performance", get(reports::team_performance))
        .route(
            "/reports/company-performance",
            get(reports::company_performance),
        )
        .route("/digests/preview", get(digests::preview))
        .route("/digests/deliveries", get(digests::deliveries))
        .route("/webhooks", get(webhooks::list).post(webhooks::create))
        .route(
            "/webhooks/{id}",
            get(webhooks::get)
                .patch(webhooks::update)
                .delete(webhooks::delete),
        )
        .route("/webhooks/{id}/deliveries", get(webhooks::deliveries))
        .route(
            "/webhooks/{id}/deliveries/{delivery_id}/resend",
            post(webhooks::resend),
        )
        .route("/events", get(crate::live::api_events))
        .fallback(|| async { ApiError(AppError::NotFound) })
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Cadence API", version = "1", description = "The REST API of Cadence, an activity-based sales CRM. Authenticate with `Authorization: Bearer <token>`; create tokens on your account page or with `cadence token create`."),
    paths(
        users::me, users::list, users::create, segments::list, segments::create,
        pipelines::list, pipelines::create, pipelines::get, pipelines::update, pipelines::delete,
        pipelines::add_step, pipelines::update_step, pipelines::delete_step,
        leads::list, leads::create, leads::get, leads::update, leads::delete, leads::history,
        activities::list_types, activities::create_type, activities::update_type,
        activities::delete_type, activities::create_outcome, activities::update_outcome,
        activities::delete_outcome, activities::list, activities::create, activities::get,
        activities::update, activities::delete,
        prospecting::lists, prospecting::create_list, prospecting::get_list,
        prospecting::update_list, prospecting::archive_list, prospecting::rows,
        prospecting::add_column, prospecting::update_column, prospecting::delete_column,
        prospecting::add_prospect, prospecting::get_prospect, prospecting::update_prospect,
        prospecting::delete_prospect, prospecting::convert, prospecting::disqualify,
        prospecting::answers, prospecting::put_answers, prospecting::list_scripts,
        prospecting::create_script, prospecting::get_script, prospecting::update_script,
        prospecting::delete_script, prospecting::import, prospecting::get_import,
        prospecting::import_errors, prospecting::decide_import,
        goals::list, goals::create, goals::get, goals::update, goals::delete, goals::progress,
        goals::plans, goals::create_plan, goals::get_plan, goals::update_plan, goals::delete_plan,
        goals::compute, goals::apply,
        reports::team_activity, reports::prospecting_list, reports::pipeline_performance,
        reports::team_performance, reports::company_performance,
        digests::preview, digests::deliveries,
        webhooks::list, webhooks::create, webhooks::get, webhooks::update, webhooks::delete,
        webhooks::deliveries, webhooks::resend,
        crate::live::api_events
    ),
    components(schemas(
        ErrorBody, ErrorDetail, app::admin::api::UserView, app::admin::api::SegmentView,
        app::domain::Role, users::NewUserBody, segments::NewSegmentBody,
        app::pipelines::api::PipelineView, app::pipelines::api::StepView,
        pipelines::NewPipelineBody, pipelines::PipelinePatch, pipelines::NewStepBody, pipelines::StepPatch,
        app::leads::api::LeadView, app::leads::api::LeadPatch, app::leads::api::HistoryView,
        app::domain::lead::LeadStatus, leads::LeadUpdate, leads::LeadPage,
        app::activities::api::ActivityTypeView, app::activities::api::OutcomeView,
        app::activities::api::ActivityView, activities::TypeBody, activities::OutcomeBody,
        activities::NewActivityBody, activities::ActivityPatchBody, activities::ActivityListPage,
        app::prospecting::api::ListView, app::prospecting::api::ColumnView,
        app::prospecting::api::ProspectView, app::prospecting::api::ProspectPage,
        app::prospecting::api::ImportView, app::prospecting::api::ImportErrorView,
        app::prospecting::api::ScriptView, app::prospecting::api::QuestionView,
        app::prospecting::api::QuestionForm, app::prospecting::api::AnswerView,
        app::prospecting::api::ListSettings, app::domain::prospecting::ColumnKind,
        app::domain::prospecting::ProspectStatus, app::domain::prospecting::QuestionKind,
        app::domain::prospecting::Target,
        prospecting::ColumnBody, prospecting::NewListBody, prospecting::ProspectBody,
        prospecting::ConvertBody, prospecting::DisqualifyBody, prospecting::AnswerBody,
        prospecting::ScriptBody, prospecting::Decision,
        app::goals::api::GoalView, app::goals::api::GoalInput, app::goals::api::GoalProgress,
        app::goals::api::ProgressRow, app::goals::api::PastPeriod, app::goals::api::PlanView,
        app::goals::api::PlanOutcome, app::domain::goal::GoalKind, app::domain::goal::AssigneeKind,
        app::domain::goal::Schedule, app::domain::goal::Pace, app::domain::goal::PaceStatus,
        app::domain::period::Period, app::domain::period::PeriodKind,
        app::domain::forecast::PlanInputs, app::domain::forecast::ActivityRate,
        app::domain::forecast::PersonShare, app::domain::forecast::Funnel,
        app::domain::forecast::Volume, app::domain::forecast::PersonPlan,
        app::domain::forecast::PersonVolume, app::domain::forecast::GoalDraft,
        goals::GoalPatch, goals::PlanBody, goals::PlanPatch,
        app::reports::api::ActivityColumn, app::reports::api::ActivityCount,
        app::reports::api::TeamActivityRow, app::reports::api::TeamActivityReport,
        app::reports::api::ListProspectRow, app::reports::api::ListLeadRow,
        app::reports::api::ListReport, app::reports::api::StepRow,
        app::reports::api::PipelineReport, app::reports::api::TeamPerformanceRow,
        app::reports::api::TeamPerformanceReport, app::reports::api::CompanyRow,
        app::reports::api::CompanyReport, app::digest::api::DeliveryView,
        app::webhooks::api::WebhookView, app::webhooks::api::CreatedWebhook,
        app::webhooks::api::WebhookDeliveryView, webhooks::NewWebhookBody,
        webhooks::WebhookPatchBody, webhooks::DeliveryPage, webhooks::WebhookPage,
        users::UserPage, segments::SegmentPage, pipelines::PipelinePage,
        activities::ActivityTypePage, goals::GoalPage, goals::PlanPage, leads::HistoryPage,
        prospecting::ListPage, prospecting::ScriptPage, digests::DigestDeliveryPage
    )),
    modifiers(&BearerAuth, &Completed),
    security(("bearer" = []))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// What the `utoipa::path` attributes leave out, added in one place: each `{id}` of a path
/// declared as a required 32-bit integer path parameter where the operation does not declare
/// it; the answers every operation may give (400 for a parameter that cannot be read, 401
/// without a valid token, 404 for an id that is not there, 413 for a body too large, 429 over
/// the rate limit); and operation
/// ids made unique by their tag (`leads_list`, `goals_list`).
struct Completed;

/// An error answer in the API's one error shape.
fn error_response(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
        .into()
}

impl Modify for Completed {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        use utoipa::openapi::Required;
        for (path, item) in openapi.paths.paths.iter_mut() {
            let public = path == "/api/v1/openapi.json";
            let names: Vec<String> = path
                .split('{')
                .skip(1)
                .filter_map(|rest| rest.split('}').next())
                .map(str::to_string)
                .collect();
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for operation in operations.into_iter().flatten() {
                let parameters = operation.parameters.get_or_insert_with(Vec::new);
                for name in &names {
                    let declared = parameters
                        .iter()
                        .any(|p| &p.name == name && p.parameter_in == ParameterIn::Path);
                    if !declared {
                        let what = if name == "id" { "this resource" } else { name };
                        parameters.push(
                            ParameterBuilder::new()
                                .name(name)
                                .parameter_in(ParameterIn::Path)
                                .required(Required::True)
                                .description(Some(format!("The id of {what}.")))
                                .schema(Some(
                                    ObjectBuilder::new().schema_type(Type::Integer).format(Some(
                                        SchemaFormat::KnownFormat(KnownFormat::Int32),
                                    )),
                                ))
                                .build(),
                        );
                    }
                }
                let has_body = operation.request_body.is_some();
                let answers = &mut operation.responses.responses;
                let mut add = |code: &str, description: &str| {
                    answers
                        .entry(code.to_string())
                        .or_insert_with(|| error_response(description));
                };
                if !names.is_empty() {
                    add("404", "Not found");
                }
                if !public {
                    add("400", "A path or query parameter that cannot be read");
                    add("401", "No valid token");
                    add(
                        "429",
                        "Over the rate limit; `Retry-After` says when to try again",
                    );
                }
                if has_body {
                    add("413", "A body over the size limit");
                }
                if let (Some(tag), Some(id)) = (
                    operation.tags.as_ref().and_then(|t| t.first()),
                    operation.operation_id.as_ref(),
                ) {
                    if !id.starts_with(tag.as_str()) {
                        operation.operation_id = Some(format!("{tag}_{id}"));
                    }
                }
            }
        }
    }
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// The error body of every failed API call.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "error": {
        "code": "validation", "message": "Please correct the highlighted fields.",
        "fields": {"email": "Enter a valid email address."}
    }
}))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"code": "not_found", "message": "Not found."}))]
pub struct ErrorDetail {
    /// Machine-readable: unauthorized, forbidden, not_found, validation, conflict, ...
    pub code: String,
    pub message: String,
    /// Field name → what is wrong with it (validation errors only).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
}

/// Answers given before a handler runs (a path or query parameter that cannot be read, a
/// method not allowed, a body of the wrong type) in the API's one error shape.
pub async fn json_errors(response: Response) -> Response {
    use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
    let status = response.status();
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let code = match status.as_u16() {
        400 => "bad_request",
        404 => "not_found",
        405 => "method_not_allowed",
        413 => "too_large",
        415 => "unsupported_media_type",
        422 => "validation",
        429 => "too_many_requests",
        _ => "error",
    };
    let message = if text.is_empty() {
        status.canonical_reason().unwrap_or("Error").to_string()
    } else {
        text
    };
    let body = ErrorBody {
        error: ErrorDetail {
            code: code.into(),
            message,
            fields: BTreeMap::new(),
        },
    };
    let mut response = (status, Json(body)).into_response();
    for (name, value) in &parts.headers {
        if name != CONTENT_TYPE && name != CONTENT_LENGTH {
            response.headers_mut().insert(name.clone(), value.clone());
        }
    }
    response
}

/// An `AppError` as an HTTP response.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        ApiError(error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let error = self.0;
        let status =
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let fields = match &error {
            AppError::Validation(fields) => fields.clone(),
            _ => BTreeMap::new(),
        };
        let retry_after = match &error {
            AppError::TooManyRequests {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            _ => None,
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: error.code().to_string(),
                message: error.to_string(),
                fields,
            },
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(RETRY_AFTER, secs.to_string().parse().expect("a number"));
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// The user behind the request's bearer token.
pub struct ApiUser(pub Actor);

impl ApiUser {
    pub fn require(&self, action: Action) -> Result<(), ApiError> {
        self.0.require(action).map_err(ApiError)
    }
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(header) = parts.headers.get(AUTHORIZATION) else {
            return session_user(parts, state).await;
        };
        let token = header
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(ApiError(AppError::Unauthorized))?;
        let user = tokens::authenticate(&state.db, token)
            .await?
            .ok_or(ApiError(AppError::Unauthorized))?;
        let role =
            app::domain::Role::parse(&user.role).map_err(|_| ApiError(AppError::Internal))?;
        Ok(ApiUser(Actor {
            id: user.id,
            role,
            name: user.name,
            time_zone: user.time_zone,
        }))
    }
}

/// The app in the browser calls the API with its session cookie. Besides the cookie being
/// SameSite, writes must carry `X-Requested-With` (a header no cross-site form can set).
async fn session_user(parts: &mut Parts, state: &AppState) -> Result<ApiUser, ApiError> {
    let safe = matches!(
        parts.method,
        axum::http::Method::GET | axum::http::Method::HEAD
    );
    if !safe && !parts.headers.contains_key("x-requested-with") {
        return Err(ApiError(AppError::Unauthorized));
    }
    let session = tower_sessions::Session::from_request_parts(parts, state)
        .await
        .map_err(|_| ApiError(AppError::Unauthorized))?;
    let id: Option<i32> = session
        .get(app::server::SESSION_USER_KEY)
        .await
        .map_err(|_| ApiError(AppError::Internal))?;
    let id = id.ok_or(ApiError(AppError::Unauthorized))?;
    match app::server::users::find(&state.db, id).await? {
        Some(user) if user.active => Ok(ApiUser(Actor {
            id: user.id,
            role: app::domain::Role::parse(&user.role).map_err(|_| ApiError(AppError::Internal))?,
            name: user.name,
            time_zone: user.time_zone,
        })),
        _ => Err(ApiError(AppError::Unauthorized)),
    }
}

/// A JSON body whose problems (syntax, missing fields, wrong types) come back in our error
/// shape: 400 for unreadable JSON, 422 for JSON of the wrong shape.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError(AppError::TooLarge(format!(
                    "The body is larger than the {} KiB this API reads.",
                    crate::API_BODY_LIMIT / 1024
                ))))
            }
            Err(rejection) => {
                let message = match &rejection {
                    JsonRejection::JsonDataError(e) => e.body_text(),
                    JsonRejection::JsonSyntaxError(e) => e.body_text(),
                    JsonRejection::MissingJsonContentType(_) => {
                        "Send the body as JSON with Content-Type: application/json.".to_string()
                    }
                    other => other.body_text(),
                };
                Err(ApiError(AppError::field("body", message)))
            }
        }
    }
}
