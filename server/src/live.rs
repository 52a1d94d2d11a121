//! Server-Sent Events: every committed change, to browsers (session) and API clients (token).
//! A client that reconnects with `Last-Event-ID` (browsers do it by themselves) or `?after=ID`
//! first gets what it missed from the events table, then the live events, each once.

use std::collections::VecDeque;
use std::convert::Infallible;

use app::server::events::{self, Frame};
use app::server::{users, AppState, SESSION_USER_KEY};
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::IntoResponse;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;
use tower_sessions::Session;

use crate::api::{ApiError, ApiUser};
use app::error::AppError;

#[derive(Debug, Deserialize, Default)]
pub struct After {
    pub after: Option<i64>,
}

fn last_event_id(headers: &HeaderMap, query: &After) -> Option<i64> {
    headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .or(query.after)
}

type EventStream = axum::response::Response;

/// The stream of events after `after` (none missed, none twice), ending at shutdown.
pub async fn stream(state: AppState, after: Option<i64>) -> Result<EventStream, ApiError> {
    // Subscribe before reading the backlog, so that nothing falls between the two.
    let receiver = state.bus.subscribe();
    let closing = state.bus.closing();
    let backlog: Vec<Frame> = match after {
        Some(after) => events::since(&state.db, after, 1000)
            .await?
            .iter()
            .map(Frame::from)
            .collect(),
        None => Vec::new(),
    };
    let last = backlog.last().map(|e| e.id).or(after).unwrap_or(0);
    let db = state.db.clone();
    let stream = futures::stream::unfold(
        (receiver, closing, VecDeque::from(backlog), last, db),
        |(mut receiver, mut closing, mut queue, mut last, db)| async move {
            loop {
                if let Some(event) = queue.pop_front() {
                    last = last.max(event.id);
                    let sse: Result<Event, Infallible> = Ok(to_sse(&event));
                    return Some((sse, (receiver, closing, queue, last, db)));
                }
                if *closing.borrow() {
                    return None;
                }
                tokio::select! {
                    received = receiver.recv() => match received {
                        Ok(event) if event.id > last => queue.push_back(event),
                        Ok(_) => {}
                        Err(RecvError::Lagged(_)) => {
                            if let Ok(missed) = events::since(&db, last, 1000).await {
                                queue.extend(missed.iter().map(Frame::from));
                            }
                        }
                        Err(RecvError::Closed) => return None,
                    },
                    _ = closing.changed() => return None,
                }
            }
        },
    );
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response())
}

fn to_sse(frame: &Frame) -> Event {
    Event::default().id(frame.id.to_string()).data(&*frame.json)
}

/// `/api/events`, for the app in the browser (session cookie).
pub async fn browser_events(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Query(query): Query<After>,
) -> Result<EventStream, ApiError> {
    let user_id: Option<i32> = session
        .get(SESSION_USER_KEY)
        .await
        .map_err(|_| ApiError(AppError::Internal))?;
    let user_id = user_id.ok_or(ApiError(AppError::Unauthorized))?;
    match users::find(&state.db, user_id).await? {
        Some(user) if user.active => {}
        _ => return Err(ApiError(AppError::Unauthorized)),
    }
    stream(state, last_event_id(&headers, &query)).await
}

/// `GET /api/v1/events`: the same stream for API clients, one JSON object per event with
/// `type`, `id`, `at` and `data`.
#[utoipa::path(get, path = "/api/v1/events", tag = "events",
    params(("after" = Option<i64>, Query, description = "Replay events after this id (or send Last-Event-ID)")),
    responses((status = 200, description = "text/event-stream of events", content_type = "text/event-stream"), (status = 401, body = crate::api::ErrorBody)))]
pub async fn api_events(
    State(state): State<AppState>,
    _user: ApiUser,
    headers: HeaderMap,
    Query(query): Query<After>,
) -> Result<EventStream, ApiError> {
    stream(state, last_event_id(&headers, &query)).await
}
