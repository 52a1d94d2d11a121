//! Goals: what is counted, for whom, over which period, and how far along someone is.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::money::Amount;
use super::period::PeriodKind;

/// What a goal counts. Every kind is computed from the recorded data, never typed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = "revenue_won"))]
#[serde(rename_all = "snake_case")]
pub enum GoalKind {
    /// Activities of one type (optionally one outcome), by `occurred_at`, for who logged them.
    Activities,
    /// Leads created, at their creation, for who created them.
    LeadsCreated,
    /// Leads won, at their last win, for their owner then.
    LeadsWon,
    /// The amount of the leads won, counted as `LeadsWon`.
    RevenueWon,
}

impl GoalKind {
    pub const ALL: [GoalKind; 4] = [
        GoalKind::Activities,
        GoalKind::LeadsCreated,
        GoalKind::LeadsWon,
        GoalKind::RevenueWon,
    ];

    /// The kinds of goal whose totals an event of `event_kind` can change: activities feed
    /// activity goals; leads (and prospects becoming leads) feed the lead and revenue goals.
    pub fn fed_by(event_kind: &str) -> &'static [GoalKind] {
        const LEADS: [GoalKind; 3] = [
            GoalKind::LeadsCreated,
            GoalKind::LeadsWon,
            GoalKind::RevenueWon,
        ];
        match event_kind.split('.').next() {
            Some("activity") => &[GoalKind::Activities],
            Some("lead" | "prospect") => &LEADS,
            _ => &[],
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            GoalKind::Activities => "activities",
            GoalKind::LeadsCreated => "leads_created",
            GoalKind::LeadsWon => "leads_won",
            GoalKind::RevenueWon => "revenue_won",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            GoalKind::Activities => "Activities",
            GoalKind::LeadsCreated => "Leads created",
            GoalKind::LeadsWon => "Leads won",
            GoalKind::RevenueWon => "Revenue won",
        }
    }

    pub fn parse(text: &str) -> Result<GoalKind, String> {
        GoalKind::ALL
            .into_iter()
            .find(|k| k.as_str() == text.trim())
            .ok_or_else(|| {
                "Choose activities, leads_created, leads_won or revenue_won.".to_string()
            })
    }

    pub fn is_money(self) -> bool {
        self == GoalKind::RevenueWon
    }

    /// Parses a target: a whole number of activities or leads, or an amount of money (kept
    /// in cents). Zero and negative targets are refused.
    pub fn parse_target(self, text: &str) -> Result<i64, String> {
        if self.is_money() {
            let amount = Amount::parse(text)?;
            if amount.cents() == 0 {
                return Err("Enter a target above zero.".into());
            }
            return Ok(amount.cents());
        }
        let cleaned: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != ',')
            .collect();
        if cleaned.starts_with('-') {
            return Err("The target cannot be negative.".into());
        }
        match cleaned.parse::<i64>() {
            Ok(0) => Err("Enter a target above zero.".into()),
            Ok(n) if n > 10_000_000 => Err("The target is too large (10,000,000 at most).".into()),
            Ok(n) => Ok(n),
            Err(_) if cleaned.is_empty() => Err("Enter a target.".into()),
            Err(_) => Err("Enter a whole number, such as 10.".into()),
        }
    }

    /// A value of this kind as people read it: "7", or "12,500.00" for money.
    pub fn format(self, value: i64) -> String {
        if self.is_money() {
            Amount::from_cents(value.max(0))
                .map(|a| a.to_string())
                .unwrap_or_else(|| value.to_string())
        } else {
            super::text::thousands(value.max(0) as u64)
        }
    }
}

/// Who a goal is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = "user"))]
#[serde(rename_all = "snake_case")]
pub enum AssigneeKind {
    /// One user.
    User,
    /// Each active member of a segment gets the goal; the segment's total is their sum.
    Segment,
    /// The whole team together: one target for everyone's sum.
    Team,
}

impl AssigneeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AssigneeKind::User => "user",
            AssigneeKind::Segment => "segment",
            AssigneeKind::Team => "team",
        }
    }

    pub fn parse(text: &str) -> Result<AssigneeKind, String> {
        match text.trim() {
            "user" => Ok(AssigneeKind::User),
            "segment" => Ok(AssigneeKind::Segment),
            "team" => Ok(AssigneeKind::Team),
            _ => Err("Choose a person, a segment or the whole team.".into()),
        }
    }
}

/// When a goal applies: every period of a kind from a start date (until an optional end), or
/// one fixed date range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "period": "day", "starts_on": "2026-10-01", "ends_on": "2026-12-31"
})))]
pub struct Schedule {
    /// `None`: one fixed range from `starts_on` to `ends_on`.
    pub period: Option<PeriodKind>,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
}

impl Schedule {
    pub fn check(self) -> Result<Schedule, (&'static str, String)> {
        match (self.period, self.ends_on) {
            (None, None) => Err(("ends_on", "A fixed range needs an end date.".into())),
            (_, Some(end)) if end < self.starts_on => {
                Err(("ends_on", "The end date is before the start date.".into()))
            }
            _ => Ok(self),
        }
    }

    /// Whether the goal applies to a period running from `start` to `end`.
    pub fn applies(self, start: NaiveDate, end: NaiveDate) -> bool {
        end >= self.starts_on && self.ends_on.is_none_or(|last| start <= last)
    }
}

/// Where someone stands against a goal in its period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = "on_track"))]
#[serde(rename_all = "snake_case")]
pub enum PaceStatus {
    /// The period has not started.
    Upcoming,
    Ahead,
    OnTrack,
    Behind,
    /// Target reached (in the period or after it).
    Met,
    /// The period is over and the target was not reached.
    Missed,
}

impl PaceStatus {
    pub fn label(self) -> &'static str {
        match self {
            PaceStatus::Upcoming => "Not started",
            PaceStatus::Ahead => "Ahead",
            PaceStatus::OnTrack => "On track",
            PaceStatus::Behind => "Behind",
            PaceStatus::Met => "Met",
            PaceStatus::Missed => "Missed",
        }
    }

    pub fn css(self) -> &'static str {
        match self {
            PaceStatus::Upcoming => "upcoming",
            PaceStatus::Ahead => "ahead",
            PaceStatus::OnTrack => "on-track",
            PaceStatus::Behind => "behind",
            PaceStatus::Met => "met",
            PaceStatus::Missed => "missed",
        }
    }

    /// Best first, for sorting people by how they are doing.
    pub fn rank(self) -> u8 {
        match self {
            PaceStatus::Met => 0,
            PaceStatus::Ahead => 1,
            PaceStatus::OnTrack => 2,
            PaceStatus::Upcoming => 3,
            PaceStatus::Behind => 4,
            PaceStatus::Missed => 5,
        }
    }
}

/// Progress against a target at one moment of the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "current": 4, "target": 6, "expected": 3, "projected": 8, "status": "on_track"
})))]
pub struct Pace {
    pub current: i64,
    pub target: i64,
    /// What the target asks for by now: target × the elapsed share of working time.
    pub expected: i64,
    /// Where the current rate ends the period.
    pub projected: i64,
    pub status: PaceStatus,
}

impl Pace {
    /// `elapsed` is the share of the period's working time gone by (0 to 1).
    pub fn at(current: i64, target: i64, elapsed: f64) -> Pace {
        let elapsed = if elapsed.is_finite() {
            elapsed.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let expected = ((target as f64 * elapsed).round() as i64).clamp(0, target.max(0));
        let projected = if elapsed >= 1.0 {
            current
        } else if elapsed > 0.0 {
            let projected = current as f64 / elapsed;
            if projected.is_finite() && projected < i64::MAX as f64 {
                projected.round() as i64
            } else {
                i64::MAX
            }
        } else {
            current
        };
        // Within a tenth of what is expected by now (and at least one unit) is on track.
        let margin = (expected / 10).max(1);
        let status = if current >= target {
            PaceStatus::Met
        } else if elapsed >= 1.0 {
            PaceStatus::Missed
        } else if elapsed <= 0.0 {
            PaceStatus::Upcoming
        } else if current > expected.saturating_add(margin) {
            PaceStatus::Ahead
        } else if current < expected.saturating_sub(margin) {
            PaceStatus::Behind
        } else {
            PaceStatus::OnTrack
        };
        Pace {
            current,
            target,
            expected,
            projected,
            status,
        }
    }

    /// The share of the target reached, in percent (not capped at 100).
    pub fn percent(self) -> i64 {
        percent_of(self.current, self.target)
    }

    /// The projected end value as a percentage of the target: "at this pace: 82 %".
    pub fn projected_percent(self) -> i64 {
        percent_of(self.projected, self.target)
    }
}

fn percent_of(value: i64, target: i64) -> i64 {
    if target <= 0 {
        return 0;
    }
    ((i128::from(value) * 100) / i128::from(target)).clamp(0, i128::from(i64::MAX)) as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn events_feed_only_the_goals_they_count_in() {
        assert_eq!(GoalKind::fed_by("activity.created"), [GoalKind::Activities]);
        assert_eq!(GoalKind::fed_by("activity.deleted"), [GoalKind::Activities]);
        for kind in ["lead.created", "lead.status_changed", "prospect.converted"] {
            assert_eq!(
                GoalKind::fed_by(kind),
                [
                    GoalKind::LeadsCreated,
                    GoalKind::LeadsWon,
                    GoalKind::RevenueWon
                ]
            );
        }
        for kind in ["goal.met", "activity_types.changed", "pipeline.changed"] {
            assert!(GoalKind::fed_by(kind).is_empty(), "{kind}");
        }
    }

    #[test]
    fn targets_are_positive_whole_numbers_or_money() {
        assert_eq!(GoalKind::Activities.parse_target("10"), Ok(10));
        assert_eq!(GoalKind::Activities.parse_target(" 1,200 "), Ok(1200));
        assert!(GoalKind::Activities.parse_target("0").is_err());
        assert!(GoalKind::Activities.parse_target("-3").is_err());
        assert!(GoalKind::Activities.parse_target("2.5").is_err());
        assert!(GoalKind::LeadsWon.parse_target("").is_err());
        assert_eq!(GoalKind::RevenueWon.parse_target("90,000"), Ok(9_000_000));
        assert_eq!(GoalKind::RevenueWon.parse_target("1200.50"), Ok(120_050));
        assert!(GoalKind::RevenueWon.parse_target("0").is_err());
        assert!(GoalKind::RevenueWon.parse_target("-5").is_err());
    }

    #[test]
    fn a_fixed_range_needs_an_end_after_its_start() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        let fixed = Schedule {
            period: None,
            starts_on: day(10),
            ends_on: None,
        };
        assert!(fixed.check().is_err());
        let backwards = Schedule {
            ends_on: Some(day(9)),
            ..fixed
        };
        assert!(backwards.check().is_err());
        let weekly = Schedule {
            period: Some(PeriodKind::Week),
            starts_on: day(10),
            ends_on: None,
        };
        assert!(weekly.check().is_ok());
        assert!(weekly.applies(day(9), day(15)));
        assert!(!weekly.applies(day(2), day(8)));
    }

    #[test]
    fn pace_compares_with_the_share_of_time_gone_by() {
        // 10 calls a week, half the week gone: 5 expected.
        let behind = Pace::at(3, 10, 0.5);
        assert_eq!((behind.expected, behind.status), (5, PaceStatus::Behind));
        assert_eq!(behind.projected, 6);
        assert_eq!(behind.projected_percent(), 60);
        assert_eq!(Pace::at(5, 10, 0.5).status, PaceStatus::OnTrack);
        assert_eq!(Pace::at(7, 10, 0.5).status, PaceStatus::Ahead);
        assert_eq!(Pace::at(10, 10, 0.5).status, PaceStatus::Met);
        assert_eq!(Pace::at(9, 10, 1.0).status, PaceStatus::Missed);
        assert_eq!(Pace::at(0, 10, 0.0).status, PaceStatus::Upcoming);
        // The worked figure of the issue: 82 % at this pace.
        let money = Pace::at(3_690_000, 9_000_000, 0.5);
        assert_eq!(money.projected_percent(), 82);
    }

    #[test]
    fn pace_never_shows_nan_or_infinity() {
        for elapsed in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0, 1e-300] {
            let pace = Pace::at(5, 10, elapsed);
            assert!(
                pace.projected >= 0 && pace.expected >= 0,
                "{elapsed}: {pace:?}"
            );
        }
        assert_eq!(Pace::at(5, 0, 0.5).percent(), 0);
    }

    proptest! {
        #[test]
        fn more_done_is_never_a_worse_status(
            a in 0i64..1000, b in 0i64..1000, target in 1i64..1000, elapsed in 0.0f64..1.0,
        ) {
            let (low, high) = (a.min(b), a.max(b));
            let worse = Pace::at(low, target, elapsed);
            let better = Pace::at(high, target, elapsed);
            prop_assert!(better.status.rank() <= worse.status.rank() || worse.status == PaceStatus::Upcoming);
            prop_assert!(better.projected >= worse.projected);
        }

        #[test]
        fn expected_grows_with_time(target in 1i64..1_000_000, a in 0.0f64..1.0, b in 0.0f64..1.0) {
            let (early, late) = (a.min(b), a.max(b));
            prop_assert!(Pace::at(0, target, early).expected <= Pace::at(0, target, late).expected);
            prop_assert!(Pace::at(0, target, late).expected <= target);
        }
    }
}
