//! Rate limits per API token: at most `limit` requests in a window (default 100 per 10 s); the
//! next gets 429 with `Retry-After`. Counted in this process (across nodes: #10).

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
use chrono::{Duration, Utc};

use super::ApiError;

/// Windows kept before the ones that are over are swept out.
const SWEEP_ABOVE: usize = 10_000;

#[derive(Debug)]
pub struct RateLimiter {
    limit: u32,
    length: Duration,
    /// By a hash of the token: the tokens themselves are not kept.
    windows: Mutex<HashMap<u64, Option<RateWindow>>>,
}

impl RateLimiter {
    /// `limit` requests per `seconds`; a limit of 0 turns the limiter off.
    pub fn new(limit: u32, seconds: u32) -> Arc<RateLimiter> {
        Arc::new(RateLimiter {
            limit,
            length: Duration::seconds(i64::from(seconds.max(1))),
            windows: Mutex::new(HashMap::new()),
        })
    }

    fn check(&self, token: &str) -> Result<(), u64> {
        if self.limit == 0 {
            return Ok(());
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
        if let Err(wait) = limiter.check(token) {
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
