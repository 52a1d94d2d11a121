//! Login throttling: more than a few failed logins for one email in a window are refused. API
//! rate limits: at most so many requests per token in a window.

use chrono::{DateTime, Duration, Utc};

/// Failed attempts allowed inside the window before further attempts are refused.
pub const MAX_FAILURES: usize = 5;

pub fn window() -> Duration {
    Duration::minutes(15)
}

/// Given the failed attempts for one email inside the window, when may the next attempt be made?
/// `None`: now. `Some(t)`: not before `t`.
pub fn locked_until(
    failures_in_window: &[DateTime<Utc>],
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let mut recent: Vec<DateTime<Utc>> = failures_in_window
        .iter()
        .copied()
        .filter(|at| *at > now - window())
        .collect();
    if recent.len() < MAX_FAILURES {
        return None;
    }
    recent.sort();
    // The lock lifts when enough of the failures have left the window.
    let oldest_that_must_expire = recent[recent.len() - MAX_FAILURES];
    Some(oldest_that_must_expire + window())
}

/// Whole minutes to wait, rounded up, at least one.
pub fn minutes_to_wait(until: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    let secs = (until - now).num_seconds().max(1);
    (secs + 59) / 60
}

/// One token's window of API requests: when it opened and how many it has counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateWindow {
    pub opened: DateTime<Utc>,
    pub count: u32,
}

impl RateWindow {
    pub fn is_over(&self, now: DateTime<Utc>, length: Duration) -> bool {
        now >= self.opened + length
    }
}

/// Counts a request at `now`: at most `limit` in a window of `length` opened by the first
/// request after the last one ended (so a burst of `limit` at once is fine). `Err` holds the
/// whole seconds to wait, at least one.
pub fn admit(
    window: &mut Option<RateWindow>,
    now: DateTime<Utc>,
    limit: u32,
    length: Duration,
) -> Result<(), u64> {
    match window {
        Some(open) if !open.is_over(now, length) => {
            if open.count >= limit {
                let wait_ms = (open.opened + length - now).num_milliseconds().max(1);
                return Err(((wait_ms + 999) / 1000) as u64);
            }
            open.count += 1;
            Ok(())
        }
        _ => {
            *window = Some(RateWindow {
                opened: now,
                count: 1,
            });
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(minute: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::minutes(minute)
    }

    #[test]
    fn five_failures_lock_the_sixth_attempt() {
        let failures: Vec<_> = (0..5).map(at).collect();
        assert_eq!(locked_until(&failures[..4], at(5)), None);
        assert_eq!(locked_until(&failures, at(5)), Some(at(15)));
        assert_eq!(minutes_to_wait(at(15), at(5)), 10);
    }

    #[test]
    fn failures_older_than_the_window_do_not_count() {
        let failures: Vec<_> = (0..5).map(at).collect();
        assert_eq!(locked_until(&failures, at(15)), None);
        assert_eq!(locked_until(&failures, at(16)), None);
    }

    proptest! {
        #[test]
        fn the_lock_always_lifts_within_the_window(minutes in proptest::collection::vec(0i64..30, 0..20), now in 0i64..30) {
            let failures: Vec<_> = minutes.iter().filter(|m| **m <= now).map(|m| at(*m)).collect();
            if let Some(until) = locked_until(&failures, at(now)) {
                prop_assert!(until > at(now));
                prop_assert!(until <= at(now) + window());
                prop_assert!(locked_until(&failures, until).is_none());
                prop_assert!((1..=15).contains(&minutes_to_wait(until, at(now))));
            }
        }
    }

    #[test]
    fn the_request_after_the_limit_waits_for_the_window_to_end() {
        let start = at(0);
        let mut window = None;
        for _ in 0..100 {
            assert_eq!(
                admit(&mut window, start, 100, Duration::seconds(10)),
                Ok(())
            );
        }
        let later = start + Duration::milliseconds(2_500);
        // 7.5 s left: wait 8.
        assert_eq!(
            admit(&mut window, later, 100, Duration::seconds(10)),
            Err(8)
        );
        // Refusals do not count; a new window opens once this one is over.
        let next = start + Duration::seconds(10);
        assert_eq!(admit(&mut window, next, 100, Duration::seconds(10)), Ok(()));
        assert_eq!(window.map(|w| (w.opened, w.count)), Some((next, 1)));
    }

    #[test]
    fn the_wait_is_at_least_a_second() {
        let mut window = Some(RateWindow {
            opened: at(0),
            count: 3,
        });
        let almost = at(0) + Duration::seconds(10) - Duration::milliseconds(1);
        assert_eq!(admit(&mut window, almost, 3, Duration::seconds(10)), Err(1));
    }
}
