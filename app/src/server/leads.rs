//! Leads: validation, creation, edits with optimistic concurrency, the history of every move
//! and status change (written in the same transaction), and the board's queries.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, NullOrdering, Order};
use sea_orm::DatabaseConnection;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;

use super::entity::{lead, lead_history, pipeline, step, user};
use super::events::{self, EventBus};
use super::{users, workspace, Actor};
use crate::domain::lead::{
    closed_at_change, history_entry, is_closing, may_delete_or_reassign, may_edit_lead, ClosedAt,
    LeadStatus, Position,
};
use crate::domain::money::{decimal_string, Amount};
use crate::domain::validate::{Currency, Email};
use crate::domain::Role;
use crate::error::{AppError, Check, FieldErrors};
use crate::leads::api::{
    BoardColumn, BoardFilter, BoardView, HistoryView, LeadCard, LeadForm, LeadPatch, LeadView, PAGE,
};
use crate::pipelines::api::StepView;

pub const TITLE_MAX: usize = 200;
const TEXT_MAX: usize = 200;
const NOTES_MAX: usize = 10_000;

pub(crate) fn tz_of(name: &str) -> Tz {
    name.parse().unwrap_or(chrono_tz::UTC)
}

async fn viewer_tz(db: &impl ConnectionTrait, actor: &Actor) -> Result<Tz, AppError> {
    let zone = users::find(db, actor.id)
        .await?
        .map(|u| u.time_zone)
        .unwrap_or_default();
    Ok(tz_of(&zone))
}

/// Stored form of tags: `,a,b,` (lowercase), so that one tag is found with a LIKE.
fn tags_to_column(tags: &[String]) -> String {
    if tags.is_empty() {
        String::new()
    } else {
        format!(",{},", tags.join(","))
    }
}

fn tags_of(column: &str) -> Vec<String> {
    column
        .split(',')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

fn normalize_tags(check: &mut Check, tags: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for tag in tags {
        let tag = tag.trim().to_lowercase();
        if tag.is_empty() {
            continue;
        }
        if tag.chars().count() > 40 || tag.contains(',') || tag.chars().any(char::is_control) {
            check.fail("tags", "A tag is at most 40 characters, without commas.");
            continue;
        }
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    if out.len() > 20 {
        check.fail("tags", "At most 20 tags.");
    }
    out
}

/// Reads a lead form (all text) into a patch; unreadable numbers and dates are field errors.
pub async fn form_to_patch(
    db: &impl ConnectionTrait,
    actor: &Actor,
    form: LeadForm,
) -> Result<LeadPatch, AppError> {
    let mut errors = FieldErrors::new();
    let opt = |s: String| if s.trim().is_empty() { None } else { Some(s) };
    let mut int = |field: &str, text: &str, message: &str| -> Option<i32> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        match text.parse::<i32>() {
            Ok(v) => Some(v),
            Err(_) => {
                errors.insert(field.to_string(), message.to_string());
                None
            }
        }
    };
    let probability = int(
        "probability",
        &form.probability,
        "Enter a whole number from 0 to 100.",
    );
    let owner_id = int("owner_id", &form.owner_id, "Choose an owner from the list.");
    let step_id = int("step_id", &form.step_id, "Choose a step from the list.");
    let next_action_at = if form.next_action.trim().is_empty() {
        Some(None)
    } else {
        let tz = viewer_tz(db, actor).await?;
        match parse_local(&form.next_action, tz) {
            Ok(at) => Some(Some(at)),
            Err(message) => {
                errors.insert("next_action".into(), message);
                None
            }
        }
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok(LeadPatch {
        title: Some(form.title),
        amount: Some(form.amount),
        currency: None,
        probability,
        owner_id,
        step_id,
        status: opt(form.status),
        next_action_at,
        company: Some(form.company),
        person: Some(form.person),
        email: Some(form.email),
        phone: Some(form.phone),
        notes: Some(form.notes),
        tags: Some(form.tags.split(',').map(str::to_string).collect()),
        close_reason: None,
    })
}

/// `YYYY-MM-DDTHH:MM` (a browser's date-time field) in `tz`, to UTC.
pub fn parse_local(text: &str, tz: Tz) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| "Enter a date and time such as 2026-12-01 09:30.".to_string())?;
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|at| at.with_timezone(&Utc))
        .ok_or_else(|| {
            "This time does not exist in your time zone (clock change): pick another.".to_string()
        })
}

pub(crate) fn local_input(at: Option<DateTime<Utc>>, tz: Tz) -> String {
    at.map(|at| at.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

pub(crate) fn short_local(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%b %-d, %H:%M").to_string()
}

fn text_field(check: &mut Check, field: &str, label: &str, value: &str, max: usize) -> String {
    let value = value.trim();
    if value.chars().count() > max {
        check.fail(field, format!("{label} must be at most {max} characters."));
    }
    value.to_string()
}

/// The row a lead would become: `existing` with `patch` applied, validated.
async fn candidate(
    db: &impl ConnectionTrait,
    actor: &Actor,
    existing: Option<&lead::Model>,
    patch: LeadPatch,
) -> Result<lead::Model, AppError> {
    let now = Utc::now();
    let mut check = Check::new();
    let base = match existing {
        Some(model) => model.clone(),
        None => {
            let ws = workspace::get(db).await?;
            let pipeline_id = super::pipelines::default_id(db).await?.unwrap_or(0);
            let step_id = step::Entity::find()
                .filter(step::Column::PipelineId.eq(pipeline_id))
                .order_by_asc(step::Column::Position)
                .one(db)
                .await?
                .map(|s| s.id)
                .unwrap_or(0);
            lead::Model {
                id: 0,
                title: String::new(),
                amount_cents: 0,
                currency: ws.currency,
                probability: 10,
                owner_id: actor.id,
                pipeline_id,
                step_id,
                status: LeadStatus::Active.as_str().into(),
                next_action_at: None,
                company: String::new(),
                person: String::new(),
                email: String::new(),
                phone: String::new(),
                notes: String::new(),
                tags: String::new(),
                origin_list_id: None,
                origin_prospect_id: None,
                close_reason: None,
                created_by: actor.id,
                updated_by: actor.id,
                created_at: now,
                updated_at: now,
                closed_at: None,
                version: 1,
            }
        }
    };
    let mut row = base.clone();
    if let Some(title) = patch.title {
        let title = title.trim().to_string();
        if title.is_empty() {
            check.fail("title", "Title is required.");
        } else if title.chars().count() > TITLE_MAX {
            check.fail(
                "title",
                format!("Title must be at most {TITLE_MAX} characters."),
            );
        }
        row.title = title;
    } else if existing.is_none() {
        check.fail("title", "Title is required.");
    }
    if let Some(amount) = patch.amount {
        if let Some(amount) = check.take("amount", Amount::parse(&amount)) {
            row.amount_cents = amount.cents();
        }
    }
    if let Some(currency) = patch.currency {
        if let Some(currency) = check.take("currency", Currency::parse(&currency)) {
            row.currency = currency.into_inner();
        }
    }
    if let Some(probability) = patch.probability {
        if (0..=100).contains(&probability) {
            row.probability = probability;
        } else {
            check.fail("probability", "Probability is a number from 0 to 100.");
        }
    }
    if let Some(owner_id) = patch.owner_id {
        if owner_id != row.owner_id {
            if existing.is_some() && !may_delete_or_reassign(actor.role) {
                check.fail(
                    "owner_id",
                    "Only managers and admins can give a lead to someone else.",
                );
            } else if existing.is_none() && actor.role == Role::Member && owner_id != actor.id {
                check.fail("owner_id", "Members create leads for themselves.");
            }
            match user::Entity::find_by_id(owner_id).one(db).await? {
                Some(owner) if owner.active => row.owner_id = owner_id,
                _ => check.fail("owner_id", "Choose an active user as owner."),
            }
        }
    }
    if let Some(step_id) = patch.step_id {
        match step::Entity::find_by_id(step_id).one(db).await? {
            Some(step) => {
                row.step_id = step.id;
                row.pipeline_id = step.pipeline_id;
            }
            None => check.fail(
                "step_id",
                "This step does not exist (it may have been deleted).",
            ),
        }
    } else if existing.is_none() && row.step_id == 0 {
        check.fail("step_id", "Create a pipeline with a step first.");
    }
    if let Some(status) = patch.status {
        if let Some(status) = check.take("status", LeadStatus::parse(&status)) {
            row.status = status.as_str().into();
        }
    }
    if let Some(next) = patch.next_action_at {
        row.next_action_at = next;
    }
    if let Some(company) = patch.company {
        row.company = text_field(&mut check, "company", "Company", &company, TEXT_MAX);
    }
    if let Some(person) = patch.person {
        row.person = text_field(&mut check, "person", "Contact person", &person, TEXT_MAX);
    }
    if let Some(email) = patch.email {
        let email = email.trim();
        if email.is_empty() {
            row.email = String::new();
        } else if let Some(email) = check.take("email", Email::parse(email)) {
            row.email = email.into_inner();
        }
    }
    if let Some(phone) = patch.phone {
        row.phone = text_field(&mut check, "phone", "Phone", &phone, 50);
    }
    if let Some(notes) = patch.notes {
        row.notes = text_field(&mut check, "notes", "Notes", &notes, NOTES_MAX);
    }
    if let Some(tags) = patch.tags {
        row.tags = tags_to_column(&normalize_tags(&mut check, &tags));
    }
    let status = LeadStatus::parse(&row.status).unwrap_or(LeadStatus::Active);
    if status == LeadStatus::Standby && row.next_action_at.is_none() {
        check.fail("next_action", "A lead on standby needs a next action date.");
    }
    let before_status = existing
        .and_then(|m| LeadStatus::parse(&m.status).ok())
        .unwrap_or(LeadStatus::Active);
    match closed_at_change(before_status, status) {
        ClosedAt::Set => {
            row.closed_at = Some(now);
            row.close_reason = patch
                .close_reason
                .map(|r| r.trim().chars().take(500).collect::<String>())
                .filter(|r| !r.is_empty());
        }
        ClosedAt::Clear => {
            row.closed_at = None;
            row.close_reason = None;
        }
        ClosedAt::Keep => {
            if existing.is_none() && status.is_closed() {
                row.closed_at = Some(now);
            }
        }
    }
    check.finish()?;
    row.updated_by = actor.id;
    row.updated_at = now;
    Ok(row)
}

/// When a change of `model` was recorded (its history entry carries the same instant).
fn now_of(model: &lead::Model) -> DateTime<Utc> {
    model.updated_at
}

fn position_of(model: &lead::Model) -> Position {
    Position {
        pipeline_id: model.pipeline_id,
        step_id: model.step_id,
        status: LeadStatus::parse(&model.status).unwrap_or(LeadStatus::Active),
    }
}

async fn write_history(
    db: &impl ConnectionTrait,
    actor: &Actor,
    before: Option<&lead::Model>,
    after: &lead::Model,
) -> Result<Option<i32>, AppError> {
    let Some((from, to)) = history_entry(before.map(position_of), position_of(after)) else {
        return Ok(None);
    };
    let from_status = from.map(|p| p.status);
    if from.is_some() && from_status != Some(to.status) {
        // A change of status: an earlier closing of this lead no longer counts.
        lead_history::Entity::update_many()
            .col_expr(lead_history::Column::LastClose, Expr::value(false))
            .filter(lead_history::Column::LeadId.eq(after.id))
            .filter(lead_history::Column::LastClose.eq(true))
            .exec(db)
            .await?;
    }
    let entry = lead_history::ActiveModel {
        lead_id: Set(after.id),
        user_id: Set(actor.id),
        owner_id: Set(after.owner_id),
        from_pipeline_id: Set(from.map(|p| p.pipeline_id)),
        to_pipeline_id: Set(to.pipeline_id),
        from_step_id: Set(from.map(|p| p.step_id)),
        to_step_id: Set(to.step_id),
        from_status: Set(from.map(|p| p.status.as_str().to_string())),
        to_status: Set(to.status.as_str().to_string()),
        at: Set(after.updated_at),
        amount_cents: Set(after.amount_cents),
        last_close: Set(is_closing(from_status, to.status)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(Some(entry.id))
}

pub(crate) fn event_data(model: &lead::Model, before: Option<&lead::Model>) -> serde_json::Value {
    json!({
        "lead_id": model.id,
        "pipeline_id": model.pipeline_id,
        "step_id": model.step_id,
        "status": model.status,
        "owner_id": model.owner_id,
        "version": model.version,
        "title": model.title,
        "amount": decimal_string(model.amount_cents),
        "from_pipeline_id": before.map(|b| b.pipeline_id),
        "from_step_id": before.map(|b| b.step_id),
        "from_status": before.map(|b| b.status.clone()),
    })
}

pub async fn create(
    db: &DatabaseConnection,
    bus: &EventBus,
    actor: &Actor,
    patch: LeadPatch,
) -> Result<LeadView, AppError> {
    let _turn = bus.writer_turn().await;
    let txn = super::writing(db).await?;
    let (created, data) = insert(&txn, actor, patch, None).await?;
    let event = events::record(&txn, "lead.created", data).await?;
    txn.commit().await?;
    bus.publish([event]);
    get(db, actor, created.id).await
}

/// Inserts a lead with its history entry, in `txn`; `origin` is the prospecting list and
/// prospect it comes from. The data of its `lead.created` event comes back for the caller to
/// record as the last write of the transaction (see `events::record`).
pub(crate) async fn insert(
    txn: &impl ConnectionTrait,
    actor: &Actor,
    patch: LeadPatch,
    origin: Option<(i32, i32)>,
) -> Result<(lead::Model, serde_json::Value), AppError> {
    let mut row = candidate(txn, actor, None, patch).await?;
    row.origin_list_id = origin.map(|o| o.0);
    row.origin_prospect_id = origin.map(|o| o.1);
    let mut model: lead::ActiveModel = row.into();
    model.id = sea_orm::ActiveValue::NotSet;
    let created = model.insert(txn).await?;
    let mut data = event_data(&created, None);
    if let Some(entry) = write_history(txn, actor, None, &created).await? {
        let item =
            super::activities::lead_item(entry, "lead_created", actor, &created, now_of(&created));
        data["feed"] = serde_json::to_value(item).unwrap_or_default();
    }
    Ok((created, data))
}

async fn conflict(db: &impl ConnectionTrait, id: i32) -> Result<AppError, AppError> {
    let Some(current) = lead::Entity::find_by_id(id).one(db).await? else {
        return Ok(AppError::NotFound);
    };
    let who = users::find(db, current.updated_by)
        .await?
        .map(|u| u.name)
        .unwrap_or_else(|| "someone".into());
    Ok(AppError::Conflict(format!(
        "This lead was changed by {who} meanwhile. The current version is shown: check it and try again."
    )))
}

/// Applies `patch` to lead `id` if it is still at `version`; a move or status change writes
/// one history entry in the same transaction.
pub async fn update(
    db: &DatabaseConnection,
    bus: &EventBus,
    actor: &Actor,
    id: i32,
    version: i32,
    patch: LeadPatch,
) -> Result<LeadView, AppError> {
    let _turn = bus.writer_turn().await;
    let txn = super::writing(db).await?;
    let existing = lead::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_edit_lead(actor.role, actor.id, existing.owner_id) {
        return Err(AppError::Forbidden);
    }
    if existing.version != version {
        return Err(conflict(&txn, id).await?);
    }
    let mut row = candidate(&txn, actor, Some(&existing), patch).await?;
    row.version = version + 1;
    // Every column is written (the row was validated as a whole), under the version check.
    let mut model: lead::ActiveModel = lead::ActiveModel::from(row.clone()).reset_all();
    model.id = sea_orm::ActiveValue::NotSet;
    model.created_at = sea_orm::ActiveValue::NotSet;
    model.created_by = sea_orm::ActiveValue::NotSet;
    let result = lead::Entity::update_many()
        .set(model)
        .filter(lead::Column::Id.eq(id))
        .filter(lead::Column::Version.eq(version))
        .exec(&txn)
        .await?;
    if result.rows_affected != 1 {
        drop(txn);
        return Err(conflict(db, id).await?);
    }
    let entry = write_history(&txn, actor, Some(&existing), &row).await?;
    let kind = if existing.status != row.status {
        "lead.status_changed"
    } else if entry.is_some() {
        "lead.moved"
    } else {
        "lead.updated"
    };
    let mut data = event_data(&row, Some(&existing));
    let closing = match row.status.as_str() {
        "won" => Some("lead_won"),
        "lost" => Some("lead_lost"),
        _ => None,
    };
    if let (Some(entry), Some(feed_kind)) = (entry, closing) {
        if existing.status != "won" && existing.status != "lost" {
            let item = super::activities::lead_item(entry, feed_kind, actor, &row, now_of(&row));
            data["feed"] = serde_json::to_value(item).unwrap_or_default();
        }
    }
    let event = events::record(&txn, kind, data).await?;
    txn.commit().await?;
    bus.publish([event]);
    get(db, actor, id).await
}

pub async fn delete(
    db: &DatabaseConnection,
    bus: &EventBus,
    actor: &Actor,
    id: i32,
) -> Result<(), AppError> {
    if !may_delete_or_reassign(actor.role) {
        return Err(AppError::Forbidden);
    }
    let _turn = bus.writer_turn().await;
    let txn = super::writing(db).await?;
    let existing = lead::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    lead_history::Entity::delete_many()
        .filter(lead_history::Column::LeadId.eq(id))
        .exec(&txn)
        .await?;
    // What was done on the prospect it came from stays with the prospect.
    super::prospecting::detach_lead(&txn, id).await?;
    super::entity::activity::Entity::delete_many()
        .filter(super::entity::activity::Column::LeadId.eq(id))
        .exec(&txn)
        .await?;
    lead::Entity::delete_by_id(id).exec(&txn).await?;
    let event =
        events::record(&txn, "lead.deleted", event_data(&existing, Some(&existing))).await?;
    txn.commit().await?;
    bus.publish([event]);
    Ok(())
}

pub(crate) async fn names(db: &impl ConnectionTrait) -> Result<HashMap<i32, String>, AppError> {
    Ok(user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::Name)
        .into_tuple::<(i32, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

async fn step_names(db: &impl ConnectionTrait) -> Result<HashMap<i32, String>, AppError> {
    Ok(step::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect())
}

pub async fn get(db: &impl ConnectionTrait, actor: &Actor, id: i32) -> Result<LeadView, AppError> {
    let model = lead::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let tz = viewer_tz(db, actor).await?;
    let owner_name = users::find(db, model.owner_id)
        .await?
        .map(|u| u.name)
        .unwrap_or_default();
    let pipeline_name = pipeline::Entity::find_by_id(model.pipeline_id)
        .one(db)
        .await?
        .map(|p| p.name)
        .unwrap_or_default();
    let step_name = step::Entity::find_by_id(model.step_id)
        .one(db)
        .await?
        .map(|s| s.name)
        .unwrap_or_default();
    Ok(lead_view(
        model,
        owner_name,
        pipeline_name,
        step_name,
        tz,
        actor,
    ))
}

/// A row as the API and the lead page show it, with the names looked up by the caller.
fn lead_view(
    model: lead::Model,
    owner_name: String,
    pipeline_name: String,
    step_name: String,
    tz: Tz,
    actor: &Actor,
) -> LeadView {
    LeadView {
        id: model.id,
        amount: decimal_string(model.amount_cents),
        currency: model.currency,
        probability: model.probability,
        can_edit: may_edit_lead(actor.role, actor.id, model.owner_id),
        owner_id: model.owner_id,
        owner_name,
        pipeline_id: model.pipeline_id,
        pipeline_name,
        step_id: model.step_id,
        step_name,
        status: LeadStatus::parse(&model.status).unwrap_or(LeadStatus::Active),
        next_action_local: local_input(model.next_action_at, tz),
        next_action_at: model.next_action_at,
        company: model.company,
        person: model.person,
        email: model.email,
        phone: model.phone,
        notes: model.notes,
        tags: tags_of(&model.tags),
        close_reason: model.close_reason,
        origin_list_id: model.origin_list_id,
        origin_prospect_id: model.origin_prospect_id,
        created_at: model.created_at,
        updated_at: model.updated_at,
        closed_at: model.closed_at,
        version: model.version,
        title: model.title,
    }
}

/// A lead's step moves and status changes, newest first.
pub async fn history(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i32,
) -> Result<Vec<HistoryView>, AppError> {
    history_window(db, actor, id, None).await
}

/// A page of a lead's history, newest first: `limit` entries after the first `offset`, and
/// how many entries there are in all.
pub async fn history_page(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i32,
    offset: u64,
    limit: u64,
) -> Result<(Vec<HistoryView>, u64), AppError> {
    let total = lead_history::Entity::find()
        .filter(lead_history::Column::LeadId.eq(id))
        .count(db)
        .await?;
    let page = history_window(db, actor, id, Some((offset, limit))).await?;
    Ok((page, total))
}

/// The history, newest first: whole, or the `(offset, limit)` window of it (SQLite takes an
/// OFFSET only with a LIMIT).
async fn history_window(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i32,
    window: Option<(u64, u64)>,
) -> Result<Vec<HistoryView>, AppError> {
    let tz = viewer_tz(db, actor).await?;
    let mut query = lead_history::Entity::find()
        .filter(lead_history::Column::LeadId.eq(id))
        .order_by_desc(lead_history::Column::At)
        .order_by_desc(lead_history::Column::Id);
    if let Some((offset, limit)) = window {
        query = query.offset(offset).limit(limit);
    }
    let rows = query.all(db).await?;
    let people = names(db).await?;
    let steps = step_names(db).await?;
    let step_name = |id: i32| {
        steps
            .get(&id)
            .cloned()
            .unwrap_or_else(|| "(deleted step)".into())
    };
    Ok(rows
        .into_iter()
        .map(|h| HistoryView {
            id: h.id,
            user_id: h.user_id,
            user_name: people.get(&h.user_id).cloned().unwrap_or_default(),
            owner_id: h.owner_id,
            from_step: h.from_step_id.map(step_name),
            from_step_id: h.from_step_id,
            to_step: step_name(h.to_step_id),
            to_step_id: h.to_step_id,
            from_status: h
                .from_status
                .as_deref()
                .and_then(|s| LeadStatus::parse(s).ok()),
            to_status: LeadStatus::parse(&h.to_status).unwrap_or(LeadStatus::Active),
            at_local: short_local(h.at, tz),
            at: h.at,
        })
        .collect())
}

/// Statuses named by a filter word: `open` (active and standby), `closed`, or one status.
fn statuses_for(word: &str) -> Result<Vec<&'static str>, String> {
    Ok(match word.trim() {
        "" | "open" => vec!["active", "standby"],
        "closed" => vec!["won", "lost", "cancelled"],
        other => vec![LeadStatus::parse(other)?.as_str()],
    })
}

/// Title or company containing `q`, ignoring case.
fn text_search(q: &str) -> Option<Condition> {
    let q = q.trim().to_lowercase();
    if q.is_empty() {
        return None;
    }
    let pattern = format!("%{}%", escape_like(&q));
    Some(
        Condition::any()
            .add(Expr::expr(Func::lower(Expr::col(lead::Column::Title))).like(pattern.clone()))
            .add(Expr::expr(Func::lower(Expr::col(lead::Column::Company))).like(pattern)),
    )
}

/// The leads the filter keeps, in one pipeline.
fn filtered(filter: &BoardFilter, actor: &Actor, pipeline_id: i32) -> Condition {
    let mut condition = Condition::all().add(lead::Column::PipelineId.eq(pipeline_id));
    match filter.owner.trim() {
        "" | "all" => {}
        "me" => condition = condition.add(lead::Column::OwnerId.eq(actor.id)),
        other => {
            if let Ok(id) = other.parse::<i32>() {
                condition = condition.add(lead::Column::OwnerId.eq(id));
            }
        }
    }
    let statuses = statuses_for(&filter.status).unwrap_or_else(|_| vec!["active", "standby"]);
    condition = condition.add(lead::Column::Status.is_in(statuses));
    let tag = filter.tag.trim().to_lowercase();
    if !tag.is_empty() && !tag.contains(',') {
        condition = condition.add(lead::Column::Tags.like(format!("%,{},%", escape_like(&tag))));
    }
    if let Some(search) = text_search(&filter.q) {
        condition = condition.add(search);
    }
    condition
}

fn escape_like(text: &str) -> String {
    text.replace(['%', '_'], "")
}

fn card(model: lead::Model, people: &HashMap<i32, String>, tz: Tz, now: DateTime<Utc>) -> LeadCard {
    LeadCard {
        id: model.id,
        amount: Amount::from_cents(model.amount_cents)
            .unwrap_or_default()
            .to_string(),
        owner_name: people.get(&model.owner_id).cloned().unwrap_or_default(),
        owner_id: model.owner_id,
        pipeline_id: model.pipeline_id,
        step_id: model.step_id,
        status: LeadStatus::parse(&model.status).unwrap_or(LeadStatus::Active),
        next_action: model.next_action_at.map(|at| short_local(at, tz)),
        overdue: model.next_action_at.is_some_and(|at| at < now),
        version: model.version,
        title: model.title,
        company: model.company,
    }
}

async fn page(
    db: &impl ConnectionTrait,
    condition: Condition,
    step_id: i32,
    offset: u64,
) -> Result<(Vec<lead::Model>, bool), AppError> {
    let mut rows = lead::Entity::find()
        .filter(condition)
        .filter(lead::Column::StepId.eq(step_id))
        // Leads without a planned next action first (they need one), then the soonest next
        // action: the order of the board index.
        .order_by_with_nulls(lead::Column::NextActionAt, Order::Asc, NullOrdering::First)
        .order_by_asc(lead::Column::Id)
        .offset(offset)
        .limit(PAGE + 1)
        .all(db)
        .await?;
    let has_more = rows.len() as u64 > PAGE;
    rows.truncate(PAGE as usize);
    Ok((rows, has_more))
}

/// The board of one pipeline: per step, the count and sum of all leads under the filter and
/// the first page of cards in next-action order.
pub async fn board(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &BoardFilter,
) -> Result<BoardView, AppError> {
    let pipelines = super::pipelines::list(db).await?;
    let pipeline_id = filter
        .pipeline
        .filter(|id| pipelines.iter().any(|p| p.id == *id))
        .or(pipelines.iter().find(|p| p.is_default).map(|p| p.id))
        .or(pipelines.first().map(|p| p.id));
    let ws = workspace::get(db).await?;
    let people = names(db).await?;
    let mut owners: Vec<(i32, String)> = user::Entity::find()
        .filter(user::Column::Active.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    owners.sort_by(|a, b| a.1.cmp(&b.1));
    let mut columns = Vec::new();
    if let Some(pipeline_id) = pipeline_id {
        let tz = viewer_tz(db, actor).await?;
        let now = Utc::now();
        let condition = filtered(filter, actor, pipeline_id);
        let totals: HashMap<i32, (i64, i64)> = lead::Entity::find()
            .select_only()
            .column(lead::Column::StepId)
            .column_as(lead::Column::Id.count(), "n")
            .column_as(
                Expr::from(Func::cast_as(
                    Func::sum(Expr::col(lead::Column::AmountCents)),
                    Alias::new("bigint"),
                )),
                "total",
            )
            .filter(condition.clone())
            .group_by(lead::Column::StepId)
            .into_tuple::<(i32, i64, Option<i64>)>()
            .all(db)
            .await?
            .into_iter()
            .map(|(step, n, total)| (step, (n, total.unwrap_or(0))))
            .collect();
        let steps: Vec<StepView> = pipelines
            .iter()
            .find(|p| p.id == pipeline_id)
            .map(|p| p.steps.clone())
            .unwrap_or_default();
        for step in steps {
            let (count, total) = totals.get(&step.id).copied().unwrap_or((0, 0));
            let (rows, has_more) = if count > 0 {
                page(db, condition.clone(), step.id, 0).await?
            } else {
                (Vec::new(), false)
            };
            columns.push(BoardColumn {
                cards: rows
                    .into_iter()
                    .map(|m| card(m, &people, tz, now))
                    .collect(),
                count: count as u64,
                sum: Amount::from_cents(total).unwrap_or_default().to_string(),
                has_more,
                step,
            });
        }
    }
    Ok(BoardView {
        pipelines,
        pipeline_id,
        columns,
        currency: ws.currency,
        me: actor.id,
        can_reassign: may_delete_or_reassign(actor.role),
        owners,
        goals: Vec::new(),
    })
}

/// The next page of one column.
pub async fn column_page(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &BoardFilter,
    step_id: i32,
    offset: u64,
) -> Result<(Vec<LeadCard>, bool), AppError> {
    let step = step::Entity::find_by_id(step_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let tz = viewer_tz(db, actor).await?;
    let people = names(db).await?;
    let (rows, has_more) = page(
        db,
        filtered(filter, actor, step.pipeline_id),
        step_id,
        offset,
    )
    .await?;
    let now = Utc::now();
    Ok((
        rows.into_iter()
            .map(|m| card(m, &people, tz, now))
            .collect(),
        has_more,
    ))
}

/// Filters of the lead list on the API.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub pipeline_id: Option<i32>,
    pub step_id: Option<i32>,
    pub owner_id: Option<i32>,
    pub status: Option<String>,
    pub q: Option<String>,
}

/// A page of leads and the total under the filter.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &ListFilter,
    limit: u64,
    offset: u64,
) -> Result<(Vec<LeadView>, u64), AppError> {
    use sea_orm::PaginatorTrait;
    let mut condition = Condition::all();
    if let Some(id) = filter.pipeline_id {
        condition = condition.add(lead::Column::PipelineId.eq(id));
    }
    if let Some(id) = filter.step_id {
        condition = condition.add(lead::Column::StepId.eq(id));
    }
    if let Some(id) = filter.owner_id {
        condition = condition.add(lead::Column::OwnerId.eq(id));
    }
    if let Some(status) = filter.status.as_deref().filter(|s| !s.trim().is_empty()) {
        let statuses = statuses_for(status).map_err(|m| AppError::field("status", m))?;
        condition = condition.add(lead::Column::Status.is_in(statuses));
    }
    if let Some(search) = filter.q.as_deref().and_then(text_search) {
        condition = condition.add(search);
    }
    let total = lead::Entity::find()
        .filter(condition.clone())
        .count(db)
        .await?;
    let rows = lead::Entity::find()
        .filter(condition)
        .order_by_asc(lead::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    let tz = viewer_tz(db, actor).await?;
    let people = names(db).await?;
    let pipelines: HashMap<i32, String> = pipeline::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let steps = step_names(db).await?;
    let items = rows
        .into_iter()
        .map(|model| {
            let owner = people.get(&model.owner_id).cloned().unwrap_or_default();
            let pipeline = pipelines
                .get(&model.pipeline_id)
                .cloned()
                .unwrap_or_default();
            let step = steps.get(&model.step_id).cloned().unwrap_or_default();
            lead_view(model, owner, pipeline, step, tz, actor)
        })
        .collect();
    Ok((items, total))
}
