//! Report ranges (issue #7, first part): the presets of every report's date range, resolved in
//! the workspace's calendar, and the buckets of a range by day, week or month.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::period::{Period, PeriodKind};
use super::validate::WeekStart;

/// The five reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    TeamActivity,
    ProspectingList,
    PipelinePerformance,
    TeamPerformance,
    CompanyPerformance,
}

impl ReportKind {
    pub const ALL: [ReportKind; 5] = [
        ReportKind::TeamActivity,
        ReportKind::ProspectingList,
        ReportKind::PipelinePerformance,
        ReportKind::TeamPerformance,
        ReportKind::CompanyPerformance,
    ];

    /// The report's path segment, as in `/reports/team-activity`.
    pub fn slug(self) -> &'static str {
        match self {
            ReportKind::TeamActivity => "team-activity",
            ReportKind::ProspectingList => "prospecting-list",
            ReportKind::PipelinePerformance => "pipeline-performance",
            ReportKind::TeamPerformance => "team-performance",
            ReportKind::CompanyPerformance => "company-performance",
        }
    }

    pub fn parse(slug: &str) -> Option<ReportKind> {
        ReportKind::ALL.into_iter().find(|k| k.slug() == slug)
    }

    pub fn label(self) -> &'static str {
        match self {
            ReportKind::TeamActivity => "Team activity",
            ReportKind::ProspectingList => "Prospecting list",
            ReportKind::PipelinePerformance => "Pipeline performance",
            ReportKind::TeamPerformance => "Team performance",
            ReportKind::CompanyPerformance => "Company performance",
        }
    }

    /// Which filters the report's page offers.
    pub fn filters(self) -> Filters {
        let (pipeline, segment, user, list, group_by) = match self {
            ReportKind::TeamActivity => (false, true, true, false, false),
            ReportKind::ProspectingList => (false, false, false, true, false),
            ReportKind::PipelinePerformance => (true, false, false, false, false),
            ReportKind::TeamPerformance => (true, true, true, false, false),
            ReportKind::CompanyPerformance => (true, false, false, false, true),
        };
        Filters {
            pipeline,
            segment,
            user,
            list,
            group_by,
        }
    }
}

/// The filters a report takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Filters {
    pub pipeline: bool,
    pub segment: bool,
    pub user: bool,
    pub list: bool,
    pub group_by: bool,
}

/// What became of a lead that entered a step of a pipeline, from where it is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepFate {
    /// In a later step of the same pipeline, whatever its status.
    MovedOn,
    /// Still in that step: open, won or lost there.
    Here,
    /// Moved back to an earlier step, or to another pipeline.
    Elsewhere,
}

/// `entered`: the position of the step entered; `now`: the position of the lead's step now,
/// if it is still in that pipeline; `same_step`: whether it is that very step.
pub fn step_fate(entered: i32, now: Option<i32>, same_step: bool) -> StepFate {
    match now {
        Some(position) if position > entered => StepFate::MovedOn,
        Some(_) if same_step => StepFate::Here,
        _ => StepFate::Elsewhere,
    }
}

/// The longest range a report accepts, in days.
pub const MAX_RANGE_DAYS: i64 = 731;

/// Whole percent with the share of `whole`; `None` when there is nothing to share (shown as
/// a dash rather than a misleading 0 %).
pub fn share(part: i64, whole: i64) -> Option<i64> {
    (whole > 0).then(|| percent(part, whole))
}

/// A date range as the report pages offer it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RangePreset {
    Today,
    Yesterday,
    ThisWeek,
    LastWeek,
    ThisMonth,
    LastMonth,
    ThisQuarter,
    ThisHalfYear,
}

impl RangePreset {
    pub const ALL: [RangePreset; 8] = [
        RangePreset::Today,
        RangePreset::Yesterday,
        RangePreset::ThisWeek,
        RangePreset::LastWeek,
        RangePreset::ThisMonth,
        RangePreset::LastMonth,
        RangePreset::ThisQuarter,
        RangePreset::ThisHalfYear,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RangePreset::Today => "today",
            RangePreset::Yesterday => "yesterday",
            RangePreset::ThisWeek => "this_week",
            RangePreset::LastWeek => "last_week",
            RangePreset::ThisMonth => "this_month",
            RangePreset::LastMonth => "last_month",
            RangePreset::ThisQuarter => "this_quarter",
            RangePreset::ThisHalfYear => "this_half_year",
        }
    }

    pub fn parse(text: &str) -> Option<RangePreset> {
        RangePreset::ALL.into_iter().find(|p| p.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            RangePreset::Today => "Today",
            RangePreset::Yesterday => "Yesterday",
            RangePreset::ThisWeek => "This week",
            RangePreset::LastWeek => "Last week",
            RangePreset::ThisMonth => "This month",
            RangePreset::LastMonth => "Last month",
            RangePreset::ThisQuarter => "This quarter",
            RangePreset::ThisHalfYear => "This half-year",
        }
    }

    /// The days the preset covers on `today` (both ends included).
    pub fn resolve(self, today: NaiveDate, week_start: WeekStart) -> Period {
        let yesterday = today.pred_opt().unwrap_or(today);
        match self {
            RangePreset::Today => PeriodKind::Day.containing(today, week_start),
            RangePreset::Yesterday => PeriodKind::Day.containing(yesterday, week_start),
            RangePreset::ThisWeek => PeriodKind::Week.containing(today, week_start),
            RangePreset::LastWeek => PeriodKind::Week
                .containing(today, week_start)
                .previous(PeriodKind::Week, week_start),
            RangePreset::ThisMonth => PeriodKind::Month.containing(today, week_start),
            RangePreset::LastMonth => PeriodKind::Month
                .containing(today, week_start)
                .previous(PeriodKind::Month, week_start),
            RangePreset::ThisQuarter => PeriodKind::Quarter.containing(today, week_start),
            RangePreset::ThisHalfYear => PeriodKind::HalfYear.containing(today, week_start),
        }
    }
}

/// A custom range typed as two dates; refused when the end is before the start or the range
/// is longer than `max_days`.
pub fn custom_range(from: NaiveDate, to: NaiveDate, max_days: i64) -> Result<Period, String> {
    if to < from {
        return Err("The end date is before the start date.".into());
    }
    let range = Period {
        start: from,
        end: to,
    };
    if range.days() > max_days {
        return Err(format!("Choose a range of {max_days} days at most."));
    }
    Ok(range)
}

/// The buckets of a range by day, week or month, in order; the first and last are cut to the
/// range (a range starting on a Wednesday has a first week from that Wednesday).
pub fn buckets(range: Period, by: PeriodKind, week_start: WeekStart) -> Vec<Period> {
    let mut out = Vec::new();
    let mut day = range.start;
    while day <= range.end {
        let whole = by.containing(day, week_start);
        let end = whole.end.min(range.end);
        out.push(Period { start: day, end });
        match end.succ_opt() {
            Some(next) => day = next,
            None => break,
        }
    }
    out
}

/// The bucket of `buckets` holding `date`, by binary search.
pub fn bucket_of(buckets: &[Period], date: NaiveDate) -> Option<usize> {
    let index = buckets.partition_point(|b| b.end < date);
    (index < buckets.len() && buckets[index].contains(date)).then_some(index)
}

/// A share in whole percent, rounded to nearest; 0 of 0 is 0 % (never NaN).
pub fn percent(part: i64, whole: i64) -> i64 {
    if whole <= 0 {
        return 0;
    }
    ((i128::from(part) * 200 + i128::from(whole)) / (i128::from(whole) * 2)) as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, Duration};
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn presets_resolve_in_the_workspace_calendar() {
        // Friday 27 November 2026, weeks from Monday.
        let today = date(2026, 11, 27);
        let r = |p: RangePreset| {
            let p = p.resolve(today, WeekStart::Monday);
            (p.start, p.end)
        };
        assert_eq!(r(RangePreset::Today), (today, today));
        assert_eq!(
            r(RangePreset::Yesterday),
            (date(2026, 11, 26), date(2026, 11, 26))
        );
        assert_eq!(
            r(RangePreset::ThisWeek),
            (date(2026, 11, 23), date(2026, 11, 29))
        );
        assert_eq!(
            r(RangePreset::LastWeek),
            (date(2026, 11, 16), date(2026, 11, 22))
        );
        assert_eq!(
            r(RangePreset::ThisMonth),
            (date(2026, 11, 1), date(2026, 11, 30))
        );
        assert_eq!(
            r(RangePreset::LastMonth),
            (date(2026, 10, 1), date(2026, 10, 31))
        );
        assert_eq!(
            r(RangePreset::ThisQuarter),
            (date(2026, 10, 1), date(2026, 12, 31))
        );
        assert_eq!(
            r(RangePreset::ThisHalfYear),
            (date(2026, 7, 1), date(2026, 12, 31))
        );
        // Last month from January is December of the year before.
        let january = RangePreset::LastMonth.resolve(date(2027, 1, 10), WeekStart::Sunday);
        assert_eq!(
            (january.start, january.end),
            (date(2026, 12, 1), date(2026, 12, 31))
        );
    }

    #[test]
    fn custom_ranges_are_checked() {
        assert!(custom_range(date(2026, 11, 2), date(2026, 11, 1), 731).is_err());
        assert!(custom_range(date(2024, 1, 1), date(2026, 11, 1), 731).is_err());
        assert_eq!(
            custom_range(date(2026, 11, 1), date(2026, 11, 1), 731)
                .unwrap()
                .days(),
            1
        );
    }

    #[test]
    fn buckets_are_cut_to_the_range() {
        let range = Period {
            start: date(2026, 11, 4),
            end: date(2026, 11, 20),
        };
        let weeks = buckets(range, PeriodKind::Week, WeekStart::Monday);
        let spans: Vec<(u32, u32)> = weeks.iter().map(|w| (w.start.day(), w.end.day())).collect();
        assert_eq!(spans, vec![(4, 8), (9, 15), (16, 20)]);
        assert_eq!(bucket_of(&weeks, date(2026, 11, 9)), Some(1));
        assert_eq!(bucket_of(&weeks, date(2026, 11, 21)), None);
        let months = buckets(
            Period {
                start: date(2026, 1, 15),
                end: date(2026, 3, 2),
            },
            PeriodKind::Month,
            WeekStart::Monday,
        );
        assert_eq!(months.len(), 3);
        assert_eq!(months[1].days(), 28);
    }

    #[test]
    fn a_lead_that_entered_a_step_moved_on_stayed_or_went_elsewhere() {
        assert_eq!(step_fate(1, Some(3), false), StepFate::MovedOn);
        assert_eq!(step_fate(1, Some(1), true), StepFate::Here);
        assert_eq!(step_fate(2, Some(0), false), StepFate::Elsewhere);
        assert_eq!(step_fate(1, None, false), StepFate::Elsewhere);
    }

    #[test]
    fn kinds_and_presets_round_trip_their_names() {
        for kind in ReportKind::ALL {
            assert_eq!(ReportKind::parse(kind.slug()), Some(kind));
        }
        for preset in RangePreset::ALL {
            assert_eq!(RangePreset::parse(preset.as_str()), Some(preset));
        }
        assert_eq!(ReportKind::parse("nope"), None);
        assert_eq!(share(1, 0), None);
        assert_eq!(share(1, 4), Some(25));
    }

    #[test]
    fn percentages_never_divide_by_zero() {
        assert_eq!(percent(0, 0), 0);
        assert_eq!(percent(1, 3), 33);
        assert_eq!(percent(2, 3), 67);
        assert_eq!(percent(3, 3), 100);
    }

    proptest! {
        #[test]
        fn buckets_cover_the_range_once(start in 0i64..40_000, len in 0i64..800, by in 0usize..3, week in 0usize..3) {
            let start = date(1990, 1, 1) + Duration::days(start);
            let range = Period { start, end: start + Duration::days(len) };
            let by = [PeriodKind::Day, PeriodKind::Week, PeriodKind::Month][by];
            let list = buckets(range, by, WeekStart::ALL[week]);
            prop_assert_eq!(list.first().unwrap().start, range.start);
            prop_assert_eq!(list.last().unwrap().end, range.end);
            prop_assert_eq!(list.iter().map(|b| b.days()).sum::<i64>(), range.days());
            for pair in list.windows(2) {
                prop_assert_eq!(pair[0].end.succ_opt().unwrap(), pair[1].start);
            }
            let probe = start + Duration::days(len / 2);
            prop_assert!(list[bucket_of(&list, probe).unwrap()].contains(probe));
        }
    }
}
