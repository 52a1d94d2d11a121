//! Rate limits per API token: at most `limit` requests in a window (default 100 per 10 s); the
//! next gets 429 with `Retry-After`. On SQLite (one process) the windows are counted in
//! memory, for any bearer string (at most 10,000 windows kept, the ended ones swept); on
//! PostgreSQL in the `api_rate_windows` table, one atomic statement per request, so that every
//! node counts a token's requests together, and only for tokens that exist and are not revoked
//! (any other string is answered 401 and leaves nothing behind).

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use app::domain::throttle::{admit, RateWindow};
use app::error::AppError;
use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

use super::ApiError;

/// Windows kept before the ones that are over are swept out.
const SWEEP_ABOVE: usize = 10_000;

#[derive(Debug)]
pub struct RateLimiter {
    limit: u32,
    length: Duration,
    /// By a hash of the token: the tokens themselves are not kept.
    windows: Mutex<HashMap<u64, Option<RateWindow>>>,
    /// PostgreSQL: the windows are in the database, shared by every node.
    shared: Option<DatabaseConnection>,
}

impl RateLimiter {
    /// `limit` requests per `seconds`; a limit of 0 turns the limiter off.
    pub fn new(limit: u32, seconds: u32) -> Arc<RateLimiter> {
        Arc::new(RateLimiter {
            limit,
            length: Duration::seconds(i64::from(seconds.max(1))),
            windows: Mutex::new(HashMap::new()),
            shared: None,
        })
    }

    /// The limiter for a database: counted in it on PostgreSQL (several nodes), in this
    /// process on SQLite.
    pub fn for_database(limit: u32, seconds: u32, db: &DatabaseConnection) -> Arc<RateLimiter> {
        let mut limiter = RateLimiter::new(limit, seconds);
        if db.get_database_backend() == DbBackend::Postgres {
            if let Some(limiter) = Arc::get_mut(&mut limiter) {
                limiter.shared = Some(db.clone());
            }
        }
        limiter
    }

    async fn check(&self, token: &str) -> Result<(), u64> {
        if self.limit == 0 {
            return Ok(());
        }
        if let Some(db) = &self.shared {
            return match self.check_shared(db, token).await {
                Ok(answer) => answer,
                Err(error) => {
                    // The API stays up when the count cannot be kept.
                    tracing::warn!(%error, "rate limit: the window could not be counted");
                    Ok(())
                }
            };
        }
        let mut hasher = DefaultHasher::new();
        token.hash(&mut hasher);
        let key = hasher.finish();
        let now = Utc::now();
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() > SWEEP_ABOVE {
            windows.retain(|_, w| w.is_some_and(|w| !w.is_over(now, self.length)));
        }
        admit(
            windows.entry(key).or_default(),
            now,
            self.limit,
            self.length,
        )
    }
}

impl RateLimiter {
    /// Counts a request in the token's window in the database (opening a new window when the
    /// last one is over) and reads the count back, in one statement. Only tokens that exist
    /// and are not revoked get a window (any other is answered 401 by the API anyway), and
    /// times are the database's, so that every node's clock agrees.
    async fn check_shared(
        &self,
        db: &DatabaseConnection,
        token: &str,
    ) -> Result<Result<(), u64>, sea_orm::DbErr> {
        let key = app::server::tokens::hash(token);
        let window_ms = self.length.num_milliseconds();
        let row = db
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "INSERT INTO api_rate_windows (token_key, opened_at, hits) \
                 SELECT $1, now(), 1 WHERE EXISTS \
                     (SELECT 1 FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL) \
                 ON CONFLICT (token_key) DO UPDATE SET \
                 opened_at = CASE WHEN api_rate_windows.opened_at <= now() - $2::float8 * interval '1 millisecond' \
                     THEN EXCLUDED.opened_at ELSE api_rate_windows.opened_at END, \
                 hits = CASE WHEN api_rate_windows.opened_at <= now() - $2::float8 * interval '1 millisecond' \
                     THEN 1 ELSE api_rate_windows.hits + 1 END \
                 RETURNING hits, \
                     CAST(EXTRACT(EPOCH FROM (opened_at - now())) * 1000 AS BIGINT) + $2",
                [key.into(), window_ms.into()],
            ))
            .await?;
        // No window: not a token of this workspace.
        let Some(row) = row else {
            return Ok(Ok(()));
        };
        let hits: i32 = row.try_get_by_index(0)?;
        let wait_ms: i64 = row.try_get_by_index(1)?;
        if hits as i64 <= i64::from(self.limit) {
            return Ok(Ok(()));
        }
        Ok(Err(((wait_ms.max(1) + 999) / 1000) as u64))
    }
}

/// Forgets the database's rate windows that ended long ago.
pub async fn sweep(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, sea_orm::DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(0);
    }
    let done = db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "DELETE FROM api_rate_windows WHERE opened_at < $1",
            [(now - Duration::days(1)).into()],
        ))
        .await?;
    Ok(done.rows_affected())
}

/// The middleware: requests with a bearer token count against it; the app's own calls (its
/// session cookie) do not.
pub async fn limit(
    State(limiter): State<Arc<RateLimiter>>,
    request: Request,
    next: Next,
) -> Response {
    let token = request
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    if let Some(token) = token {
        if let Err(wait) = limiter.check(token).await {
            return ApiError(AppError::TooManyRequests {
                message: format!(
                    "Too many requests with this token: at most {} per {} s. Try again in {wait} s.",
                    limiter.limit,
                    limiter.length.num_seconds()
                ),
                retry_after_secs: wait,
            })
            .into_response();
        }
    }
    next.run(request).await
}
