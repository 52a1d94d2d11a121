//! Pipelines and steps. Moving leads out of a deleted step or pipeline writes their history.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::DatabaseConnection;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::json;

use super::entity::{lead, lead_history, pipeline, step};
use super::events::{self, EventBus};
use super::{is_unique_violation, Actor};
use crate::domain::validate::SegmentName;
use crate::error::AppError;
use crate::pipelines::api::{PipelineView, StepView};

const NAME_TAKEN: &str = "A pipeline with this name already exists.";

fn pipeline_name(text: &str) -> Result<String, AppError> {
    SegmentName::parse(text)
        .map(|n| n.into_inner())
        .map_err(|m| AppError::field("name", m.replace("Segment name", "Name")))
}

fn step_view(model: &step::Model) -> StepView {
    StepView {
        id: model.id,
        pipeline_id: model.pipeline_id,
        name: model.name.clone(),
        position: model.position,
    }
}

pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<PipelineView>, AppError> {
    let pipelines = pipeline::Entity::find()
        .order_by_asc(pipeline::Column::Position)
        .order_by_asc(pipeline::Column::Id)
        .all(db)
        .await?;
    let steps = step::Entity::find()
        .order_by_asc(step::Column::Position)
        .order_by_asc(step::Column::Id)
        .all(db)
        .await?;
    let counts: HashMap<i32, i64> = lead::Entity::find()
        .select_only()
        .column(lead::Column::PipelineId)
        .column_as(lead::Column::Id.count(), "n")
        .group_by(lead::Column::PipelineId)
        .into_tuple::<(i32, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(pipelines
        .into_iter()
        .map(|p| PipelineView {
            steps: steps
                .iter()
                .filter(|s| s.pipeline_id == p.id)
                .map(step_view)
                .collect(),
            lead_count: counts.get(&p.id).copied().unwrap_or(0) as u64,
            id: p.id,
            name: p.name,
            is_default: p.is_default,
            position: p.position,
        })
        .collect())
}

pub async fn get(db: &impl ConnectionTrait, id: i32) -> Result<PipelineView, AppError> {
    list(db)
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or(AppError::NotFound)
}

pub async fn find_step(
    db: &impl ConnectionTrait,
    id: i32,
) -> Result<Option<step::Model>, AppError> {
    Ok(step::Entity::find_by_id(id).one(db).await?)
}

/// The default pipeline, or the first one.
pub async fn default_id(db: &impl ConnectionTrait) -> Result<Option<i32>, AppError> {
    Ok(pipeline::Entity::find()
        .order_by_desc(pipeline::Column::IsDefault)
        .order_by_asc(pipeline::Column::Position)
        .order_by_asc(pipeline::Column::Id)
        .one(db)
        .await?
        .map(|p| p.id))
}

async fn changed(
    db: &impl ConnectionTrait,
    pipeline_id: i32,
) -> Result<crate::live::LiveEvent, AppError> {
    events::record(
        db,
        "pipeline.changed",
        json!({ "pipeline_id": pipeline_id }),
    )
    .await
}

/// Creates a pipeline with the given step names (a "New" step when none is given).
pub async fn create(
    db: &DatabaseConnection,
    bus: &EventBus,
    name: &str,
    step_names: &[String],
) -> Result<PipelineView, AppError> {
    let name = pipeline_name(name)?;
    let mut steps: Vec<String> = Vec::new();
    for raw in step_names {
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        let step = SegmentName::parse(raw)
            .map_err(|m| AppError::field("steps", m.replace("Segment name", "A step name")))?;
        steps.push(step.into_inner());
    }
    if steps.is_empty() {
        steps.push("New".into());
    }
    let _turn = bus.writer_turn().await;
    let txn = super::writing(db).await?;
    if pipeline::Entity::find()
        .filter(pipeline::Column::Name.eq(name.as_str()))
        .count(&txn)
        .await?
        > 0
    {
        return Err(AppError::field("name", NAME_TAKEN));
    }
    let count = pipeline::Entity::find().count(&txn).await?;
    let now = Utc::now();
    let created = pipeline::ActiveModel {
        name: Set(name),
        position: Set(count as i32),
        is_default: Set(count == 0),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            AppError::field("name", NAME_TAKEN)
        } else {
            e.into()
        }
    })?;
    for (i, step_name) in steps.into_iter().enumerate() {
        step::ActiveModel {
            pipeline_id: Set(created.id),
            name: Set(step_name),
            position: Set(i as i32),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    let event = changed(&txn, created.id).await?;
    txn.commit().await?;
    bus.publish([event]);
    get(db, created.id).await
}

pub async fn rename(
    db: &DatabaseConnection,
    bus: &EventBus,
    id: i32,
    name: &str,
) -> Result<PipelineView, AppError> {
    let name = pipeline_name(name)?;
    let _turn = bus.writer_turn().await;
    let txn = super::writing(db).await?;
    let existing = pipeline::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let taken = pipeline::Entity::find()
        .filter(pipeline::Column::Name.eq(name.as_str()))
        .filter(pipeline::Column::Id.ne(id))
        .count(&txn)
        .await?;
    if taken > 0 {
        return Err(AppError::field("name", NAME_TAKEN));
    }
    let mut model: pipeline::ActiveModel = existing.into();
    model.name = Set(name);
    model.update(&txn).await?;
    let event = changed(&txn, id).await?;
    txn.commit().await?;
    bus.publish([event]);
    get(db, id).await
}

pub async fn set_default(db: &DatabaseConnection, bus: &EventBus, id: i32) -> Result<(), AppError> {
    let _turn = bus.writer_turn().await;
    let txn = super::writing(db).await?;
    pipeline::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    pipeline::Entity::update_many()
        .col_expr(pipeline::Column::IsDefault, Expr::value(false))
        .exec(&txn)
        .await?;
    pipeline::Entity::update_many()
        .col_expr(pipeline::Column::IsDefault, Expr::value(true))
        .filter(pipeline::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    let event = changed(&txn, id).await?;
    txn.commit().await?;
    bus.publish([event]);
    Ok(())
}

/// Moves every lead of `leads` to `to_step`, writing one history entry each.
async fn move_leads(
    db: &impl ConnectionTrait,
    actor: &Actor,
    leads: Vec<lead::Model>,
    to_step: &step::Model,
) -> Result<(), AppError> {
    let now = Utc::now();
    for chunk in leads.chunks(500) {
        let entries: Vec<lead_history::ActiveModel> = chunk
            .iter()
            .map(|l| lead_history::ActiveModel {
                lead_id: Set(l.id),
                user_id: Set(actor.id),
                owner_id: Set(l.owner_id),
                from_pipeline_id: Set(Some(l.pipeline_id)),
                to_pipeline_id: Set(to_step.pipeline_id),
                from_step_id: Set(Some(l.step_id)),
                to_step_id: Set(to_step.id),
                from_status: Set(Some(l.status.clone())),
                to_status: Set(l.status.clone()),
                at: Set(now),
                amount_cents: Set(l.amount_cents),
                ..Default::default()
            })
            .collect();
        if !entries.is_empty() {
            lead_history::Entity::insert_many(entries).exec(db).await?;
        }
        let ids: Vec<i32> = chunk.iter().map(|l| l.id).collect();
        lead::Entity::update_many()
            .col_expr(lead::Column::StepId, Expr::value(to_step.id))
            .col_expr(lead::Column::PipelineId, Expr::value(to_step.pipeline_id))
            .col_expr(lead::Column::UpdatedBy, Expr::value(actor.id))
            .col_expr(lead::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                lead::Column::Version,
                Expr::col(lead::Column::Version).add(1),
            )
            .filter(lead::Column::Id.is_in(ids))
            .exec(db)
            .await?;
    }
    Ok(())
}

async fn first_step(
    db: &impl ConnectionTrait,
    pipeline_id: i32,
) -> Result<Option<step::Model>, AppError> {
    Ok(step::Entity::find()
        .filter(step::Column::PipelineId.eq(pipeline_id))
        .order_by_asc(step::Column::Position)
        .order_by_asc(step::Column::Id)
        .one(db)
        .await?)
}

/// Deletes a pipeline. Its leads, if any, must go to `move_to` in the same operation.
pub async fn delete(
    db: &DatabaseConnection,
    bus: &EventBus,
    actor: &Actor,
    id: i32,
    move_to: Option<i32>,
) -> Result<(), AppError> {
    let _turn = bus.writer_turn().await;
    let txn = super::writing(db).await?;
    let existing = pipeline::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let leads = lead::Entity::find()
        .filter(lead::Column::PipelineId.eq(id))
        .all(&txn)
        .await?;
    let mut target_pipeline = None;
    if !leads.is_empty() {
        let Some(target) = move_to.filter(|t| *t != id) else {
            return Err(AppError::field(
                "move_to",
                format!(
                    "This pipeline has {} lead{}: choose another pipeline to move them to.",
                    leads.len(),
                    if leads.len() == 1 { "" } else { "s" }
                ),
            ));
        };
        let to_step = first_step(&txn, target)
            .await?
            .ok_or_else(|| AppError::field("move_to", "Choose an existing pipeline."))?;
        move_leads(&txn, actor, leads, &to_step).await?;
        target_pipeline = Some(target);
    }
    step::Entity::delete_many()
        .filter(step::Column::PipelineId.eq(id))
        .exec(&txn)
        .await?;
    pipeline::Entity::delete_by_id(id).exec(&txn).await?;
    if existing.is_default {
        if let Some(next) = target_pipeline.or(default_id(&txn).await?) {
            pipeline::Entity::update_many()
                .col_expr(pipeline::Column::IsDefault, Expr::value(true))
                .filter(pipeline::Column::Id.eq(next))
                .exec(&txn)
                .await?;
        }
    }
    let mut published = vec![changed(&txn, id).await?];
    if let Some(target) = target_pipeline {
        published.push(changed(&txn, target).await?);
    }
    txn.commit().await?;
    bus.publish(published);
    Ok(())
}

pub async fn add_step(
    db: &DatabaseConnection,
    bus: &EventBus,
    pipeline_id: i32,
    name: &str,
) -> Result<StepView, AppError> {
    let name = SegmentName::parse(name)
        .map_err(|m| AppError::field("name", m.replace("Segment name", "Step name")))?;
    let _turn = bus.writer_turn().await;
    let txn = super::writing(db).await?;
    pipeline::Entity::find_by_id(pipeline_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let count = step::Entity::find()
        .filter(step::Column::PipelineId.eq(pipeline_id))
        .count(&txn)
        .await?;
    let created = step::ActiveModel {
        pipeline_id: Set(pipeline_id),
        name: Set(name.into_inner()),
        position: Set(count as i32),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let event = changed(&txn, pipeline_id).await?;
    txn.commit().await?;
    bus.publish([event]);
    Ok(step_view(&created))
}

pub async fn rename_step(
    db: &DatabaseConnection,
    bus: &EventBus,
    id: i32,
    name: &str,
) -> Result<StepView, AppError> {
    let name = SegmentName::parse(name)
        .map_err(|m| AppError::field("name", m.replace("Segment name", "Step name")))?;
    let _turn = bus.writer_turn().await;
    let txn = super::writing(db).await?;
    let existing = find_step(&txn, id).await?.ok_or(AppError::NotFound)?;
    let mut model: step::ActiveModel = existing.into();
    model.name = Set(name.into_inner());
    let updated = model.update(&txn).await?;
    let event = changed(&txn, updated.pipeline_id).await?;
    txn.commit().await?;
    bus.publish([event]);
    Ok(step_view(&updated))
}

/// Puts a step at `position` (clamped) and renumbers its pipeline's steps 0..n.
pub async fn reorder_step(
    db: &DatabaseConnection,
    bus: &EventBus,
    id: i32,
    position: i32,
) -> Result<(), AppError> {
    let _turn = bus.writer_turn().await;
    let txn = super::writing(db).await?;
    let moving = find_step(&txn, id).await?.ok_or(AppError::NotFound)?;
    let mut steps: Vec<step::Model> = step::Entity::find()
        .filter(step::Column::PipelineId.eq(moving.pipeline_id))
        .order_by_asc(step::Column::Position)
        .order_by_asc(step::Column::Id)
        .all(&txn)
        .await?;
    steps.retain(|s| s.id != id);
    let at = (Ord::max(position, 0) as usize).min(steps.len());
    steps.insert(at, moving.clone());
    for (i, s) in steps.into_iter().enumerate() {
        if s.position != i as i32 {
            step::Entity::update_many()
                .col_expr(step::Column::Position, Expr::value(i as i32))
                .filter(step::Column::Id.eq(s.id))
                .exec(&txn)
                .await?;
        }
    }
    let event = changed(&txn, moving.pipeline_id).await?;
    txn.commit().await?;
    bus.publish([event]);
    Ok(())
}

/// Deletes a step; its leads go to `move_to`, another step of the same pipeline.
pub async fn delete_step(
    db: &DatabaseConnection,
    bus: &EventBus,
    actor: &Actor,
    id: i32,
    move_to: Option<i32>,
) -> Result<(), AppError> {
    let _turn = bus.writer_turn().await;
    let txn = super::writing(db).await?;
    let existing = find_step(&txn, id).await?.ok_or(AppError::NotFound)?;
    let siblings = step::Entity::find()
        .filter(step::Column::PipelineId.eq(existing.pipeline_id))
        .count(&txn)
        .await?;
    if siblings <= 1 {
        return Err(AppError::Conflict(
            "A pipeline needs at least one step: add another step before deleting this one.".into(),
        ));
    }
    let leads = lead::Entity::find()
        .filter(lead::Column::StepId.eq(id))
        .all(&txn)
        .await?;
    if !leads.is_empty() {
        let target = match move_to {
            Some(target) if target != id => find_step(&txn, target).await?,
            _ => None,
        };
        let Some(target) = target.filter(|t| t.pipeline_id == existing.pipeline_id) else {
            return Err(AppError::field(
                "move_to",
                format!(
                    "This step has {} lead{}: choose another step of this pipeline for them.",
                    leads.len(),
                    if leads.len() == 1 { "" } else { "s" }
                ),
            ));
        };
        move_leads(&txn, actor, leads, &target).await?;
    }
    step::Entity::delete_by_id(id).exec(&txn).await?;
    let event = changed(&txn, existing.pipeline_id).await?;
    txn.commit().await?;
    bus.publish([event]);
    Ok(())
}
