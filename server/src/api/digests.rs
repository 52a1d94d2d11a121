//! The morning digest: a preview of anyone's digest about any day (HTML, or the text part with
//! `format=text` or `Accept: text/plain`), and who got the digests of a day. Admins only.

use app::digest::api::DeliveryView;
use app::domain::Action;
use app::server::{digest, AppState};
use axum::extract::{OriginalUri, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde::Deserialize;
use utoipa::IntoParams;

use super::page::{page_of, Paging};
use super::{ApiResult, ApiUser, ErrorBody};

page_of!(
    /// A page of the digest deliveries about one day.
    DigestDeliveryPage,
    DeliveryView
);

#[derive(Debug, Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct PreviewParams {
    /// The day the digest is about, `YYYY-MM-DD`; default yesterday (workspace time zone).
    pub date: String,
    /// Whose digest; default the caller's.
    pub user_id: Option<i32>,
    /// `text` for the plain-text part; HTML otherwise.
    pub format: String,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct DeliveriesParams {
    /// The day the digests are about, `YYYY-MM-DD`; default yesterday.
    pub date: String,
    /// Items per page: 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// Items to skip (default 0).
    pub offset: Option<u64>,
}

/// The digest a user gets (or would get) about a day, rendered now; the subject is in the
/// `X-Digest-Subject` header, and `X-Digest-Note` says why it would not be sent, if so.
#[utoipa::path(get, path = "/api/v1/digests/preview", tag = "digests", params(PreviewParams),
    responses((status = 200, content((String = "text/html"), (String = "text/plain"))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn preview(
    State(state): State<AppState>,
    user: ApiUser,
    headers: HeaderMap,
    Query(params): Query<PreviewParams>,
) -> ApiResult<Response> {
    user.require(Action::ManageWorkspace)?;
    let day = digest::day_asked(&state.db, &params.date, Utc::now()).await?;
    let mail = digest::preview(&state.db, params.user_id.unwrap_or(user.0.id), day).await?;
    let wants_text = params.format.eq_ignore_ascii_case("text")
        || headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/plain"));
    let (kind, body) = if wants_text {
        ("text/plain; charset=utf-8", mail.text)
    } else {
        ("text/html; charset=utf-8", mail.html)
    };
    // Header values are ASCII: the subject and note go percent-free but with anything else
    // replaced, and in full in the body.
    let ascii = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii() && !c.is_ascii_control() {
                    c
                } else {
                    '?'
                }
            })
            .collect()
    };
    let mut response = ([(header::CONTENT_TYPE, kind.to_string())], body).into_response();
    if let Ok(value) = ascii(&mail.subject).parse() {
        response.headers_mut().insert("x-digest-subject", value);
    }
    if let Some(note) = mail.note {
        if let Ok(value) = ascii(&note).parse() {
            response.headers_mut().insert("x-digest-note", value);
        }
    }
    Ok(response)
}

/// Who got the digests about a day: the claim, status (pending, retrying, sent, outbox,
/// failed, skipped, missed), tries, and the mail server's last error.
#[utoipa::path(get, path = "/api/v1/digests/deliveries", tag = "digests", params(DeliveriesParams),
    responses((status = 200, body = DigestDeliveryPage), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn deliveries(
    State(state): State<AppState>,
    user: ApiUser,
    Query(params): Query<DeliveriesParams>,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Json<DigestDeliveryPage>> {
    user.require(Action::ManageWorkspace)?;
    let day = digest::day_asked(&state.db, &params.date, Utc::now()).await?;
    let all = digest::deliveries(&state.db, day).await?;
    let paging = Paging::new(params.limit, params.offset);
    Ok(Json(DigestDeliveryPage::slice(all, paging, &uri)))
}
