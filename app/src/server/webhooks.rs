//! Webhooks: registering them; the outbox of deliveries, filled from the events table after
//! the changes committed (so nothing is lost when the server stops); and the queue operations
//! of the sender: take a webhook's queue, record a try, give up, prune.
//!
//! Every step takes the time as an argument (`now`): the background job passes the clock,
//! tests pass the instants they want.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde_json::{json, Value};

use super::entity::{lead, webhook, webhook_delivery};
use super::{events, Actor};
use crate::domain::webhook::{check_url, give_up_after, kept_for, parse_events, retry_delay};
use crate::error::{AppError, FieldErrors};
use crate::live::LiveEvent;
use crate::webhooks::api::{CreatedWebhook, WebhookDeliveryView, WebhookView};

/// What became of a delivery.
pub mod status {
    /// Waiting for its first try or its next one.
    pub const PENDING: &str = "pending";
    pub const DELIVERED: &str = "delivered";
    /// Given up after a day of failures.
    pub const FAILED: &str = "failed";
}

/// A change to a webhook; what is `None` stays as it is.
#[derive(Debug, Default, Clone)]
pub struct WebhookPatch {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub active: Option<bool>,
}

fn view(model: &webhook::Model) -> WebhookView {
    WebhookView {
        id: model.id,
        url: model.url.clone(),
        events: model
            .events
            .split_whitespace()
            .map(str::to_string)
            .collect(),
        active: model.active,
        created_at: model.created_at,
        failing_since: model.failing_since,
        disabled_at: model.disabled_at,
        disabled_reason: model.disabled_reason.clone(),
    }
}

fn delivery_view(model: webhook_delivery::Model) -> WebhookDeliveryView {
    WebhookDeliveryView {
        id: model.id,
        event_id: model.event_id,
        event_type: model.event_type,
        status: model.status,
        attempts: model.attempts,
        last_code: model.last_code,
        last_error: model.last_error,
        last_duration_ms: model.last_duration_ms,
        created_at: model.created_at,
        delivered_at: model.delivered_at,
        next_attempt_at: model.next_attempt_at,
    }
}

/// Checks a target and a choice of events, with a message next to each field that is wrong.
fn checked(url: &str, events: &[String], allow_http: bool) -> Result<Vec<String>, AppError> {
    let mut errors = FieldErrors::new();
    if let Err(message) = check_url(url, allow_http) {
        errors.insert("url".into(), message);
    }
    let events = parse_events(events).unwrap_or_else(|message| {
        errors.insert("events".into(), message);
        Vec::new()
    });
    if errors.is_empty() {
        Ok(events)
    } else {
        Err(AppError::Validation(errors))
    }
}

fn new_secret() -> String {
    use rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    format!("whsec_{}", super::tokens::hex(&bytes))
}

pub async fn find(db: &impl ConnectionTrait, id: i32) -> Result<webhook::Model, AppError> {
    webhook::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Registers a webhook; it receives the events that happen from now on.
pub async fn create(
    db: &impl ConnectionTrait,
    created_by: i32,
    url: &str,
    events: &[String],
    allow_http: bool,
    now: DateTime<Utc>,
) -> Result<CreatedWebhook, AppError> {
    let events = checked(url, events, allow_http)?;
    let secret = new_secret();
    let model = webhook::ActiveModel {
        url: Set(url.trim().to_string()),
        events: Set(events.join(" ")),
        active: Set(true),
        secret: Set(secret.clone()),
        created_by: Set(Some(created_by)),
        created_at: Set(now),
        updated_at: Set(now),
        cursor: Set(events::last_id(db).await?),
        lease_until: Set(None),
        failing_since: Set(None),
        disabled_at: Set(None),
        disabled_reason: Set(String::new()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(CreatedWebhook {
        webhook: view(&model),
        secret,
    })
}

pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<WebhookView>, AppError> {
    Ok(webhook::Entity::find()
        .order_by_asc(webhook::Column::Id)
        .all(db)
        .await?
        .iter()
        .map(view)
        .collect())
}

pub async fn get(db: &impl ConnectionTrait, id: i32) -> Result<WebhookView, AppError> {
    Ok(view(&find(db, id).await?))
}

/// Changes a webhook. Turning it on again (after it was disabled for failing) clears its
/// failure; the events it missed meanwhile are sent, nothing is skipped.
pub async fn update(
    db: &impl ConnectionTrait,
    id: i32,
    patch: WebhookPatch,
    allow_http: bool,
    now: DateTime<Utc>,
) -> Result<WebhookView, AppError> {
    let existing = find(db, id).await?;
    let url = patch.url.unwrap_or_else(|| existing.url.clone());
    let events = match patch.events {
        Some(events) => events,
        None => existing
            .events
            .split_whitespace()
            .map(str::to_string)
            .collect(),
    };
    let events = checked(&url, &events, allow_http)?;
    let mut model: webhook::ActiveModel = existing.clone().into();
    model.url = Set(url.trim().to_string());
    model.events = Set(events.join(" "));
    model.updated_at = Set(now);
    if let Some(active) = patch.active {
        model.active = Set(active);
        if active && !existing.active {
            model.failing_since = Set(None);
            model.disabled_at = Set(None);
            model.disabled_reason = Set(String::new());
        }
    }
    Ok(view(&model.update(db).await?))
}

pub async fn delete(db: &impl ConnectionTrait, id: i32) -> Result<(), AppError> {
    find(db, id).await?;
    webhook_delivery::Entity::delete_many()
        .filter(webhook_delivery::Column::WebhookId.eq(id))
        .exec(db)
        .await?;
    webhook::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// A webhook's deliveries, newest first, from before the delivery `before` when given.
pub async fn deliveries(
    db: &impl ConnectionTrait,
    webhook_id: i32,
    before: Option<i32>,
    limit: u64,
) -> Result<Vec<WebhookDeliveryView>, AppError> {
    let mut query =
        webhook_delivery::Entity::find().filter(webhook_delivery::Column::WebhookId.eq(webhook_id));
    if let Some(before) = before {
        query = query.filter(webhook_delivery::Column::Id.lt(before));
    }
    Ok(query
        .order_by_desc(webhook_delivery::Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(delivery_view)
        .collect())
}

/// How many deliveries a webhook has (kept for 30 days).
pub async fn delivery_count(db: &impl ConnectionTrait, webhook_id: i32) -> Result<u64, AppError> {
    Ok(webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::WebhookId.eq(webhook_id))
        .count(db)
        .await?)
}

/// Queues one delivery again, with its delivery id and body: it goes out next, before the
/// webhook's later ones.
pub async fn resend(
    db: &impl ConnectionTrait,
    webhook_id: i32,
    delivery_id: i32,
    now: DateTime<Utc>,
) -> Result<WebhookDeliveryView, AppError> {
    let delivery = webhook_delivery::Entity::find_by_id(delivery_id)
        .filter(webhook_delivery::Column::WebhookId.eq(webhook_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut model: webhook_delivery::ActiveModel = delivery.into();
    model.status = Set(status::PENDING.into());
    model.attempts = Set(0);
    model.next_attempt_at = Set(now);
    model.updated_at = Set(now);
    Ok(delivery_view(model.update(db).await?))
}

// ---- The outbox ----

/// The webhook event types one event of the events table stands for.
async fn types_of(
    db: &impl ConnectionTrait,
    event: &LiveEvent,
) -> Result<Vec<&'static str>, AppError> {
    let kind = crate::domain::webhook::EVENTS
        .iter()
        .map(|(k, _)| *k)
        .find(|k| *k == event.kind);
    let Some(kind) = kind else {
        return Ok(Vec::new());
    };
    let mut types = vec![kind];
    if kind == "lead.created" {
        let lead_id = event.data["lead_id"].as_i64().unwrap_or(0) as i32;
        let converted = lead::Entity::find_by_id(lead_id)
            .one(db)
            .await?
            .is_some_and(|l| l.origin_prospect_id.is_some());
        if converted {
            types.push("prospect.converted");
        }
    }
    Ok(types)
}

/// What the event knew of an object that is gone: its data with the object's `id`, without
/// what only the live pages use.
fn bare(data: &Value) -> Value {
    let mut data = data.clone();
    if let Some(map) = data.as_object_mut() {
        map.remove("feed");
        let id = map
            .get("activity_id")
            .or_else(|| map.get("lead_id"))
            .or_else(|| map.get("goal_id"))
            .cloned()
            .unwrap_or(Value::Null);
        map.insert("id".into(), id);
        map.insert("deleted".into(), Value::Bool(true));
    }
    data
}

/// The body of a delivery: the event's type, id and time, and the object as the API returns it
/// when the delivery is queued (a deleted object: what the event knew of it).
async fn body_of(
    db: &impl ConnectionTrait,
    actor: &Actor,
    event: &LiveEvent,
    kind: &str,
) -> Result<String, AppError> {
    let id_of = |key: &str| event.data[key].as_i64().unwrap_or(0) as i32;
    let found = |result: Result<Value, AppError>| match result {
        Err(AppError::NotFound) => Ok(bare(&event.data)),
        other => other,
    };
    let data = match kind {
        "lead.deleted" | "activity.deleted" => bare(&event.data),
        "activity.created" | "activity.updated" => found(
            super::activities::get(db, actor, id_of("activity_id"))
                .await
                .map(|a| serde_json::to_value(a).unwrap_or_default()),
        )?,
        "goal.met" => {
            let goal = found(
                super::goals::get(db, id_of("goal_id"))
                    .await
                    .map(|g| serde_json::to_value(g).unwrap_or_default()),
            )?;
            json!({
                "goal": goal,
                "period": event.data["period"],
                "value": event.data["value"],
                "target": event.data["target"],
            })
        }
        "prospect.converted" => {
            let lead = super::leads::get(db, actor, id_of("lead_id")).await?;
            json!({
                "prospect_id": lead.origin_prospect_id,
                "list_id": lead.origin_list_id,
                "lead": lead,
            })
        }
        _ => found(
            super::leads::get(db, actor, id_of("lead_id"))
                .await
                .map(|l| serde_json::to_value(l).unwrap_or_default()),
        )?,
    };
    Ok(json!({
        "id": event.id,
        "type": kind,
        "occurred_at": event.at,
        "data": data,
    })
    .to_string())
}

/// Who reads the objects the deliveries carry: an admin, in the workspace's time zone.
async fn reader(db: &impl ConnectionTrait) -> Result<Actor, AppError> {
    Ok(Actor {
        id: 0,
        role: crate::domain::Role::Admin,
        name: "Webhooks".into(),
        time_zone: super::workspace::get(db).await?.time_zone,
    })
}

/// The active webhooks, for the sender.
pub async fn active(db: &impl ConnectionTrait) -> Result<Vec<webhook::Model>, AppError> {
    Ok(webhook::Entity::find()
        .filter(webhook::Column::Active.eq(true))
        .order_by_asc(webhook::Column::Id)
        .all(db)
        .await?)
}

/// Turns up to `batch` events after the webhook's cursor into its deliveries, and moves the
/// cursor past them, in one transaction; the number of events read. Two senders doing this at
/// once queue each delivery once (the unique key) and move the cursor once.
pub async fn fill(
    db: &sea_orm::DatabaseConnection,
    hook: &webhook::Model,
    now: DateTime<Utc>,
    batch: u64,
) -> Result<usize, AppError> {
    let read = events::since(db, hook.cursor, batch).await?;
    let Some(last) = read.last().map(|e| e.id) else {
        return Ok(0);
    };
    let wanted: Vec<&str> = hook.events.split_whitespace().collect();
    let actor = reader(db).await?;
    let mut rows = Vec::new();
    for event in &read {
        for kind in types_of(db, event).await? {
            if !wanted.contains(&kind) {
                continue;
            }
            rows.push(webhook_delivery::ActiveModel {
                webhook_id: Set(hook.id),
                event_id: Set(event.id as i32),
                event_type: Set(kind.to_string()),
                body: Set(body_of(db, &actor, event, kind).await?),
                status: Set(status::PENDING.into()),
                attempts: Set(0),
                next_attempt_at: Set(now),
                last_code: Set(None),
                last_error: Set(String::new()),
                last_duration_ms: Set(None),
                created_at: Set(now),
                delivered_at: Set(None),
                updated_at: Set(now),
                ..Default::default()
            });
        }
    }
    let txn = db.begin().await?;
    if !rows.is_empty() {
        webhook_delivery::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([
                    webhook_delivery::Column::WebhookId,
                    webhook_delivery::Column::EventId,
                    webhook_delivery::Column::EventType,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
    }
    webhook::Entity::update_many()
        .col_expr(webhook::Column::Cursor, Expr::value(last))
        .filter(webhook::Column::Id.eq(hook.id))
        .filter(webhook::Column::Cursor.lt(last))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(read.len())
}

/// Takes the sending of a webhook's queue until `now + lease` (one sender at a time, across
/// processes and nodes); the webhook as it is now, or `None` when another sender holds it.
pub async fn take(
    db: &impl ConnectionTrait,
    id: i32,
    now: DateTime<Utc>,
    lease: Duration,
) -> Result<Option<webhook::Model>, AppError> {
    let taken = webhook::Entity::update_many()
        .col_expr(webhook::Column::LeaseUntil, Expr::value(Some(now + lease)))
        .filter(webhook::Column::Id.eq(id))
        .filter(webhook::Column::Active.eq(true))
        .filter(
            Condition::any()
                .add(webhook::Column::LeaseUntil.is_null())
                .add(webhook::Column::LeaseUntil.lt(now)),
        )
        .exec(db)
        .await?;
    if taken.rows_affected != 1 {
        return Ok(None);
    }
    Ok(webhook::Entity::find_by_id(id).one(db).await?)
}

/// Gives a taken queue back.
pub async fn release(db: &impl ConnectionTrait, id: i32) -> Result<(), AppError> {
    webhook::Entity::update_many()
        .col_expr(
            webhook::Column::LeaseUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(webhook::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// The webhook's oldest waiting delivery: the next to send, in order. The later ones wait
/// behind it while it is retried.
pub async fn head(
    db: &impl ConnectionTrait,
    webhook_id: i32,
) -> Result<Option<webhook_delivery::Model>, AppError> {
    Ok(webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::WebhookId.eq(webhook_id))
        .filter(webhook_delivery::Column::Status.eq(status::PENDING))
        .order_by_asc(webhook_delivery::Column::Id)
        .one(db)
        .await?)
}

/// How one try went: the receiver's status (none when it could not be reached), why it failed
/// (empty on success), and how long it took.
#[derive(Debug, Clone)]
pub struct Try {
    pub code: Option<u16>,
    pub error: String,
    pub duration_ms: i32,
}

impl Try {
    pub fn succeeded(&self) -> bool {
        self.error.is_empty() && self.code.is_some_and(|c| (200..300).contains(&c))
    }
}

/// Records a try of `delivery`. A failure is tried again after a growing wait; once the
/// webhook has failed for a day the delivery is given up and the webhook disabled (`true`).
pub async fn record(
    db: &impl ConnectionTrait,
    hook: &webhook::Model,
    delivery: &webhook_delivery::Model,
    outcome: &Try,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let attempts = delivery.attempts + 1;
    let mut model: webhook_delivery::ActiveModel = delivery.clone().into();
    model.attempts = Set(attempts);
    model.last_code = Set(outcome.code.map(i32::from));
    model.last_duration_ms = Set(Some(outcome.duration_ms));
    model.updated_at = Set(now);
    let mut hook_model: webhook::ActiveModel = hook.clone().into();
    let mut disabled = false;
    if outcome.succeeded() {
        model.status = Set(status::DELIVERED.into());
        model.delivered_at = Set(Some(now));
        model.last_error = Set(String::new());
        hook_model.failing_since = Set(None);
    } else {
        let since = hook.failing_since.unwrap_or(now);
        hook_model.failing_since = Set(Some(since));
        model.last_error = Set(outcome.error.clone());
        if now - since >= give_up_after() {
            model.status = Set(status::FAILED.into());
            hook_model.active = Set(false);
            hook_model.disabled_at = Set(Some(now));
            hook_model.disabled_reason = Set(format!(
                "Turned off after failing since {}: {}",
                since.format("%Y-%m-%d %H:%M UTC"),
                outcome.error
            ));
            disabled = true;
        } else {
            model.next_attempt_at = Set(now + retry_delay(attempts as u32));
        }
    }
    model.update(db).await?;
    // The lease stays as it is: the sender holds the queue until it releases it.
    hook_model.lease_until = sea_orm::ActiveValue::NotSet;
    hook_model.update(db).await?;
    Ok(disabled)
}

/// Deletes the deliveries older than 30 days that are no longer waiting.
pub async fn prune(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, AppError> {
    Ok(webhook_delivery::Entity::delete_many()
        .filter(webhook_delivery::Column::CreatedAt.lt(now - kept_for()))
        .filter(webhook_delivery::Column::Status.ne(status::PENDING))
        .exec(db)
        .await?
        .rows_affected)
}

// ---- Telling the admins ----

/// The email telling the admins that a webhook was turned off, and to whom it goes (every
/// active admin: name and address).
pub async fn disabled_notice(
    db: &impl ConnectionTrait,
    hook_id: i32,
) -> Result<(Vec<(String, String)>, super::digest_mail::Rendered), AppError> {
    use super::digest_mail::esc;
    let hook = find(db, hook_id).await?;
    let workspace = super::workspace::get(db).await?;
    let base = super::digest::settings(db).await?.public_url;
    let page = format!("{}/admin/webhooks", base.trim_end_matches('/'));
    let admins = super::entity::user::Entity::find()
        .filter(super::entity::user::Column::Role.eq(crate::domain::Role::Admin.as_str()))
        .filter(super::entity::user::Column::Active.eq(true))
        .order_by_asc(super::entity::user::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.name, u.email))
        .collect();
    let subject = format!("{} · a webhook was turned off", workspace.name);
    let text = format!(
        "The webhook to {url} failed for a day and was turned off; nothing is sent to it now.\n\n\
         {reason}\n\n\
         Its deliveries, with each answer, are on {page}. Once the receiver works again, turn \
         the webhook back on there: the events it missed meanwhile are sent, in order.\n",
        url = hook.url,
        reason = hook.disabled_reason,
    );
    let html = format!(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;color:#111827\">\
         <p>The webhook to <strong>{url}</strong> failed for a day and was turned off; nothing \
         is sent to it now.</p><p style=\"color:#b91c1c\">{reason}</p>\
         <p>Its deliveries, with each answer, are on <a href=\"{page_attr}\">the webhooks \
         page</a>. Once the receiver works again, turn the webhook back on there: the events it \
         missed meanwhile are sent, in order.</p></body></html>",
        url = esc(&hook.url),
        reason = esc(&hook.disabled_reason),
        page_attr = esc(&page),
    );
    Ok((
        admins,
        super::digest_mail::Rendered {
            subject,
            text,
            html,
        },
    ))
}
