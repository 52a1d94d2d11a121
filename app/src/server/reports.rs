//! The five reports. The database does the counting: every number is one grouped query over
//! an index range (see migration 000006), read back as a few hundred rows at most; only names
//! (users, types, steps: small tables) are loaded whole. Attribution (PRODUCT.md): activities
//! for who logged them at `occurred_at`, leads for who created them at `created_at`, closings
//! for the owner kept on the history entry that counts (`lead_history.last_close`) at its
//! moment, with the amount it had then.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, Value,
};

use super::entity::{activity_type, outcome, pipeline, prospecting_list, segment, step, user};
use super::goals::{calendar, statement, Calendar};
use super::Actor;
use crate::domain::access::allows;
use crate::domain::money::decimal_string;
use crate::domain::period::{Period, PeriodKind};
use crate::domain::report::{
    bucket_of, buckets, custom_range, share, step_fate, RangePreset, ReportKind, StepFate,
    MAX_RANGE_DAYS,
};
use crate::domain::Action;
use crate::error::AppError;
use crate::reports::api::{
    ActivityColumn, ActivityCount, CompanyReport, CompanyRow, ListLeadRow, ListProspectRow,
    ListReport, PipelineReport, ReportBody, ReportChoices, ReportQuery, ReportView, StepRow,
    TeamActivityReport, TeamActivityRow, TeamPerformanceReport, TeamPerformanceRow,
};

/// The condition of a closing that counts, over `lead_history h`.
pub(crate) const CLOSING: &str = "h.last_close";

fn parse_day(field: &str, text: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::field(field, "Enter a date as YYYY-MM-DD."))
}

/// The days a query covers: its preset on today's date in the workspace, or its two dates.
/// Fills in the query's `range`, `from` and `to` with what was used.
pub fn resolve_range(
    query: &mut ReportQuery,
    cal: &Calendar,
    now: DateTime<Utc>,
) -> Result<Period, AppError> {
    let custom = query.range == "custom"
        || (query.range.is_empty() && !query.from.is_empty() && !query.to.is_empty());
    let range = if custom {
        let from = parse_day("from", &query.from)?;
        let to = parse_day("to", &query.to)?;
        custom_range(from, to, MAX_RANGE_DAYS).map_err(|m| AppError::field("to", m))?
    } else {
        let preset = match query.range.as_str() {
            "" => RangePreset::ThisMonth,
            text => RangePreset::parse(text)
                .ok_or_else(|| AppError::field("range", "Choose one of the ranges offered."))?,
        };
        query.range = preset.as_str().into();
        preset.resolve(cal.today(now), cal.week_start)
    };
    if custom {
        query.range = "custom".into();
    }
    query.from = range.start.to_string();
    query.to = range.end.to_string();
    Ok(range)
}

/// Whose numbers a report counts: one user, the members of one segment, or everyone.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Scope {
    pub user_id: Option<i32>,
    pub segment_id: Option<i32>,
}

impl Scope {
    /// ` AND column ...` restricting `column` (a user id) to the scope, with its values.
    pub(crate) fn sql(self, column: &str, values: &mut Vec<Value>) -> String {
        let mut sql = String::new();
        if let Some(user) = self.user_id {
            sql.push_str(&format!(" AND {column} = ?"));
            values.push(user.into());
        }
        if let Some(segment) = self.segment_id {
            sql.push_str(&format!(
                " AND {column} IN (SELECT id FROM users WHERE segment_id = ?)"
            ));
            values.push(segment.into());
        }
        sql
    }

    fn includes(self, user: &user::Model) -> bool {
        self.user_id.is_none_or(|id| id == user.id)
            && self.segment_id.is_none_or(|s| user.segment_id == Some(s))
    }
}

/// Rows of a grouped query: the first `K` columns as keys (NULL reads as `None`), then `N`
/// numbers (NULL reads as 0).
pub(crate) async fn grouped<const K: usize, const N: usize>(
    db: &impl ConnectionTrait,
    sql: &str,
    values: Vec<Value>,
) -> Result<Vec<([Option<i32>; K], [i64; N])>, AppError> {
    let rows = db
        .query_all_raw(statement(db.get_database_backend(), sql, values))
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut keys = [None; K];
        for (i, key) in keys.iter_mut().enumerate() {
            *key = row.try_get_by_index::<Option<i32>>(i)?;
        }
        let mut numbers = [0; N];
        for (i, number) in numbers.iter_mut().enumerate() {
            *number = row.try_get_by_index::<Option<i64>>(K + i)?.unwrap_or(0);
        }
        out.push((keys, numbers));
    }
    Ok(out)
}

/// The range's instants as query values.
pub(crate) fn window(cal: &Calendar, range: Period) -> Vec<Value> {
    let (from, to) = range.instants(&cal.tz);
    vec![from.into(), to.into()]
}

/// Users (all of them: a deactivated user keeps their past numbers) and activity labels.
struct Names {
    users: Vec<user::Model>,
    /// Types in their order, each with its outcomes in order.
    types: Vec<(activity_type::Model, Vec<outcome::Model>)>,
}

impl Names {
    async fn load(db: &impl ConnectionTrait) -> Result<Names, AppError> {
        let users = user::Entity::find()
            .order_by_asc(user::Column::Name)
            .all(db)
            .await?;
        let outcomes = outcome::Entity::find()
            .order_by_asc(outcome::Column::Position)
            .all(db)
            .await?;
        let types = activity_type::Entity::find()
            .order_by_asc(activity_type::Column::Position)
            .all(db)
            .await?
            .into_iter()
            .map(|t| {
                let own = outcomes
                    .iter()
                    .filter(|o| o.type_id == t.id)
                    .cloned()
                    .collect();
                (t, own)
            })
            .collect();
        Ok(Names { users, types })
    }

    fn user(&self, id: i32) -> String {
        self.users
            .iter()
            .find(|u| u.id == id)
            .map_or_else(|| format!("User {id}"), |u| u.name.clone())
    }

    /// The people a report lists, in name order: the active users in scope, and anyone in
    /// scope with a number in `counted`.
    fn people(&self, scope: Scope, counted: &HashSet<i32>) -> Vec<(i32, String)> {
        self.users
            .iter()
            .filter(|u| scope.includes(u) && (u.active || counted.contains(&u.id)))
            .map(|u| (u.id, u.name.clone()))
            .collect()
    }

    /// The columns of the (type, outcome) pairs present, in the types' and outcomes' order
    /// (no outcome first).
    fn columns(&self, present: &HashSet<(i32, Option<i32>)>) -> Vec<ActivityColumn> {
        let mut out = Vec::new();
        for (kind, outcomes) in &self.types {
            let keys = std::iter::once((None, "no outcome".to_string()))
                .chain(outcomes.iter().map(|o| (Some(o.id), o.name.clone())));
            for (outcome_id, name) in keys {
                if present.contains(&(kind.id, outcome_id)) {
                    out.push(ActivityColumn {
                        type_id: kind.id,
                        outcome_id,
                        label: format!("{} · {name}", kind.name),
                    });
                }
            }
        }
        out
    }
}

/// Activity counts per user from rows `[user, type, outcome] → [count]`.
type Counts = HashMap<i32, Vec<ActivityCount>>;

fn counts_by_user(
    rows: Vec<([Option<i32>; 3], [i64; 1])>,
) -> (Counts, HashSet<(i32, Option<i32>)>) {
    let mut by_user: Counts = HashMap::new();
    let mut present = HashSet::new();
    for ([user, kind, outcome], [count]) in rows {
        let (Some(user), Some(kind)) = (user, kind) else {
            continue;
        };
        present.insert((kind, outcome));
        by_user.entry(user).or_default().push(ActivityCount {
            type_id: kind,
            outcome_id: outcome,
            count,
        });
    }
    (by_user, present)
}

fn by_key<const N: usize>(rows: Vec<([Option<i32>; 1], [i64; N])>) -> HashMap<i32, [i64; N]> {
    rows.into_iter()
        .filter_map(|([key], numbers)| key.map(|k| (k, numbers)))
        .collect()
}

/// Closings per owner: `[won, won cents, lost, cancelled]`.
fn closings(
    rows: Vec<([Option<i32>; 1], [i64; 2])>,
    statuses: &[String],
) -> HashMap<i32, [i64; 4]> {
    let mut out: HashMap<i32, [i64; 4]> = HashMap::new();
    for (([owner], [count, cents]), status) in rows.into_iter().zip(statuses) {
        let Some(owner) = owner else { continue };
        let slot = out.entry(owner).or_default();
        match status.as_str() {
            "won" => {
                slot[0] += count;
                slot[1] += cents;
            }
            "lost" => slot[2] += count,
            _ => slot[3] += count,
        }
    }
    out
}

/// Closings per owner in the range, with an optional extra condition over `h` (and `l`, the
/// lead, when `join_lead`).
async fn closings_per_owner(
    db: &impl ConnectionTrait,
    cal: &Calendar,
    range: Period,
    scope: Scope,
    extra: &str,
    extra_values: Vec<Value>,
    join_lead: bool,
) -> Result<HashMap<i32, [i64; 4]>, AppError> {
    let mut values = window(cal, range);
    values.extend(extra_values);
    let who = scope.sql("h.owner_id", &mut values);
    let join = if join_lead {
        " JOIN leads l ON l.id = h.lead_id"
    } else {
        ""
    };
    // The status is read as text beside the numbers: one query, grouped by owner and status.
    let sql = format!(
        "SELECT h.owner_id, h.to_status, COUNT(*), CAST(SUM(h.amount_cents) AS BIGINT) FROM lead_history h{join} \
         WHERE {CLOSING} AND h.at >= ? AND h.at < ?{extra}{who} GROUP BY h.owner_id, h.to_status"
    );
    let rows = db
        .query_all_raw(statement(db.get_database_backend(), &sql, values))
        .await?;
    let mut keyed = Vec::with_capacity(rows.len());
    let mut statuses = Vec::with_capacity(rows.len());
    for row in rows {
        keyed.push((
            [row.try_get_by_index::<Option<i32>>(0)?],
            [
                row.try_get_by_index::<Option<i64>>(2)?.unwrap_or(0),
                row.try_get_by_index::<Option<i64>>(3)?.unwrap_or(0),
            ],
        ));
        statuses.push(row.try_get_by_index::<String>(1)?);
    }
    Ok(closings(keyed, &statuses))
}

/// Leads created per creator in the range.
async fn created_per_user(
    db: &impl ConnectionTrait,
    cal: &Calendar,
    range: Period,
    scope: Scope,
    pipeline_id: Option<i32>,
) -> Result<HashMap<i32, [i64; 1]>, AppError> {
    let mut values = window(cal, range);
    let mut sql = "SELECT created_by, COUNT(*) FROM leads WHERE created_at >= ? AND created_at < ?"
        .to_string();
    if let Some(pipeline) = pipeline_id {
        sql.push_str(" AND pipeline_id = ?");
        values.push(pipeline.into());
    }
    sql.push_str(&scope.sql("created_by", &mut values));
    sql.push_str(" GROUP BY created_by");
    Ok(by_key(grouped::<1, 1>(db, &sql, values).await?))
}

pub(crate) async fn team_activity(
    db: &impl ConnectionTrait,
    cal: &Calendar,
    range: Period,
    scope: Scope,
) -> Result<TeamActivityReport, AppError> {
    let mut values = window(cal, range);
    let who = scope.sql("user_id", &mut values);
    let counts_sql = format!(
        "SELECT user_id, type_id, outcome_id, COUNT(*) FROM activities \
         WHERE occurred_at >= ? AND occurred_at < ?{who} GROUP BY user_id, type_id, outcome_id"
    );
    // Distinct (user, lead) pairs counted per user: PostgreSQL hashes the pairs, where
    // COUNT(DISTINCT) would sort each user's leads.
    let managed_sql = format!(
        "SELECT user_id, COUNT(*) FROM (SELECT DISTINCT user_id, lead_id FROM activities \
         WHERE occurred_at >= ? AND occurred_at < ? AND lead_id IS NOT NULL{who}) pairs \
         GROUP BY user_id"
    );
    // Independent reads, each on its own pooled connection: the two scans of the range's
    // activities run side by side.
    let (names, activity_rows, managed, created, closed) = tokio::try_join!(
        Names::load(db),
        grouped::<3, 1>(db, &counts_sql, values.clone()),
        grouped::<1, 1>(db, &managed_sql, values),
        created_per_user(db, cal, range, scope, None),
        closings_per_owner(db, cal, range, scope, "", vec![], false),
    )?;
    let managed = by_key(managed);
    let (mut counts, present) = counts_by_user(activity_rows);
    let counted: HashSet<i32> = counts
        .keys()
        .chain(created.keys())
        .chain(closed.keys())
        .copied()
        .collect();
    let rows = names
        .people(scope, &counted)
        .into_iter()
        .map(|(user_id, user_name)| {
            let activities = counts.remove(&user_id).unwrap_or_default();
            let won = closed.get(&user_id).copied().unwrap_or_default();
            TeamActivityRow {
                user_id,
                user_name,
                activities_total: activities.iter().map(|c| c.count).sum(),
                activities,
                leads_created: created.get(&user_id).map_or(0, |c| c[0]),
                leads_managed: managed.get(&user_id).map_or(0, |c| c[0]),
                leads_won: won[0],
                revenue_won: decimal_string(won[1]),
            }
        })
        .collect();
    Ok(TeamActivityReport {
        columns: names.columns(&present),
        rows,
    })
}

async fn team_performance(
    db: &impl ConnectionTrait,
    cal: &Calendar,
    range: Period,
    scope: Scope,
    pipeline_id: Option<i32>,
) -> Result<TeamPerformanceReport, AppError> {
    let (extra, extra_values) = match pipeline_id {
        Some(p) => (" AND h.to_pipeline_id = ?", vec![p.into()]),
        None => ("", vec![]),
    };
    let (names, created, closed) = tokio::try_join!(
        Names::load(db),
        created_per_user(db, cal, range, scope, pipeline_id),
        closings_per_owner(db, cal, range, scope, extra, extra_values, false),
    )?;
    let counted: HashSet<i32> = created.keys().chain(closed.keys()).copied().collect();
    let rows = names
        .people(scope, &counted)
        .into_iter()
        .map(|(user_id, user_name)| {
            let [won, cents, lost, cancelled] = closed.get(&user_id).copied().unwrap_or_default();
            TeamPerformanceRow {
                user_id,
                user_name,
                leads_created: created.get(&user_id).map_or(0, |c| c[0]),
                won,
                lost,
                cancelled,
                amount_won: decimal_string(cents),
                win_rate_percent: share(won, won + lost + cancelled),
            }
        })
        .collect();
    Ok(TeamPerformanceReport { rows })
}

/// `WITH b(i, s, e) AS (VALUES ...)`: the buckets' instants, to join the counted rows on.
fn bucket_table(cal: &Calendar, list: &[Period], values: &mut Vec<Value>) -> String {
    let mut sql = "WITH b(i, s, e) AS (VALUES ".to_string();
    for (i, bucket) in list.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str("(?, ?, ?)");
        let (from, to) = bucket.instants(&cal.tz);
        values.extend([(i as i32).into(), from.into(), to.into()]);
    }
    sql.push_str(") ");
    sql
}

/// The `numbers` of `table` per bucket of `list`, by the instant in `at`, for the rows that
/// pass `filter`. PostgreSQL groups by the local day (`AT TIME ZONE`) and the days are added
/// up into the buckets here (a few hundred rows at most); SQLite, which has no time zones,
/// joins the buckets' instants.
async fn per_bucket<const N: usize>(
    db: &impl ConnectionTrait,
    cal: &Calendar,
    list: &[Period],
    (table, at, numbers): (&str, &str, &str),
    (filter, filter_values): (&str, Vec<Value>),
) -> Result<HashMap<i32, [i64; N]>, AppError> {
    let (Some(first), Some(last)) = (list.first(), list.last()) else {
        return Ok(HashMap::new());
    };
    if db.get_database_backend() == DbBackend::Postgres {
        let (from, to) = Period {
            start: first.start,
            end: last.end,
        }
        .instants(&cal.tz);
        let mut values: Vec<Value> = vec![cal.tz.name().into(), from.into(), to.into()];
        values.extend(filter_values);
        let sql = format!(
            "SELECT CAST(({at} AT TIME ZONE ?) AS DATE) AS day, {numbers} FROM {table} \
             WHERE {at} >= ? AND {at} < ?{filter} GROUP BY day"
        );
        let rows = db
            .query_all_raw(statement(DbBackend::Postgres, &sql, values))
            .await?;
        let mut out: HashMap<i32, [i64; N]> = HashMap::new();
        for row in rows {
            let day: NaiveDate = row.try_get_by_index(0)?;
            let Some(index) = bucket_of(list, day) else {
                continue;
            };
            let slot = out.entry(index as i32).or_insert([0; N]);
            for (i, number) in slot.iter_mut().enumerate() {
                *number += row.try_get_by_index::<Option<i64>>(1 + i)?.unwrap_or(0);
            }
        }
        return Ok(out);
    }
    let mut values = Vec::new();
    let mut sql = bucket_table(cal, list, &mut values);
    values.extend(filter_values);
    sql.push_str(&format!(
        "SELECT b.i, {numbers} FROM b JOIN {table} ON {at} >= b.s AND {at} < b.e{filter} \
         GROUP BY b.i"
    ));
    Ok(by_key(grouped::<1, N>(db, &sql, values).await?))
}

async fn company_performance(
    db: &impl ConnectionTrait,
    cal: &Calendar,
    range: Period,
    scope: Scope,
    pipeline_id: Option<i32>,
    group_by: PeriodKind,
) -> Result<CompanyReport, AppError> {
    let list = buckets(range, group_by, cal.week_start);
    let mut created_filter = String::new();
    let mut created_values: Vec<Value> = Vec::new();
    if let Some(pipeline) = pipeline_id {
        created_filter.push_str(" AND l.pipeline_id = ?");
        created_values.push(pipeline.into());
    }
    created_filter.push_str(&scope.sql("l.created_by", &mut created_values));
    let mut won_filter = format!(" AND {CLOSING} AND h.to_status = 'won'");
    let mut won_values: Vec<Value> = Vec::new();
    if let Some(pipeline) = pipeline_id {
        won_filter.push_str(" AND h.to_pipeline_id = ?");
        won_values.push(pipeline.into());
    }
    won_filter.push_str(&scope.sql("h.owner_id", &mut won_values));
    let (created, won) = tokio::try_join!(
        per_bucket::<1>(
            db,
            cal,
            &list,
            ("leads l", "l.created_at", "COUNT(*)"),
            (&created_filter, created_values),
        ),
        per_bucket::<2>(
            db,
            cal,
            &list,
            (
                "lead_history h",
                "h.at",
                "COUNT(*), CAST(SUM(h.amount_cents) AS BIGINT)",
            ),
            (&won_filter, won_values),
        ),
    )?;
    let rows = list
        .iter()
        .enumerate()
        .map(|(i, bucket)| {
            let i = i as i32;
            let [wins, cents] = won.get(&i).copied().unwrap_or_default();
            CompanyRow {
                start: bucket.start,
                end: bucket.end,
                leads_created: created.get(&i).map_or(0, |c| c[0]),
                leads_won: wins,
                revenue_won: decimal_string(cents),
            }
        })
        .collect();
    Ok(CompanyReport { group_by, rows })
}

async fn pipeline_performance(
    db: &impl ConnectionTrait,
    cal: &Calendar,
    range: Period,
    scope: Scope,
    pipeline: &pipeline::Model,
) -> Result<PipelineReport, AppError> {
    let steps = step::Entity::find()
        .filter(step::Column::PipelineId.eq(pipeline.id))
        .order_by_asc(step::Column::Position)
        .all(db)
        .await?;
    let mut values: Vec<Value> = vec![pipeline.id.into()];
    values.extend(window(cal, range));
    let who = scope.sql("l.owner_id", &mut values);
    // The leads that entered each step in the range (once per lead and step), grouped by
    // where they are now; `domain::report::step_fate` says what that means for the step.
    let sql = format!(
        "SELECT e.step_id, l.pipeline_id, l.step_id, COUNT(*), \
         SUM(CASE WHEN l.status IN ('active', 'standby') THEN 1 ELSE 0 END), \
         SUM(CASE WHEN l.status = 'won' THEN 1 ELSE 0 END) \
         FROM (SELECT DISTINCT lead_id, to_step_id AS step_id FROM lead_history \
               WHERE to_pipeline_id = ? AND at >= ? AND at < ? \
               AND (from_step_id IS NULL OR from_step_id <> to_step_id)) e \
         JOIN leads l ON l.id = e.lead_id \
         WHERE 1 = 1{who} GROUP BY e.step_id, l.pipeline_id, l.step_id"
    );
    let groups = grouped::<3, 3>(db, &sql, values).await?;
    let position = |id: i32| steps.iter().find(|s| s.id == id).map(|s| s.position);
    let mut counts: HashMap<i32, [i64; 5]> = HashMap::new();
    for ([entered, now_pipeline, now_step], [leads, open, won]) in groups {
        let (Some(entered), Some(now_step)) = (entered, now_step) else {
            continue;
        };
        let Some(entered_at) = position(entered) else {
            continue;
        };
        let now_at = (now_pipeline == Some(pipeline.id))
            .then(|| position(now_step))
            .flatten();
        let row = counts.entry(entered).or_default();
        row[0] += leads;
        match step_fate(entered_at, now_at, now_step == entered) {
            StepFate::MovedOn => row[1] += leads,
            StepFate::Here => {
                row[2] += open;
                row[4] += won;
                row[3] += leads - open - won;
            }
            StepFate::Elsewhere => {}
        }
    }
    let steps = steps
        .into_iter()
        .map(|s| {
            let numbers = counts.get(&s.id).copied().unwrap_or_default();
            StepRow::new(s.id, s.name, numbers)
        })
        .collect();
    Ok(PipelineReport {
        pipeline_id: pipeline.id,
        pipeline_name: pipeline.name.clone(),
        steps,
    })
}

async fn list_analysis(
    db: &impl ConnectionTrait,
    cal: &Calendar,
    range: Period,
    scope: Scope,
    list: &prospecting_list::Model,
) -> Result<ListReport, AppError> {
    let names = Names::load(db).await?;
    let mut values: Vec<Value> = vec![list.id.into()];
    values.extend(window(cal, range));
    let who = scope.sql("a.user_id", &mut values);
    let prospect_rows = grouped::<3, 1>(
        db,
        &format!(
            "SELECT a.user_id, a.type_id, a.outcome_id, COUNT(*) FROM prospects p \
             JOIN activities a ON a.prospect_id = p.id \
             WHERE p.list_id = ? AND a.occurred_at >= ? AND a.occurred_at < ?{who} \
             GROUP BY a.user_id, a.type_id, a.outcome_id"
        ),
        values.clone(),
    )
    .await?;
    let lead_rows = grouped::<3, 1>(
        db,
        &format!(
            "SELECT a.user_id, a.type_id, a.outcome_id, COUNT(*) FROM leads l \
             JOIN activities a ON a.lead_id = l.id \
             WHERE l.origin_list_id = ? AND a.prospect_id IS NULL \
             AND a.occurred_at >= ? AND a.occurred_at < ?{who} \
             GROUP BY a.user_id, a.type_id, a.outcome_id"
        ),
        values,
    )
    .await?;
    let mut values: Vec<Value> = vec![list.id.into()];
    values.extend(window(cal, range));
    let who = scope.sql("created_by", &mut values);
    let converted = by_key(
        grouped::<1, 1>(
            db,
            &format!(
                "SELECT created_by, COUNT(*) FROM leads WHERE origin_list_id = ? \
                 AND origin_prospect_id IS NOT NULL AND created_at >= ? AND created_at < ?{who} \
                 GROUP BY created_by"
            ),
            values,
        )
        .await?,
    );
    let closed = closings_per_owner(
        db,
        cal,
        range,
        scope,
        " AND l.origin_list_id = ?",
        vec![list.id.into()],
        true,
    )
    .await?;

    let (mut prospect_counts, prospect_present) = counts_by_user(prospect_rows);
    let (mut lead_counts, lead_present) = counts_by_user(lead_rows);
    let first: HashSet<i32> = prospect_counts
        .keys()
        .chain(converted.keys())
        .copied()
        .collect();
    let second: HashSet<i32> = lead_counts.keys().chain(closed.keys()).copied().collect();
    // Only the people with a number: a list is worked by a few reps, not the whole team.
    let people = |counted: &HashSet<i32>| {
        let mut ids: Vec<(String, i32)> = counted.iter().map(|&id| (names.user(id), id)).collect();
        ids.sort();
        ids
    };
    let prospect_rows = people(&first)
        .into_iter()
        .map(|(user_name, user_id)| {
            let activities = prospect_counts.remove(&user_id).unwrap_or_default();
            ListProspectRow {
                user_id,
                user_name,
                activities_total: activities.iter().map(|c| c.count).sum(),
                activities,
                converted: converted.get(&user_id).map_or(0, |c| c[0]),
            }
        })
        .collect();
    let lead_rows = people(&second)
        .into_iter()
        .map(|(user_name, user_id)| {
            let activities = lead_counts.remove(&user_id).unwrap_or_default();
            let [won, cents, lost, cancelled] = closed.get(&user_id).copied().unwrap_or_default();
            ListLeadRow {
                user_id,
                user_name,
                activities_total: activities.iter().map(|c| c.count).sum(),
                activities,
                won,
                lost: lost + cancelled,
                revenue_won: decimal_string(cents),
            }
        })
        .collect();
    Ok(ListReport {
        list_id: list.id,
        list_name: list.name.clone(),
        prospect_columns: names.columns(&prospect_present),
        prospect_rows,
        lead_columns: names.columns(&lead_present),
        lead_rows,
    })
}

/// The pipeline a query names, or the default one.
async fn pipeline_of(
    db: &impl ConnectionTrait,
    id: Option<i32>,
) -> Result<pipeline::Model, AppError> {
    let all = pipeline::Entity::find()
        .order_by_asc(pipeline::Column::Position)
        .all(db)
        .await?;
    let found = match id {
        Some(id) => all.into_iter().find(|p| p.id == id),
        None => {
            let default = all.iter().position(|p| p.is_default).unwrap_or(0);
            all.into_iter().nth(default)
        }
    };
    found.ok_or_else(|| {
        AppError::field(
            "pipeline_id",
            if id.is_some() {
                "There is no such pipeline."
            } else {
                "There is no pipeline yet."
            },
        )
    })
}

async fn list_of(
    db: &impl ConnectionTrait,
    id: Option<i32>,
) -> Result<prospecting_list::Model, AppError> {
    let found = match id {
        Some(id) => prospecting_list::Entity::find_by_id(id).one(db).await?,
        None => {
            prospecting_list::Entity::find()
                .filter(prospecting_list::Column::Archived.eq(false))
                .order_by_asc(prospecting_list::Column::Name)
                .one(db)
                .await?
        }
    };
    match (found, id) {
        (Some(list), _) => Ok(list),
        (None, Some(_)) => Err(AppError::NotFound),
        (None, None) => Err(AppError::field(
            "list_id",
            "There is no prospecting list yet.",
        )),
    }
}

/// Runs one report. Members get the report about themselves whatever the query says.
pub async fn run(
    db: &impl ConnectionTrait,
    actor: &Actor,
    kind: ReportKind,
    mut query: ReportQuery,
    now: DateTime<Utc>,
) -> Result<ReportView, AppError> {
    let cal = calendar(db).await?;
    let range = resolve_range(&mut query, &cal, now)?;
    let filters = kind.filters();
    if !filters.user {
        query.user_id = None;
    }
    if !filters.segment {
        query.segment_id = None;
    }
    if !allows(actor.role, Action::ViewTeamReports) {
        query.user_id = Some(actor.id);
        query.segment_id = None;
    }
    let scope = Scope {
        user_id: query.user_id,
        segment_id: query.segment_id,
    };
    let body = match kind {
        ReportKind::TeamActivity => {
            ReportBody::TeamActivity(team_activity(db, &cal, range, scope).await?)
        }
        ReportKind::ProspectingList => {
            let list = list_of(db, query.list_id).await?;
            query.list_id = Some(list.id);
            ReportBody::ProspectingList(list_analysis(db, &cal, range, scope, &list).await?)
        }
        ReportKind::PipelinePerformance => {
            let pipeline = pipeline_of(db, query.pipeline_id).await?;
            query.pipeline_id = Some(pipeline.id);
            ReportBody::PipelinePerformance(
                pipeline_performance(db, &cal, range, scope, &pipeline).await?,
            )
        }
        ReportKind::TeamPerformance => ReportBody::TeamPerformance(
            team_performance(db, &cal, range, scope, query.pipeline_id).await?,
        ),
        ReportKind::CompanyPerformance => {
            let group_by = match query.group_by.as_str() {
                "" => {
                    if range.days() > 92 {
                        PeriodKind::Month
                    } else if range.days() > 31 {
                        PeriodKind::Week
                    } else {
                        PeriodKind::Day
                    }
                }
                "day" => PeriodKind::Day,
                "week" => PeriodKind::Week,
                "month" => PeriodKind::Month,
                _ => return Err(AppError::field("group_by", "Group by day, week or month.")),
            };
            query.group_by = group_by.as_str().into();
            ReportBody::CompanyPerformance(
                company_performance(db, &cal, range, scope, query.pipeline_id, group_by).await?,
            )
        }
    };
    Ok(ReportView {
        kind,
        range,
        query,
        body,
    })
}

/// The filters' choices: members see only themselves and no segments.
pub async fn choices(db: &impl ConnectionTrait, actor: &Actor) -> Result<ReportChoices, AppError> {
    let whole_team = allows(actor.role, Action::ViewTeamReports);
    let pipelines = pipeline::Entity::find()
        .order_by_asc(pipeline::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let lists = prospecting_list::Entity::find()
        .order_by_asc(prospecting_list::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(|l| {
            let name = if l.archived {
                format!("{} (archived)", l.name)
            } else {
                l.name
            };
            (l.id, name)
        })
        .collect();
    let (segments, users) = if whole_team {
        let segments = segment::Entity::find()
            .order_by_asc(segment::Column::Name)
            .all(db)
            .await?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect();
        let users = user::Entity::find()
            .order_by_asc(user::Column::Name)
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        (segments, users)
    } else {
        (Vec::new(), vec![(actor.id, actor.name.clone())])
    };
    Ok(ReportChoices {
        pipelines,
        segments,
        users,
        lists,
        whole_team,
    })
}

/// The tables of a report as CSV: each table's header, rows and total, tables one after the
/// other with an empty line between them.
pub fn csv(view: &ReportView) -> Result<String, AppError> {
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    for (i, table) in view.tables().into_iter().enumerate() {
        if i > 0 {
            writer.write_record([""]).map_err(super::internal)?;
        }
        writer
            .write_record(&table.columns)
            .map_err(super::internal)?;
        for row in table.rows.iter().chain(table.total.iter()) {
            writer.write_record(row).map_err(super::internal)?;
        }
    }
    let bytes = writer.into_inner().map_err(super::internal)?;
    String::from_utf8(bytes).map_err(super::internal)
}
