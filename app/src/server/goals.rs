//! Goals and plans: stored definitions, and progress computed from the recorded data (never
//! stored): activities by `occurred_at` for who logged them, leads by creation for who created
//! them, wins and revenue at a lead's last win for its owner then.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, Set, Statement, Value,
};

use super::entity::{
    activity_type, goal, goal_attainment, lead, outcome, pipeline, plan, segment, user,
};
use super::leads::tz_of;
use super::Actor;
use crate::domain::forecast::{self, Member, PlanInputs};
use crate::domain::goal::{AssigneeKind, GoalKind, Pace, Schedule};
use crate::domain::period::{self, elapsed_share, Period, PeriodKind, WorkingDays};
use crate::domain::text::counted;
use crate::domain::validate::WeekStart;
use crate::error::{AppError, Check};
use crate::goals::api::{
    DueLead, GoalChoices, GoalInput, GoalProgress, GoalView, HistoryRatios, Measured, MeasuredRate,
    MyDayView, PastPeriod, PlanOutcome, PlanView, ProgressRow, TeamGoalsView, TypeChoice,
};

/// How many past periods the team page shows per goal.
const HISTORY: usize = 6;
/// The fewest events a measured ratio may rest on.
const MIN_SAMPLE: i64 = 3;

/// The workspace's calendar: its time zone, first day of week and working days.
#[derive(Clone, Copy, Debug)]
pub struct Calendar {
    pub tz: Tz,
    pub week_start: WeekStart,
    pub working: WorkingDays,
}

impl Calendar {
    pub fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&self.tz).date_naive()
    }
}

pub async fn calendar(db: &impl ConnectionTrait) -> Result<Calendar, AppError> {
    let ws = super::workspace::get(db).await?;
    Ok(Calendar {
        tz: tz_of(&ws.time_zone),
        week_start: WeekStart::parse(&ws.week_start).unwrap_or(WeekStart::Monday),
        working: WorkingDays::from_bits(ws.working_days).unwrap_or_default(),
    })
}

fn kind_of(model: &goal::Model) -> GoalKind {
    GoalKind::parse(&model.kind).unwrap_or(GoalKind::Activities)
}

fn schedule_of(model: &goal::Model) -> Schedule {
    Schedule {
        period: model
            .period
            .as_deref()
            .and_then(|p| PeriodKind::parse(p).ok()),
        starts_on: model.starts_on,
        ends_on: model.ends_on,
    }
}

/// The period of `model` that holds `date`, if the goal applies then. Daily activity goals
/// apply on working days only.
fn period_at(model: &goal::Model, date: NaiveDate, cal: &Calendar) -> Option<Period> {
    let schedule = schedule_of(model);
    match schedule.period {
        Some(kind) => {
            let period = kind.containing(date, cal.week_start);
            if kind == PeriodKind::Day
                && kind_of(model) == GoalKind::Activities
                && !cal.working.includes(date.weekday())
            {
                return None;
            }
            schedule.applies(period.start, period.end).then_some(period)
        }
        None => {
            let period = Period {
                start: schedule.starts_on,
                end: schedule.ends_on.unwrap_or(schedule.starts_on),
            };
            period.contains(date).then_some(period)
        }
    }
}

/// Names used to describe goals.
struct Names {
    types: HashMap<i32, activity_type::Model>,
    outcomes: HashMap<i32, outcome::Model>,
    pipelines: HashMap<i32, String>,
    users: HashMap<i32, user::Model>,
    segments: HashMap<i32, String>,
}

impl Names {
    async fn load(db: &impl ConnectionTrait) -> Result<Names, AppError> {
        Ok(Names {
            types: activity_type::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(|t| (t.id, t))
                .collect(),
            outcomes: outcome::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(|o| (o.id, o))
                .collect(),
            pipelines: pipeline::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(|p| (p.id, p.name))
                .collect(),
            users: user::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(|u| (u.id, u))
                .collect(),
            segments: segment::Entity::find()
                .all(db)
                .await?
                .into_iter()
                .map(|s| (s.id, s.name))
                .collect(),
        })
    }

    fn user(&self, id: i32) -> String {
        self.users
            .get(&id)
            .map(|u| u.name.clone())
            .unwrap_or_else(|| "Former user".into())
    }

    /// Active members of a segment, by name.
    fn members(&self, segment_id: i32) -> Vec<&user::Model> {
        let mut members: Vec<&user::Model> = self
            .users
            .values()
            .filter(|u| u.active && u.segment_id == Some(segment_id))
            .collect();
        members.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        members
    }

    fn view(&self, model: &goal::Model) -> GoalView {
        let kind = kind_of(model);
        let schedule = schedule_of(model);
        let assignee = AssigneeKind::parse(&model.assignee).unwrap_or(AssigneeKind::Team);
        let mut title = match kind {
            GoalKind::Activities => model
                .activity_type_id
                .and_then(|id| self.types.get(&id))
                .map(|t| t.name.clone())
                .unwrap_or_else(|| "Activities".into()),
            other => other.label().to_string(),
        };
        if let Some(outcome) = model.outcome_id.and_then(|id| self.outcomes.get(&id)) {
            title = format!("{title} · {}", outcome.name);
        }
        if let Some(name) = model.pipeline_id.and_then(|id| self.pipelines.get(&id)) {
            title = format!("{title} · {name}");
        }
        let assignee_name = match assignee {
            AssigneeKind::User => self.user(model.user_id.unwrap_or_default()),
            AssigneeKind::Segment => format!(
                "{} (each member)",
                model
                    .segment_id
                    .and_then(|id| self.segments.get(&id))
                    .cloned()
                    .unwrap_or_else(|| "Segment".into())
            ),
            AssigneeKind::Team => "Whole team".into(),
        };
        let amount = kind.format(model.target);
        let target_text = match schedule.period {
            Some(period) => {
                let until = schedule
                    .ends_on
                    .map(|end| format!(", until {}", end.format("%-d %b %Y")))
                    .unwrap_or_default();
                format!(
                    "{amount} {}, from {}{until}",
                    period.per(),
                    schedule.starts_on.format("%-d %b %Y")
                )
            }
            None => format!(
                "{amount} from {} to {}",
                schedule.starts_on.format("%-d %b %Y"),
                schedule
                    .ends_on
                    .unwrap_or(schedule.starts_on)
                    .format("%-d %b %Y")
            ),
        };
        GoalView {
            id: model.id,
            kind,
            activity_type_id: model.activity_type_id,
            outcome_id: model.outcome_id,
            pipeline_id: model.pipeline_id,
            assignee,
            user_id: model.user_id,
            segment_id: model.segment_id,
            schedule,
            target: model.target,
            plan_id: model.plan_id,
            title,
            assignee_name,
            target_text,
        }
    }
}

pub async fn options(db: &impl ConnectionTrait) -> Result<GoalChoices, AppError> {
    let names = Names::load(db).await?;
    let cal = calendar(db).await?;
    let mut types: Vec<&activity_type::Model> = names.types.values().collect();
    types.sort_by_key(|t| (t.position, t.id));
    let mut outcomes: Vec<&outcome::Model> = names.outcomes.values().filter(|o| o.active).collect();
    outcomes.sort_by_key(|o| (o.position, o.id));
    let mut pipelines: Vec<(i32, String)> = names
        .pipelines
        .iter()
        .map(|(id, n)| (*id, n.clone()))
        .collect();
    pipelines.sort_by(|a, b| a.1.cmp(&b.1));
    let mut users: Vec<&user::Model> = names.users.values().filter(|u| u.active).collect();
    users.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    let mut segments: Vec<(i32, String)> = names
        .segments
        .iter()
        .map(|(id, n)| (*id, n.clone()))
        .collect();
    segments.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(GoalChoices {
        types: types
            .into_iter()
            .map(|t| TypeChoice {
                id: t.id,
                name: t.name.clone(),
                active: t.active,
                outcomes: outcomes
                    .iter()
                    .filter(|o| o.type_id == t.id)
                    .map(|o| (o.id, o.name.clone()))
                    .collect(),
            })
            .collect(),
        pipelines,
        members: users
            .iter()
            .filter_map(|u| {
                u.segment_id.map(|segment_id| Member {
                    user_id: u.id,
                    name: u.name.clone(),
                    segment_id,
                })
            })
            .collect(),
        users: users.iter().map(|u| (u.id, u.name.clone())).collect(),
        segments,
        week_start: cal.week_start,
        working_days: cal.working,
        today: cal.today(Utc::now()),
    })
}

/// A checked goal, ready to write.
struct Checked {
    kind: GoalKind,
    activity_type_id: Option<i32>,
    outcome_id: Option<i32>,
    pipeline_id: Option<i32>,
    assignee: AssigneeKind,
    user_id: Option<i32>,
    segment_id: Option<i32>,
    schedule: Schedule,
    target: i64,
}

fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| "Enter a date that exists, as YYYY-MM-DD.".to_string())
}

async fn check(db: &impl ConnectionTrait, input: &GoalInput) -> Result<Checked, AppError> {
    let names = Names::load(db).await?;
    let cal = calendar(db).await?;
    let mut check = Check::new();
    let kind = check.take("kind", GoalKind::parse(&input.kind));
    let assignee = check.take("assignee", AssigneeKind::parse(&input.assignee));
    let period = match input.period.trim() {
        "range" => Some(None),
        text => check.take("period", PeriodKind::parse(text).map(Some)),
    };
    let starts_on = check.take("starts_on", parse_date(&input.starts_on));
    let ends_on = match input.ends_on.trim() {
        "" => Some(None),
        text => check.take("ends_on", parse_date(text).map(Some)),
    };
    if let Some(start) = starts_on {
        if !period::midnight_exists(start, &cal.tz) {
            check.fail(
                "starts_on",
                format!(
                    "{} does not begin at midnight in {} (the clocks skip it): choose another day.",
                    start.format("%-d %b %Y"),
                    cal.tz.name()
                ),
            );
        }
    }
    let target = kind.and_then(|k| check.take("target", k.parse_target(&input.target)));
    if let Some(kind) = kind {
        if kind == GoalKind::Activities {
            match input.activity_type_id.and_then(|id| names.types.get(&id)) {
                None => check.fail("activity_type_id", "Choose an activity type."),
                Some(t) if !t.active => check.fail(
                    "activity_type_id",
                    format!(
                        "{} is inactive: activate it first, or choose another type.",
                        t.name
                    ),
                ),
                Some(t) => {
                    if let Some(id) = input.outcome_id {
                        match names.outcomes.get(&id) {
                            Some(o) if o.type_id == t.id => {}
                            Some(o) => check.fail(
                                "outcome_id",
                                format!("{} is an outcome of another activity type.", o.name),
                            ),
                            None => check.fail("outcome_id", "This outcome does not exist."),
                        }
                    }
                }
            }
            if input.pipeline_id.is_some() {
                check.fail(
                    "pipeline_id",
                    "Activity goals count every activity of the type: leave the pipeline empty.",
                );
            }
        } else if let Some(id) = input.pipeline_id {
            if !names.pipelines.contains_key(&id) {
                check.fail("pipeline_id", "This pipeline does not exist.");
            }
        }
    }
    match assignee {
        Some(AssigneeKind::User) => match input.user_id.and_then(|id| names.users.get(&id)) {
            Some(u) if u.active => {}
            Some(_) => check.fail("user_id", "This user is deactivated."),
            None => check.fail("user_id", "Choose a person."),
        },
        Some(AssigneeKind::Segment)
            if input
                .segment_id
                .and_then(|id| names.segments.get(&id))
                .is_none() =>
        {
            check.fail("segment_id", "Choose a segment.");
        }
        _ => {}
    }
    let schedule = match (period, starts_on, ends_on) {
        (Some(period), Some(starts_on), Some(ends_on)) => {
            let schedule = Schedule {
                period,
                starts_on,
                ends_on,
            };
            match schedule.check() {
                Ok(s) => Some(s),
                Err((field, message)) => {
                    check.fail(field, message);
                    None
                }
            }
        }
        _ => None,
    };
    check.finish()?;
    let (Some(kind), Some(assignee), Some(schedule), Some(target)) =
        (kind, assignee, schedule, target)
    else {
        return Err(AppError::Internal);
    };
    let activities = kind == GoalKind::Activities;
    Ok(Checked {
        kind,
        activity_type_id: input.activity_type_id.filter(|_| activities),
        outcome_id: input.outcome_id.filter(|_| activities),
        pipeline_id: input.pipeline_id.filter(|_| !activities),
        assignee,
        user_id: input.user_id.filter(|_| assignee == AssigneeKind::User),
        segment_id: input
            .segment_id
            .filter(|_| assignee == AssigneeKind::Segment),
        schedule,
        target,
    })
}

fn fill(model: &mut goal::ActiveModel, checked: Checked) {
    model.kind = Set(checked.kind.as_str().into());
    model.activity_type_id = Set(checked.activity_type_id);
    model.outcome_id = Set(checked.outcome_id);
    model.pipeline_id = Set(checked.pipeline_id);
    model.assignee = Set(checked.assignee.as_str().into());
    model.user_id = Set(checked.user_id);
    model.segment_id = Set(checked.segment_id);
    model.period = Set(checked.schedule.period.map(|p| p.as_str().to_string()));
    model.starts_on = Set(checked.schedule.starts_on);
    model.ends_on = Set(checked.schedule.ends_on);
    model.target = Set(checked.target);
    model.updated_at = Set(Utc::now());
}

pub async fn create(
    db: &impl ConnectionTrait,
    actor: &Actor,
    input: &GoalInput,
) -> Result<GoalView, AppError> {
    let checked = check(db, input).await?;
    let mut model = goal::ActiveModel {
        created_by: Set(actor.id),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    fill(&mut model, checked);
    let model = model.insert(db).await?;
    get(db, model.id).await
}

pub async fn update(
    db: &impl ConnectionTrait,
    id: i32,
    input: &GoalInput,
) -> Result<GoalView, AppError> {
    let existing = goal::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let checked = check(db, input).await?;
    let mut model: goal::ActiveModel = existing.into();
    fill(&mut model, checked);
    model.update(db).await?;
    get(db, id).await
}

pub async fn delete(db: &impl ConnectionTrait, id: i32) -> Result<(), AppError> {
    let result = goal::Entity::delete_by_id(id).exec(db).await?;
    if result.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

pub async fn get(db: &impl ConnectionTrait, id: i32) -> Result<GoalView, AppError> {
    let model = goal::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Names::load(db).await?.view(&model))
}

/// Filters of the goals listing in the API.
#[derive(Debug, Default, Clone)]
pub struct GoalFilter {
    pub user_id: Option<i32>,
    pub segment_id: Option<i32>,
    pub plan_id: Option<i32>,
    pub kind: Option<GoalKind>,
}

pub async fn list(
    db: &impl ConnectionTrait,
    filter: &GoalFilter,
) -> Result<Vec<GoalView>, AppError> {
    let mut query = goal::Entity::find().order_by_asc(goal::Column::Id);
    if let Some(id) = filter.user_id {
        query = query.filter(goal::Column::UserId.eq(id));
    }
    if let Some(id) = filter.segment_id {
        query = query.filter(goal::Column::SegmentId.eq(id));
    }
    if let Some(id) = filter.plan_id {
        query = query.filter(goal::Column::PlanId.eq(id));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(goal::Column::Kind.eq(kind.as_str()));
    }
    let names = Names::load(db).await?;
    Ok(query.all(db).await?.iter().map(|m| names.view(m)).collect())
}

/// A query with `?` placeholders, numbered for PostgreSQL.
pub(crate) fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = match backend {
        DbBackend::Postgres => {
            let mut numbered = String::with_capacity(sql.len() + 8);
            let mut n = 0;
            for c in sql.chars() {
                if c == '?' {
                    n += 1;
                    numbered.push_str(&format!("${n}"));
                } else {
                    numbered.push(c);
                }
            }
            numbered
        }
        _ => sql.to_string(),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// What one goal counts, whoever it is for: goals with the same measure share their counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Measure {
    kind: GoalKind,
    type_id: Option<i32>,
    outcome_id: Option<i32>,
    pipeline_id: Option<i32>,
}

impl Measure {
    fn of(model: &goal::Model) -> Measure {
        Measure {
            kind: kind_of(model),
            type_id: model.activity_type_id,
            outcome_id: model.outcome_id,
            pipeline_id: model.pipeline_id,
        }
    }
}

/// The SQL condition of a win over `lead_history h`: the entry is the lead's closing that counts
/// (its last change of status, into the status it still has; see `domain::lead::is_closing`),
/// and that status is won. Its amount is the lead's amount at the win.
pub(crate) const LAST_WIN: &str = "h.last_close AND h.to_status = 'won'";

/// The value of `measure` per user over `[from, to)`.
async fn values(
    db: &impl ConnectionTrait,
    measure: Measure,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<HashMap<i32, i64>, AppError> {
    let mut values: Vec<Value> = vec![from.into(), to.into()];
    let sql = match measure.kind {
        GoalKind::Activities => {
            let mut sql = "SELECT user_id, COUNT(*) FROM activities \
                WHERE occurred_at >= ? AND occurred_at < ? AND type_id = ?"
                .to_string();
            values.push(measure.type_id.unwrap_or_default().into());
            if let Some(outcome) = measure.outcome_id {
                sql.push_str(" AND outcome_id = ?");
                values.push(outcome.into());
            }
            sql + " GROUP BY user_id"
        }
        GoalKind::LeadsCreated => {
            let mut sql = "SELECT created_by, COUNT(*) FROM leads \
                WHERE created_at >= ? AND created_at < ?"
                .to_string();
            if let Some(pipeline) = measure.pipeline_id {
                sql.push_str(" AND pipeline_id = ?");
                values.push(pipeline.into());
            }
            sql + " GROUP BY created_by"
        }
        GoalKind::LeadsWon | GoalKind::RevenueWon => {
            let what = if measure.kind == GoalKind::LeadsWon {
                "COUNT(*)"
            } else {
                "CAST(COALESCE(SUM(h.amount_cents), 0) AS BIGINT)"
            };
            let mut sql = format!(
                "SELECT h.owner_id, {what} FROM lead_history h \
                 WHERE h.at >= ? AND h.at < ? AND {LAST_WIN}"
            );
            if let Some(pipeline) = measure.pipeline_id {
                sql.push_str(" AND h.to_pipeline_id = ?");
                values.push(pipeline.into());
            }
            sql + " GROUP BY h.owner_id"
        }
    };
    let rows = db
        .query_all_raw(statement(db.get_database_backend(), &sql, values))
        .await?;
    let mut out = HashMap::new();
    for row in rows {
        let user: i32 = row.try_get_by_index(0)?;
        let value: i64 = row.try_get_by_index(1)?;
        out.insert(user, value);
    }
    Ok(out)
}

/// Counts shared within one request: goals with the same measure and period run one query.
struct Counter<'a, C: ConnectionTrait> {
    db: &'a C,
    cal: Calendar,
    cache: HashMap<(Measure, Period), HashMap<i32, i64>>,
    /// Count nothing recorded from this instant on (the digest counts a week up to the end of
    /// the day it is about).
    until: Option<DateTime<Utc>>,
}

impl<'a, C: ConnectionTrait> Counter<'a, C> {
    fn new(db: &'a C, cal: Calendar) -> Self {
        Counter {
            db,
            cal,
            cache: HashMap::new(),
            until: None,
        }
    }

    async fn by_user(
        &mut self,
        measure: Measure,
        period: Period,
    ) -> Result<&HashMap<i32, i64>, AppError> {
        if !self.cache.contains_key(&(measure, period)) {
            let (from, to) = period.instants(&self.cal.tz);
            let to = self.until.map_or(to, |until| to.min(until));
            let counted = values(self.db, measure, from, to).await?;
            self.cache.insert((measure, period), counted);
        }
        Ok(&self.cache[&(measure, period)])
    }

    /// The goal's rows in `period` (people, then their total when more than one).
    async fn rows(
        &mut self,
        model: &goal::Model,
        names: &Names,
        period: Period,
        now: DateTime<Utc>,
    ) -> Result<Vec<ProgressRow>, AppError> {
        let elapsed = elapsed_share(period, self.cal.working, now, &self.cal.tz);
        let counts = self.by_user(Measure::of(model), period).await?.clone();
        let target = model.target;
        let row = |user_id: Option<i32>, name: String, total: bool, value: i64, target: i64| {
            ProgressRow {
                user_id,
                name,
                total,
                pace: Pace::at(value, target, elapsed),
            }
        };
        Ok(
            match AssigneeKind::parse(&model.assignee).unwrap_or(AssigneeKind::Team) {
                AssigneeKind::User => {
                    let id = model.user_id.unwrap_or_default();
                    let value = counts.get(&id).copied().unwrap_or(0);
                    vec![row(Some(id), names.user(id), false, value, target)]
                }
                AssigneeKind::Segment => {
                    let members = names.members(model.segment_id.unwrap_or_default());
                    if members.is_empty() {
                        return Ok(Vec::new());
                    }
                    let mut rows: Vec<ProgressRow> = members
                        .iter()
                        .map(|u| {
                            let value = counts.get(&u.id).copied().unwrap_or(0);
                            row(Some(u.id), u.name.clone(), false, value, target)
                        })
                        .collect();
                    let sum: i64 = rows.iter().map(|r| r.pace.current).sum();
                    let segment = model
                        .segment_id
                        .and_then(|id| names.segments.get(&id))
                        .cloned()
                        .unwrap_or_default();
                    rows.push(row(
                        None,
                        format!("{segment} total"),
                        true,
                        sum,
                        target.saturating_mul(members.len() as i64),
                    ));
                    rows
                }
                AssigneeKind::Team => {
                    let sum: i64 = counts.values().sum();
                    vec![row(None, "Whole team".into(), true, sum, target)]
                }
            },
        )
    }

    /// The goal's value and target in total for a period (for its history).
    async fn total(
        &mut self,
        model: &goal::Model,
        names: &Names,
        period: Period,
        now: DateTime<Utc>,
    ) -> Result<(i64, i64), AppError> {
        let rows = self.rows(model, names, period, now).await?;
        let row = rows
            .last()
            .map(|r| r.pace)
            .unwrap_or(Pace::at(0, model.target, 1.0));
        Ok((row.current, row.target))
    }

    async fn progress(
        &mut self,
        model: &goal::Model,
        names: &Names,
        period: Period,
        now: DateTime<Utc>,
        with_history: bool,
    ) -> Result<GoalProgress, AppError> {
        let rows = self.rows(model, names, period, now).await?;
        let mut history = Vec::new();
        if let (true, Some(kind)) = (with_history, schedule_of(model).period) {
            let mut cursor = period;
            for _ in 0..(HISTORY * 3) {
                if history.len() == HISTORY {
                    break;
                }
                cursor = cursor.previous(kind, self.cal.week_start);
                if cursor.end < model.starts_on {
                    break;
                }
                if period_at(model, cursor.start, &self.cal) != Some(cursor) {
                    continue;
                }
                let (value, target) = self.total(model, names, cursor, now).await?;
                history.push(PastPeriod {
                    period: cursor,
                    value,
                    target,
                    met: value >= target,
                });
            }
        }
        Ok(GoalProgress {
            goal: names.view(model),
            period,
            elapsed_percent: (elapsed_share(period, self.cal.working, now, &self.cal.tz) * 100.0)
                .round() as i64,
            rows,
            history,
        })
    }
}

/// The team goals page: the goals of `kind` (and fixed ranges overlapping the period) in the
/// period holding `anchor`.
pub async fn team(
    db: &impl ConnectionTrait,
    kind: PeriodKind,
    anchor: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<TeamGoalsView, AppError> {
    let cal = calendar(db).await?;
    let today = cal.today(now);
    let anchor = anchor.unwrap_or(today);
    let period = kind.containing(anchor, cal.week_start);
    let names = Names::load(db).await?;
    let models = goal::Entity::find()
        .order_by_asc(goal::Column::Id)
        .all(db)
        .await?;
    let mut counter = Counter::new(db, cal);
    let mut goals = Vec::new();
    for model in &models {
        let shown = match schedule_of(model).period {
            Some(k) if k == kind => period_at(model, anchor, &cal),
            Some(_) => None,
            None => {
                let range = Period {
                    start: model.starts_on,
                    end: model.ends_on.unwrap_or(model.starts_on),
                };
                range.overlaps(period).then_some(range)
            }
        };
        if let Some(shown) = shown {
            goals.push(counter.progress(model, &names, shown, now, true).await?);
        }
    }
    Ok(TeamGoalsView {
        kind,
        period,
        today,
        goals,
    })
}

/// Whether a goal is `user_id`'s own: theirs, or their segment's.
fn is_for(model: &goal::Model, user: &user::Model) -> bool {
    match AssigneeKind::parse(&model.assignee) {
        Ok(AssigneeKind::User) => model.user_id == Some(user.id),
        Ok(AssigneeKind::Segment) => {
            model.segment_id.is_some() && model.segment_id == user.segment_id
        }
        _ => false,
    }
}

pub async fn my_day(
    db: &impl ConnectionTrait,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<MyDayView, AppError> {
    let cal = calendar(db).await?;
    let today = cal.today(now);
    let names = Names::load(db).await?;
    let me = names
        .users
        .get(&actor.id)
        .cloned()
        .ok_or(AppError::Unauthorized)?;
    let models = goal::Entity::find()
        .order_by_asc(goal::Column::Id)
        .all(db)
        .await?;
    let mut counter = Counter::new(db, cal);
    let mut goals = Vec::new();
    for kind in [PeriodKind::Day, PeriodKind::Week] {
        for model in models.iter().filter(|m| is_for(m, &me)) {
            if schedule_of(model).period != Some(kind) {
                continue;
            }
            let Some(period) = period_at(model, today, &cal) else {
                continue;
            };
            let mut progress = counter.progress(model, &names, period, now, false).await?;
            progress.rows.retain(|r| r.user_id == Some(me.id));
            goals.push(progress);
        }
    }
    let end_of_today = period::day_start(today.succ_opt().unwrap_or(today), &cal.tz);
    let start_of_today = period::day_start(today, &cal.tz);
    let viewer = tz_of(&actor.time_zone);
    let due = lead::Entity::find()
        .filter(lead::Column::OwnerId.eq(actor.id))
        .filter(lead::Column::Status.eq("active"))
        .filter(lead::Column::NextActionAt.lt(end_of_today))
        .order_by_asc(lead::Column::NextActionAt)
        .all(db)
        .await?;
    let leads_due = due
        .into_iter()
        .take(50)
        .map(|l| {
            let at = l.next_action_at.unwrap_or(now);
            let overdue = at < start_of_today;
            let local = at.with_timezone(&viewer);
            DueLead {
                id: l.id,
                title: l.title,
                company: l.company,
                when: if overdue {
                    format!("overdue since {}", local.format("%-d %b"))
                } else {
                    local.format("%H:%M").to_string()
                },
                overdue,
            }
        })
        .collect();
    Ok(MyDayView {
        today,
        working_day: cal.working.includes(today.weekday()),
        goals,
        leads_due,
    })
}

/// The result goals of one pipeline in their current periods, for its board.
pub async fn for_pipeline(
    db: &impl ConnectionTrait,
    actor: &Actor,
    pipeline_id: i32,
    now: DateTime<Utc>,
) -> Result<Vec<GoalProgress>, AppError> {
    let sees_all = actor.require(crate::domain::Action::ManageGoals).is_ok();
    let cal = calendar(db).await?;
    let today = cal.today(now);
    let names = Names::load(db).await?;
    let models = goal::Entity::find()
        .filter(goal::Column::PipelineId.eq(pipeline_id))
        .order_by_asc(goal::Column::Id)
        .all(db)
        .await?;
    let mut counter = Counter::new(db, cal);
    let mut out = Vec::new();
    let me = names.users.get(&actor.id).cloned();
    for model in &models {
        let team = model.assignee == AssigneeKind::Team.as_str();
        let own = me.as_ref().is_some_and(|me| is_for(model, me));
        if !(sees_all || team || own) {
            continue;
        }
        if let Some(period) = period_at(model, today, &cal) {
            let mut progress = counter.progress(model, &names, period, now, false).await?;
            if !sees_all && !team {
                progress.rows.retain(|r| r.user_id == Some(actor.id));
            }
            // The board shows one bar per goal: the total, or the one person.
            let last = progress.rows.pop();
            progress.rows = last.into_iter().collect();
            out.push(progress);
        }
    }
    Ok(out)
}

/// Progress of every goal that applies at `date` (today if `None`), for the API: optionally
/// only rows of one user.
pub async fn progress_at(
    db: &impl ConnectionTrait,
    date: Option<NaiveDate>,
    user_id: Option<i32>,
    now: DateTime<Utc>,
) -> Result<Vec<GoalProgress>, AppError> {
    progress_of(db, date, user_id, &GoalKind::ALL, now).await
}

/// As [`progress_at`], for the goals of `kinds` only.
async fn progress_of(
    db: &impl ConnectionTrait,
    date: Option<NaiveDate>,
    user_id: Option<i32>,
    kinds: &[GoalKind],
    now: DateTime<Utc>,
) -> Result<Vec<GoalProgress>, AppError> {
    if kinds.is_empty() {
        return Ok(Vec::new());
    }
    let cal = calendar(db).await?;
    let date = date.unwrap_or(cal.today(now));
    let names = Names::load(db).await?;
    let models = goal::Entity::find()
        .filter(goal::Column::Kind.is_in(kinds.iter().map(|k| k.as_str())))
        .order_by_asc(goal::Column::Id)
        .all(db)
        .await?;
    let mut counter = Counter::new(db, cal);
    let mut out = Vec::new();
    for model in &models {
        let Some(period) = period_at(model, date, &cal) else {
            continue;
        };
        let mut progress = counter.progress(model, &names, period, now, false).await?;
        if let Some(id) = user_id {
            progress.rows.retain(|r| r.user_id == Some(id));
            if progress.rows.is_empty() {
                continue;
            }
        }
        out.push(progress);
    }
    Ok(out)
}

/// Records `goal.met` for each goal of `kinds` whose total reached its target for the first
/// time in a period: the current one, and the one under way at `since` (the first change not
/// looked at yet: a goal met just before a period ended is still noticed just after). Once per
/// goal and period, whichever process or node gets there first (the unique key of
/// `goal_attainments` decides). The events recorded, for the bus.
pub async fn record_met(
    db: &sea_orm::DatabaseConnection,
    kinds: &[GoalKind],
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Vec<crate::live::LiveEvent>, AppError> {
    // Nothing new feeds a goal (the usual case on an idle server): no query at all.
    if kinds.is_empty() {
        return Ok(Vec::new());
    }
    let cal = calendar(db).await?;
    let mut days = vec![cal.today(since.min(now)), cal.today(now)];
    days.dedup();
    let mut recorded = Vec::new();
    for day in days {
        recorded.extend(record_met_on(db, kinds, day, now).await?);
    }
    Ok(recorded)
}

async fn record_met_on(
    db: &sea_orm::DatabaseConnection,
    kinds: &[GoalKind],
    day: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<crate::live::LiveEvent>, AppError> {
    use sea_orm::sea_query::OnConflict;
    use sea_orm::TransactionTrait;
    let mut recorded = Vec::new();
    for progress in progress_of(db, Some(day), None, kinds, now).await? {
        let Some(total) = progress.rows.last().map(|r| r.pace) else {
            continue;
        };
        if total.target <= 0 || total.current < total.target {
            continue;
        }
        let txn = db.begin().await?;
        let inserted = goal_attainment::Entity::insert(goal_attainment::ActiveModel {
            goal_id: Set(progress.goal.id),
            period_start: Set(progress.period.start),
            value: Set(total.current),
            target: Set(total.target),
            met_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([
                goal_attainment::Column::GoalId,
                goal_attainment::Column::PeriodStart,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        if inserted == 0 {
            continue;
        }
        let event = super::events::record(
            &txn,
            "goal.met",
            serde_json::json!({
                "goal_id": progress.goal.id,
                "period": progress.period,
                "value": total.current,
                "target": total.target,
            }),
        )
        .await?;
        txn.commit().await?;
        recorded.push(event);
    }
    Ok(recorded)
}

/// The daily and weekly goals that apply on `date`, each counted from its period's start to
/// the end of `date` (the week so far), with the pace at that moment: what the morning digest
/// reports about the day before.
pub async fn day_and_week(
    db: &impl ConnectionTrait,
    date: NaiveDate,
) -> Result<Vec<GoalProgress>, AppError> {
    let cal = calendar(db).await?;
    let end = period::day_start(date.succ_opt().unwrap_or(date), &cal.tz);
    let names = Names::load(db).await?;
    let models = goal::Entity::find()
        .filter(goal::Column::Period.is_in([PeriodKind::Day.as_str(), PeriodKind::Week.as_str()]))
        .order_by_asc(goal::Column::Id)
        .all(db)
        .await?;
    let mut counter = Counter::new(db, cal);
    counter.until = Some(end);
    let mut out = Vec::new();
    for model in &models {
        if let Some(period) = period_at(model, date, &cal) {
            out.push(counter.progress(model, &names, period, end, false).await?);
        }
    }
    Ok(out)
}

// ---- Plans ----

fn plan_view(model: &plan::Model, goal_ids: Vec<i32>) -> Result<PlanView, AppError> {
    Ok(PlanView {
        id: model.id,
        name: model.name.clone(),
        inputs: serde_json::from_str(&model.inputs).map_err(super::internal)?,
        applied_at: model.applied_at,
        goal_ids,
    })
}

async fn goal_ids(db: &impl ConnectionTrait, plan_id: i32) -> Result<Vec<i32>, AppError> {
    Ok(goal::Entity::find()
        .filter(goal::Column::PlanId.eq(plan_id))
        .order_by_asc(goal::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|g| g.id)
        .collect())
}

pub async fn plans(db: &impl ConnectionTrait) -> Result<Vec<PlanView>, AppError> {
    let models = plan::Entity::find()
        .order_by_desc(plan::Column::UpdatedAt)
        .all(db)
        .await?;
    let mut out = Vec::new();
    for model in &models {
        out.push(plan_view(model, goal_ids(db, model.id).await?)?);
    }
    Ok(out)
}

pub async fn get_plan(db: &impl ConnectionTrait, id: i32) -> Result<PlanView, AppError> {
    let model = plan::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    plan_view(&model, goal_ids(db, id).await?)
}

fn errors_of(errors: forecast::FieldErrors) -> AppError {
    let mut check = Check::new();
    for (field, message) in errors {
        check.fail(&field, message);
    }
    check.finish().err().unwrap_or(AppError::Internal)
}

/// Computes a plan with the team as it is now; writes nothing.
pub async fn compute(
    db: &impl ConnectionTrait,
    inputs: &PlanInputs,
) -> Result<PlanOutcome, AppError> {
    let options = options(db).await?;
    let mut check = Check::new();
    for (field, segment) in [
        ("prospecting_segment", inputs.prospecting_segment),
        ("closing_segment", inputs.closing_segment),
    ] {
        if let Some(id) = segment {
            if !options.segments.iter().any(|(s, _)| *s == id) {
                check.fail(field, "This segment does not exist.");
            }
        }
    }
    for (stage, list) in [
        ("per_prospect", &inputs.per_prospect),
        ("per_lead", &inputs.per_lead),
    ] {
        for (i, rate) in list.iter().enumerate() {
            match options.types.iter().find(|t| t.id == rate.type_id) {
                Some(t) if t.active => {}
                Some(t) => check.fail(&format!("{stage}.{i}"), format!("{} is inactive.", t.name)),
                None => check.fail(
                    &format!("{stage}.{i}"),
                    "This activity type does not exist.",
                ),
            }
        }
    }
    check.finish()?;
    let funnel =
        forecast::compute(inputs, options.week_start, options.working_days).map_err(errors_of)?;
    let people = forecast::split(inputs, &funnel, &options.members, options.working_days)
        .map_err(errors_of)?;
    let goals = forecast::goals_of(inputs, &funnel, &people);
    Ok(PlanOutcome {
        funnel,
        people,
        goals,
    })
}

pub async fn save_plan(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Option<i32>,
    name: &str,
    inputs: &PlanInputs,
) -> Result<PlanView, AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return Err(AppError::field(
            "name",
            "Name the plan (120 characters at most).",
        ));
    }
    // A plan is saved only when it computes: what is saved can always be applied.
    compute(db, inputs).await?;
    let json = serde_json::to_string(inputs).map_err(super::internal)?;
    let now = Utc::now();
    let model = match id {
        Some(id) => {
            let existing = plan::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or(AppError::NotFound)?;
            let mut model: plan::ActiveModel = existing.into();
            model.name = Set(name.to_string());
            model.inputs = Set(json);
            model.updated_at = Set(now);
            model.update(db).await?
        }
        None => {
            plan::ActiveModel {
                name: Set(name.to_string()),
                inputs: Set(json),
                created_by: Set(actor.id),
                applied_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?
        }
    };
    get_plan(db, model.id).await
}

/// Deletes a plan; the goals it created stay, as goals of no plan.
pub async fn delete_plan(db: &impl ConnectionTrait, id: i32) -> Result<(), AppError> {
    goal::Entity::update_many()
        .col_expr(
            goal::Column::PlanId,
            sea_orm::sea_query::Expr::value(Option::<i32>::None),
        )
        .filter(goal::Column::PlanId.eq(id))
        .exec(db)
        .await?;
    let result = plan::Entity::delete_by_id(id).exec(db).await?;
    if result.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// Creates the plan's goals in one transaction, replacing those it created before.
pub async fn apply_plan(
    db: &sea_orm::DatabaseConnection,
    actor: &Actor,
    id: i32,
) -> Result<Vec<GoalView>, AppError> {
    let txn = super::writing(db).await?;
    let model = plan::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let inputs: PlanInputs = serde_json::from_str(&model.inputs).map_err(super::internal)?;
    let outcome = compute(&txn, &inputs).await?;
    goal::Entity::delete_many()
        .filter(goal::Column::PlanId.eq(id))
        .exec(&txn)
        .await?;
    let now = Utc::now();
    let mut ids = Vec::new();
    for draft in &outcome.goals {
        let created = goal::ActiveModel {
            kind: Set(draft.kind.as_str().into()),
            activity_type_id: Set(draft.activity_type_id),
            outcome_id: Set(None),
            pipeline_id: Set(None),
            assignee: Set(draft.assignee.as_str().into()),
            user_id: Set(draft.user_id),
            segment_id: Set(None),
            period: Set(draft.schedule.period.map(|p| p.as_str().to_string())),
            starts_on: Set(draft.schedule.starts_on),
            ends_on: Set(draft.schedule.ends_on),
            target: Set(draft.target),
            plan_id: Set(Some(id)),
            created_by: Set(actor.id),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        ids.push(created.id);
    }
    let mut applied: plan::ActiveModel = model.into();
    applied.applied_at = Set(Some(now));
    applied.update(&txn).await?;
    let names = Names::load(&txn).await?;
    let created = goal::Entity::find()
        .filter(goal::Column::PlanId.eq(id))
        .order_by_asc(goal::Column::Id)
        .all(&txn)
        .await?
        .iter()
        .map(|m| names.view(m))
        .collect();
    txn.commit().await?;
    Ok(created)
}

// ---- History ----

fn ratio_text(numerator: i64, denominator: i64) -> String {
    // Hundredths, rounded to nearest.
    let hundredths = (i128::from(numerator) * 100 + i128::from(denominator) / 2)
        / i128::from(denominator.max(1));
    forecast::Ratio::from_hundredths(hundredths.clamp(1, i128::from(u32::MAX)) as u64).to_string()
}

/// The `N` numbers of a one-row query (NULL reads as 0).
async fn numbers<const N: usize>(
    db: &impl ConnectionTrait,
    sql: &str,
    values: Vec<Value>,
) -> Result<[i64; N], AppError> {
    let row = db
        .query_one_raw(statement(db.get_database_backend(), sql, values))
        .await?;
    let mut out = [0; N];
    if let Some(row) = row {
        for (i, slot) in out.iter_mut().enumerate() {
            *slot = row.try_get_by_index::<Option<i64>>(i)?.unwrap_or(0);
        }
    }
    Ok(out)
}

async fn per_type(
    db: &impl ConnectionTrait,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<(i32, i64)>, AppError> {
    let rows = db
        .query_all_raw(statement(db.get_database_backend(), sql, values))
        .await?;
    let mut out = Vec::new();
    for row in rows {
        out.push((
            row.try_get_by_index::<i32>(0)?,
            row.try_get_by_index::<i64>(1)?,
        ));
    }
    Ok(out)
}

/// The planner's ratios over the last `days` days (ending today), optionally for one pipeline.
pub async fn history(
    db: &impl ConnectionTrait,
    days: i64,
    pipeline_id: Option<i32>,
    now: DateTime<Utc>,
) -> Result<HistoryRatios, AppError> {
    if !(7..=730).contains(&days) {
        return Err(AppError::field("days", "Choose a window of 7 to 730 days."));
    }
    let cal = calendar(db).await?;
    let to_day = cal.today(now);
    let from_day = to_day - Duration::days(days - 1);
    let (from, to) = Period {
        start: from_day,
        end: to_day,
    }
    .instants(&cal.tz);
    let pipeline_sql = if pipeline_id.is_some() {
        " AND l.pipeline_id = ?"
    } else {
        ""
    };
    let with_pipeline = |mut values: Vec<Value>| {
        if let Some(p) = pipeline_id {
            values.push(p.into());
        }
        values
    };
    let window = || -> Vec<Value> { vec![from.into(), to.into()] };
    let [wins, won_cents] = numbers(
        db,
        &format!("SELECT COUNT(*), CAST(COALESCE(SUM(h.amount_cents), 0) AS BIGINT) FROM lead_history h WHERE h.at >= ? AND h.at < ? AND {LAST_WIN}{}", pipeline_sql.replace("l.pipeline_id", "h.to_pipeline_id")),
        with_pipeline(window()),
    )
    .await?;
    // Leads created, and those of them converted from a prospect.
    let [leads, converted] = numbers(
        db,
        &format!("SELECT COUNT(*), COUNT(l.origin_prospect_id) FROM leads l WHERE l.created_at >= ? AND l.created_at < ?{pipeline_sql}"),
        with_pipeline(window()),
    )
    .await?;
    let [prospects_worked] = numbers(
        db,
        "SELECT COUNT(DISTINCT prospect_id) FROM activities WHERE occurred_at >= ? AND occurred_at < ? AND prospect_id IS NOT NULL",
        window(),
    )
    .await?;
    let prospect_activities = per_type(
        db,
        "SELECT type_id, COUNT(*) FROM activities WHERE occurred_at >= ? AND occurred_at < ? AND prospect_id IS NOT NULL GROUP BY type_id",
        window(),
    )
    .await?;
    let lead_activities = per_type(
        db,
        &format!("SELECT a.type_id, COUNT(*) FROM activities a JOIN leads l ON l.id = a.lead_id WHERE a.occurred_at >= ? AND a.occurred_at < ?{pipeline_sql} GROUP BY a.type_id"),
        with_pipeline(window()),
    )
    .await?;
    let names = Names::load(db).await?;
    let too_few = |n: i64, one: &str, many: &str| Measured {
        value: None,
        basis: format!(
            "Too little data: {} in the window ({MIN_SAMPLE} needed).",
            counted(n, one, many)
        ),
    };
    let deal_value = if wins >= MIN_SAMPLE {
        Measured {
            value: crate::domain::money::Amount::from_cents(won_cents / wins)
                .map(|a| a.to_string()),
            basis: format!("Average of {}.", counted(wins, "won deal", "won deals")),
        }
    } else {
        too_few(wins, "won deal", "won deals")
    };
    let leads_per_deal = if wins >= MIN_SAMPLE && leads == 0 {
        Measured {
            value: None,
            basis: "Too little data: no lead created in the window.".into(),
        }
    } else if wins >= MIN_SAMPLE {
        Measured {
            value: Some(ratio_text(leads, wins)),
            basis: format!(
                "{} for {}.",
                counted(leads, "lead created", "leads created"),
                counted(wins, "won deal", "won deals")
            ),
        }
    } else {
        too_few(wins, "won deal", "won deals")
    };
    let prospects_per_lead = if converted >= MIN_SAMPLE && prospects_worked > 0 {
        Measured {
            value: Some(ratio_text(prospects_worked, converted)),
            basis: format!(
                "{} worked for {}.",
                counted(prospects_worked, "prospect", "prospects"),
                counted(converted, "lead converted", "leads converted")
            ),
        }
    } else {
        too_few(converted, "prospect converted", "prospects converted")
    };
    let rates = |counts: Vec<(i32, i64)>, items: i64, one: &str, many: &str| -> Vec<MeasuredRate> {
        let mut out: Vec<MeasuredRate> = counts
            .into_iter()
            .filter_map(|(type_id, count)| {
                let t = names.types.get(&type_id).filter(|t| t.active)?;
                Some(MeasuredRate {
                    type_id,
                    type_name: t.name.clone(),
                    measured: if items >= MIN_SAMPLE {
                        Measured {
                            value: Some(ratio_text(count, items)),
                            basis: format!(
                                "{} on {}.",
                                counted(count, "activity", "activities"),
                                counted(items, one, many)
                            ),
                        }
                    } else {
                        too_few(items, one, many)
                    },
                })
            })
            .collect();
        out.sort_by_key(|r| names.types.get(&r.type_id).map(|t| (t.position, t.id)));
        out
    };
    Ok(HistoryRatios {
        from: from_day,
        to: to_day,
        deal_value,
        leads_per_deal,
        prospects_per_lead,
        per_prospect: rates(
            prospect_activities,
            prospects_worked,
            "prospect",
            "prospects",
        ),
        per_lead: rates(lead_activities, leads, "lead created", "leads created"),
    })
}
