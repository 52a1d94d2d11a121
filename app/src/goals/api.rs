//! What the goal pages, the planner and the API exchange, and the server functions behind them.

use chrono::NaiveDate;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use crate::domain::forecast::{Funnel, GoalDraft, Member, PersonPlan, PlanInputs};
use crate::domain::goal::{AssigneeKind, GoalKind, Pace, Schedule};
use crate::domain::period::{Period, PeriodKind, WorkingDays};
use crate::domain::validate::WeekStart;
use crate::error::AppError;

/// A goal as stored, with the names people read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "id": 11, "kind": "activities", "activity_type_id": 1, "outcome_id": null,
    "pipeline_id": null, "assignee": "user", "user_id": 3, "segment_id": null,
    "schedule": {"period": "day", "starts_on": "2026-10-01", "ends_on": "2026-12-31"},
    "target": 6, "plan_id": 4, "title": "Call", "assignee_name": "Bruno Petit",
    "target_text": "6 a day, from 1 Oct 2026, until 31 Dec 2026"
})))]
pub struct GoalView {
    pub id: i32,
    pub kind: GoalKind,
    pub activity_type_id: Option<i32>,
    pub outcome_id: Option<i32>,
    pub pipeline_id: Option<i32>,
    pub assignee: AssigneeKind,
    pub user_id: Option<i32>,
    pub segment_id: Option<i32>,
    pub schedule: Schedule,
    /// A count, or cents for revenue.
    pub target: i64,
    pub plan_id: Option<i32>,
    /// "Call · Answered", "Revenue won · Acquisition".
    pub title: String,
    /// "Ann Lee", "Prospecting (each member)", "Whole team".
    pub assignee_name: String,
    /// "10 a day", "90,000.00 from 1 Oct to 31 Dec 2026".
    pub target_text: String,
}

/// A goal as typed in the form or sent to the API. `period` is day, week, month, quarter,
/// half_year, year, or `range` for one fixed date range; dates are `YYYY-MM-DD`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "kind": "activities", "activity_type_id": 1, "outcome_id": null, "pipeline_id": null,
    "assignee": "user", "user_id": 3, "segment_id": null, "period": "day",
    "starts_on": "2026-10-01", "ends_on": "2026-12-31", "target": "6"
})))]
pub struct GoalInput {
    pub kind: String,
    #[serde(default)]
    pub activity_type_id: Option<i32>,
    #[serde(default)]
    pub outcome_id: Option<i32>,
    #[serde(default)]
    pub pipeline_id: Option<i32>,
    pub assignee: String,
    #[serde(default)]
    pub user_id: Option<i32>,
    #[serde(default)]
    pub segment_id: Option<i32>,
    pub period: String,
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: String,
    pub target: String,
}

impl From<&GoalView> for GoalInput {
    /// The goal as the form shows it, to change some of it.
    fn from(g: &GoalView) -> GoalInput {
        GoalInput {
            kind: g.kind.as_str().into(),
            activity_type_id: g.activity_type_id,
            outcome_id: g.outcome_id,
            pipeline_id: g.pipeline_id,
            assignee: g.assignee.as_str().into(),
            user_id: g.user_id,
            segment_id: g.segment_id,
            period: g
                .schedule
                .period
                .map(|p| p.as_str().to_string())
                .unwrap_or_else(|| "range".into()),
            starts_on: g.schedule.starts_on.to_string(),
            ends_on: g
                .schedule
                .ends_on
                .map(|d| d.to_string())
                .unwrap_or_default(),
            target: if g.kind.is_money() {
                crate::domain::money::decimal_string(g.target)
            } else {
                g.target.to_string()
            },
        }
    }
}

/// One person's (or a total's) standing against a goal in a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "user_id": 3, "name": "Bruno Petit", "total": false,
    "pace": {"current": 4, "target": 6, "expected": 3, "projected": 8, "status": "on_track"}
})))]
pub struct ProgressRow {
    pub user_id: Option<i32>,
    pub name: String,
    /// The segment's or the team's total.
    pub total: bool,
    pub pace: Pace,
}

/// A past period of a goal: reached or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "period": {"start": "2026-11-26", "end": "2026-11-26"}, "value": 7, "target": 6,
    "met": true
})))]
pub struct PastPeriod {
    pub period: Period,
    pub value: i64,
    pub target: i64,
    pub met: bool,
}

/// A goal in one of its periods: a row per person it applies to, and a total when it applies
/// to more than one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "goal": {
        "id": 11, "kind": "activities", "activity_type_id": 1, "outcome_id": null,
        "pipeline_id": null, "assignee": "user", "user_id": 3, "segment_id": null,
        "schedule": {"period": "day", "starts_on": "2026-10-01", "ends_on": "2026-12-31"},
        "target": 6, "plan_id": 4, "title": "Call", "assignee_name": "Bruno Petit",
        "target_text": "6 a day, from 1 Oct 2026, until 31 Dec 2026"
    },
    "period": {"start": "2026-11-27", "end": "2026-11-27"}, "elapsed_percent": 50,
    "rows": [
        {
            "user_id": 3, "name": "Bruno Petit", "total": false,
            "pace": {
                "current": 4, "target": 6, "expected": 3, "projected": 8, "status": "on_track"
            }
        }
    ],
    "history": [
        {
            "period": {"start": "2026-11-26", "end": "2026-11-26"}, "value": 7, "target": 6,
            "met": true
        },
        {
            "period": {"start": "2026-11-25", "end": "2026-11-25"}, "value": 5, "target": 6,
            "met": false
        }
    ]
})))]
pub struct GoalProgress {
    pub goal: GoalView,
    pub period: Period,
    /// Share of the period's working time gone by, in percent.
    pub elapsed_percent: i64,
    pub rows: Vec<ProgressRow>,
    /// The periods before this one, most recent first (recurring goals only).
    pub history: Vec<PastPeriod>,
}

/// The team goals page: every goal of a kind of period, in the chosen period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamGoalsView {
    pub kind: PeriodKind,
    pub period: Period,
    pub today: NaiveDate,
    pub goals: Vec<GoalProgress>,
}

/// A lead whose next action is due today or overdue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueLead {
    pub id: i32,
    pub title: String,
    pub company: String,
    /// "09:30", or "overdue since 24 Nov".
    pub when: String,
    pub overdue: bool,
}

/// A member's home page: today's and this week's goals, and the leads due today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyDayView {
    pub today: NaiveDate,
    pub working_day: bool,
    pub goals: Vec<GoalProgress>,
    pub leads_due: Vec<DueLead>,
}

/// An activity type a goal or a plan can name, with its outcomes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "id": 1, "name": "Call", "active": true,
    "outcomes": [[1, "Answered"], [2, "Voicemail"], [3, "No answer"]]
})))]
pub struct TypeChoice {
    pub id: i32,
    pub name: String,
    pub active: bool,
    pub outcomes: Vec<(i32, String)>,
}

/// Everything the goal form and the planner offer to choose from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoalChoices {
    pub types: Vec<TypeChoice>,
    pub pipelines: Vec<(i32, String)>,
    pub users: Vec<(i32, String)>,
    pub segments: Vec<(i32, String)>,
    /// Active users with a segment: who a plan can be split over.
    pub members: Vec<Member>,
    pub week_start: WeekStart,
    pub working_days: WorkingDays,
    pub today: NaiveDate,
}

/// A saved plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "id": 4, "name": "Q4 2026 new business",
    "inputs": {
        "target": "90000", "period": "quarter", "starts_on": "2026-10-01",
        "deal_value": "30000", "leads_per_deal": "4", "prospects_per_lead": "20",
        "per_prospect": [{"type_id": 1, "rate": "3"}],
        "per_lead": [
            {"type_id": 1, "rate": "8"}, {"type_id": 3, "rate": "1"},
            {"type_id": 4, "rate": "2"}
        ],
        "prospecting_segment": 1, "closing_segment": 2, "shares": [], "goal_period": "day"
    },
    "applied_at": "2026-10-01T07:45:00Z", "goal_ids": [5, 6, 7, 8, 9, 10, 11, 12]
})))]
pub struct PlanView {
    pub id: i32,
    pub name: String,
    pub inputs: PlanInputs,
    /// When its goals were last created ("applied"), if ever.
    pub applied_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The goals it created (that still exist).
    pub goal_ids: Vec<i32>,
}

/// What a plan computes to, without writing anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "funnel": {
        "period": {"start": "2026-10-01", "end": "2026-12-31"}, "working_days": 66,
        "target_cents": 9000000, "deals": 3, "leads": 12, "prospects": 240,
        "prospect_activities": [{"type_id": 1, "total": 720, "per_day": 11}],
        "lead_activities": [
            {"type_id": 1, "total": 96, "per_day": 2},
            {"type_id": 3, "total": 12, "per_day": 1},
            {"type_id": 4, "total": 24, "per_day": 1}
        ],
        "rounded": false
    },
    "people": [
        {
            "user_id": 2, "name": "Alice Martin", "share_hundredths": 10000,
            "activities": [
                {"type_id": 1, "total": 96, "per_day": 2, "per_week": 8},
                {"type_id": 3, "total": 12, "per_day": 1, "per_week": 1},
                {"type_id": 4, "total": 24, "per_day": 1, "per_week": 2}
            ]
        },
        {
            "user_id": 3, "name": "Bruno Petit", "share_hundredths": 5000,
            "activities": [{"type_id": 1, "total": 360, "per_day": 6, "per_week": 28}]
        },
        {
            "user_id": 5, "name": "Hugo Leroy", "share_hundredths": 5000,
            "activities": [{"type_id": 1, "total": 360, "per_day": 6, "per_week": 28}]
        }
    ],
    "goals": [
        {
            "kind": "revenue_won", "activity_type_id": null, "assignee": "team",
            "user_id": null,
            "schedule": {
                "period": "quarter", "starts_on": "2026-10-01", "ends_on": "2026-12-31"
            },
            "target": 9000000
        },
        {
            "kind": "leads_won", "activity_type_id": null, "assignee": "team", "user_id": null,
            "schedule": {
                "period": "quarter", "starts_on": "2026-10-01", "ends_on": "2026-12-31"
            },
            "target": 3
        },
        {
            "kind": "leads_created", "activity_type_id": null, "assignee": "team",
            "user_id": null,
            "schedule": {
                "period": "quarter", "starts_on": "2026-10-01", "ends_on": "2026-12-31"
            },
            "target": 12
        },
        {
            "kind": "activities", "activity_type_id": 1, "assignee": "user", "user_id": 2,
            "schedule": {"period": "day", "starts_on": "2026-10-01", "ends_on": "2026-12-31"},
            "target": 2
        },
        {
            "kind": "activities", "activity_type_id": 3, "assignee": "user", "user_id": 2,
            "schedule": {"period": "day", "starts_on": "2026-10-01", "ends_on": "2026-12-31"},
            "target": 1
        },
        {
            "kind": "activities", "activity_type_id": 4, "assignee": "user", "user_id": 2,
            "schedule": {"period": "day", "starts_on": "2026-10-01", "ends_on": "2026-12-31"},
            "target": 1
        },
        {
            "kind": "activities", "activity_type_id": 1, "assignee": "user", "user_id": 3,
            "schedule": {"period": "day", "starts_on": "2026-10-01", "ends_on": "2026-12-31"},
            "target": 6
        },
        {
            "kind": "activities", "activity_type_id": 1, "assignee": "user", "user_id": 5,
            "schedule": {"period": "day", "starts_on": "2026-10-01", "ends_on": "2026-12-31"},
            "target": 6
        }
    ]
})))]
pub struct PlanOutcome {
    pub funnel: Funnel,
    pub people: Vec<PersonPlan>,
    pub goals: Vec<GoalDraft>,
}

/// One ratio measured from the recorded data, or why it could not be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "value": "30,000.00", "basis": "Average of 12 won deals."
})))]
pub struct Measured {
    /// The value as the planner field takes it ("4", "2.5", "30000.00"), if enough data.
    pub value: Option<String>,
    /// "from 12 won deals", or why not: "only 1 won deal in the window (3 needed)".
    pub basis: String,
}

/// An activity rate measured from the recorded data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "type_id": 1, "type_name": "Call",
    "measured": {"value": "3", "basis": "1,920 activities on 640 prospects."}
})))]
pub struct MeasuredRate {
    pub type_id: i32,
    pub type_name: String,
    pub measured: Measured,
}

/// The planner's ratios as the team's history shows them over a window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "from": "2026-08-30", "to": "2026-11-27",
    "deal_value": {"value": "30,000.00", "basis": "Average of 12 won deals."},
    "leads_per_deal": {"value": "4", "basis": "48 leads created for 12 won deals."},
    "prospects_per_lead": {
        "value": "20", "basis": "640 prospects worked for 32 leads converted."
    },
    "per_prospect": [
        {
            "type_id": 1, "type_name": "Call",
            "measured": {"value": "3", "basis": "1,920 activities on 640 prospects."}
        }
    ],
    "per_lead": [
        {
            "type_id": 1, "type_name": "Call",
            "measured": {"value": "8", "basis": "384 activities on 48 leads."}
        },
        {
            "type_id": 3, "type_name": "Meeting",
            "measured": {"value": "1", "basis": "48 activities on 48 leads."}
        }
    ]
})))]
pub struct HistoryRatios {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub deal_value: Measured,
    pub leads_per_deal: Measured,
    pub prospects_per_lead: Measured,
    pub per_prospect: Vec<MeasuredRate>,
    pub per_lead: Vec<MeasuredRate>,
}

#[server(endpoint = "goal_options")]
pub async fn goal_options() -> Result<GoalChoices, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, goals, respond, state};
    respond(
        async {
            authorize(Action::ManageGoals).await?;
            goals::options(&state()?.db).await
        }
        .await,
    )
}

/// The team's goals of one kind of period, in the period holding `anchor` (today if empty).
#[server(endpoint = "team_goals")]
pub async fn team_goals(kind: String, anchor: String) -> Result<TeamGoalsView, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, goals, respond, state};
    respond(
        async {
            authorize(Action::ManageGoals).await?;
            let kind = PeriodKind::parse(&kind).map_err(|m| AppError::field("kind", m))?;
            let anchor = match anchor.trim() {
                "" => None,
                text => Some(
                    NaiveDate::parse_from_str(text, "%Y-%m-%d")
                        .map_err(|_| AppError::field("anchor", "Enter a date as YYYY-MM-DD."))?,
                ),
            };
            goals::team(&state()?.db, kind, anchor, chrono::Utc::now()).await
        }
        .await,
    )
}

#[server(endpoint = "save_goal", input = Json)]
pub async fn save_goal(id: Option<i32>, input: GoalInput) -> Result<GoalView, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, goals, respond, state};
    respond(
        async {
            let actor = authorize(Action::ManageGoals).await?;
            let db = &state()?.db;
            match id {
                Some(id) => goals::update(db, id, &input).await,
                None => goals::create(db, &actor, &input).await,
            }
        }
        .await,
    )
}

#[server(endpoint = "delete_goal")]
pub async fn delete_goal(id: i32) -> Result<(), AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, goals, respond, state};
    respond(
        async {
            authorize(Action::ManageGoals).await?;
            goals::delete(&state()?.db, id).await
        }
        .await,
    )
}

#[server(endpoint = "my_day")]
pub async fn my_day() -> Result<MyDayView, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, goals, respond, state};
    respond(
        async {
            let actor = authorize(Action::LogActivities).await?;
            goals::my_day(&state()?.db, &actor, chrono::Utc::now()).await
        }
        .await,
    )
}

#[server(endpoint = "list_plans")]
pub async fn list_plans() -> Result<Vec<PlanView>, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, goals, respond, state};
    respond(
        async {
            authorize(Action::ManageGoals).await?;
            goals::plans(&state()?.db).await
        }
        .await,
    )
}

#[server(endpoint = "save_plan", input = Json)]
pub async fn save_plan(
    id: Option<i32>,
    name: String,
    inputs: PlanInputs,
) -> Result<PlanView, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, goals, respond, state};
    respond(
        async {
            let actor = authorize(Action::ManageGoals).await?;
            goals::save_plan(&state()?.db, &actor, id, &name, &inputs).await
        }
        .await,
    )
}

#[server(endpoint = "delete_plan")]
pub async fn delete_plan(id: i32) -> Result<(), AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, goals, respond, state};
    respond(
        async {
            authorize(Action::ManageGoals).await?;
            goals::delete_plan(&state()?.db, id).await
        }
        .await,
    )
}

/// Creates the plan's goals, replacing those it created before.
#[server(endpoint = "apply_plan")]
pub async fn apply_plan(id: i32) -> Result<Vec<GoalView>, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, goals, respond, state};
    respond(
        async {
            let actor = authorize(Action::ManageGoals).await?;
            goals::apply_plan(&state()?.db, &actor, id).await
        }
        .await,
    )
}

/// The planner's ratios measured over the last `days` days, optionally for one pipeline.
#[server(endpoint = "plan_history")]
pub async fn plan_history(days: i64, pipeline_id: Option<i32>) -> Result<HistoryRatios, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, goals, respond, state};
    respond(
        async {
            authorize(Action::ManageGoals).await?;
            goals::history(&state()?.db, days, pipeline_id, chrono::Utc::now()).await
        }
        .await,
    )
}
