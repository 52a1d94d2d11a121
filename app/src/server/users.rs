//! Users: creation, edits, activation, passwords, and the login check.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};

use super::entity::{login_failure, segment, user};
use super::{is_unique_violation, passwords, session_store};
use crate::admin::api::UserView;
use crate::domain::throttle;
use crate::domain::validate::{Email, Password, PersonName, TimeZoneName};
use crate::domain::Role;
use crate::error::{AppError, Check};

/// What it takes to create a user, as typed (validated here).
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    pub name: String,
    pub email: String,
    pub role: String,
    pub segment_id: Option<i32>,
    pub password: String,
}

/// Edits an admin may make to a user.
#[derive(Debug, Clone, Default)]
pub struct UserEdit {
    pub name: String,
    pub role: String,
    pub segment_id: Option<i32>,
}

pub async fn find(db: &impl ConnectionTrait, id: i32) -> Result<Option<user::Model>, AppError> {
    Ok(user::Entity::find_by_id(id).one(db).await?)
}

pub async fn find_by_email(
    db: &impl ConnectionTrait,
    email: &str,
) -> Result<Option<user::Model>, AppError> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email.trim().to_lowercase()))
        .one(db)
        .await?)
}

pub async fn count(db: &impl ConnectionTrait) -> Result<u64, AppError> {
    Ok(user::Entity::find().count(db).await?)
}

async fn segment_names(db: &impl ConnectionTrait) -> Result<HashMap<i32, String>, AppError> {
    Ok(segment::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect())
}

fn view(model: user::Model, segments: &HashMap<i32, String>) -> UserView {
    UserView {
        id: model.id,
        segment_name: model.segment_id.and_then(|id| segments.get(&id).cloned()),
        name: model.name,
        email: model.email,
        role: Role::parse(&model.role).unwrap_or(Role::Member),
        segment_id: model.segment_id,
        active: model.active,
        time_zone: model.time_zone,
    }
}

pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<UserView>, AppError> {
    let segments = segment_names(db).await?;
    Ok(user::Entity::find()
        .order_by_asc(user::Column::Name)
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|u| view(u, &segments))
        .collect())
}

pub async fn get_view(db: &impl ConnectionTrait, id: i32) -> Result<UserView, AppError> {
    let model = find(db, id).await?.ok_or(AppError::NotFound)?;
    Ok(view(model, &segment_names(db).await?))
}

async fn check_segment(
    db: &impl ConnectionTrait,
    check: &mut Check,
    segment_id: Option<i32>,
) -> Result<(), AppError> {
    if let Some(id) = segment_id {
        if segment::Entity::find_by_id(id).one(db).await?.is_none() {
            check.fail("segment_id", "This segment does not exist.");
        }
    }
    Ok(())
}

pub async fn create(db: &impl ConnectionTrait, input: NewUser) -> Result<UserView, AppError> {
    let mut check = Check::new();
    let name = check.take("name", PersonName::parse(&input.name));
    let email = check.take("email", Email::parse(&input.email));
    let role = check.take("role", Role::parse(&input.role));
    let password = check.take("password", Password::parse(&input.password));
    check_segment(db, &mut check, input.segment_id).await?;
    if let Some(email) = &email {
        if find_by_email(db, email.as_str()).await?.is_some() {
            check.fail("email", "A user with this email already exists.");
        }
    }
    check.finish()?;
    let (Some(name), Some(email), Some(role), Some(password)) = (name, email, role, password)
    else {
        return Err(AppError::Internal);
    };
    let workspace_tz = super::workspace::get(db).await?.time_zone;
    let now = Utc::now();
    let model = user::ActiveModel {
        email: Set(email.into_inner()),
        name: Set(name.into_inner()),
        password_hash: Set(passwords::hash(password.expose()).await?),
        role: Set(role.as_str().to_string()),
        segment_id: Set(input.segment_id),
        active: Set(true),
        time_zone: Set(workspace_tz),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    match model.insert(db).await {
        Ok(model) => get_view(db, model.id).await,
        Err(e) if is_unique_violation(&e) => Err(AppError::field(
            "email",
            "A user with this email already exists.",
        )),
        Err(e) => Err(e.into()),
    }
}

/// Refuses a change that would leave the workspace without an active admin.
async fn keep_an_admin(db: &impl ConnectionTrait, user: &user::Model) -> Result<(), AppError> {
    let admins = user::Entity::find()
        .filter(user::Column::Role.eq(Role::Admin.as_str()))
        .filter(user::Column::Active.eq(true))
        .filter(user::Column::Id.ne(user.id))
        .count(db)
        .await?;
    if admins == 0 {
        return Err(AppError::Conflict(
            "The workspace needs at least one active admin: make someone else admin first.".into(),
        ));
    }
    Ok(())
}

pub async fn update(
    db: &impl ConnectionTrait,
    id: i32,
    edit: UserEdit,
) -> Result<UserView, AppError> {
    let existing = find(db, id).await?.ok_or(AppError::NotFound)?;
    let mut check = Check::new();
    let name = check.take("name", PersonName::parse(&edit.name));
    let role = check.take("role", Role::parse(&edit.role));
    check_segment(db, &mut check, edit.segment_id).await?;
    check.finish()?;
    let (Some(name), Some(role)) = (name, role) else {
        return Err(AppError::Internal);
    };
    if existing.role == Role::Admin.as_str() && role != Role::Admin && existing.active {
        keep_an_admin(db, &existing).await?;
    }
    let mut model: user::ActiveModel = existing.into();
    model.name = Set(name.into_inner());
    model.role = Set(role.as_str().to_string());
    model.segment_id = Set(edit.segment_id);
    model.updated_at = Set(Utc::now());
    model.update(db).await?;
    get_view(db, id).await
}

/// Activates or deactivates a user. Deactivation ends their sessions at once.
pub async fn set_active(
    db: &impl ConnectionTrait,
    id: i32,
    active: bool,
) -> Result<UserView, AppError> {
    let existing = find(db, id).await?.ok_or(AppError::NotFound)?;
    if !active && existing.active && existing.role == Role::Admin.as_str() {
        keep_an_admin(db, &existing).await?;
    }
    let mut model: user::ActiveModel = existing.into();
    model.active = Set(active);
    model.updated_at = Set(Utc::now());
    model.update(db).await?;
    if !active {
        session_store::end_sessions_of(db, id, None).await?;
    }
    get_view(db, id).await
}

/// A user changes their own password; their other sessions end.
pub async fn change_password(
    db: &impl ConnectionTrait,
    id: i32,
    current: &str,
    new: &str,
    confirm: &str,
    keep_session: Option<&str>,
) -> Result<(), AppError> {
    let existing = find(db, id).await?.ok_or(AppError::NotFound)?;
    let mut check = Check::new();
    let password = check.take("new_password", Password::parse(new));
    if new != confirm {
        check.fail("confirm_password", "The two passwords differ.");
    }
    if !passwords::verify(Some(existing.password_hash.clone()), current).await? {
        check.fail("current_password", "This is not your current password.");
    }
    check.finish()?;
    let Some(password) = password else {
        return Err(AppError::Internal);
    };
    let mut model: user::ActiveModel = existing.into();
    model.password_hash = Set(passwords::hash(password.expose()).await?);
    model.updated_at = Set(Utc::now());
    model.update(db).await?;
    session_store::end_sessions_of(db, id, keep_session).await?;
    Ok(())
}

/// Sets a user's password without knowing the old one (admin tools and the CLI).
pub async fn reset_password(db: &impl ConnectionTrait, id: i32, new: &str) -> Result<(), AppError> {
    let password = Password::parse(new).map_err(|m| AppError::field("password", m))?;
    let existing = find(db, id).await?.ok_or(AppError::NotFound)?;
    let mut model: user::ActiveModel = existing.into();
    model.password_hash = Set(passwords::hash(password.expose()).await?);
    model.updated_at = Set(Utc::now());
    model.update(db).await?;
    session_store::end_sessions_of(db, id, None).await?;
    Ok(())
}

pub async fn update_profile(
    db: &impl ConnectionTrait,
    id: i32,
    name: &str,
    time_zone: &str,
) -> Result<UserView, AppError> {
    let existing = find(db, id).await?.ok_or(AppError::NotFound)?;
    let mut check = Check::new();
    let name = check.take("name", PersonName::parse(name));
    let tz = check.take("time_zone", TimeZoneName::parse(time_zone));
    check.finish()?;
    let (Some(name), Some(tz)) = (name, tz) else {
        return Err(AppError::Internal);
    };
    let mut model: user::ActiveModel = existing.into();
    model.name = Set(name.into_inner());
    model.time_zone = Set(tz.into_inner());
    model.updated_at = Set(Utc::now());
    model.update(db).await?;
    get_view(db, id).await
}

/// Checks an email and password, with throttling of repeated failures.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    email: &str,
    password: &str,
) -> Result<user::Model, AppError> {
    let mut check = Check::new();
    if email.trim().is_empty() {
        check.fail("email", "Email is required.");
    }
    if password.is_empty() {
        check.fail("password", "Password is required.");
    }
    check.finish()?;
    let email = email.trim().to_lowercase();
    let now = Utc::now();
    let failures: Vec<_> = login_failure::Entity::find()
        .filter(login_failure::Column::Email.eq(email.as_str()))
        .filter(login_failure::Column::At.gt(now - throttle::window()))
        .all(db)
        .await?
        .into_iter()
        .map(|f| f.at)
        .collect();
    if let Some(until) = throttle::locked_until(&failures, now) {
        let minutes = throttle::minutes_to_wait(until, now);
        return Err(AppError::TooManyRequests {
            message: format!(
                "Too many failed logins for this email. Try again in {minutes} minute{}.",
                if minutes == 1 { "" } else { "s" }
            ),
            retry_after_secs: (until - now).num_seconds().max(1) as u64,
        });
    }
    let user = find_by_email(db, &email).await?;
    let ok = passwords::verify(user.as_ref().map(|u| u.password_hash.clone()), password).await?;
    match user {
        Some(user) if ok && user.active => {
            login_failure::Entity::delete_many()
                .filter(login_failure::Column::Email.eq(email.as_str()))
                .exec(db)
                .await?;
            Ok(user)
        }
        _ => {
            login_failure::ActiveModel {
                email: Set(email),
                at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?;
            Err(AppError::InvalidCredentials)
        }
    }
}
