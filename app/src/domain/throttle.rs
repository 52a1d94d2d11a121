//! Login throttling: more than a few failed logins for one email in a window are refused.

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
}
