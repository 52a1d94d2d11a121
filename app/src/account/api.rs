use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenView {
    pub id: i32,
    pub name: String,
    /// The first characters of the token, to recognise it.
    pub prefix: String,
    /// `YYYY-MM-DD`, formatted on the server.
    pub created_on: String,
    /// `YYYY-MM-DD HH:MM UTC`, if the token was ever used.
    pub last_used: Option<String>,
}

/// A token just created: the only time its secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewToken {
    pub token: String,
    pub info: TokenView,
}

#[server(endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, respond, session, state, users};
    respond(
        async {
            let actor = authorize(Action::ManageOwnAccount).await?;
            let keep = session().await?.id().map(|id| id.to_string());
            users::change_password(
                &state()?.db,
                actor.id,
                &current_password,
                &new_password,
                &confirm_password,
                keep.as_deref(),
            )
            .await
        }
        .await,
    )
}

#[server(endpoint = "update_profile")]
pub async fn update_profile(name: String, time_zone: String) -> Result<(), AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, respond, state, users};
    respond(
        async {
            let actor = authorize(Action::ManageOwnAccount).await?;
            users::update_profile(&state()?.db, actor.id, &name, &time_zone).await?;
            Ok(())
        }
        .await,
    )
}

#[server(endpoint = "list_tokens")]
pub async fn list_tokens() -> Result<Vec<TokenView>, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, respond, state, tokens};
    respond(
        async {
            let actor = authorize(Action::ManageOwnAccount).await?;
            tokens::list(&state()?.db, actor.id).await
        }
        .await,
    )
}

#[server(endpoint = "create_token")]
pub async fn create_token(name: String) -> Result<NewToken, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, respond, state, tokens};
    respond(
        async {
            let actor = authorize(Action::ManageOwnAccount).await?;
            tokens::create(&state()?.db, actor.id, &name).await
        }
        .await,
    )
}

#[server(endpoint = "revoke_token")]
pub async fn revoke_token(id: i32) -> Result<(), AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, respond, state, tokens};
    respond(
        async {
            let actor = authorize(Action::ManageOwnAccount).await?;
            tokens::revoke(&state()?.db, actor.id, id).await
        }
        .await,
    )
}
