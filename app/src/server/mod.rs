//! Server-only code: application state, the current user, database entities and queries.

pub mod activities;
pub mod api_reference;
pub mod digest;
mod digest_mail;
pub mod entity;
pub mod events;
pub mod goals;
pub mod imports;
pub mod leads;
pub mod passwords;
pub mod pipelines;
pub mod prospecting;
pub mod reports;
pub mod scripts;
pub mod segments;
pub mod session_store;
pub mod tokens;
pub mod users;
pub mod webhooks;
pub mod workspace;

use leptos::prelude::*;
use sea_orm::{DatabaseConnection, DbErr, TransactionError};
use tower_sessions::Session;

use crate::domain::access::{allows, Action};
use crate::error::AppError;

/// Shared by every request: reaches server functions through Leptos context and REST
/// handlers through axum state.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub bus: events::EventBus,
    pub leptos_options: LeptosOptions,
    /// The SMTP relay was given on the command line (or in the environment), which wins over
    /// the settings stored in the database.
    pub smtp_override: bool,
    /// The REST API's OpenAPI document, for the reference page.
    pub openapi: std::sync::Arc<serde_json::Value>,
    /// Webhooks may POST over plain http:// to this machine or a private network.
    pub webhooks_allow_http: bool,
}

impl axum::extract::FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// Key of the logged-in user's id in the session.
pub const SESSION_USER_KEY: &str = "user_id";

/// A logged-in, active user, as the permission check sees them.
#[derive(Clone, Debug)]
pub struct Actor {
    pub id: i32,
    pub role: crate::domain::Role,
    pub name: String,
    /// IANA name; dates are shown and typed in it.
    pub time_zone: String,
}

impl Actor {
    /// Refuses with 403 unless this user may do `action`.
    pub fn require(&self, action: Action) -> Result<(), AppError> {
        if allows(self.role, action) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| internal("AppState missing from context"))
}

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>()
        .await
        .map_err(|e| internal(format!("session layer missing: {e}")))
}

/// The logged-in user of this request, or 401.
pub async fn actor() -> Result<Actor, AppError> {
    let state = state()?;
    actor_of(&state.db, &session().await?).await
}

/// The logged-in user of `session`, or 401 (a deactivated user's session is ended).
pub async fn actor_of(db: &DatabaseConnection, session: &Session) -> Result<Actor, AppError> {
    let id: Option<i32> = session.get(SESSION_USER_KEY).await.map_err(internal)?;
    let Some(id) = id else {
        return Err(AppError::Unauthorized);
    };
    match users::find(db, id).await? {
        Some(user) if user.active => Ok(Actor {
            id: user.id,
            role: crate::domain::Role::parse(&user.role).map_err(internal)?,
            name: user.name,
            time_zone: user.time_zone,
        }),
        _ => {
            session.flush().await.map_err(internal)?;
            Err(AppError::Unauthorized)
        }
    }
}

/// The logged-in user of `session` as the pages show them, or `None` for a visitor.
pub async fn session_user(
    db: &DatabaseConnection,
    session: &Session,
) -> Result<Option<crate::auth::api::SessionUser>, AppError> {
    let actor = match actor_of(db, session).await {
        Ok(actor) => actor,
        Err(AppError::Unauthorized) => return Ok(None),
        Err(e) => return Err(e),
    };
    let user = users::find(db, actor.id)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let workspace = workspace::get(db).await?;
    Ok(Some(crate::auth::api::SessionUser {
        id: user.id,
        name: user.name,
        email: user.email,
        role: actor.role,
        time_zone: user.time_zone,
        workspace_name: workspace.name,
    }))
}

/// The logged-in user of this request, checked for `action`.
pub async fn authorize(action: Action) -> Result<Actor, AppError> {
    let actor = actor().await?;
    actor.require(action)?;
    Ok(actor)
}

/// Sets the HTTP status of a failed server function, so that API clients and tests see
/// 401 / 403 / 422 rather than a blanket 500.
pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(error) = &result {
        if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(status) = axum::http::StatusCode::from_u16(error.status()) {
                options.set_status(status);
            }
        }
    }
    result
}

/// Logs the cause and returns the generic internal error.
pub fn internal(cause: impl std::fmt::Display) -> AppError {
    tracing::error!(%cause, "internal error");
    AppError::Internal
}

impl From<DbErr> for AppError {
    fn from(error: DbErr) -> Self {
        internal(format!("database: {error}"))
    }
}

impl From<TransactionError<AppError>> for AppError {
    fn from(error: TransactionError<AppError>) -> Self {
        match error {
            TransactionError::Connection(e) => e.into(),
            TransactionError::Transaction(e) => e,
        }
    }
}

/// Starts a transaction that will write. On SQLite it takes the write lock at once
/// (`BEGIN IMMEDIATE`), so that concurrent writers queue on the busy timeout instead of failing
/// when a read lock cannot be upgraded; PostgreSQL ignores the option.
pub async fn writing(db: &DatabaseConnection) -> Result<sea_orm::DatabaseTransaction, DbErr> {
    use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Whether a database error is a unique-constraint violation (on SQLite or PostgreSQL).
pub fn is_unique_violation(error: &DbErr) -> bool {
    matches!(
        error.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}
