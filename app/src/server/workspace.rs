//! The workspace's settings: one row.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::entity::workspace;
use crate::admin::api::WorkspaceView;
use crate::domain::period::{weekday_label, WorkingDays};
use crate::domain::validate::{Currency, TimeZoneName, WeekStart, WorkspaceName};
use crate::error::{AppError, Check};

pub const WORKSPACE_ID: i32 = 1;

pub async fn get(db: &impl ConnectionTrait) -> Result<workspace::Model, AppError> {
    workspace::Entity::find_by_id(WORKSPACE_ID)
        .one(db)
        .await?
        .ok_or_else(|| super::internal("the workspace row is missing: run the migrations"))
}

pub fn view(model: &workspace::Model) -> WorkspaceView {
    WorkspaceView {
        name: model.name.clone(),
        time_zone: model.time_zone.clone(),
        currency: model.currency.clone(),
        week_start: WeekStart::parse(&model.week_start).unwrap_or(WeekStart::Monday),
        working_days: WorkingDays::from_bits(model.working_days).unwrap_or_default(),
    }
}

/// Sets the working days from `mon,tue,…` (any order, any case).
pub async fn set_working_days(db: &impl ConnectionTrait, text: &str) -> Result<(), AppError> {
    let mut days = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match WorkingDays::WEEK
            .into_iter()
            .find(|d| weekday_label(*d).eq_ignore_ascii_case(part))
        {
            Some(day) => days.push(day),
            None => {
                return Err(AppError::field(
                    "working_days",
                    format!("{part} is not a day: use mon, tue, wed, thu, fri, sat, sun."),
                ))
            }
        }
    }
    let working = WorkingDays::from_days(&days).map_err(|m| AppError::field("working_days", m))?;
    let mut model: workspace::ActiveModel = get(db).await?.into();
    model.working_days = Set(working.bits());
    model.updated_at = Set(Utc::now());
    model.update(db).await?;
    Ok(())
}

pub async fn update(
    db: &impl ConnectionTrait,
    name: &str,
    time_zone: &str,
    currency: &str,
    week_start: &str,
) -> Result<WorkspaceView, AppError> {
    let mut check = Check::new();
    let name = check.take("name", WorkspaceName::parse(name));
    let tz = check.take("time_zone", TimeZoneName::parse(time_zone));
    let currency = check.take("currency", Currency::parse(currency));
    let week = check.take("week_start", WeekStart::parse(week_start));
    check.finish()?;
    let (Some(name), Some(tz), Some(currency), Some(week)) = (name, tz, currency, week) else {
        return Err(AppError::Internal);
    };
    let mut model: workspace::ActiveModel = get(db).await?.into();
    model.name = Set(name.into_inner());
    model.time_zone = Set(tz.into_inner());
    model.currency = Set(currency.into_inner());
    model.week_start = Set(week.as_str().to_string());
    model.updated_at = Set(Utc::now());
    Ok(view(&model.update(db).await?))
}

/// Marks first-run setup as done. Exactly one caller ever gets `true`, on every backend.
pub async fn claim_setup(db: &impl ConnectionTrait) -> Result<bool, AppError> {
    let result = workspace::Entity::update_many()
        .col_expr(workspace::Column::SetupDone, Expr::value(true))
        .filter(workspace::Column::Id.eq(WORKSPACE_ID))
        .filter(workspace::Column::SetupDone.eq(false))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}
