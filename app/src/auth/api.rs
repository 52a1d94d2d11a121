use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::Role;
use crate::error::AppError;

/// The logged-in user, as the UI needs them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    pub id: i32,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub time_zone: String,
    pub workspace_name: String,
}

/// The logged-in user, or `None` for an anonymous visitor.
#[server(endpoint = "current_user")]
pub async fn current_user() -> Result<Option<SessionUser>, AppError> {
    use crate::server::{respond, session, session_user, state};
    respond(
        async {
            let state = state()?;
            session_user(&state.db, &session().await?).await
        }
        .await,
    )
}

#[server(endpoint = "login")]
pub async fn login(email: String, password: String) -> Result<(), AppError> {
    use crate::server::{internal, respond, session, state, users, SESSION_USER_KEY};
    respond(
        async {
            let state = state()?;
            let user = users::authenticate(&state.db, &email, &password).await?;
            let session = session().await?;
            // A new id at login: a session id known before login is worthless after it.
            session.cycle_id().await.map_err(internal)?;
            session
                .insert(SESSION_USER_KEY, user.id)
                .await
                .map_err(internal)?;
            tracing::info!(user_id = user.id, "login");
            Ok(())
        }
        .await,
    )
}

#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::server::{internal, respond, session};
    respond(
        async {
            session().await?.flush().await.map_err(internal)?;
            Ok(())
        }
        .await,
    )
}

/// Whether the workspace still needs its first admin (an empty database without demo data).
#[server(endpoint = "needs_setup")]
pub async fn needs_setup() -> Result<bool, AppError> {
    use crate::server::{respond, state, workspace};
    respond(
        async {
            let state = state()?;
            Ok(!workspace::get(&state.db).await?.setup_done)
        }
        .await,
    )
}

/// Creates the first admin account, once, and logs them in.
#[server(endpoint = "setup_first_admin")]
pub async fn setup_first_admin(
    workspace_name: String,
    name: String,
    email: String,
    password: String,
) -> Result<(), AppError> {
    use crate::domain::validate::WorkspaceName;
    use crate::error::Check;
    use crate::server::{internal, respond, session, state, users, workspace, SESSION_USER_KEY};
    use sea_orm::TransactionTrait;
    respond(
        async {
            let state = state()?;
            let mut check = Check::new();
            check.take("workspace_name", WorkspaceName::parse(&workspace_name));
            check.finish()?;
            let user = state
                .db
                .transaction::<_, _, AppError>(|txn| {
                    Box::pin(async move {
                        if !workspace::claim_setup(txn).await? {
                            return Err(AppError::Conflict(
                                "This workspace is already set up: log in instead.".into(),
                            ));
                        }
                        let current = workspace::get(txn).await?;
                        workspace::update(
                            txn,
                            &workspace_name,
                            &current.time_zone,
                            &current.currency,
                            &current.week_start,
                        )
                        .await?;
                        users::create(
                            txn,
                            users::NewUser {
                                name,
                                email,
                                role: "admin".into(),
                                segment_id: None,
                                password,
                            },
                        )
                        .await
                    })
                })
                .await?;
            let session = session().await?;
            session.cycle_id().await.map_err(internal)?;
            session
                .insert(SESSION_USER_KEY, user.id)
                .await
                .map_err(internal)?;
            Ok(())
        }
        .await,
    )
}
