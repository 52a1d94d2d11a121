//! The forecast (funnel) calculation: from a revenue target to deals, leads, prospects and the
//! activities each stage needs, then split over people as daily or weekly goals.
//!
//! Every stage rounds up (you cannot make half a call), in whole numbers, exactly: ratios are
//! kept in hundredths and money in cents, never as floats.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::goal::{AssigneeKind, GoalKind, Schedule};
use super::money::Amount;
use super::period::{Period, PeriodKind, WorkingDays};
use super::validate::WeekStart;

/// A positive ratio with at most two decimals ("4", "2.5", "0,75"), kept in hundredths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Ratio(u64);

impl Ratio {
    pub const MAX_HUNDREDTHS: u64 = 100_000_000;

    pub fn from_hundredths(hundredths: u64) -> Ratio {
        Ratio(hundredths)
    }

    pub fn hundredths(self) -> u64 {
        self.0
    }

    pub fn parse(text: &str) -> Result<Ratio, String> {
        let cleaned: String = text.trim().chars().filter(|c| !c.is_whitespace()).collect();
        if cleaned.is_empty() {
            return Err("Enter a number.".into());
        }
        if cleaned.starts_with('-') {
            return Err("Enter a number above zero.".into());
        }
        let (whole, fraction) = match cleaned.split_once(['.', ',']) {
            Some((w, f)) => (w, f),
            None => (cleaned.as_str(), ""),
        };
        let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if !digits(whole) || !digits(fraction) || (whole.is_empty() && fraction.is_empty()) {
            return Err("Enter a number such as 4 or 2.5.".into());
        }
        if fraction.len() > 2 {
            return Err("Use at most two decimals.".into());
        }
        if whole.len() > 6 {
            return Err("The number is too large (1,000,000 at most).".into());
        }
        let whole: u64 = if whole.is_empty() {
            0
        } else {
            whole.parse().unwrap_or(0)
        };
        let fraction: u64 = format!("{fraction:0<2}").parse().unwrap_or(0);
        let hundredths = whole * 100 + fraction;
        if hundredths == 0 {
            return Err("Enter a number above zero.".into());
        }
        if hundredths > Self::MAX_HUNDREDTHS {
            return Err("The number is too large (1,000,000 at most).".into());
        }
        Ok(Ratio(hundredths))
    }
}

/// `4`, `2.5`, `0.75`.
impl std::fmt::Display for Ratio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (whole, fraction) = (self.0 / 100, self.0 % 100);
        match fraction {
            0 => write!(f, "{whole}"),
            f10 if f10 % 10 == 0 => write!(f, "{whole}.{}", f10 / 10),
            _ => write!(f, "{whole}.{fraction:02}"),
        }
    }
}

/// `count × ratio`, rounded up.
fn times(count: u64, ratio: Ratio) -> u64 {
    let product = u128::from(count) * u128::from(ratio.0);
    u64::try_from(product.div_ceil(100)).unwrap_or(u64::MAX)
}

/// `a / b` rounded up; `b` is never zero here.
fn ceil_div(a: u64, b: u64) -> u64 {
    a.div_ceil(b.max(1))
}

/// How many activities of one type one item (a prospect or a lead) needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({"type_id": 1, "rate": "3"})))]
pub struct ActivityRate {
    pub type_id: i32,
    pub rate: String,
}

/// How a stage's volume is shared among a segment's members: evenly when no share is given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({"user_id": 3, "percent": "50"})))]
pub struct PersonShare {
    pub user_id: i32,
    /// Percent of the stage, e.g. "40".
    pub percent: String,
}

/// The plan as typed: every number is kept as text, so that nothing typed is lost and each
/// field gets its own message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "target": "90000", "period": "quarter", "starts_on": "2026-10-01", "deal_value": "30000",
    "leads_per_deal": "4", "prospects_per_lead": "20",
    "per_prospect": [{"type_id": 1, "rate": "3"}],
    "per_lead": [
        {"type_id": 1, "rate": "8"}, {"type_id": 3, "rate": "1"}, {"type_id": 4, "rate": "2"}
    ],
    "prospecting_segment": 1, "closing_segment": 2, "shares": [], "goal_period": "day"
})))]
pub struct PlanInputs {
    pub target: String,
    pub period: PeriodKind,
    /// Any day of the planned period (the period is the one holding it).
    pub starts_on: NaiveDate,
    pub deal_value: String,
    pub leads_per_deal: String,
    pub prospects_per_lead: String,
    #[serde(default)]
    pub per_prospect: Vec<ActivityRate>,
    #[serde(default)]
    pub per_lead: Vec<ActivityRate>,
    /// The segment that works prospects (prospecting activities).
    #[serde(default)]
    pub prospecting_segment: Option<i32>,
    /// The segment that works leads (lead activities).
    #[serde(default)]
    pub closing_segment: Option<i32>,
    /// Shares per person; a segment without any is split evenly.
    #[serde(default)]
    pub shares: Vec<PersonShare>,
    /// Whether people get daily or weekly activity goals.
    #[serde(default = "default_goal_period")]
    pub goal_period: PeriodKind,
}

fn default_goal_period() -> PeriodKind {
    PeriodKind::Day
}

impl PlanInputs {
    /// The worked example of the product brief, for a quarter.
    pub fn example(starts_on: NaiveDate, call: i32, meeting: i32, proposal: i32) -> PlanInputs {
        let rate = |type_id, rate: &str| ActivityRate {
            type_id,
            rate: rate.into(),
        };
        PlanInputs {
            target: "90000".into(),
            period: PeriodKind::Quarter,
            starts_on,
            deal_value: "30000".into(),
            leads_per_deal: "4".into(),
            prospects_per_lead: "20".into(),
            per_prospect: vec![rate(call, "3")],
            per_lead: vec![rate(call, "8"), rate(meeting, "1"), rate(proposal, "2")],
            prospecting_segment: None,
            closing_segment: None,
            shares: Vec::new(),
            goal_period: PeriodKind::Day,
        }
    }
}

/// The activities of one type a stage needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "type_id": 1, "total": 720, "per_day": 11
})))]
pub struct Volume {
    pub type_id: i32,
    pub total: u64,
    pub per_day: u64,
}

/// What the plan asks for over its period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "period": {"start": "2026-10-01", "end": "2026-12-31"}, "working_days": 66,
    "target_cents": 9000000, "deals": 3, "leads": 12, "prospects": 240,
    "prospect_activities": [{"type_id": 1, "total": 720, "per_day": 11}],
    "lead_activities": [
        {"type_id": 1, "total": 96, "per_day": 2}, {"type_id": 3, "total": 12, "per_day": 1},
        {"type_id": 4, "total": 24, "per_day": 1}
    ],
    "rounded": false
})))]
pub struct Funnel {
    pub period: Period,
    pub working_days: i64,
    pub target_cents: i64,
    pub deals: u64,
    pub leads: u64,
    pub prospects: u64,
    pub prospect_activities: Vec<Volume>,
    pub lead_activities: Vec<Volume>,
    /// Whether some stage was rounded up to a whole number.
    pub rounded: bool,
}

/// Field → message, for every field that is wrong.
pub type FieldErrors = Vec<(String, String)>;

/// Computes the funnel, or says what is wrong with each input.
pub fn compute(
    inputs: &PlanInputs,
    week_start: WeekStart,
    working: WorkingDays,
) -> Result<Funnel, FieldErrors> {
    let mut errors = FieldErrors::new();
    let money = |field: &str, text: &str, errors: &mut FieldErrors| match Amount::parse(text) {
        Ok(a) if a.cents() > 0 => Some(a.cents()),
        Ok(_) => {
            errors.push((field.into(), "Enter an amount above zero.".into()));
            None
        }
        Err(e) => {
            errors.push((field.into(), e));
            None
        }
    };
    let ratio = |field: String, text: &str, errors: &mut FieldErrors| match Ratio::parse(text) {
        Ok(r) => Some(r),
        Err(e) => {
            errors.push((field, e));
            None
        }
    };
    let target = money("target", &inputs.target, &mut errors);
    let deal_value = money("deal_value", &inputs.deal_value, &mut errors);
    let leads_per_deal = ratio("leads_per_deal".into(), &inputs.leads_per_deal, &mut errors);
    let prospects_per_lead = ratio(
        "prospects_per_lead".into(),
        &inputs.prospects_per_lead,
        &mut errors,
    );
    let rates = |stage: &str, list: &[ActivityRate], errors: &mut FieldErrors| {
        let mut seen = Vec::new();
        let mut out = Vec::new();
        for (i, item) in list.iter().enumerate() {
            if seen.contains(&item.type_id) {
                errors.push((
                    format!("{stage}.{i}"),
                    "This activity type is already listed for this stage.".into(),
                ));
                continue;
            }
            seen.push(item.type_id);
            if let Some(r) = ratio(format!("{stage}.{i}"), &item.rate, errors) {
                out.push((item.type_id, r));
            }
        }
        out
    };
    let per_prospect = rates("per_prospect", &inputs.per_prospect, &mut errors);
    let per_lead = rates("per_lead", &inputs.per_lead, &mut errors);
    let (Some(target), Some(deal_value), Some(leads_per_deal), Some(prospects_per_lead)) =
        (target, deal_value, leads_per_deal, prospects_per_lead)
    else {
        return Err(errors);
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let period = inputs.period.containing(inputs.starts_on, week_start);
    let working_days = period.working_days(working).max(1);
    let (target_u, deal_u) = (target as u64, deal_value as u64);
    let deals = ceil_div(target_u, deal_u);
    let leads = times(deals, leads_per_deal);
    let prospects = times(leads, prospects_per_lead);
    let mut rounded = !target_u.is_multiple_of(deal_u)
        || !(u128::from(deals) * u128::from(leads_per_deal.0)).is_multiple_of(100)
        || !(u128::from(leads) * u128::from(prospects_per_lead.0)).is_multiple_of(100);
    let mut volumes = |count: u64, list: &[(i32, Ratio)]| -> Vec<Volume> {
        list.iter()
            .map(|(type_id, rate)| {
                let total = times(count, *rate);
                rounded |= !(u128::from(count) * u128::from(rate.0)).is_multiple_of(100);
                Volume {
                    type_id: *type_id,
                    total,
                    per_day: ceil_div(total, working_days as u64),
                }
            })
            .collect()
    };
    let prospect_activities = volumes(prospects, &per_prospect);
    let lead_activities = volumes(leads, &per_lead);
    Ok(Funnel {
        period,
        working_days,
        target_cents: target,
        deals,
        leads,
        prospects,
        prospect_activities,
        lead_activities,
        rounded,
    })
}

/// A person who can take a share of a stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "user_id": 3, "name": "Bruno Petit", "segment_id": 1
})))]
pub struct Member {
    pub user_id: i32,
    pub name: String,
    pub segment_id: i32,
}

/// One person's part of the plan, by activity type (both stages together).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "user_id": 3, "name": "Bruno Petit", "share_hundredths": 5000,
    "activities": [{"type_id": 1, "total": 360, "per_day": 6, "per_week": 28}]
})))]
pub struct PersonPlan {
    pub user_id: i32,
    pub name: String,
    /// Percent of their stage, in hundredths of a percent.
    pub share_hundredths: u64,
    pub activities: Vec<PersonVolume>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "type_id": 1, "total": 360, "per_day": 6, "per_week": 28
})))]
pub struct PersonVolume {
    pub type_id: i32,
    pub total: u64,
    pub per_day: u64,
    pub per_week: u64,
}

/// Splits each stage's activities over the active members of its segment, evenly or by the
/// shares given (which must then add up to 100 % in that segment). Members are people with
/// the segment as theirs; `members` lists everyone eligible.
pub fn split(
    inputs: &PlanInputs,
    funnel: &Funnel,
    members: &[Member],
    working: WorkingDays,
) -> Result<Vec<PersonPlan>, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut people: BTreeMap<i32, PersonPlan> = BTreeMap::new();
    let mut totals: BTreeMap<(i32, i32), u64> = BTreeMap::new();
    let stages = [
        (
            "prospecting_segment",
            inputs.prospecting_segment,
            &funnel.prospect_activities,
        ),
        (
            "closing_segment",
            inputs.closing_segment,
            &funnel.lead_activities,
        ),
    ];
    for (field, segment, volumes) in stages {
        let Some(segment) = segment else { continue };
        let crew: Vec<&Member> = members.iter().filter(|m| m.segment_id == segment).collect();
        if crew.is_empty() {
            errors.push((field.into(), "This segment has no active members.".into()));
            continue;
        }
        let given: Vec<(&Member, Option<&PersonShare>)> = crew
            .iter()
            .map(|m| (*m, inputs.shares.iter().find(|s| s.user_id == m.user_id)))
            .collect();
        let shares: Vec<u64> = if given
            .iter()
            .all(|(_, s)| s.is_none_or(|s| s.percent.trim().is_empty()))
        {
            // Evenly: each gets 1/n, in hundredths of a percent (the last takes the rest).
            let n = crew.len() as u64;
            (0..n)
                .map(|i| {
                    if i + 1 == n {
                        10_000 - 10_000 / n * (n - 1)
                    } else {
                        10_000 / n
                    }
                })
                .collect()
        } else {
            let mut shares = Vec::new();
            for (member, share) in &given {
                let text = share.map(|s| s.percent.as_str()).unwrap_or("0");
                match Ratio::parse(text) {
                    Ok(r) => shares.push(r.0),
                    Err(_) if text.trim() == "0" => shares.push(0),
                    Err(e) => {
                        errors.push((format!("share.{}", member.user_id), e));
                        shares.push(0);
                    }
                }
            }
            if errors.is_empty() && shares.iter().sum::<u64>() != 10_000 {
                errors.push((
                    field.into(),
                    format!(
                        "The shares of this segment add up to {} %, not 100 %.",
                        Ratio(shares.iter().sum())
                    ),
                ));
            }
            shares
        };
        for ((member, _), share) in given.iter().zip(shares) {
            let person = people.entry(member.user_id).or_insert_with(|| PersonPlan {
                user_id: member.user_id,
                name: member.name.clone(),
                share_hundredths: share,
                activities: Vec::new(),
            });
            person.share_hundredths = person.share_hundredths.max(share);
            for volume in volumes.iter() {
                let part = u128::from(volume.total) * u128::from(share);
                let part = u64::try_from(part.div_ceil(10_000)).unwrap_or(u64::MAX);
                *totals.entry((member.user_id, volume.type_id)).or_default() += part;
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let days = funnel.working_days.max(1) as u64;
    let week = working.per_week() as u64;
    for ((user_id, type_id), total) in totals {
        if let Some(person) = people.get_mut(&user_id) {
            person.activities.push(PersonVolume {
                type_id,
                total,
                per_day: ceil_div(total, days),
                per_week: u64::try_from(
                    (u128::from(total) * u128::from(week)).div_ceil(u128::from(days)),
                )
                .unwrap_or(u64::MAX),
            });
        }
    }
    Ok(people.into_values().collect())
}

/// A goal a plan creates when applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "kind": "activities", "activity_type_id": 1, "assignee": "user", "user_id": 3,
    "schedule": {"period": "day", "starts_on": "2026-10-01", "ends_on": "2026-12-31"},
    "target": 6
})))]
pub struct GoalDraft {
    pub kind: GoalKind,
    pub activity_type_id: Option<i32>,
    pub assignee: AssigneeKind,
    pub user_id: Option<i32>,
    pub schedule: Schedule,
    pub target: i64,
}

/// The goals a plan creates: for the team, revenue, deals won and leads created over the
/// plan's period; for each person of the split, one activity goal per type, daily or weekly,
/// over the same dates.
pub fn goals_of(inputs: &PlanInputs, funnel: &Funnel, people: &[PersonPlan]) -> Vec<GoalDraft> {
    let whole = Schedule {
        period: Some(inputs.period),
        starts_on: funnel.period.start,
        ends_on: Some(funnel.period.end),
    };
    let clamp = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    let team = |kind, target| GoalDraft {
        kind,
        activity_type_id: None,
        assignee: AssigneeKind::Team,
        user_id: None,
        schedule: whole,
        target,
    };
    let mut goals = vec![
        team(GoalKind::RevenueWon, funnel.target_cents),
        team(GoalKind::LeadsWon, clamp(funnel.deals)),
        team(GoalKind::LeadsCreated, clamp(funnel.leads)),
    ];
    let period = if inputs.goal_period == PeriodKind::Week {
        PeriodKind::Week
    } else {
        PeriodKind::Day
    };
    for person in people {
        for volume in &person.activities {
            let target = if period == PeriodKind::Week {
                volume.per_week
            } else {
                volume.per_day
            };
            if target == 0 {
                continue;
            }
            goals.push(GoalDraft {
                kind: GoalKind::Activities,
                activity_type_id: Some(volume.type_id),
                assignee: AssigneeKind::User,
                user_id: Some(person.user_id),
                schedule: Schedule {
                    period: Some(period),
                    ..whole
                },
                target: clamp(target),
            });
        }
    }
    goals
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const CALL: i32 = 1;
    const MEETING: i32 = 4;
    const PROPOSAL: i32 = 6;

    fn example() -> PlanInputs {
        PlanInputs::example(
            NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
            CALL,
            MEETING,
            PROPOSAL,
        )
    }

    fn run(inputs: &PlanInputs) -> Funnel {
        compute(inputs, WeekStart::Monday, WorkingDays::default()).unwrap()
    }

    fn totals(volumes: &[Volume]) -> Vec<(i32, u64)> {
        volumes.iter().map(|v| (v.type_id, v.total)).collect()
    }

    #[test]
    fn the_worked_example_is_reproduced_exactly() {
        let funnel = run(&example());
        assert_eq!((funnel.deals, funnel.leads, funnel.prospects), (3, 12, 240));
        assert_eq!(totals(&funnel.prospect_activities), vec![(CALL, 720)]);
        assert_eq!(
            totals(&funnel.lead_activities),
            vec![(CALL, 96), (MEETING, 12), (PROPOSAL, 24)]
        );
        assert!(!funnel.rounded);
        // Q4 2026 has 66 working days from Monday to Friday: 720 / 66 = 10.9 → 11 a day.
        assert_eq!(funnel.working_days, 66);
        assert_eq!(funnel.prospect_activities[0].per_day, 11);
    }

    #[test]
    fn each_stage_rounds_up() {
        let mut inputs = example();
        inputs.target = "100000".into(); // 3.33 deals → 4
        inputs.leads_per_deal = "2.5".into(); // 10 leads
        inputs.prospects_per_lead = "3.3".into(); // 33 prospects
        inputs.per_prospect[0].rate = "0.5".into(); // 16.5 → 17 calls
        let funnel = run(&inputs);
        assert_eq!((funnel.deals, funnel.leads, funnel.prospects), (4, 10, 33));
        assert_eq!(funnel.prospect_activities[0].total, 17);
        assert!(funnel.rounded);
    }

    #[test]
    fn zero_negative_and_malformed_inputs_are_refused_per_field() {
        let mut inputs = example();
        inputs.deal_value = "0".into();
        inputs.leads_per_deal = "-4".into();
        inputs.prospects_per_lead = "abc".into();
        inputs.per_lead[1].rate = "0".into();
        let errors = compute(&inputs, WeekStart::Monday, WorkingDays::default()).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "deal_value",
                "leads_per_deal",
                "prospects_per_lead",
                "per_lead.1"
            ]
        );
    }

    #[test]
    fn ratios_read_decimals_exactly() {
        assert_eq!(Ratio::parse("4").unwrap().hundredths(), 400);
        assert_eq!(Ratio::parse("2,5").unwrap().hundredths(), 250);
        assert_eq!(Ratio::parse(".75").unwrap().hundredths(), 75);
        assert_eq!(Ratio::parse("0.75").unwrap().to_string(), "0.75");
        assert_eq!(Ratio::parse("2.50").unwrap().to_string(), "2.5");
        assert!(Ratio::parse("1.234").is_err());
        assert!(Ratio::parse("0").is_err());
        assert!(Ratio::parse("NaN").is_err());
        assert!(Ratio::parse("inf").is_err());
    }

    fn members() -> Vec<Member> {
        let m = |user_id, segment_id| Member {
            user_id,
            name: format!("User {user_id}"),
            segment_id,
        };
        vec![m(10, 1), m(11, 1), m(12, 1), m(20, 2)]
    }

    #[test]
    fn an_even_split_gives_each_member_a_rounded_up_share() {
        let mut inputs = example();
        inputs.prospecting_segment = Some(1);
        inputs.closing_segment = Some(2);
        let funnel = run(&inputs);
        let people = split(&inputs, &funnel, &members(), WorkingDays::default()).unwrap();
        assert_eq!(people.len(), 4);
        // 720 prospecting calls over three callers: 240 each, 4 a day over 66 days.
        let first = &people[0];
        assert_eq!(
            first.activities,
            vec![PersonVolume {
                type_id: CALL,
                total: 240,
                per_day: 4,
                per_week: 19
            }]
        );
        let closer = &people[3];
        let closer_totals: Vec<(i32, u64)> = closer
            .activities
            .iter()
            .map(|v| (v.type_id, v.total))
            .collect();
        assert_eq!(
            closer_totals,
            vec![(CALL, 96), (MEETING, 12), (PROPOSAL, 24)]
        );
        let goals = goals_of(&inputs, &funnel, &people);
        // Three team goals, one call goal per caller, three goals for the closer.
        assert_eq!(goals.len(), 3 + 3 + 3);
        assert_eq!(goals[0].target, 9_000_000);
        assert!(goals.iter().all(|g| g.target > 0));
    }

    #[test]
    fn shares_must_add_up_to_a_hundred_percent() {
        let mut inputs = example();
        inputs.prospecting_segment = Some(1);
        let share = |user_id, percent: &str| PersonShare {
            user_id,
            percent: percent.into(),
        };
        inputs.shares = vec![share(10, "50"), share(11, "30"), share(12, "10")];
        let funnel = run(&inputs);
        let errors = split(&inputs, &funnel, &members(), WorkingDays::default()).unwrap_err();
        assert_eq!(errors[0].0, "prospecting_segment");
        assert!(errors[0].1.contains("90 %"), "{}", errors[0].1);
        inputs.shares[2].percent = "20".into();
        let people = split(&inputs, &funnel, &members(), WorkingDays::default()).unwrap();
        assert_eq!(people[0].activities[0].total, 360);
        assert_eq!(people[2].activities[0].total, 144);
    }

    #[test]
    fn a_segment_without_members_is_refused() {
        let mut inputs = example();
        inputs.closing_segment = Some(99);
        let funnel = run(&inputs);
        let errors = split(&inputs, &funnel, &members(), WorkingDays::default()).unwrap_err();
        assert_eq!(errors[0].0, "closing_segment");
    }

    fn sized(n: u64) -> String {
        Ratio(n).to_string()
    }

    proptest! {
        #[test]
        fn the_funnel_never_shrinks_when_an_input_grows(
            target in 1u64..100_000_000, deal in 1u64..10_000_000,
            l in 1u64..5_000, p in 1u64..5_000, rate in 1u64..5_000, bump in 1u64..1_000,
            which in 0usize..5,
        ) {
            let mut low = example();
            low.target = Amount::from_cents(target as i64).unwrap().to_string();
            low.deal_value = Amount::from_cents(deal as i64).unwrap().to_string();
            low.leads_per_deal = sized(l);
            low.prospects_per_lead = sized(p);
            low.per_prospect[0].rate = sized(rate);
            let mut high = low.clone();
            match which {
                0 => high.target = Amount::from_cents((target + bump) as i64).unwrap().to_string(),
                1 => high.leads_per_deal = sized(l + bump),
                2 => high.prospects_per_lead = sized(p + bump),
                3 => high.per_prospect[0].rate = sized(rate + bump),
                // A larger deal value needs fewer deals: compare the other way round.
                _ => {
                    high.deal_value = Amount::from_cents(deal as i64).unwrap().to_string();
                    low.deal_value = Amount::from_cents((deal + bump) as i64).unwrap().to_string();
                }
            }
            let (a, b) = (run(&low), run(&high));
            prop_assert!(a.deals <= b.deals && a.leads <= b.leads && a.prospects <= b.prospects);
            prop_assert!(a.prospect_activities[0].total <= b.prospect_activities[0].total);
            for (x, y) in a.lead_activities.iter().zip(&b.lead_activities) {
                prop_assert!(x.total <= y.total && x.per_day <= y.per_day);
            }
        }

        #[test]
        fn each_stage_is_the_previous_times_its_ratio_rounded_up(
            target in 1u64..100_000_000, deal in 1u64..10_000_000, l in 1u64..5_000, p in 1u64..5_000,
        ) {
            let mut inputs = example();
            inputs.target = Amount::from_cents(target as i64).unwrap().to_string();
            inputs.deal_value = Amount::from_cents(deal as i64).unwrap().to_string();
            inputs.leads_per_deal = sized(l);
            inputs.prospects_per_lead = sized(p);
            let f = run(&inputs);
            // Never less than exact, and less than one more than exact, at every stage.
            prop_assert!(f.deals * deal >= target && (f.deals - 1) * deal < target);
            prop_assert!(f.leads * 100 >= f.deals * l && (f.leads.saturating_sub(1)) * 100 < f.deals * l);
            prop_assert!(f.prospects * 100 >= f.leads * p && (f.prospects.saturating_sub(1)) * 100 < f.leads * p);
        }
    }
}
