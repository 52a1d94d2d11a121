//! The morning digest's rules: when it is due, who gets it, how failed sends are retried, and
//! who did best and worst against their goals.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};

use super::access::Role;
use super::period::local_instant;

/// The send time when none is set: half past seven in the workspace time zone.
pub const DEFAULT_TIME: &str = "07:30";

/// How often a send that failed for a passing reason is tried in all.
pub const MAX_ATTEMPTS: i32 = 6;

/// "HH:MM", 24-hour.
pub fn parse_time(text: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M")
        .map_err(|_| "Give a time of day as HH:MM, such as 07:30.".to_string())
}

/// The instant the digest goes out on `date` (the digest about the day before).
pub fn send_instant<Z: TimeZone>(date: NaiveDate, at: NaiveTime, tz: &Z) -> DateTime<Utc> {
    local_instant(date, at, tz)
}

/// The day whose digest is due at `now`: yesterday once today's send time has passed, else
/// nothing. A server that was down at the send time sends when it is back, the same day only:
/// after midnight the day before's digest is no longer due.
pub fn due_day<Z: TimeZone>(now: DateTime<Utc>, at: NaiveTime, tz: &Z) -> Option<NaiveDate> {
    let today = now.with_timezone(tz).date_naive();
    (now >= send_instant(today, at, tz))
        .then(|| today.pred_opt())
        .flatten()
}

/// The next send instant after `now`.
pub fn next_send<Z: TimeZone>(now: DateTime<Utc>, at: NaiveTime, tz: &Z) -> DateTime<Utc> {
    let today = now.with_timezone(tz).date_naive();
    let instant = send_instant(today, at, tz);
    if now < instant {
        instant
    } else {
        send_instant(today.succ_opt().unwrap_or(today), at, tz)
    }
}

/// How long to wait after the `attempt`-th failed try (1-based) before the next one.
pub fn backoff(attempt: i32) -> Duration {
    match attempt {
        ..=1 => Duration::minutes(1),
        2 => Duration::minutes(5),
        3 => Duration::minutes(15),
        4 => Duration::minutes(30),
        _ => Duration::hours(1),
    }
}

/// Whether a user receives the digest: their own choice, or their role's default (on for
/// managers and admins, off for members).
pub fn opted_in(role: Role, choice: Option<bool>) -> bool {
    choice.unwrap_or(role != Role::Member)
}

/// A digest about a non-working day with no activity at all is not sent, unless the user
/// asked for those too.
pub fn worth_sending(working_day: bool, any_activity: bool, wants_quiet_days: bool) -> bool {
    working_day || any_activity || wants_quiet_days
}

/// How someone did against their goals of a day: the mean of the percentages reached (each
/// capped at 200 so that one goal far exceeded does not hide the others); `None` without goals.
pub fn attainment(marks: &[(i64, i64)]) -> Option<i64> {
    let percents: Vec<i64> = marks
        .iter()
        .filter(|(_, target)| *target > 0)
        .map(|&(current, target)| {
            ((i128::from(current.max(0)) * 100 / i128::from(target)).min(200)) as i64
        })
        .collect();
    if percents.is_empty() {
        return None;
    }
    Some(percents.iter().sum::<i64>() / percents.len() as i64)
}

/// The best and the lowest of `(name, attainment)`, ties in name order; the lowest only when
/// there are two people or more.
pub fn best_and_lowest<'a>(people: &[(&'a str, i64)]) -> (Option<&'a str>, Option<&'a str>) {
    let mut sorted: Vec<(&str, i64)> = people.to_vec();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let best = sorted.first().map(|p| p.0);
    let lowest = (sorted.len() > 1)
        .then(|| sorted.last().map(|p| p.0))
        .flatten();
    (best, lowest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use chrono_tz::America::New_York;
    use chrono_tz::Asia::Kolkata;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    fn time(text: &str) -> NaiveTime {
        parse_time(text).unwrap()
    }

    #[test]
    fn times_are_read_as_hours_and_minutes() {
        assert_eq!(time("07:30"), NaiveTime::from_hms_opt(7, 30, 0).unwrap());
        assert_eq!(time(" 18:05 "), NaiveTime::from_hms_opt(18, 5, 0).unwrap());
        assert!(parse_time("7.30").is_err());
        assert!(parse_time("25:00").is_err());
        assert!(parse_time("").is_err());
    }

    #[test]
    fn the_send_time_follows_the_zone_and_its_summer_time() {
        // New York is UTC-4 until 1 November 2026, then UTC-5.
        assert_eq!(
            send_instant(date(2026, 10, 30), time("07:30"), &New_York),
            utc(2026, 10, 30, 11, 30)
        );
        assert_eq!(
            send_instant(date(2026, 11, 2), time("07:30"), &New_York),
            utc(2026, 11, 2, 12, 30)
        );
        // Kolkata has no summer time: 07:30 is 02:00 UTC.
        assert_eq!(
            send_instant(date(2026, 11, 27), time("07:30"), &Kolkata),
            utc(2026, 11, 27, 2, 0)
        );
    }

    #[test]
    fn on_change_days_a_skipped_time_moves_on_and_a_doubled_one_goes_first() {
        // 8 March 2026: New York's clocks jump from 02:00 to 03:00; 02:30 does not exist.
        assert_eq!(
            send_instant(date(2026, 3, 8), time("02:30"), &New_York),
            utc(2026, 3, 8, 7, 0)
        );
        // The usual time that morning is already summer time.
        assert_eq!(
            send_instant(date(2026, 3, 8), time("07:30"), &New_York),
            utc(2026, 3, 8, 11, 30)
        );
        // 02:10 does not exist either: the first minute after the gap.
        assert_eq!(
            send_instant(date(2026, 3, 8), time("02:10"), &New_York),
            utc(2026, 3, 8, 7, 0)
        );
        // 1 November 2026: 01:30 happens twice; the digest goes at the first.
        assert_eq!(
            send_instant(date(2026, 11, 1), time("01:30"), &New_York),
            utc(2026, 11, 1, 5, 30)
        );
        // Once, not twice: after the first 01:30 the next send is the next day's.
        let after_first = utc(2026, 11, 1, 5, 31);
        assert_eq!(
            next_send(after_first, time("01:30"), &New_York),
            utc(2026, 11, 2, 6, 30)
        );
        assert_eq!(
            due_day(after_first, time("01:30"), &New_York),
            Some(date(2026, 10, 31))
        );
    }

    #[test]
    fn yesterday_is_due_from_the_send_time_until_midnight_and_only_then() {
        let at = time("07:30");
        // 07:29 in New York on 27 November: not yet.
        assert_eq!(due_day(utc(2026, 11, 27, 12, 29), at, &New_York), None);
        assert_eq!(
            next_send(utc(2026, 11, 27, 12, 29), at, &New_York),
            utc(2026, 11, 27, 12, 30)
        );
        // 07:30: the 26th is due.
        assert_eq!(
            due_day(utc(2026, 11, 27, 12, 30), at, &New_York),
            Some(date(2026, 11, 26))
        );
        // A server down at 07:30 and back at 22:00 still sends the 26th's.
        assert_eq!(
            due_day(utc(2026, 11, 28, 3, 0), at, &New_York),
            Some(date(2026, 11, 26))
        );
        // Back after midnight: the 26th's is not due any more, the 27th's not yet.
        assert_eq!(due_day(utc(2026, 11, 28, 5, 30), at, &New_York), None);
        // A zone east of UTC: 07:30 on the 27th in Kolkata is 02:00 UTC that day.
        assert_eq!(
            due_day(utc(2026, 11, 27, 2, 0), at, &Kolkata),
            Some(date(2026, 11, 26))
        );
        assert_eq!(due_day(utc(2026, 11, 27, 1, 59), at, &Kolkata), None);
    }

    #[test]
    fn retries_wait_longer_each_time() {
        let waits: Vec<i64> = (1..=MAX_ATTEMPTS)
            .map(|n| backoff(n).num_minutes())
            .collect();
        assert_eq!(waits, [1, 5, 15, 30, 60, 60]);
    }

    #[test]
    fn managers_and_admins_get_it_unless_they_say_no_members_when_they_ask() {
        assert!(opted_in(Role::Manager, None));
        assert!(opted_in(Role::Admin, None));
        assert!(!opted_in(Role::Member, None));
        assert!(opted_in(Role::Member, Some(true)));
        assert!(!opted_in(Role::Manager, Some(false)));
    }

    #[test]
    fn a_quiet_day_off_sends_nothing_unless_asked() {
        assert!(worth_sending(true, false, false));
        assert!(worth_sending(false, true, false));
        assert!(!worth_sending(false, false, false));
        assert!(worth_sending(false, false, true));
    }

    #[test]
    fn attainment_is_the_mean_of_capped_percentages() {
        assert_eq!(attainment(&[]), None);
        assert_eq!(attainment(&[(3, 0)]), None);
        assert_eq!(attainment(&[(8, 10)]), Some(80));
        // 30 of 10 counts as 200 %, not 300 %: (200 + 50) / 2.
        assert_eq!(attainment(&[(30, 10), (4, 8)]), Some(125));
        assert_eq!(attainment(&[(0, 5), (5, 5)]), Some(50));
    }

    #[test]
    fn best_and_lowest_are_two_people_or_one() {
        assert_eq!(best_and_lowest(&[]), (None, None));
        assert_eq!(best_and_lowest(&[("Ann", 80)]), (Some("Ann"), None));
        assert_eq!(
            best_and_lowest(&[("Bob", 40), ("Ann", 120), ("Cid", 90)]),
            (Some("Ann"), Some("Bob"))
        );
        // Ties: the first name wins the top and is not also the bottom.
        assert_eq!(
            best_and_lowest(&[("Bob", 100), ("Ann", 100)]),
            (Some("Ann"), Some("Bob"))
        );
    }
}
