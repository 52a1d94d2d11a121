//! Personal API tokens: shown once, stored as a SHA-256 hash, revocable.

use chrono::Utc;
use rand_core::{OsRng, RngCore};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use sha2::{Digest, Sha256};

use super::entity::{api_token, user};
use crate::account::api::{NewToken, TokenView};
use crate::domain::validate::PersonName;
use crate::error::AppError;

const PREFIX: &str = "cad_";

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn view(model: api_token::Model) -> TokenView {
    TokenView {
        id: model.id,
        name: model.name,
        prefix: model.prefix,
        created_on: model.created_at.format("%Y-%m-%d").to_string(),
        last_used: model
            .last_used_at
            .map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string()),
    }
}

pub async fn create(
    db: &impl ConnectionTrait,
    user_id: i32,
    name: &str,
) -> Result<NewToken, AppError> {
    let name = PersonName::parse(name)
        .map_err(|m| AppError::field("name", m.replace("Name", "Token name")))?;
    let mut secret = [0u8; 24];
    OsRng.fill_bytes(&mut secret);
    let token = format!("{PREFIX}{}", hex(&secret));
    let model = api_token::ActiveModel {
        user_id: Set(user_id),
        name: Set(name.into_inner()),
        token_hash: Set(hash(&token)),
        prefix: Set(token[..PREFIX.len() + 6].to_string()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(NewToken {
        token,
        info: view(model),
    })
}

pub async fn list(db: &impl ConnectionTrait, user_id: i32) -> Result<Vec<TokenView>, AppError> {
    Ok(api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .order_by_desc(api_token::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(view)
        .collect())
}

pub async fn revoke(db: &impl ConnectionTrait, user_id: i32, id: i32) -> Result<(), AppError> {
    let token = api_token::Entity::find_by_id(id)
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut model: api_token::ActiveModel = token.into();
    model.revoked_at = Set(Some(Utc::now()));
    model.update(db).await?;
    Ok(())
}

/// The active user a bearer token belongs to, if the token is valid and not revoked.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<Option<user::Model>, AppError> {
    if !token.starts_with(PREFIX) || token.len() > 100 {
        return Ok(None);
    }
    let Some(found) = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(hash(token)))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let user = super::users::find(db, found.user_id).await?;
    let now = Utc::now();
    let stale = found
        .last_used_at
        .is_none_or(|at| now - at > chrono::Duration::minutes(1));
    if stale {
        let mut model: api_token::ActiveModel = found.into();
        model.last_used_at = Set(Some(now));
        model.update(db).await?;
    }
    Ok(user.filter(|u| u.active))
}
