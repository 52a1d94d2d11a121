//! The morning digest: what it says (counted by the same queries as the reports and goals),
//! its settings, and the delivery records that make it go out once per recipient and day.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use super::entity::{digest_delivery, mail_settings, user};
use super::goals::{calendar, Calendar};
use super::reports::{grouped, team_activity, window, Scope, CLOSING};
use crate::digest::api::{
    DeliveryView, DigestChoice, DigestPageData, DigestPreview, DigestSettingsView, MailSecurity,
    RecipientChoice,
};
use crate::domain::digest::{attainment, best_and_lowest, opted_in, parse_time, worth_sending};
use crate::domain::goal::{GoalKind, Pace};
use crate::domain::period::{Period, PeriodKind};
use crate::domain::validate::Email;
use crate::domain::Role;
use crate::error::{AppError, Check};
use crate::reports::api::ActivityColumn;

const SETTINGS_ID: i32 = 1;

/// Where a delivery stands.
pub mod status {
    /// Claimed; not sent yet (or the sender stopped before it could say how it went).
    pub const PENDING: &str = "pending";
    /// A send failed for a passing reason; tried again at `next_attempt_at`.
    pub const RETRYING: &str = "retrying";
    /// Being handed to the mail server.
    pub const SENDING: &str = "sending";
    /// The connection broke, or the sender stopped, while the mail server had it: it may have
    /// arrived, so it is not sent again unless an admin asks.
    pub const UNKNOWN: &str = "unknown";
    pub const SENT: &str = "sent";
    /// No SMTP relay set: rendered and kept for admins to read.
    pub const OUTBOX: &str = "outbox";
    /// Refused for good (bad credentials, bad address), or out of attempts.
    pub const FAILED: &str = "failed";
    /// Nothing to say: a non-working day without activity.
    pub const SKIPPED: &str = "skipped";
    /// The day was over before it could be sent.
    pub const MISSED: &str = "missed";
}

/// A goal's standing in the digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoalMark {
    /// "Call · Answered", with who it is for in the team lines: "Calls · Whole team".
    pub title: String,
    pub kind: GoalKind,
    pub pace: Pace,
}

impl GoalMark {
    /// "8 / 10".
    pub fn figures(&self) -> String {
        format!(
            "{} / {}",
            self.kind.format(self.pace.current),
            self.kind.format(self.pace.target)
        )
    }
}

/// One rep's day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepDay {
    pub user_id: i32,
    pub name: String,
    /// Counts in the order of `Digest::columns`.
    pub activities: Vec<i64>,
    pub activities_total: i64,
    pub leads_created: i64,
    pub won: i64,
    pub won_cents: i64,
    /// Lost or cancelled.
    pub lost: i64,
    pub lost_cents: i64,
    pub day_goals: Vec<GoalMark>,
    /// The week so far, with the pace at the end of the day.
    pub week_goals: Vec<GoalMark>,
    /// Mean share of the day's goals reached, in percent.
    pub attainment: Option<i64>,
}

/// Everything one recipient's digest about one day says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    pub workspace: String,
    pub currency: String,
    pub day: NaiveDate,
    pub recipient_id: i32,
    pub recipient_name: String,
    pub recipient_email: String,
    /// A member's own summary.
    pub own_only: bool,
    /// The segment the recipient manages, when not the whole team.
    pub segment: Option<String>,
    pub working_day: bool,
    pub columns: Vec<ActivityColumn>,
    pub reps: Vec<RepDay>,
    /// The team against the day's goals.
    pub team_goals: Vec<GoalMark>,
    pub best: Option<(String, i64)>,
    pub lowest: Option<(String, i64)>,
    /// The app's address for links, without a trailing slash; empty when not set.
    pub base_url: String,
}

impl Digest {
    /// Anything happened: an activity, a lead created, won or lost.
    pub fn any_activity(&self) -> bool {
        self.reps
            .iter()
            .any(|r| r.activities_total + r.leads_created + r.won + r.lost > 0)
    }

    /// Whether this digest goes out at all (see `domain::digest::worth_sending`).
    pub fn worth_sending(&self, wants_quiet_days: bool) -> bool {
        worth_sending(self.working_day, self.any_activity(), wants_quiet_days)
    }

    /// The team activity report of that day, in the app.
    pub fn report_link(&self) -> Option<String> {
        (!self.base_url.is_empty()).then(|| {
            format!(
                "{}/reports/team-activity?range=custom&from={day}&to={day}",
                self.base_url,
                day = self.day
            )
        })
    }

    pub fn totals(&self) -> RepDay {
        let mut total = RepDay {
            user_id: 0,
            name: "Team".into(),
            activities: vec![0; self.columns.len()],
            activities_total: 0,
            leads_created: 0,
            won: 0,
            won_cents: 0,
            lost: 0,
            lost_cents: 0,
            day_goals: Vec::new(),
            week_goals: Vec::new(),
            attainment: None,
        };
        for rep in &self.reps {
            for (sum, count) in total.activities.iter_mut().zip(&rep.activities) {
                *sum += count;
            }
            total.activities_total += rep.activities_total;
            total.leads_created += rep.leads_created;
            total.won += rep.won;
            total.won_cents += rep.won_cents;
            total.lost += rep.lost;
            total.lost_cents += rep.lost_cents;
        }
        total
    }
}

/// Whose numbers `recipient` reads: a member their own; a manager the members of their segment
/// (everyone when they have none); an admin everyone.
fn scope_of(recipient: &user::Model) -> (Scope, bool) {
    match Role::parse(&recipient.role).unwrap_or(Role::Member) {
        Role::Member => (
            Scope {
                user_id: Some(recipient.id),
                segment_id: None,
            },
            true,
        ),
        Role::Manager => (
            Scope {
                user_id: None,
                segment_id: recipient.segment_id,
            },
            false,
        ),
        Role::Admin => (Scope::default(), false),
    }
}

/// Wins and losses (lost or cancelled) per owner on `day`: [won, won cents, lost, lost cents].
async fn closings(
    db: &impl ConnectionTrait,
    cal: &Calendar,
    day: Period,
    scope: Scope,
) -> Result<HashMap<i32, [i64; 4]>, AppError> {
    let mut values = window(cal, day);
    let who = scope.sql("h.owner_id", &mut values);
    let sql = format!(
        "SELECT h.owner_id, CASE WHEN h.to_status = 'won' THEN 1 ELSE 0 END, COUNT(*), \
         CAST(SUM(h.amount_cents) AS BIGINT) FROM lead_history h \
         WHERE {CLOSING} AND h.at >= ? AND h.at < ?{who} GROUP BY 1, 2"
    );
    let mut out: HashMap<i32, [i64; 4]> = HashMap::new();
    for ([owner, won], [count, cents]) in grouped::<2, 2>(db, &sql, values).await? {
        let Some(owner) = owner else { continue };
        let slot = out.entry(owner).or_default();
        let at = if won == Some(1) { 0 } else { 2 };
        slot[at] += count;
        slot[at + 1] += cents;
    }
    Ok(out)
}

fn mark(title: String, kind: GoalKind, pace: Pace) -> GoalMark {
    GoalMark { title, kind, pace }
}

/// The digest `recipient` gets about `day`.
pub async fn compose(
    db: &impl ConnectionTrait,
    recipient: &user::Model,
    day: NaiveDate,
) -> Result<Digest, AppError> {
    let cal = calendar(db).await?;
    let workspace = super::workspace::get(db).await?;
    let settings = settings(db).await?;
    let (scope, own_only) = scope_of(recipient);
    let range = Period {
        start: day,
        end: day,
    };
    let (activity, closed, goals) = tokio::try_join!(
        team_activity(db, &cal, range, scope),
        closings(db, &cal, range, scope),
        super::goals::day_and_week(db, day),
    )?;
    let segment = match scope.segment_id {
        Some(id) => super::entity::segment::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|s| s.name),
        None => None,
    };
    // Only the activity columns with something in them: an email is read, not scrolled.
    let mut keep = vec![false; activity.columns.len()];
    for row in &activity.rows {
        for count in &row.activities {
            if let Some(i) = activity
                .columns
                .iter()
                .position(|c| c.type_id == count.type_id && c.outcome_id == count.outcome_id)
            {
                keep[i] |= count.count > 0;
            }
        }
    }
    let columns: Vec<ActivityColumn> = activity
        .columns
        .iter()
        .zip(&keep)
        .filter(|(_, keep)| **keep)
        .map(|(c, _)| c.clone())
        .collect();
    let members: HashSet<i32> = user::Entity::find()
        .filter(user::Column::Role.eq(Role::Member.as_str()))
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect();
    let mut reps: Vec<RepDay> = activity
        .rows
        .iter()
        .map(|row| {
            let activities = columns
                .iter()
                .map(|c| {
                    row.activities
                        .iter()
                        .find(|a| a.type_id == c.type_id && a.outcome_id == c.outcome_id)
                        .map_or(0, |a| a.count)
                })
                .collect();
            let [won, won_cents, lost, lost_cents] =
                closed.get(&row.user_id).copied().unwrap_or_default();
            let goals_of = |kind: PeriodKind| -> Vec<GoalMark> {
                goals
                    .iter()
                    .filter(|g| g.goal.schedule.period == Some(kind))
                    .flat_map(|g| {
                        g.rows
                            .iter()
                            .filter(|r| r.user_id == Some(row.user_id))
                            .map(|r| mark(g.goal.title.clone(), g.goal.kind, r.pace))
                    })
                    .collect()
            };
            let day_goals = goals_of(PeriodKind::Day);
            let marks: Vec<(i64, i64)> = day_goals
                .iter()
                .map(|g| (g.pace.current, g.pace.target))
                .collect();
            RepDay {
                user_id: row.user_id,
                name: row.user_name.clone(),
                activities,
                activities_total: row.activities_total,
                leads_created: row.leads_created,
                won,
                won_cents,
                lost,
                lost_cents,
                week_goals: goals_of(PeriodKind::Week),
                attainment: attainment(&marks),
                day_goals,
            }
        })
        .collect();
    // The reps: members, and managers or admins only when they did something that day.
    reps.retain(|r| {
        members.contains(&r.user_id) || r.activities_total + r.leads_created + r.won + r.lost > 0
    });
    let in_scope: HashSet<i32> = reps.iter().map(|r| r.user_id).collect();
    // Busiest first: the reader looks for who did what.
    reps.sort_by(|a, b| {
        b.activities_total
            .cmp(&a.activities_total)
            .then_with(|| a.name.cmp(&b.name))
    });
    // The team against each daily goal: the sum over the people in scope, or the goal's own
    // total when it is the whole team's.
    let mut team_goals = Vec::new();
    for progress in goals
        .iter()
        .filter(|g| g.goal.schedule.period == Some(PeriodKind::Day))
    {
        let people: Vec<&Pace> = progress
            .rows
            .iter()
            .filter(|r| r.user_id.is_some_and(|id| in_scope.contains(&id)))
            .map(|r| &r.pace)
            .collect();
        let (current, target) = if !people.is_empty() {
            (
                people.iter().map(|p| p.current).sum(),
                people.iter().map(|p| p.target).sum(),
            )
        } else if !own_only && scope.segment_id.is_none() && progress.rows.len() == 1 {
            match progress.rows.first() {
                Some(row) if row.total => (row.pace.current, row.pace.target),
                _ => continue,
            }
        } else {
            continue;
        };
        team_goals.push(mark(
            format!("{} · {}", progress.goal.title, progress.goal.assignee_name),
            progress.goal.kind,
            Pace::at(current, target, 1.0),
        ));
    }
    let scored: Vec<(&str, i64)> = reps
        .iter()
        .filter_map(|r| r.attainment.map(|a| (r.name.as_str(), a)))
        .collect();
    let (best, lowest) = if own_only {
        (None, None)
    } else {
        best_and_lowest(&scored)
    };
    let score_of = |name: Option<&str>| {
        name.and_then(|n| scored.iter().find(|(m, _)| *m == n))
            .map(|(n, a)| (n.to_string(), *a))
    };
    let (best, lowest) = (score_of(best), score_of(lowest));
    Ok(Digest {
        workspace: workspace.name,
        currency: workspace.currency,
        day,
        recipient_id: recipient.id,
        recipient_name: recipient.name.clone(),
        recipient_email: recipient.email.clone(),
        own_only,
        segment,
        working_day: cal.working.includes(day.weekday()),
        columns,
        reps,
        team_goals,
        best,
        lowest,
        base_url: settings.public_url.trim_end_matches('/').to_string(),
    })
}

// ---- Settings ----

pub async fn settings(db: &impl ConnectionTrait) -> Result<mail_settings::Model, AppError> {
    mail_settings::Entity::find_by_id(SETTINGS_ID)
        .one(db)
        .await?
        .ok_or_else(|| super::internal("the mail settings row is missing: run the migrations"))
}

pub fn settings_view(model: &mail_settings::Model) -> DigestSettingsView {
    DigestSettingsView {
        digest_time: model.digest_time.clone(),
        public_url: model.public_url.clone(),
        smtp_host: model.smtp_host.clone(),
        smtp_port: model.smtp_port,
        smtp_security: MailSecurity::parse(&model.smtp_security).unwrap_or_default(),
        smtp_user: model.smtp_user.clone(),
        smtp_password_set: !model.smtp_password.is_empty(),
        smtp_from: model.smtp_from.clone(),
    }
}

/// Saves the settings; an empty `password` keeps the one stored.
pub async fn save_settings(
    db: &impl ConnectionTrait,
    input: &DigestSettingsView,
    password: &str,
) -> Result<DigestSettingsView, AppError> {
    let mut check = Check::new();
    check.take("digest_time", parse_time(&input.digest_time));
    let url = input.public_url.trim();
    if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
        check.fail(
            "public_url",
            "Give the address people open the app at, starting with https://.",
        );
    }
    let host = input.smtp_host.trim();
    if host.contains(char::is_whitespace) || host.contains('/') {
        check.fail(
            "smtp_host",
            "Give a host name such as smtp.example.com, without https://.",
        );
    }
    if !(1..=65535).contains(&input.smtp_port) {
        check.fail("smtp_port", "A port is a number from 1 to 65535.");
    }
    let from = input.smtp_from.trim();
    // "Name <address>" or a bare address.
    let address = from
        .rsplit_once('<')
        .map_or(from, |(_, rest)| rest.trim_end_matches('>'));
    if !host.is_empty() && Email::parse(address).is_err() {
        check.fail(
            "smtp_from",
            "Give the sender's address, such as Cadence <digest@example.com>.",
        );
    }
    check.finish()?;
    let mut model: mail_settings::ActiveModel = settings(db).await?.into();
    model.digest_time = Set(input.digest_time.trim().to_string());
    model.public_url = Set(url.trim_end_matches('/').to_string());
    model.smtp_host = Set(host.to_string());
    model.smtp_port = Set(input.smtp_port);
    model.smtp_security = Set(input.smtp_security.as_str().to_string());
    model.smtp_user = Set(input.smtp_user.trim().to_string());
    if !password.is_empty() {
        model.smtp_password = Set(password.to_string());
    }
    model.smtp_from = Set(from.to_string());
    model.updated_at = Set(Utc::now());
    Ok(settings_view(&model.update(db).await?))
}

/// A user's own digest choice.
pub async fn set_choice(
    db: &impl ConnectionTrait,
    user_id: i32,
    opt_in: bool,
    quiet_days: bool,
) -> Result<(), AppError> {
    let model = super::users::find(db, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut model: user::ActiveModel = model.into();
    model.digest_opt_in = Set(Some(opt_in));
    model.digest_quiet_days = Set(quiet_days);
    model.updated_at = Set(Utc::now());
    model.update(db).await?;
    Ok(())
}

/// Whether `model` receives the digest.
pub fn receives(model: &user::Model) -> bool {
    model.active
        && opted_in(
            Role::parse(&model.role).unwrap_or(Role::Member),
            model.digest_opt_in,
        )
}

/// Everyone who receives the digest, by name.
pub async fn recipients(db: &impl ConnectionTrait) -> Result<Vec<user::Model>, AppError> {
    Ok(user::Entity::find()
        .filter(user::Column::Active.eq(true))
        .order_by_asc(user::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .filter(receives)
        .collect())
}

// ---- Deliveries ----

/// Claims `user_id`'s digest about `day` with `status` (pending, or skipped when there is
/// nothing to send); false when it was claimed before, by this process or another.
pub async fn claim(
    db: &impl ConnectionTrait,
    user_id: i32,
    day: NaiveDate,
    status: &str,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let model = digest_delivery::ActiveModel {
        user_id: Set(user_id),
        day: Set(day),
        status: Set(status.to_string()),
        attempts: Set(0),
        next_attempt_at: Set(Some(now)),
        lease_until: Set(None),
        last_error: Set(String::new()),
        subject: Set(String::new()),
        text_body: Set(String::new()),
        html_body: Set(String::new()),
        created_at: Set(now),
        sent_at: Set(None),
        updated_at: Set(now),
        ..Default::default()
    };
    let inserted = digest_delivery::Entity::insert(model)
        .on_conflict(
            OnConflict::columns([
                digest_delivery::Column::UserId,
                digest_delivery::Column::Day,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(inserted == 1)
}

/// Who has a claim on their digest about `day` already.
pub async fn claimed(db: &impl ConnectionTrait, day: NaiveDate) -> Result<HashSet<i32>, AppError> {
    Ok(digest_delivery::Entity::find()
        .select_only()
        .column(digest_delivery::Column::UserId)
        .filter(digest_delivery::Column::Day.eq(day))
        .into_tuple::<i32>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// The claims about `day` waiting for a send at `now`, oldest first.
pub async fn due(
    db: &impl ConnectionTrait,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<digest_delivery::Model>, AppError> {
    Ok(digest_delivery::Entity::find()
        .filter(digest_delivery::Column::Day.eq(day))
        .filter(digest_delivery::Column::Status.is_in([status::PENDING, status::RETRYING]))
        .filter(digest_delivery::Column::NextAttemptAt.lte(now))
        .filter(
            Condition::any()
                .add(digest_delivery::Column::LeaseUntil.is_null())
                .add(digest_delivery::Column::LeaseUntil.lt(now)),
        )
        .order_by_asc(digest_delivery::Column::Id)
        .all(db)
        .await?)
}

/// Takes the send of one claim until `now + lease` (one sender at a time, across processes and
/// nodes); the claim as it is now, or `None` when another sender holds it, it is no longer
/// waiting, or its retry is not due yet.
pub async fn take(
    db: &impl ConnectionTrait,
    id: i32,
    now: DateTime<Utc>,
    lease: Duration,
) -> Result<Option<digest_delivery::Model>, AppError> {
    let taken = digest_delivery::Entity::update_many()
        .col_expr(
            digest_delivery::Column::LeaseUntil,
            Expr::value(Some(now + lease)),
        )
        .col_expr(digest_delivery::Column::UpdatedAt, Expr::value(now))
        .filter(digest_delivery::Column::Id.eq(id))
        .filter(digest_delivery::Column::Status.is_in([status::PENDING, status::RETRYING]))
        .filter(digest_delivery::Column::NextAttemptAt.lte(now))
        .filter(free_at(now))
        .exec(db)
        .await?;
    if taken.rows_affected != 1 {
        return Ok(None);
    }
    Ok(digest_delivery::Entity::find_by_id(id).one(db).await?)
}

fn free_at(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(digest_delivery::Column::LeaseUntil.is_null())
        .add(digest_delivery::Column::LeaseUntil.lt(now))
}

/// Marks a taken claim as being handed to the relay, if its sender still holds it. From here
/// on it is never sent again by itself: a sender that stops now leaves it `unknown`.
pub async fn start_sending(
    db: &impl ConnectionTrait,
    taken: &digest_delivery::Model,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let marked = digest_delivery::Entity::update_many()
        .col_expr(
            digest_delivery::Column::Status,
            Expr::value(status::SENDING),
        )
        .col_expr(digest_delivery::Column::UpdatedAt, Expr::value(now))
        .filter(digest_delivery::Column::Id.eq(taken.id))
        .filter(digest_delivery::Column::LeaseUntil.eq(taken.lease_until))
        .exec(db)
        .await?;
    Ok(marked.rows_affected == 1)
}

/// What became of one send.
pub struct Outcome<'a> {
    pub status: &'a str,
    pub error: String,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub attempts: i32,
}

/// Records the rendered digest and what became of its send, if the sender still holds the
/// claim (false when its lease ran out and another sender took it); the lease ends.
pub async fn record(
    db: &impl ConnectionTrait,
    taken: &digest_delivery::Model,
    rendered: &Rendered,
    outcome: Outcome<'_>,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    use digest_delivery::Column as C;
    let delivered = outcome.status == status::SENT || outcome.status == status::OUTBOX;
    let recorded = digest_delivery::Entity::update_many()
        .col_expr(C::Status, Expr::value(outcome.status))
        .col_expr(C::Attempts, Expr::value(outcome.attempts))
        .col_expr(C::LastError, Expr::value(outcome.error))
        .col_expr(C::NextAttemptAt, Expr::value(outcome.next_attempt_at))
        .col_expr(C::LeaseUntil, Expr::value(None::<DateTime<Utc>>))
        .col_expr(C::Subject, Expr::value(rendered.subject.clone()))
        .col_expr(C::TextBody, Expr::value(rendered.text.clone()))
        .col_expr(C::HtmlBody, Expr::value(rendered.html.clone()))
        .col_expr(C::SentAt, Expr::value(delivered.then_some(now)))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .filter(C::Id.eq(taken.id))
        .filter(C::LeaseUntil.eq(taken.lease_until))
        .exec(db)
        .await?;
    Ok(recorded.rows_affected == 1)
}

/// Claims still waiting for a day that is over will not go out; the error they had stays.
/// Sends whose sender stopped mid-way are `unknown`: the email may have arrived.
pub async fn close_stale(
    db: &impl ConnectionTrait,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> Result<u64, AppError> {
    digest_delivery::Entity::update_many()
        .col_expr(
            digest_delivery::Column::Status,
            Expr::value(status::UNKNOWN),
        )
        .col_expr(
            digest_delivery::Column::LastError,
            Expr::value(
                "The sender stopped while handing this digest to the mail server: it may or may \
                 not have arrived, so it is not sent again by itself.",
            ),
        )
        .col_expr(digest_delivery::Column::UpdatedAt, Expr::value(now))
        .filter(digest_delivery::Column::Status.eq(status::SENDING))
        .filter(digest_delivery::Column::LeaseUntil.lt(now))
        .exec(db)
        .await?;
    Ok(digest_delivery::Entity::update_many()
        .col_expr(digest_delivery::Column::Status, Expr::value(status::MISSED))
        .col_expr(digest_delivery::Column::UpdatedAt, Expr::value(now))
        .filter(digest_delivery::Column::Day.lt(day))
        .filter(digest_delivery::Column::Status.is_in([status::PENDING, status::RETRYING]))
        .filter(free_at(now))
        .exec(db)
        .await?
        .rows_affected)
}

/// The deliveries about `day`, by recipient name.
pub async fn deliveries(
    db: &impl ConnectionTrait,
    day: NaiveDate,
) -> Result<Vec<DeliveryView>, AppError> {
    let records = digest_delivery::Entity::find()
        .filter(digest_delivery::Column::Day.eq(day))
        .all(db)
        .await?;
    let ids: Vec<i32> = records.iter().map(|d| d.user_id).collect();
    let users: HashMap<i32, user::Model> = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let mut out: Vec<DeliveryView> = records
        .into_iter()
        .map(|d| {
            let who = users.get(&d.user_id);
            DeliveryView {
                id: d.id,
                user_id: d.user_id,
                user_name: who.map(|u| u.name.clone()).unwrap_or_default(),
                email: who.map(|u| u.email.clone()).unwrap_or_default(),
                day: d.day,
                status: d.status,
                attempts: d.attempts,
                last_error: d.last_error,
                subject: d.subject,
                claimed_at: d.created_at,
                sent_at: d.sent_at,
                next_attempt_at: d.next_attempt_at,
            }
        })
        .collect();
    out.sort_by(|a, b| a.user_name.cmp(&b.user_name));
    Ok(out)
}

/// The claim of `user_id`'s digest about `day`, if any.
pub async fn find(
    db: &impl ConnectionTrait,
    user_id: i32,
    day: NaiveDate,
) -> Result<Option<digest_delivery::Model>, AppError> {
    Ok(digest_delivery::Entity::find()
        .filter(digest_delivery::Column::UserId.eq(user_id))
        .filter(digest_delivery::Column::Day.eq(day))
        .one(db)
        .await?)
}

/// Makes a digest in one of `statuses` wait for a send again (an admin's explicit request).
pub async fn reopen(
    db: &impl ConnectionTrait,
    id: i32,
    statuses: &[&str],
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let reopened = digest_delivery::Entity::update_many()
        .col_expr(
            digest_delivery::Column::Status,
            Expr::value(status::PENDING),
        )
        .col_expr(digest_delivery::Column::Attempts, Expr::value(0))
        .col_expr(
            digest_delivery::Column::NextAttemptAt,
            Expr::value(Some(now)),
        )
        .col_expr(digest_delivery::Column::UpdatedAt, Expr::value(now))
        .filter(digest_delivery::Column::Id.eq(id))
        .filter(digest_delivery::Column::Status.is_in(statuses.iter().copied()))
        .filter(free_at(now))
        .exec(db)
        .await?;
    Ok(reopened.rows_affected == 1)
}

/// One stored delivery, with its bodies (the outbox's reading view).
pub async fn delivery(
    db: &impl ConnectionTrait,
    id: i32,
) -> Result<digest_delivery::Model, AppError> {
    digest_delivery::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// What the stored digest `id` said.
pub async fn stored(db: &impl ConnectionTrait, id: i32) -> Result<DigestPreview, AppError> {
    let record = delivery(db, id).await?;
    let to = super::users::find(db, record.user_id)
        .await?
        .map(|u| u.email)
        .unwrap_or_default();
    Ok(DigestPreview {
        subject: record.subject,
        to,
        text: record.text_body,
        html: record.html_body,
        note: (!record.last_error.is_empty()).then_some(record.last_error),
    })
}

/// The digest `user_id` gets (or would get) about `day`, rendered now.
pub async fn preview(
    db: &impl ConnectionTrait,
    user_id: i32,
    day: NaiveDate,
) -> Result<DigestPreview, AppError> {
    let recipient = super::users::find(db, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let digest = compose(db, &recipient, day).await?;
    let rendered = render(&digest);
    let note = if !receives(&recipient) {
        Some(format!("{} has the morning digest off.", recipient.name))
    } else if !digest.worth_sending(recipient.digest_quiet_days) {
        Some("Not sent: a non-working day without activity.".to_string())
    } else {
        None
    };
    Ok(DigestPreview {
        subject: rendered.subject,
        to: recipient.email,
        text: rendered.text,
        html: rendered.html,
        note,
    })
}

/// The day a digest request names (`YYYY-MM-DD`, refused on `date` otherwise), or when it
/// names none yesterday in the workspace calendar.
pub async fn day_asked(
    db: &impl ConnectionTrait,
    text: &str,
    now: DateTime<Utc>,
) -> Result<NaiveDate, AppError> {
    if !text.trim().is_empty() {
        return crate::digest::api::parse_date("date", text);
    }
    let today = calendar(db).await?.today(now);
    Ok(today.pred_opt().unwrap_or(today))
}

/// The digest page: settings, the people, yesterday.
pub async fn admin(
    db: &impl ConnectionTrait,
    smtp_override: bool,
    now: DateTime<Utc>,
) -> Result<DigestPageData, AppError> {
    let cal = calendar(db).await?;
    let people = user::Entity::find()
        .filter(user::Column::Active.eq(true))
        .order_by_asc(user::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(|u| RecipientChoice {
            id: u.id,
            receives: receives(&u),
            name: u.name,
        })
        .collect();
    let today = cal.today(now);
    Ok(DigestPageData {
        settings: settings_view(&settings(db).await?),
        people,
        yesterday: today.pred_opt().unwrap_or(today),
        smtp_from_command_line: smtp_override,
    })
}

pub async fn choice(db: &impl ConnectionTrait, user_id: i32) -> Result<DigestChoice, AppError> {
    let me = super::users::find(db, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(DigestChoice {
        receives: receives(&me),
        quiet_days: me.digest_quiet_days,
    })
}

pub use super::digest_mail::{render, Rendered};
