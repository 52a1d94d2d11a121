//! Segments: parts of the team with one job.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};

use super::entity::{segment, user};
use super::is_unique_violation;
use crate::admin::api::SegmentView;
use crate::domain::validate::SegmentName;
use crate::error::AppError;

const TAKEN: &str = "A segment with this name already exists.";

pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<SegmentView>, AppError> {
    let segments = segment::Entity::find()
        .order_by_asc(segment::Column::Name)
        .all(db)
        .await?;
    let users = user::Entity::find()
        .filter(user::Column::SegmentId.is_not_null())
        .all(db)
        .await?;
    Ok(segments
        .into_iter()
        .map(|s| SegmentView {
            member_count: users.iter().filter(|u| u.segment_id == Some(s.id)).count() as u64,
            id: s.id,
            name: s.name,
        })
        .collect())
}

pub async fn get_view(db: &impl ConnectionTrait, id: i32) -> Result<SegmentView, AppError> {
    list(db)
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or(AppError::NotFound)
}

async fn name_taken(
    db: &impl ConnectionTrait,
    name: &SegmentName,
    except: Option<i32>,
) -> Result<bool, AppError> {
    let lower = name.as_str().to_lowercase();
    Ok(segment::Entity::find()
        .all(db)
        .await?
        .iter()
        .any(|s| s.name.to_lowercase() == lower && Some(s.id) != except))
}

pub async fn create(db: &impl ConnectionTrait, name: &str) -> Result<SegmentView, AppError> {
    let name = SegmentName::parse(name).map_err(|m| AppError::field("name", m))?;
    if name_taken(db, &name, None).await? {
        return Err(AppError::field("name", TAKEN));
    }
    let model = segment::ActiveModel {
        name: Set(name.into_inner()),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    match model.insert(db).await {
        Ok(model) => get_view(db, model.id).await,
        Err(e) if is_unique_violation(&e) => Err(AppError::field("name", TAKEN)),
        Err(e) => Err(e.into()),
    }
}

pub async fn rename(
    db: &impl ConnectionTrait,
    id: i32,
    name: &str,
) -> Result<SegmentView, AppError> {
    let existing = segment::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let name = SegmentName::parse(name).map_err(|m| AppError::field("name", m))?;
    if name_taken(db, &name, Some(id)).await? {
        return Err(AppError::field("name", TAKEN));
    }
    let mut model: segment::ActiveModel = existing.into();
    model.name = Set(name.into_inner());
    match model.update(db).await {
        Ok(_) => get_view(db, id).await,
        Err(e) if is_unique_violation(&e) => Err(AppError::field("name", TAKEN)),
        Err(e) => Err(e.into()),
    }
}

/// Deletes a segment that has no members.
pub async fn delete(db: &impl ConnectionTrait, id: i32) -> Result<(), AppError> {
    segment::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let members = user::Entity::find()
        .filter(user::Column::SegmentId.eq(id))
        .count(db)
        .await?;
    if members > 0 {
        return Err(AppError::Conflict(format!(
            "This segment still has {members} member{}: move them to another segment first.",
            if members == 1 { "" } else { "s" }
        )));
    }
    segment::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}
