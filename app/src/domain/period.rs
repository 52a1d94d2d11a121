//! Periods of goals and plans: calendar days, weeks, months, quarters, half-years and years in
//! the workspace's time zone, and which days are working days.

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc, Weekday,
};
use serde::{Deserialize, Serialize};

use super::validate::WeekStart;

/// How long a goal's period is. Quarters and half-years are calendar ones (H1 = Jan–Jun).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = "quarter"))]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Day,
    Week,
    Month,
    Quarter,
    HalfYear,
    Year,
}

impl PeriodKind {
    pub const ALL: [PeriodKind; 6] = [
        PeriodKind::Day,
        PeriodKind::Week,
        PeriodKind::Month,
        PeriodKind::Quarter,
        PeriodKind::HalfYear,
        PeriodKind::Year,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PeriodKind::Day => "day",
            PeriodKind::Week => "week",
            PeriodKind::Month => "month",
            PeriodKind::Quarter => "quarter",
            PeriodKind::HalfYear => "half_year",
            PeriodKind::Year => "year",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PeriodKind::Day => "Day",
            PeriodKind::Week => "Week",
            PeriodKind::Month => "Month",
            PeriodKind::Quarter => "Quarter",
            PeriodKind::HalfYear => "Half-year",
            PeriodKind::Year => "Year",
        }
    }

    /// "a day", "this week": how a goal of this kind reads next to its target.
    pub fn per(self) -> &'static str {
        match self {
            PeriodKind::Day => "a day",
            PeriodKind::Week => "a week",
            PeriodKind::Month => "a month",
            PeriodKind::Quarter => "a quarter",
            PeriodKind::HalfYear => "a half-year",
            PeriodKind::Year => "a year",
        }
    }

    pub fn parse(text: &str) -> Result<PeriodKind, String> {
        PeriodKind::ALL
            .into_iter()
            .find(|k| k.as_str() == text.trim().to_ascii_lowercase())
            .ok_or_else(|| "Choose day, week, month, quarter, half-year or year.".to_string())
    }

    /// The period of this kind that holds `date`.
    pub fn containing(self, date: NaiveDate, week_start: WeekStart) -> Period {
        let (start, end) = match self {
            PeriodKind::Day => (date, date),
            PeriodKind::Week => {
                let back = (7 + date.weekday().num_days_from_monday()
                    - first_weekday(week_start).num_days_from_monday())
                    % 7;
                let start = date - Duration::days(i64::from(back));
                (start, start + Duration::days(6))
            }
            PeriodKind::Month => months(date.year(), date.month0(), 1),
            PeriodKind::Quarter => months(date.year(), date.month0() / 3 * 3, 3),
            PeriodKind::HalfYear => months(date.year(), date.month0() / 6 * 6, 6),
            PeriodKind::Year => months(date.year(), 0, 12),
        };
        Period { start, end }
    }
}

fn first_weekday(week_start: WeekStart) -> Weekday {
    match week_start {
        WeekStart::Monday => Weekday::Mon,
        WeekStart::Sunday => Weekday::Sun,
        WeekStart::Saturday => Weekday::Sat,
    }
}

/// `count` months from month `month0` (0 = January) of `year`, as first and last day.
fn months(year: i32, month0: u32, count: u32) -> (NaiveDate, NaiveDate) {
    let start = NaiveDate::from_ymd_opt(year, month0 + 1, 1).unwrap_or(NaiveDate::MIN);
    let after = month0 + count;
    let next = NaiveDate::from_ymd_opt(year + (after / 12) as i32, after % 12 + 1, 1)
        .unwrap_or(NaiveDate::MAX);
    (start, next.pred_opt().unwrap_or(next))
}

/// A run of whole days, both ends included, in the workspace's calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "start": "2026-10-01", "end": "2026-12-31"
})))]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Period {
    pub fn days(self) -> i64 {
        (self.end - self.start).num_days() + 1
    }

    pub fn contains(self, date: NaiveDate) -> bool {
        self.start <= date && date <= self.end
    }

    pub fn overlaps(self, other: Period) -> bool {
        self.start <= other.end && other.start <= self.end
    }

    /// The same kind of period just before this one.
    pub fn previous(self, kind: PeriodKind, week_start: WeekStart) -> Period {
        kind.containing(self.start.pred_opt().unwrap_or(self.start), week_start)
    }

    /// The same kind of period just after this one.
    pub fn next(self, kind: PeriodKind, week_start: WeekStart) -> Period {
        kind.containing(self.end.succ_opt().unwrap_or(self.end), week_start)
    }

    /// "24 Nov – 30 Nov 2026", "27 Nov 2026".
    pub fn label(self) -> String {
        if self.start == self.end {
            self.start.format("%-d %b %Y").to_string()
        } else if self.start.year() == self.end.year() {
            format!(
                "{} – {}",
                self.start.format("%-d %b"),
                self.end.format("%-d %b %Y")
            )
        } else {
            format!(
                "{} – {}",
                self.start.format("%-d %b %Y"),
                self.end.format("%-d %b %Y")
            )
        }
    }

    /// The instants the period covers, `[from, to)`, in time zone `tz`: from the first instant
    /// of its first day to the first instant of the day after its last.
    pub fn instants<Z: TimeZone>(self, tz: &Z) -> (DateTime<Utc>, DateTime<Utc>) {
        let after = self.end.succ_opt().unwrap_or(self.end);
        (day_start(self.start, tz), day_start(after, tz))
    }

    /// The working days in the period.
    pub fn working_days(self, working: WorkingDays) -> i64 {
        self.start
            .iter_days()
            .take_while(|d| *d <= self.end)
            .filter(|d| working.includes(d.weekday()))
            .count() as i64
    }
}

/// The first instant of `date` in `tz`: local midnight, or where midnight does not exist (a
/// clock moved forward at midnight) the first local time that does.
pub fn day_start<Z: TimeZone>(date: NaiveDate, tz: &Z) -> DateTime<Utc> {
    local_instant(date, NaiveTime::MIN, tz)
}

/// The instant of the local `time` on `date` in `tz`: the first of two when clocks go back,
/// and where the time does not exist (clocks jumped over it) the first whole minute after it
/// that does.
pub fn local_instant<Z: TimeZone>(date: NaiveDate, time: NaiveTime, tz: &Z) -> DateTime<Utc> {
    let wanted = date.and_time(time);
    // Gaps last an hour or a few (a whole day where a zone skipped one): step through them a
    // minute at a time.
    for minute in 0..(60 * 48) {
        let local = wanted + Duration::minutes(minute);
        match tz.from_local_datetime(&local) {
            LocalResult::Single(at) => return at.with_timezone(&Utc),
            LocalResult::Ambiguous(first, _) => return first.with_timezone(&Utc),
            LocalResult::None => continue,
        }
    }
    Utc.from_utc_datetime(&wanted)
}

/// Whether local midnight of `date` exists in `tz` (it does not on a day whose clocks jump
/// forward at midnight).
pub fn midnight_exists<Z: TimeZone>(date: NaiveDate, tz: &Z) -> bool {
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    !matches!(tz.from_local_datetime(&midnight), LocalResult::None)
}

/// The days of the week that count as working days, as a set of bits (bit 0 = Monday).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!(31)))]
pub struct WorkingDays(u8);

impl Default for WorkingDays {
    /// Monday to Friday.
    fn default() -> Self {
        WorkingDays(0b001_1111)
    }
}

impl WorkingDays {
    pub const WEEK: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];

    /// From stored bits; anything outside the seven days is dropped, and no day at all is
    /// refused (every period would then have no working time).
    pub fn from_bits(bits: i32) -> Result<WorkingDays, String> {
        let bits = (bits & 0b111_1111) as u8;
        if bits == 0 {
            return Err("Choose at least one working day.".into());
        }
        Ok(WorkingDays(bits))
    }

    pub fn from_days(days: &[Weekday]) -> Result<WorkingDays, String> {
        let bits = days
            .iter()
            .fold(0i32, |bits, d| bits | 1 << d.num_days_from_monday());
        WorkingDays::from_bits(bits)
    }

    pub fn bits(self) -> i32 {
        i32::from(self.0)
    }

    pub fn includes(self, day: Weekday) -> bool {
        self.0 & (1 << day.num_days_from_monday()) != 0
    }

    pub fn per_week(self) -> i64 {
        i64::from(self.0.count_ones())
    }

    /// "Mon–Fri", "Mon, Wed, Fri".
    pub fn label(self) -> String {
        let days: Vec<Weekday> = Self::WEEK
            .into_iter()
            .filter(|d| self.includes(*d))
            .collect();
        let contiguous = days
            .windows(2)
            .all(|w| w[1].num_days_from_monday() == w[0].num_days_from_monday() + 1);
        match days.as_slice() {
            [only] => weekday_label(*only).to_string(),
            [first, .., last] if contiguous => {
                format!("{}–{}", weekday_label(*first), weekday_label(*last))
            }
            _ => days
                .iter()
                .map(|d| weekday_label(*d))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

pub fn weekday_label(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Mon",
        Weekday::Tue => "Tue",
        Weekday::Wed => "Wed",
        Weekday::Thu => "Thu",
        Weekday::Fri => "Fri",
        Weekday::Sat => "Sat",
        Weekday::Sun => "Sun",
    }
}

/// How much of a period's working time has passed at `now`, from 0 to 1: whole working days
/// before today, plus the elapsed share of today if today is a working day. A period without
/// working days counts calendar time instead.
pub fn elapsed_share<Z: TimeZone>(
    period: Period,
    working: WorkingDays,
    now: DateTime<Utc>,
    tz: &Z,
) -> f64 {
    let (from, to) = period.instants(tz);
    if now <= from {
        return 0.0;
    }
    if now >= to {
        return 1.0;
    }
    let today = now.with_timezone(tz).date_naive();
    let day_from = day_start(today, tz);
    let day_to = day_start(today.succ_opt().unwrap_or(today), tz);
    let today_share = ((now - day_from).num_seconds() as f64
        / (day_to - day_from).num_seconds().max(1) as f64)
        .clamp(0.0, 1.0);
    let total = period.working_days(working);
    if total == 0 {
        return ((now - from).num_seconds() as f64 / (to - from).num_seconds().max(1) as f64)
            .clamp(0.0, 1.0);
    }
    let before = if today > period.start {
        Period {
            start: period.start,
            end: today.pred_opt().unwrap_or(today),
        }
        .working_days(working)
    } else {
        0
    };
    let now_part = if working.includes(today.weekday()) {
        today_share
    } else {
        0.0
    };
    ((before as f64 + now_part) / total as f64).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Tz;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn weeks_start_on_the_workspace_first_day() {
        // Friday 27 November 2026.
        let friday = date(2026, 11, 27);
        let monday = PeriodKind::Week.containing(friday, WeekStart::Monday);
        assert_eq!(
            (monday.start, monday.end),
            (date(2026, 11, 23), date(2026, 11, 29))
        );
        let sunday = PeriodKind::Week.containing(friday, WeekStart::Sunday);
        assert_eq!(
            (sunday.start, sunday.end),
            (date(2026, 11, 22), date(2026, 11, 28))
        );
        let saturday = PeriodKind::Week.containing(friday, WeekStart::Saturday);
        assert_eq!(
            (saturday.start, saturday.end),
            (date(2026, 11, 21), date(2026, 11, 27))
        );
        // A week start day is the first day of its own week.
        let sat = PeriodKind::Week.containing(date(2026, 11, 28), WeekStart::Saturday);
        assert_eq!(sat.start, date(2026, 11, 28));
    }

    #[test]
    fn quarters_and_half_years_are_calendar_ones() {
        let q = PeriodKind::Quarter.containing(date(2026, 11, 27), WeekStart::Monday);
        assert_eq!((q.start, q.end), (date(2026, 10, 1), date(2026, 12, 31)));
        let q1 = PeriodKind::Quarter.containing(date(2026, 3, 31), WeekStart::Monday);
        assert_eq!((q1.start, q1.end), (date(2026, 1, 1), date(2026, 3, 31)));
        let h1 = PeriodKind::HalfYear.containing(date(2026, 6, 30), WeekStart::Monday);
        assert_eq!((h1.start, h1.end), (date(2026, 1, 1), date(2026, 6, 30)));
        let h2 = PeriodKind::HalfYear.containing(date(2026, 7, 1), WeekStart::Monday);
        assert_eq!((h2.start, h2.end), (date(2026, 7, 1), date(2026, 12, 31)));
        let y = PeriodKind::Year.containing(date(2026, 7, 1), WeekStart::Monday);
        assert_eq!((y.start, y.end), (date(2026, 1, 1), date(2026, 12, 31)));
    }

    #[test]
    fn february_has_29_days_in_leap_years() {
        let leap = PeriodKind::Month.containing(date(2024, 2, 10), WeekStart::Monday);
        assert_eq!(leap.end, date(2024, 2, 29));
        let common = PeriodKind::Month.containing(date(2026, 2, 10), WeekStart::Monday);
        assert_eq!(common.end, date(2026, 2, 28));
        assert_eq!(
            PeriodKind::Year
                .containing(date(2024, 5, 1), WeekStart::Monday)
                .days(),
            366
        );
        assert_eq!(
            PeriodKind::Year
                .containing(date(2100, 5, 1), WeekStart::Monday)
                .days(),
            365
        );
    }

    #[test]
    fn a_day_across_a_dst_change_lasts_23_or_25_hours() {
        let paris: Tz = "Europe/Paris".parse().unwrap();
        let spring = PeriodKind::Day.containing(date(2026, 3, 29), WeekStart::Monday);
        let (from, to) = spring.instants(&paris);
        assert_eq!((to - from).num_hours(), 23);
        assert_eq!(from.to_rfc3339(), "2026-03-28T23:00:00+00:00");
        let autumn = PeriodKind::Day.containing(date(2026, 10, 25), WeekStart::Monday);
        let (from, to) = autumn.instants(&paris);
        assert_eq!((to - from).num_hours(), 25);
    }

    #[test]
    fn a_missing_midnight_starts_the_day_at_the_first_existing_time() {
        // São Paulo moved its clocks from 00:00 to 01:00 on 4 November 2018.
        let sao_paulo: Tz = "America/Sao_Paulo".parse().unwrap();
        let day = date(2018, 11, 4);
        assert!(!midnight_exists(day, &sao_paulo));
        assert!(midnight_exists(date(2018, 11, 5), &sao_paulo));
        let start = day_start(day, &sao_paulo);
        assert_eq!(start.to_rfc3339(), "2018-11-04T03:00:00+00:00");
    }

    #[test]
    fn working_days_default_to_monday_to_friday() {
        let working = WorkingDays::default();
        assert_eq!(working.label(), "Mon–Fri");
        assert_eq!(working.per_week(), 5);
        let november = PeriodKind::Month.containing(date(2026, 11, 1), WeekStart::Monday);
        assert_eq!(november.working_days(working), 21);
        let odd = WorkingDays::from_days(&[Weekday::Mon, Weekday::Wed, Weekday::Fri]).unwrap();
        assert_eq!(odd.label(), "Mon, Wed, Fri");
        assert!(WorkingDays::from_bits(0).is_err());
    }

    #[test]
    fn elapsed_share_counts_working_time_only() {
        let utc = chrono_tz::UTC;
        let week = PeriodKind::Week.containing(date(2026, 11, 23), WeekStart::Monday);
        let working = WorkingDays::default();
        let at = |d: u32, h: u32| Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap();
        // Wednesday noon: Monday, Tuesday and half of Wednesday out of five days.
        assert!((elapsed_share(week, working, at(25, 12), &utc) - 0.5).abs() < 1e-9);
        // The weekend adds nothing: Saturday counts as the whole working week done.
        assert!((elapsed_share(week, working, at(28, 12), &utc) - 1.0).abs() < 1e-9);
        assert_eq!(elapsed_share(week, working, at(22, 12), &utc), 0.0);
        assert_eq!(elapsed_share(week, working, at(30, 1), &utc), 1.0);
    }

    proptest! {
        #[test]
        fn every_period_holds_its_date_and_its_neighbours_touch_it(
            days in 0i64..80_000, kind in 0usize..6, week in 0usize..3,
        ) {
            let day = date(1900, 1, 1) + Duration::days(days);
            let kind = PeriodKind::ALL[kind];
            let week = WeekStart::ALL[week];
            let period = kind.containing(day, week);
            prop_assert!(period.contains(day));
            prop_assert_eq!(kind.containing(period.start, week), period);
            prop_assert_eq!(kind.containing(period.end, week), period);
            prop_assert_eq!(period.next(kind, week).start, period.end.succ_opt().unwrap());
            prop_assert_eq!(period.previous(kind, week).end, period.start.pred_opt().unwrap());
            let expected_days = match kind {
                PeriodKind::Day => 1..=1,
                PeriodKind::Week => 7..=7,
                PeriodKind::Month => 28..=31,
                PeriodKind::Quarter => 90..=92,
                PeriodKind::HalfYear => 181..=184,
                PeriodKind::Year => 365..=366,
            };
            prop_assert!(expected_days.contains(&period.days()));
        }

        #[test]
        fn a_day_lasts_23_to_25_hours_in_any_zone(days in 0i64..20_000, zone in 0usize..5) {
            let zones = ["Europe/Paris", "America/New_York", "America/Sao_Paulo",
                "Australia/Lord_Howe", "Asia/Kolkata"];
            let tz: Tz = zones[zone].parse().unwrap();
            let day = date(1990, 1, 1) + Duration::days(days);
            let (from, to) = PeriodKind::Day.containing(day, WeekStart::Monday).instants(&tz);
            prop_assert!((23..=25).contains(&(to - from).num_hours()), "{} {}", day, (to - from));
        }

        #[test]
        fn elapsed_share_never_decreases(start in 0i64..3000, a in 0i64..40_000_000, b in 0i64..40_000_000) {
            let tz: Tz = "Europe/Paris".parse().unwrap();
            let day = date(2020, 1, 1) + Duration::days(start);
            let period = PeriodKind::Month.containing(day, WeekStart::Monday);
            let (from, _) = period.instants(&tz);
            let (early, late) = (a.min(b), a.max(b));
            let x = elapsed_share(period, WorkingDays::default(), from + Duration::seconds(early), &tz);
            let y = elapsed_share(period, WorkingDays::default(), from + Duration::seconds(late), &tz);
            prop_assert!((0.0..=1.0).contains(&x) && x <= y + 1e-12);
        }
    }
}
