//! Server-Sent Events: every committed change, to browsers (session) and API clients (token).
//! A client that reconnects with `Last-Event-ID` (browsers do it by themselves) or `?after=ID`
//! first gets what it missed from the events table, then the live events, each once.

use std::convert::Infallible;

use app::server::events::{self, Frame};
use app::server::{users, AppState, SESSION_USER_KEY};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap};
use axum::response::IntoResponse;
use serde::Deserialize;
use tokio::sync::broadcast::{self, error::RecvError};
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

/// Frames sent in one write at most: under load, a client gets what queued up in one chunk
/// rather than one write (and one wake-up) per event.
const CHUNK_FRAMES: usize = 256;
/// A comment line this often keeps proxies from closing an idle stream.
const KEEP_ALIVE: std::time::Duration = std::time::Duration::from_secs(15);

/// `frame` in the text/event-stream format (the JSON has no line breaks).
fn push_frame(out: &mut String, frame: &Frame, last: &mut i64) {
    if frame.id <= *last {
        return;
    }
    *last = frame.id;
    out.push_str("id: ");
    out.push_str(&frame.id.to_string());
    out.push_str("\ndata: ");
    out.push_str(&frame.json);
    out.push_str("\n\n");
}

/// Events read from the table per catch-up step.
const CATCH_UP: u64 = 1000;

struct Follower {
    receiver: broadcast::Receiver<Frame>,
    closing: tokio::sync::watch::Receiver<bool>,
    /// Still reading missed events from the table (a client back after a long absence may
    /// have missed more than one step's worth).
    catching_up: bool,
    last: i64,
    db: sea_orm::DatabaseConnection,
    keep_alive: tokio::time::Interval,
}

impl Follower {
    /// The next chunk of the stream: the backlog, or every event that is waiting (at least
    /// one), or a keep-alive comment; `None` at shutdown.
    async fn next_chunk(&mut self) -> Option<String> {
        let mut out = String::new();
        loop {
            while self.catching_up {
                let missed = events::since(&self.db, self.last, CATCH_UP).await.ok()?;
                self.catching_up = missed.len() as u64 == CATCH_UP;
                for event in &missed {
                    push_frame(&mut out, &Frame::from(event), &mut self.last);
                }
                if !out.is_empty() {
                    return Some(out);
                }
            }
            if *self.closing.borrow() {
                return None;
            }
            tokio::select! {
                received = self.receiver.recv() => match received {
                    Ok(frame) => {
                        push_frame(&mut out, &frame, &mut self.last);
                        for _ in 1..CHUNK_FRAMES {
                            match self.receiver.try_recv() {
                                Ok(frame) => push_frame(&mut out, &frame, &mut self.last),
                                Err(_) => break,
                            }
                        }
                    }
                    Err(RecvError::Lagged(_)) => {
                        // Too far behind for the channel: read what was missed from the table.
                        self.catching_up = true;
                        continue;
                    }
                    Err(RecvError::Closed) => return None,
                },
                _ = self.closing.changed() => return None,
                _ = self.keep_alive.tick() => out.push_str(":\n\n"),
            }
            if !out.is_empty() {
                return Some(out);
            }
        }
    }
}

/// The stream of events after `after` (none missed, none twice), ending at shutdown.
pub async fn stream(state: AppState, after: Option<i64>) -> Result<EventStream, ApiError> {
    // Subscribe before reading the backlog, so that nothing falls between the two.
    let receiver = state.bus.subscribe();
    let closing = state.bus.closing();
    let mut keep_alive = tokio::time::interval(KEEP_ALIVE);
    keep_alive.reset();
    // An id above every recorded event comes from before a restore of an older backup: the
    // client follows from the newest event, or it would skip new ones until ids caught up.
    let after = match after {
        Some(after) => Some(after.min(events::last_id(&state.db).await?)),
        None => None,
    };
    let follower = Follower {
        receiver,
        closing,
        catching_up: after.is_some(),
        last: after.unwrap_or(0),
        db: state.db.clone(),
        keep_alive,
    };
    let body = futures::stream::unfold(follower, |mut follower| async move {
        let chunk = follower.next_chunk().await?;
        Some((Ok::<_, Infallible>(chunk), follower))
    });
    Ok((
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        axum::body::Body::from_stream(body),
    )
        .into_response())
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
