//! Activity types, outcomes and activities: validation, logging (the hottest write of the
//! product), edits within the rules, timelines, one's own list and the team feed.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::DatabaseConnection;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::json;

use super::entity::{activity, activity_type, lead, lead_history, outcome, user};
use super::events::{self, EventBus};
use super::leads::{local_input, parse_local, short_local, tz_of};
use super::Actor;
use crate::activities::api::{
    ActivityForm, ActivityPage, ActivityTypeView, ActivityView, FeedFilter, FeedItem, FeedPage,
    OutcomeView, PAGE,
};
use crate::domain::activity::{
    check_occurred_at, may_change_activity, may_log_for, parse_colour, parse_icon, parse_name,
    parse_note,
};
use crate::domain::lead::may_edit_lead;
use crate::domain::money::Amount;
use crate::error::{AppError, Check};

const TYPES_CHANGED: &str = "activity_types.changed";
/// Characters of a note the live feed carries.
const FEED_NOTE: usize = 200;

#[derive(Debug, Clone, Default)]
pub struct TypePatch {
    pub name: Option<String>,
    pub colour: Option<String>,
    pub icon: Option<String>,
    pub active: Option<bool>,
    pub position: Option<i32>,
}

#[derive(Debug, Clone, Default)]
pub struct OutcomePatch {
    pub name: Option<String>,
    pub colour: Option<String>,
    pub active: Option<bool>,
    pub position: Option<i32>,
}

/// An activity to log. `user_id` defaults to the actor, `occurred_at` to now.
#[derive(Debug, Clone, Default)]
pub struct NewActivity {
    pub type_id: Option<i32>,
    pub outcome_id: Option<i32>,
    pub lead_id: Option<i32>,
    /// Instead of a lead: a prospect of a prospecting list.
    pub prospect_id: Option<i32>,
    pub user_id: Option<i32>,
    pub note: String,
    pub occurred_at: Option<DateTime<Utc>>,
    /// Also sets the lead's next action.
    pub next_action_at: Option<DateTime<Utc>>,
}

/// Changes to an activity; absent fields keep their value.
#[derive(Debug, Clone, Default)]
pub struct ActivityPatch {
    pub type_id: Option<i32>,
    pub outcome_id: Option<Option<i32>>,
    pub note: Option<String>,
    pub occurred_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default)]
pub struct ActivityFilter {
    pub user_id: Option<i32>,
    pub type_id: Option<i32>,
    pub outcome_id: Option<i32>,
    pub lead_id: Option<i32>,
    pub prospect_id: Option<i32>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

// ---------------------------------------------------------------------------------------
// Types and outcomes

/// Every type and outcome, for building views.
#[derive(Debug)]
pub struct Catalog {
    types: HashMap<i32, activity_type::Model>,
    outcomes: HashMap<i32, outcome::Model>,
}

async fn catalog(db: &impl ConnectionTrait) -> Result<Catalog, AppError> {
    Ok(Catalog {
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
    })
}

/// The catalog this server keeps between changes of types and outcomes: logging an activity
/// (the hottest write) then reads no type or outcome rows. A change of types publishes
/// `activity_types.changed`, which empties it.
#[derive(Debug, Default)]
pub struct CatalogCache {
    /// (generation, catalog): a catalog read before a change is not kept after it.
    slot: std::sync::Mutex<(u64, Option<std::sync::Arc<Catalog>>)>,
}

impl CatalogCache {
    pub fn invalidate(&self) {
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        slot.0 += 1;
        slot.1 = None;
    }
}

async fn cached_catalog(
    db: &impl ConnectionTrait,
    bus: &EventBus,
) -> Result<std::sync::Arc<Catalog>, AppError> {
    let generation = {
        let slot = bus.catalog.slot.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(catalog) = &slot.1 {
            return Ok(catalog.clone());
        }
        slot.0
    };
    let fresh = std::sync::Arc::new(catalog(db).await?);
    let mut slot = bus.catalog.slot.lock().unwrap_or_else(|e| e.into_inner());
    if slot.0 == generation {
        slot.1 = Some(fresh.clone());
    }
    Ok(fresh)
}

async fn type_used(db: &impl ConnectionTrait, id: i32) -> Result<bool, AppError> {
    Ok(activity::Entity::find()
        .select_only()
        .column(activity::Column::Id)
        .filter(activity::Column::TypeId.eq(id))
        .limit(1)
        .into_tuple::<i32>()
        .one(db)
        .await?
        .is_some())
}

async fn outcome_used(db: &impl ConnectionTrait, id: i32) -> Result<bool, AppError> {
    Ok(activity::Entity::find()
        .select_only()
        .column(activity::Column::Id)
        .filter(activity::Column::OutcomeId.eq(id))
        .limit(1)
        .into_tuple::<i32>()
        .one(db)
        .await?
        .is_some())
}

fn outcome_view(model: &outcome::Model, used: bool) -> OutcomeView {
    OutcomeView {
        id: model.id,
        type_id: model.type_id,
        name: model.name.clone(),
        colour: model.colour.clone(),
        position: model.position,
        active: model.active,
        used,
    }
}

/// Every activity type with its outcomes, in order (inactive ones too).
pub async fn types(db: &impl ConnectionTrait) -> Result<Vec<ActivityTypeView>, AppError> {
    let types = activity_type::Entity::find()
        .order_by_asc(activity_type::Column::Position)
        .order_by_asc(activity_type::Column::Id)
        .all(db)
        .await?;
    let outcomes = outcome::Entity::find()
        .order_by_asc(outcome::Column::Position)
        .order_by_asc(outcome::Column::Id)
        .all(db)
        .await?;
    let mut views = Vec::with_capacity(types.len());
    for t in types {
        let mut list = Vec::new();
        for o in outcomes.iter().filter(|o| o.type_id == t.id) {
            list.push(outcome_view(o, outcome_used(db, o.id).await?));
        }
        views.push(ActivityTypeView {
            used: type_used(db, t.id).await?,
            id: t.id,
            name: t.name,
            colour: t.colour,
            icon: t.icon,
            position: t.position,
            active: t.active,
            outcomes: list,
        });
    }
    Ok(views)
}

pub async fn get_type(db: &impl ConnectionTrait, id: i32) -> Result<ActivityTypeView, AppError> {
    types(db)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or(AppError::NotFound)
}

/// Renumbers `ids` 0..n after putting `moving` at `position` (clamped).
fn reordered(mut ids: Vec<i32>, moving: i32, position: i32) -> Vec<i32> {
    ids.retain(|id| *id != moving);
    let at = (Ord::max(position, 0) as usize).min(ids.len());
    ids.insert(at, moving);
    ids
}

async fn check_type_name(
    db: &impl ConnectionTrait,
    check: &mut Check,
    name: &str,
    except: Option<i32>,
) -> Result<(), AppError> {
    let mut query = activity_type::Entity::find().filter(
        Expr::expr(Func::lower(Expr::col(activity_type::Column::Name))).eq(name.to_lowercase()),
    );
    if let Some(id) = except {
        query = query.filter(activity_type::Column::Id.ne(id));
    }
    if query.one(db).await?.is_some() {
        check.fail("name", "An activity type with this name already exists.");
    }
    Ok(())
}

pub async fn create_type(
    db: &DatabaseConnection,
    bus: &EventBus,
    patch: TypePatch,
) -> Result<ActivityTypeView, AppError> {
    let mut check = Check::new();
    let name = check.take("name", parse_name(patch.name.as_deref().unwrap_or("")));
    let colour = check.take(
        "colour",
        parse_colour(patch.colour.as_deref().unwrap_or("#2563eb")),
    );
    let icon = check.take("icon", parse_icon(patch.icon.as_deref().unwrap_or("check")));
    let _turn = bus.writer_turn().await;
    let txn = super::writing(db).await?;
    if let Some(name) = &name {
        check_type_name(&txn, &mut check, name, None).await?;
    }
    check.finish()?;
    let count = activity_type::Entity::find().all(&txn).await?.len() as i32;
    let created = activity_type::ActiveModel {
        name: Set(name.unwrap_or_default()),
        colour: Set(colour.unwrap_or_default()),
        icon: Set(icon.unwrap_or_default()),
        position: Set(count),
        active: Set(patch.active.unwrap_or(true)),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let event = events::record(&txn, TYPES_CHANGED, json!({ "type_id": created.id })).await?;
    txn.commit().await?;
    bus.publish([event]);
    get_type(db, created.id).await
}

pub async fn update_type(
    db: &DatabaseConnection,
    bus: &EventBus,
    id: i32,
    patch: TypePatch,
) -> Result<ActivityTypeView, AppError> {
    let mut check = Check::new();
    let name = patch
        .name
        .as_deref()
        .and_then(|n| check.take("name", parse_name(n)));
    let colour = patch
        .colour
        .as_deref()
        .and_then(|c| check.take("colour", parse_colour(c)));
    let icon = patch
        .icon
        .as_deref()
        .and_then(|i| check.take("icon", parse_icon(i)));
    let _turn = bus.writer_turn().await;
    let txn = super::writing(db).await?;
    let existing = activity_type::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(name) = &name {
        check_type_name(&txn, &mut check, name, Some(id)).await?;
    }
    check.finish()?;
    let mut model: activity_type::ActiveModel = existing.into();
    if let Some(name) = name {
        model.name = Set(name);
    }
    if let Some(colour) = colour {
        model.colour = Set(colour);
    }
    if let Some(icon) = icon {
        model.icon = Set(icon);
    }
    if let Some(active) = patch.active {
        model.active = Set(active);
    }
    model.update(&txn).await?;
    if let Some(position) = patch.position {
        let ids: Vec<i32> = activity_type::Entity::find()
            .order_by_asc(activity_type::Column::Position)
            .order_by_asc(activity_type::Column::Id)
            .all(&txn)
            .await?
            .into_iter()
            .map(|t| t.id)
            .collect();
        for (i, tid) in reordered(ids, id, position).into_iter().enumerate() {
            activity_type::Entity::update_many()
                .col_expr(activity_type::Column::Position, Expr::value(i as i32))
                .filter(activity_type::Column::Id.eq(tid))
                .exec(&txn)
                .await?;
        }
    }
    let event = events::record(&txn, TYPES_CHANGED, json!({ "type_id": id })).await?;
    txn.commit().await?;
    bus.publish([event]);
    get_type(db, id).await
}

/// Deletes a type that was never used, with its outcomes; a used one can only be deactivated.
pub async fn delete_type(db: &DatabaseConnection, bus: &EventBus, id: i32) -> Result<(), AppError> {
    let _turn = bus.writer_turn().await;
    let txn = super::writing(db).await?;
    activity_type::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if type_used(&txn, id).await? {
        return Err(AppError::Conflict(
            "Activities of this type were logged: deactivate it instead (its history stays)."
                .into(),
        ));
    }
    outcome::Entity::delete_many()
        .filter(outcome::Column::TypeId.eq(id))
        .exec(&txn)
        .await?;
    activity_type::Entity::delete_by_id(id).exec(&txn).await?;
    let event = events::record(&txn, TYPES_CHANGED, json!({ "type_id": id })).await?;
    txn.commit().await?;
    bus.publish([event]);
    Ok(())
}

async fn check_outcome_name(
    db: &impl ConnectionTrait,
    check: &mut Check,
    type_id: i32,
    name: &str,
    except: Option<i32>,
) -> Result<(), AppError> {
    let mut query = outcome::Entity::find()
        .filter(outcome::Column::TypeId.eq(type_id))
        .filter(Expr::expr(Func::lower(Expr::col(outcome::Column::Name))).eq(name.to_lowercase()));
    if let Some(id) = except {
        query = query.filter(outcome::Column::Id.ne(id));
    }
    if query.one(db).await?.is_some() {
        check.fail("name", "This type already has an outcome with this name.");
    }
    Ok(())
}

pub async fn get_outcome(db: &impl ConnectionTrait, id: i32) -> Result<OutcomeView, AppError> {
    let model = outcome::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(outcome_view(&model, outcome_used(db, id).await?))
}

pub async fn create_outcome(
    db: &DatabaseConnection,
    bus: &EventBus,
    type_id: i32,
    patch: OutcomePatch,
) -> Result<OutcomeView, AppError> {
    let mut check = Check::new();
    let name = check.take("name", parse_name(patch.name.as_deref().unwrap_or("")));
    let colour = check.take(
        "colour",
        parse_colour(patch.colour.as_deref().unwrap_or("#16a34a")),
    );
    let _turn = bus.writer_turn().await;
    let txn = super::writing(db).await?;
    activity_type::Entity::find_by_id(type_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(name) = &name {
        check_outcome_name(&txn, &mut check, type_id, name, None).await?;
    }
    check.finish()?;
    let count = outcome::Entity::find()
        .filter(outcome::Column::TypeId.eq(type_id))
        .all(&txn)
        .await?
        .len() as i32;
    let created = outcome::ActiveModel {
        type_id: Set(type_id),
        name: Set(name.unwrap_or_default()),
        colour: Set(colour.unwrap_or_default()),
        position: Set(count),
        active: Set(patch.active.unwrap_or(true)),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let event = events::record(&txn, TYPES_CHANGED, json!({ "type_id": type_id })).await?;
    txn.commit().await?;
    bus.publish([event]);
    Ok(outcome_view(&created, false))
}

pub async fn update_outcome(
    db: &DatabaseConnection,
    bus: &EventBus,
    id: i32,
    patch: OutcomePatch,
) -> Result<OutcomeView, AppError> {
    let mut check = Check::new();
    let name = patch
        .name
        .as_deref()
        .and_then(|n| check.take("name", parse_name(n)));
    let colour = patch
        .colour
        .as_deref()
        .and_then(|c| check.take("colour", parse_colour(c)));
    let _turn = bus.writer_turn().await;
    let txn = super::writing(db).await?;
    let existing = outcome::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let type_id = existing.type_id;
    if let Some(name) = &name {
        check_outcome_name(&txn, &mut check, type_id, name, Some(id)).await?;
    }
    check.finish()?;
    let mut model: outcome::ActiveModel = existing.into();
    if let Some(name) = name {
        model.name = Set(name);
    }
    if let Some(colour) = colour {
        model.colour = Set(colour);
    }
    if let Some(active) = patch.active {
        model.active = Set(active);
    }
    model.update(&txn).await?;
    if let Some(position) = patch.position {
        let ids: Vec<i32> = outcome::Entity::find()
            .filter(outcome::Column::TypeId.eq(type_id))
            .order_by_asc(outcome::Column::Position)
            .order_by_asc(outcome::Column::Id)
            .all(&txn)
            .await?
            .into_iter()
            .map(|o| o.id)
            .collect();
        for (i, oid) in reordered(ids, id, position).into_iter().enumerate() {
            outcome::Entity::update_many()
                .col_expr(outcome::Column::Position, Expr::value(i as i32))
                .filter(outcome::Column::Id.eq(oid))
                .exec(&txn)
                .await?;
        }
    }
    let event = events::record(&txn, TYPES_CHANGED, json!({ "type_id": type_id })).await?;
    txn.commit().await?;
    bus.publish([event]);
    get_outcome(db, id).await
}

pub async fn delete_outcome(
    db: &DatabaseConnection,
    bus: &EventBus,
    id: i32,
) -> Result<(), AppError> {
    let _turn = bus.writer_turn().await;
    let txn = super::writing(db).await?;
    let existing = outcome::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if outcome_used(&txn, id).await? {
        return Err(AppError::Conflict(
            "Activities with this outcome were logged: deactivate it instead (its history stays)."
                .into(),
        ));
    }
    outcome::Entity::delete_by_id(id).exec(&txn).await?;
    let event = events::record(&txn, TYPES_CHANGED, json!({ "type_id": existing.type_id })).await?;
    txn.commit().await?;
    bus.publish([event]);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Activities

fn parse_id(check: &mut Check, field: &str, text: &str, message: &str) -> Option<i32> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match text.parse() {
        Ok(id) => Some(id),
        Err(_) => {
            check.fail(field, message);
            None
        }
    }
}

fn parse_time(check: &mut Check, field: &str, text: &str, tz: Tz) -> Option<DateTime<Utc>> {
    if text.trim().is_empty() {
        return None;
    }
    check.take(field, parse_local(text, tz))
}

/// Reads the logging form (text, times in the user's zone).
pub fn form_to_new(actor: &Actor, form: ActivityForm) -> Result<NewActivity, AppError> {
    let tz = tz_of(&actor.time_zone);
    let mut check = Check::new();
    let type_id = parse_id(
        &mut check,
        "type_id",
        &form.type_id,
        "Choose an activity type.",
    );
    if form.type_id.trim().is_empty() {
        check.fail("type_id", "Choose an activity type.");
    }
    let new = NewActivity {
        type_id,
        outcome_id: parse_id(
            &mut check,
            "outcome_id",
            &form.outcome_id,
            "Choose an outcome.",
        ),
        lead_id: parse_id(&mut check, "lead_id", &form.lead_id, "Choose a lead."),
        prospect_id: parse_id(
            &mut check,
            "prospect_id",
            &form.prospect_id,
            "Choose a prospect.",
        ),
        user_id: None,
        note: form.note,
        occurred_at: parse_time(&mut check, "occurred_at", &form.occurred, tz),
        next_action_at: parse_time(&mut check, "next_action", &form.next_action, tz),
    };
    check.finish()?;
    Ok(new)
}

/// Reads the edit form: every field is set (an empty outcome clears it).
pub fn form_to_patch(actor: &Actor, form: ActivityForm) -> Result<ActivityPatch, AppError> {
    let tz = tz_of(&actor.time_zone);
    let mut check = Check::new();
    let patch = ActivityPatch {
        type_id: parse_id(
            &mut check,
            "type_id",
            &form.type_id,
            "Choose an activity type.",
        ),
        outcome_id: Some(parse_id(
            &mut check,
            "outcome_id",
            &form.outcome_id,
            "Choose an outcome.",
        )),
        note: Some(form.note),
        occurred_at: parse_time(&mut check, "occurred_at", &form.occurred, tz),
    };
    check.finish()?;
    Ok(patch)
}

/// The outcome to store for `type_id`: it must be one of that type's, and active unless it is
/// the one the activity already had.
fn checked_outcome(
    check: &mut Check,
    catalog: &Catalog,
    type_id: i32,
    outcome_id: Option<i32>,
    kept: Option<i32>,
) -> Option<i32> {
    let id = outcome_id?;
    match catalog.outcomes.get(&id) {
        Some(o) if o.type_id != type_id => {
            check.fail(
                "outcome_id",
                "This outcome belongs to another activity type.",
            );
            None
        }
        Some(o) if !o.active && Some(id) != kept => {
            check.fail(
                "outcome_id",
                "This outcome is no longer in use: choose another.",
            );
            None
        }
        Some(_) => Some(id),
        None => {
            check.fail("outcome_id", "This outcome does not exist.");
            None
        }
    }
}

fn checked_type(check: &mut Check, catalog: &Catalog, type_id: i32, kept: Option<i32>) {
    match catalog.types.get(&type_id) {
        Some(t) if !t.active && Some(type_id) != kept => check.fail(
            "type_id",
            "This activity type is no longer in use: choose another.",
        ),
        Some(_) => {}
        None => check.fail("type_id", "This activity type does not exist."),
    }
}

struct Person {
    name: String,
    segment_id: Option<i32>,
}

async fn people(db: &impl ConnectionTrait) -> Result<HashMap<i32, Person>, AppError> {
    Ok(user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::Name)
        .column(user::Column::SegmentId)
        .into_tuple::<(i32, String, Option<i32>)>()
        .all(db)
        .await?
        .into_iter()
        .map(|(id, name, segment_id)| (id, Person { name, segment_id }))
        .collect())
}

async fn lead_titles(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i32>,
) -> Result<HashMap<i32, lead::Model>, AppError> {
    let ids: HashSet<i32> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(lead::Entity::find()
        .filter(lead::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect())
}

/// What each activity is about, by activity id: its lead's title, else its prospect's label.
async fn titles(
    db: &impl ConnectionTrait,
    rows: &[activity::Model],
) -> Result<HashMap<i32, String>, AppError> {
    let leads = lead_titles(db, rows.iter().filter_map(|a| a.lead_id)).await?;
    let prospects = super::prospecting::labels(
        db,
        rows.iter()
            .filter(|a| a.lead_id.is_none())
            .filter_map(|a| a.prospect_id),
    )
    .await?;
    Ok(rows
        .iter()
        .map(|a| {
            let title = match (a.lead_id, a.prospect_id) {
                (Some(lead), _) => leads.get(&lead).map(|l| l.title.clone()),
                (None, Some(p)) => prospects.get(&p).cloned(),
                _ => None,
            };
            (a.id, title.unwrap_or_default())
        })
        .collect())
}

/// What a new activity is about: a lead the actor may work, or a prospect (once converted,
/// its lead); with the title it shows under.
type Subject = (Option<lead::Model>, Option<i32>, String);

async fn subject(
    db: &impl ConnectionTrait,
    actor: &Actor,
    check: &mut Check,
    lead_id: Option<i32>,
    prospect_id: Option<i32>,
) -> Result<Option<Subject>, AppError> {
    let lead_id = match (lead_id, prospect_id) {
        (Some(_), Some(_)) => {
            check.fail("lead_id", "Log on a lead or on a prospect, not both.");
            return Ok(None);
        }
        (None, None) => {
            check.fail("lead_id", "Choose the lead this activity was about.");
            return Ok(None);
        }
        (None, Some(id)) => {
            match super::prospecting::workable(db, actor, id).await {
                Ok((row, _)) if row.lead_id.is_none() => {
                    let label = super::prospecting::label(db, &row).await?;
                    return Ok(Some((None, Some(id), label)));
                }
                // Converted: the work goes on the lead now.
                Ok((row, _)) => row.lead_id,
                Err(AppError::Forbidden) => {
                    check.fail(
                        "prospect_id",
                        "This prospect is assigned to someone else: ask a manager.",
                    );
                    return Ok(None);
                }
                Err(AppError::NotFound) => {
                    check.fail("prospect_id", "This prospect does not exist.");
                    return Ok(None);
                }
                Err(other) => return Err(other),
            }
        }
        (Some(id), None) => Some(id),
    };
    let Some(id) = lead_id else { return Ok(None) };
    Ok(match lead::Entity::find_by_id(id).one(db).await? {
        Some(l) if may_edit_lead(actor.role, actor.id, l.owner_id) => {
            let title = l.title.clone();
            Some((Some(l), None, title))
        }
        Some(_) => {
            check.fail(
                "lead_id",
                "You can log activities on your own leads only: ask the owner or a manager.",
            );
            None
        }
        None => {
            check.fail(
                "lead_id",
                "This lead does not exist (it may have been deleted).",
            );
            None
        }
    })
}

/// How an activity looks to `viewer` (`None`: to everyone, as the live feed sends it).
fn view_of(
    model: activity::Model,
    catalog: &Catalog,
    user_name: String,
    lead_title: String,
    viewer: Option<(&Actor, Tz)>,
    now: DateTime<Utc>,
) -> ActivityView {
    let kind = catalog.types.get(&model.type_id);
    let outcome = model.outcome_id.and_then(|id| catalog.outcomes.get(&id));
    let (occurred_local, day, occurred_input, can_edit) = match viewer {
        Some((actor, tz)) => (
            short_local(model.occurred_at, tz),
            model
                .occurred_at
                .with_timezone(&tz)
                .format("%A, %B %-d, %Y")
                .to_string(),
            local_input(Some(model.occurred_at), tz),
            may_change_activity(actor.role, actor.id, model.user_id, model.created_at, now),
        ),
        None => Default::default(),
    };
    ActivityView {
        id: model.id,
        type_id: model.type_id,
        type_name: kind.map(|t| t.name.clone()).unwrap_or_default(),
        colour: kind.map(|t| t.colour.clone()).unwrap_or_default(),
        icon: kind.map(|t| t.icon.clone()).unwrap_or_default(),
        outcome_id: model.outcome_id,
        outcome_name: outcome.map(|o| o.name.clone()),
        outcome_colour: outcome.map(|o| o.colour.clone()),
        user_id: model.user_id,
        user_name,
        lead_id: model.lead_id,
        lead_title,
        prospect_id: model.prospect_id,
        note: model.note,
        occurred_at: model.occurred_at,
        occurred_local,
        day,
        occurred_input,
        created_at: model.created_at,
        updated_at: model.updated_at,
        can_edit,
    }
}

fn activity_cursor(view: &ActivityView) -> String {
    format!("{}.1.{}", view.created_at.timestamp_micros(), view.id)
}

/// The feed item of an activity, as the live feed sends it to everyone.
fn activity_item(view: ActivityView) -> FeedItem {
    FeedItem {
        key: format!("a{}", view.id),
        kind: "activity".into(),
        user_id: view.user_id,
        user_name: view.user_name.clone(),
        lead_id: view.lead_id,
        lead_title: view.lead_title.clone(),
        amount: None,
        at: view.occurred_at,
        at_local: view.occurred_local.clone(),
        cursor: activity_cursor(&view),
        activity: Some(view),
    }
}

/// The event of a created or changed activity. Its feed item is the same for every viewer (no
/// local times, no edit rights) and carries the start of the note only, as the feed shows it.
fn activity_event(view: &ActivityView, mut catalog_free: ActivityView) -> serde_json::Value {
    if catalog_free.note.chars().count() > FEED_NOTE {
        catalog_free.note = catalog_free.note.chars().take(FEED_NOTE).collect();
    }
    json!({
        "activity_id": view.id,
        "lead_id": view.lead_id,
        "user_id": view.user_id,
        "type_id": view.type_id,
        "outcome_id": view.outcome_id,
        "feed": activity_item(catalog_free),
    })
}

/// Logs an activity (and the lead's next action, when given) with its event, in one
/// transaction. The checks read before the write turn, so that writers hold it briefly.
pub async fn log(
    db: &DatabaseConnection,
    bus: &EventBus,
    actor: &Actor,
    new: NewActivity,
) -> Result<ActivityView, AppError> {
    let now = Utc::now();
    let mut check = Check::new();
    let catalog = cached_catalog(db, bus).await?;
    let user_id = new.user_id.unwrap_or(actor.id);
    let mut user_name = actor.name.clone();
    if user_id != actor.id {
        if !may_log_for(actor.role, actor.id, user_id) {
            check.fail("user_id", "Members log activities for themselves only.");
        } else {
            match user::Entity::find_by_id(user_id).one(db).await? {
                Some(u) if u.active => user_name = u.name,
                _ => check.fail("user_id", "Choose an active user."),
            }
        }
    }
    let type_id = new.type_id.unwrap_or(0);
    let mut outcome_id = None;
    if new.type_id.is_none() {
        check.fail("type_id", "Choose an activity type.");
    } else {
        checked_type(&mut check, &catalog, type_id, None);
        outcome_id = checked_outcome(&mut check, &catalog, type_id, new.outcome_id, None);
    }
    let subject = subject(db, actor, &mut check, new.lead_id, new.prospect_id).await?;
    let occurred_at = new.occurred_at.unwrap_or(now);
    check.take("occurred_at", check_occurred_at(occurred_at, now));
    let note = check
        .take("note", parse_note(&new.note))
        .unwrap_or_default();
    check.finish()?;
    let (lead, prospect_id, title) = subject.ok_or(AppError::Internal)?;
    let lead_id = lead.as_ref().map(|l| l.id);
    let next_action = match (lead, new.next_action_at) {
        (Some(lead), Some(at)) => Some((lead, at)),
        _ => None,
    };

    let tz = tz_of(&actor.time_zone);
    let row = activity::Model {
        id: 0,
        type_id,
        outcome_id,
        user_id,
        lead_id,
        prospect_id,
        note,
        occurred_at,
        created_at: now,
        updated_at: now,
        updated_by: actor.id,
    };
    let pending = Pending {
        view: view_of(
            row.clone(),
            &catalog,
            user_name.clone(),
            title.clone(),
            Some((actor, tz)),
            now,
        ),
        shared: view_of(row.clone(), &catalog, user_name, title, None, now),
        row,
        next_action,
    };
    // Concurrent loggers share transactions: whoever gets the write turn writes every activity
    // queued so far, in one transaction (one commit for many), and answers each.
    let (reply, answer) = tokio::sync::oneshot::channel();
    bus.activities.push((pending, reply));
    {
        let _turn = bus.writer_turn().await;
        let jobs = bus.activities.take();
        if !jobs.is_empty() {
            // In its own task, so that a caller who goes away cannot cut a batch in half.
            let (db, bus) = (db.clone(), bus.clone());
            tokio::spawn(async move { write_batch(&db, &bus, jobs).await })
                .await
                .map_err(super::internal)?;
        }
    }
    answer.await.map_err(super::internal)?
}

/// A validated activity waiting for its write turn, with its views (id to be filled in).
#[derive(Clone, Debug)]
pub struct Pending {
    row: activity::Model,
    view: ActivityView,
    shared: ActivityView,
    next_action: Option<(lead::Model, DateTime<Utc>)>,
}

type Job = (
    Pending,
    tokio::sync::oneshot::Sender<Result<ActivityView, AppError>>,
);

/// Activities waiting to be written, shared by the loggers of one server.
#[derive(Debug, Default)]
pub struct ActivityQueue(std::sync::Mutex<Vec<Job>>);

impl ActivityQueue {
    fn push(&self, job: Job) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).push(job);
    }

    fn take(&self) -> Vec<Job> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Writes the jobs in one transaction; if that fails (one bad row spoils a batch), each alone.
async fn write_batch(db: &DatabaseConnection, bus: &EventBus, jobs: Vec<Job>) {
    if jobs.len() > 1 {
        let attempt = async {
            let txn = super::writing(db).await?;
            let mut views = Vec::with_capacity(jobs.len());
            let mut published = Vec::with_capacity(jobs.len());
            for (pending, _) in &jobs {
                let (view, events) = write_one(&txn, pending.clone()).await?;
                views.push(view);
                published.extend(events);
            }
            txn.commit().await?;
            Ok::<_, AppError>((views, published))
        }
        .await;
        if let Ok((views, published)) = attempt {
            bus.publish(published);
            for ((_, reply), view) in jobs.into_iter().zip(views) {
                let _ = reply.send(Ok(view));
            }
            return;
        }
    }
    for (pending, reply) in jobs {
        let result = async {
            let txn = super::writing(db).await?;
            let (view, events) = write_one(&txn, pending).await?;
            txn.commit().await?;
            bus.publish(events);
            Ok(view)
        }
        .await;
        let _ = reply.send(result);
    }
}

/// Inserts one activity (and sets its lead's next action) with its events.
async fn write_one(
    txn: &impl ConnectionTrait,
    pending: Pending,
) -> Result<(ActivityView, Vec<crate::live::LiveEvent>), AppError> {
    let Pending {
        row,
        mut view,
        mut shared,
        next_action,
    } = pending;
    let mut model: activity::ActiveModel = row.clone().into();
    model.id = sea_orm::ActiveValue::NotSet;
    let inserted = model.insert(txn).await?;
    view.id = inserted.id;
    shared.id = inserted.id;
    if let Some(prospect) = row.prospect_id {
        super::prospecting::refresh_summary(txn, prospect).await?;
    }
    // Events are recorded after the rows are written (see `events::record`).
    let mut lead_changed = None;
    if let Some((lead, next)) = next_action {
        let mut changed = lead.clone();
        changed.next_action_at = Some(next);
        changed.version += 1;
        changed.updated_at = row.created_at;
        changed.updated_by = row.updated_by;
        lead::Entity::update_many()
            .col_expr(lead::Column::NextActionAt, Expr::value(next))
            .col_expr(
                lead::Column::Version,
                Expr::col(lead::Column::Version).add(1),
            )
            .col_expr(lead::Column::UpdatedAt, Expr::value(row.created_at))
            .col_expr(lead::Column::UpdatedBy, Expr::value(row.updated_by))
            .filter(lead::Column::Id.eq(lead.id))
            .exec(txn)
            .await?;
        lead_changed = Some(super::leads::event_data(&changed, Some(&lead)));
    }
    let mut published = Vec::with_capacity(2);
    published.push(events::record(txn, "activity.created", activity_event(&view, shared)).await?);
    if let Some(data) = lead_changed {
        published.push(events::record(txn, "lead.updated", data).await?);
    }
    Ok((view, published))
}

async fn find_changeable(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i32,
    now: DateTime<Utc>,
) -> Result<activity::Model, AppError> {
    let existing = activity::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_change_activity(
        actor.role,
        actor.id,
        existing.user_id,
        existing.created_at,
        now,
    ) {
        return Err(AppError::Forbidden);
    }
    Ok(existing)
}

pub async fn update(
    db: &DatabaseConnection,
    bus: &EventBus,
    actor: &Actor,
    id: i32,
    patch: ActivityPatch,
) -> Result<ActivityView, AppError> {
    let now = Utc::now();
    let catalog = catalog(db).await?;
    let _turn = bus.writer_turn().await;
    let txn = super::writing(db).await?;
    let existing = find_changeable(&txn, actor, id, now).await?;
    let mut check = Check::new();
    let mut row = existing.clone();
    if let Some(type_id) = patch.type_id {
        checked_type(&mut check, &catalog, type_id, Some(existing.type_id));
        row.type_id = type_id;
    }
    let outcome_id = match patch.outcome_id {
        Some(outcome_id) => outcome_id,
        // A kept outcome must still fit a changed type.
        None => existing.outcome_id.filter(|o| {
            catalog
                .outcomes
                .get(o)
                .is_some_and(|o| o.type_id == row.type_id)
        }),
    };
    row.outcome_id = checked_outcome(
        &mut check,
        &catalog,
        row.type_id,
        outcome_id,
        existing.outcome_id,
    );
    if let Some(note) = patch.note {
        row.note = check.take("note", parse_note(&note)).unwrap_or_default();
    }
    if let Some(at) = patch.occurred_at {
        check.take("occurred_at", check_occurred_at(at, now));
        row.occurred_at = at;
    }
    check.finish()?;
    row.updated_at = now;
    row.updated_by = actor.id;
    let mut model = activity::ActiveModel::from(row.clone()).reset_all();
    model.id = sea_orm::ActiveValue::Unchanged(id);
    let model = model.update(&txn).await?;
    if let Some(prospect) = model.prospect_id {
        super::prospecting::refresh_summary(&txn, prospect).await?;
    }
    let names = people(&txn).await?;
    let title = titles(&txn, std::slice::from_ref(&model))
        .await?
        .remove(&model.id)
        .unwrap_or_default();
    let user_name = names
        .get(&model.user_id)
        .map(|p| p.name.clone())
        .unwrap_or_default();
    let tz = tz_of(&actor.time_zone);
    let view = view_of(
        model.clone(),
        &catalog,
        user_name.clone(),
        title.clone(),
        Some((actor, tz)),
        now,
    );
    let shared = view_of(model, &catalog, user_name, title, None, now);
    let event = events::record(&txn, "activity.updated", activity_event(&view, shared)).await?;
    txn.commit().await?;
    bus.publish([event]);
    Ok(view)
}

pub async fn delete(
    db: &DatabaseConnection,
    bus: &EventBus,
    actor: &Actor,
    id: i32,
) -> Result<(), AppError> {
    let now = Utc::now();
    let _turn = bus.writer_turn().await;
    let txn = super::writing(db).await?;
    let existing = find_changeable(&txn, actor, id, now).await?;
    activity::Entity::delete_by_id(id).exec(&txn).await?;
    if let Some(prospect) = existing.prospect_id {
        super::prospecting::refresh_summary(&txn, prospect).await?;
    }
    let event = events::record(
        &txn,
        "activity.deleted",
        json!({
            "activity_id": id,
            "lead_id": existing.lead_id,
            "user_id": existing.user_id,
            "type_id": existing.type_id,
            "outcome_id": existing.outcome_id,
        }),
    )
    .await?;
    txn.commit().await?;
    bus.publish([event]);
    Ok(())
}

async fn views(
    db: &impl ConnectionTrait,
    actor: &Actor,
    rows: Vec<activity::Model>,
) -> Result<Vec<ActivityView>, AppError> {
    let catalog = catalog(db).await?;
    let names = people(db).await?;
    let mut titles = titles(db, &rows).await?;
    let tz = tz_of(&actor.time_zone);
    let now = Utc::now();
    Ok(rows
        .into_iter()
        .map(|a| {
            let user_name = names
                .get(&a.user_id)
                .map(|p| p.name.clone())
                .unwrap_or_default();
            let title = titles.remove(&a.id).unwrap_or_default();
            view_of(a, &catalog, user_name, title, Some((actor, tz)), now)
        })
        .collect())
}

pub async fn get(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i32,
) -> Result<ActivityView, AppError> {
    let row = activity::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(views(db, actor, vec![row]).await?.remove(0))
}

/// Activities under `filter`, newest first; `true` when there are more after this page.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &ActivityFilter,
    limit: u64,
    offset: u64,
) -> Result<(Vec<ActivityView>, bool), AppError> {
    let mut condition = Condition::all();
    if let Some(id) = filter.user_id {
        condition = condition.add(activity::Column::UserId.eq(id));
    }
    if let Some(id) = filter.type_id {
        condition = condition.add(activity::Column::TypeId.eq(id));
    }
    if let Some(id) = filter.outcome_id {
        condition = condition.add(activity::Column::OutcomeId.eq(id));
    }
    if let Some(id) = filter.lead_id {
        condition = condition.add(activity::Column::LeadId.eq(id));
    }
    if let Some(id) = filter.prospect_id {
        condition = condition.add(activity::Column::ProspectId.eq(id));
    }
    if let Some(from) = filter.from {
        condition = condition.add(activity::Column::OccurredAt.gte(from));
    }
    if let Some(to) = filter.to {
        condition = condition.add(activity::Column::OccurredAt.lt(to));
    }
    let mut rows = activity::Entity::find()
        .filter(condition)
        .order_by_desc(activity::Column::OccurredAt)
        .order_by_desc(activity::Column::Id)
        .offset(offset)
        .limit(limit + 1)
        .all(db)
        .await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    Ok((views(db, actor, rows).await?, more))
}

/// `micros.rank.id` → its parts.
fn parse_cursor(text: &str) -> Option<(DateTime<Utc>, i32, i32)> {
    let mut parts = text.trim().split('.');
    let micros: i64 = parts.next()?.parse().ok()?;
    let rank: i32 = parts.next()?.parse().ok()?;
    let id: i32 = parts.next()?.parse().ok()?;
    Some((DateTime::from_timestamp_micros(micros)?, rank, id))
}

/// The viewer's activities, newest first (by when they happened), a page after `before`.
pub async fn mine(
    db: &impl ConnectionTrait,
    actor: &Actor,
    type_id: &str,
    outcome_id: &str,
    before: &str,
) -> Result<ActivityPage, AppError> {
    let mut condition = Condition::all().add(activity::Column::UserId.eq(actor.id));
    if let Ok(id) = type_id.trim().parse::<i32>() {
        condition = condition.add(activity::Column::TypeId.eq(id));
    }
    if let Ok(id) = outcome_id.trim().parse::<i32>() {
        condition = condition.add(activity::Column::OutcomeId.eq(id));
    }
    if let Some((at, _, id)) = parse_cursor(before) {
        condition = condition.add(
            Condition::any()
                .add(activity::Column::OccurredAt.lt(at))
                .add(
                    Condition::all()
                        .add(activity::Column::OccurredAt.eq(at))
                        .add(activity::Column::Id.lt(id)),
                ),
        );
    }
    let mut rows = activity::Entity::find()
        .filter(condition)
        .order_by_desc(activity::Column::OccurredAt)
        .order_by_desc(activity::Column::Id)
        .limit(PAGE + 1)
        .all(db)
        .await?;
    let more = rows.len() as u64 > PAGE;
    rows.truncate(PAGE as usize);
    let next = if more {
        rows.last()
            .map(|a| format!("{}.1.{}", a.occurred_at.timestamp_micros(), a.id))
    } else {
        None
    };
    Ok(ActivityPage {
        items: views(db, actor, rows).await?,
        next,
    })
}

fn int_param(text: &str) -> Option<i32> {
    text.trim().parse().ok()
}

/// The people whose items the filter keeps (`None`: everyone).
fn feed_people(
    filter: &FeedFilter,
    actor_segment: Option<i32>,
    names: &HashMap<i32, Person>,
) -> Option<Vec<i32>> {
    let mut keep: Option<Vec<i32>> = None;
    let mut narrow = |ids: Vec<i32>| {
        keep = Some(match keep.take() {
            None => ids,
            Some(prev) => prev.into_iter().filter(|id| ids.contains(id)).collect(),
        });
    };
    if let Some(user) = int_param(&filter.user) {
        narrow(vec![user]);
    }
    let in_segment = |segment: i32| -> Vec<i32> {
        names
            .iter()
            .filter(|(_, p)| p.segment_id == Some(segment))
            .map(|(id, _)| *id)
            .collect()
    };
    if let Some(segment) = int_param(&filter.segment) {
        narrow(in_segment(segment));
    }
    if filter.team.trim() == "1" {
        if let Some(segment) = actor_segment {
            narrow(in_segment(segment));
        }
    }
    keep
}

/// Where an item stands in the feed: (recorded at, rank: 1 activity / 0 lead change, id).
type FeedOrder = (DateTime<Utc>, i32, i32);

/// One page of the team feed: activities (by when they were logged) and leads created, won
/// and lost, newest first, after `before`.
pub async fn feed(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &FeedFilter,
    before: &str,
) -> Result<FeedPage, AppError> {
    let last_event = events::last_id(db).await?;
    let names = people(db).await?;
    let my_segment = names.get(&actor.id).and_then(|p| p.segment_id);
    let who = feed_people(filter, my_segment, &names);
    let cursor = parse_cursor(before);
    let type_id = int_param(&filter.type_id);
    let outcome_id = int_param(&filter.outcome);

    // Activities: rank 1 (after history rows of the same instant, in descending order).
    let mut condition = Condition::all();
    if let Some(ids) = &who {
        condition = condition.add(activity::Column::UserId.is_in(ids.clone()));
    }
    if let Some(id) = type_id {
        condition = condition.add(activity::Column::TypeId.eq(id));
    }
    if let Some(id) = outcome_id {
        condition = condition.add(activity::Column::OutcomeId.eq(id));
    }
    if let Some((at, rank, id)) = cursor {
        let mut older = Condition::any().add(activity::Column::CreatedAt.lt(at));
        if rank == 1 {
            older = older.add(
                Condition::all()
                    .add(activity::Column::CreatedAt.eq(at))
                    .add(activity::Column::Id.lt(id)),
            );
        }
        condition = condition.add(older);
    }
    let activity_rows = activity::Entity::find()
        .filter(condition)
        .order_by_desc(activity::Column::CreatedAt)
        .order_by_desc(activity::Column::Id)
        .limit(PAGE + 1)
        .all(db)
        .await?;

    // Leads created, won and lost: rank 0. None when filtering by type or outcome.
    let history_rows = if type_id.is_some() || outcome_id.is_some() {
        Vec::new()
    } else {
        let mut condition = Condition::all().add(
            Condition::any()
                .add(lead_history::Column::FromStatus.is_null())
                .add(
                    Condition::all()
                        .add(lead_history::Column::ToStatus.is_in(["won", "lost"]))
                        .add(lead_history::Column::FromStatus.is_not_in(["won", "lost"])),
                ),
        );
        if let Some(ids) = &who {
            condition = condition.add(lead_history::Column::UserId.is_in(ids.clone()));
        }
        if let Some((at, rank, id)) = cursor {
            condition = condition.add(if rank == 1 {
                Condition::all().add(lead_history::Column::At.lte(at))
            } else {
                Condition::any().add(lead_history::Column::At.lt(at)).add(
                    Condition::all()
                        .add(lead_history::Column::At.eq(at))
                        .add(lead_history::Column::Id.lt(id)),
                )
            });
        }
        lead_history::Entity::find()
            .filter(condition)
            .order_by_desc(lead_history::Column::At)
            .order_by_desc(lead_history::Column::Id)
            .limit(PAGE + 1)
            .all(db)
            .await?
    };

    let catalog = catalog(db).await?;
    let leads = lead_titles(db, history_rows.iter().map(|h| h.lead_id)).await?;
    let mut activity_titles = titles(db, &activity_rows).await?;
    let tz = tz_of(&actor.time_zone);
    let now = Utc::now();
    let name_of = |id: i32| names.get(&id).map(|p| p.name.clone()).unwrap_or_default();
    let mut items: Vec<(FeedOrder, FeedItem)> = Vec::new();
    for a in activity_rows {
        let key = (a.created_at, 1, a.id);
        let view = view_of(
            a.clone(),
            &catalog,
            name_of(a.user_id),
            activity_titles.remove(&a.id).unwrap_or_default(),
            Some((actor, tz)),
            now,
        );
        items.push((key, activity_item(view)));
    }
    for h in history_rows {
        let key = (h.at, 0, h.id);
        let lead = leads.get(&h.lead_id);
        let kind = if h.from_status.is_none() {
            "lead_created"
        } else if h.to_status == "won" {
            "lead_won"
        } else {
            "lead_lost"
        };
        items.push((
            key,
            FeedItem {
                key: format!("h{}", h.id),
                kind: kind.into(),
                user_id: h.user_id,
                user_name: name_of(h.user_id),
                lead_id: Some(h.lead_id),
                lead_title: lead.map(|l| l.title.clone()).unwrap_or_default(),
                amount: lead.map(|l| {
                    format!(
                        "{} {}",
                        Amount::from_cents(l.amount_cents).unwrap_or_default(),
                        l.currency
                    )
                }),
                activity: None,
                at: h.at,
                at_local: short_local(h.at, tz),
                cursor: format!("{}.0.{}", h.at.timestamp_micros(), h.id),
            },
        ));
    }
    items.sort_by_key(|item| std::cmp::Reverse(item.0));
    let more = items.len() as u64 > PAGE;
    items.truncate(PAGE as usize);
    let items: Vec<FeedItem> = items.into_iter().map(|(_, item)| item).collect();
    Ok(FeedPage {
        next: if more {
            items.last().map(|i| i.cursor.clone())
        } else {
            None
        },
        items,
        my_segment,
        last_event,
    })
}

/// The feed item for a lead created, won or lost, sent with the lead's event.
pub fn lead_item(
    history_id: i32,
    kind: &str,
    actor: &Actor,
    model: &lead::Model,
    at: DateTime<Utc>,
) -> FeedItem {
    FeedItem {
        key: format!("h{history_id}"),
        kind: kind.into(),
        user_id: actor.id,
        user_name: actor.name.clone(),
        lead_id: Some(model.id),
        lead_title: model.title.clone(),
        amount: Some(format!(
            "{} {}",
            Amount::from_cents(model.amount_cents).unwrap_or_default(),
            model.currency
        )),
        activity: None,
        at,
        at_local: String::new(),
        cursor: format!("{}.0.{history_id}", at.timestamp_micros()),
    }
}
