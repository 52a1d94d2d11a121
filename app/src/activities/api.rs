//! What the activity pages and the API exchange, and the server functions behind the pages.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "id": 1, "type_id": 1, "name": "Answered", "colour": "#16a34a", "position": 0,
    "active": true, "used": true
})))]
pub struct OutcomeView {
    pub id: i32,
    pub type_id: i32,
    pub name: String,
    /// `#rrggbb`
    pub colour: String,
    pub position: i32,
    pub active: bool,
    /// Whether any activity has this outcome (then it can be deactivated, not deleted).
    pub used: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "id": 1, "name": "Call", "colour": "#2563eb", "icon": "phone", "position": 0,
    "active": true, "used": true,
    "outcomes": [
        {
            "id": 1, "type_id": 1, "name": "Answered", "colour": "#16a34a", "position": 0,
            "active": true, "used": true
        },
        {
            "id": 2, "type_id": 1, "name": "Voicemail", "colour": "#f59e0b", "position": 1,
            "active": true, "used": true
        },
        {
            "id": 3, "type_id": 1, "name": "No answer", "colour": "#dc2626", "position": 2,
            "active": true, "used": false
        }
    ]
})))]
pub struct ActivityTypeView {
    pub id: i32,
    pub name: String,
    /// `#rrggbb`
    pub colour: String,
    /// A key of the bundled icon set: phone, mail, inbox, meeting, target, proposal, calendar,
    /// chat, video, check, star, flag.
    pub icon: String,
    pub position: i32,
    pub active: bool,
    pub used: bool,
    /// In order; inactive ones included.
    pub outcomes: Vec<OutcomeView>,
}

/// One logged activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "id": 845, "type_id": 1, "type_name": "Call", "colour": "#2563eb", "icon": "phone",
    "outcome_id": 1, "outcome_name": "Answered", "outcome_colour": "#16a34a", "user_id": 2,
    "user_name": "Alice Martin", "lead_id": 12, "lead_title": "Globex annual licence",
    "prospect_id": null, "note": "Walked through the proposal; decision expected next week.",
    "occurred_at": "2026-11-27T09:30:00Z", "occurred_local": "Nov 27, 10:30",
    "day": "Friday, November 27, 2026", "occurred_input": "2026-11-27T10:30",
    "created_at": "2026-11-27T09:32:10Z", "updated_at": "2026-11-27T09:32:10Z",
    "can_edit": true
})))]
pub struct ActivityView {
    pub id: i32,
    pub type_id: i32,
    pub type_name: String,
    pub colour: String,
    pub icon: String,
    pub outcome_id: Option<i32>,
    pub outcome_name: Option<String>,
    pub outcome_colour: Option<String>,
    pub user_id: i32,
    pub user_name: String,
    pub lead_id: Option<i32>,
    pub lead_title: String,
    pub prospect_id: Option<i32>,
    pub note: String,
    pub occurred_at: DateTime<Utc>,
    /// `occurred_at` in the viewer's time zone, e.g. `Nov 27, 14:05`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub occurred_local: String,
    /// The viewer's local day of `occurred_at`, e.g. `Friday, November 27, 2026`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub day: String,
    /// `YYYY-MM-DDTHH:MM` in the viewer's time zone, for a date-time field.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub occurred_input: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Whether the viewer may change or delete it now.
    pub can_edit: bool,
}

/// An activity form as typed: all text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ActivityForm {
    pub type_id: String,
    pub outcome_id: String,
    pub lead_id: String,
    /// Instead of a lead: a prospect.
    pub prospect_id: String,
    pub note: String,
    /// `YYYY-MM-DDTHH:MM` in the user's time zone; empty is now.
    pub occurred: String,
    /// The lead's next action, `YYYY-MM-DDTHH:MM`; empty leaves it as it is.
    pub next_action: String,
}

/// What happened, as the feed shows it: an activity, or a lead created, won or lost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedItem {
    /// Unique across kinds: `a<id>` for activities, `h<id>` for lead history.
    pub key: String,
    /// `activity`, `lead_created`, `lead_won` or `lead_lost`.
    pub kind: String,
    pub user_id: i32,
    pub user_name: String,
    pub lead_id: Option<i32>,
    pub lead_title: String,
    /// Won leads: the amount with its currency.
    pub amount: Option<String>,
    pub activity: Option<ActivityView>,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// `at` in the viewer's time zone (filled in by the browser for live items).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub at_local: String,
    /// Where the next older page starts after this item.
    pub cursor: String,
}

/// The feed's filters, as they stand in the URL (empty: all).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FeedFilter {
    pub user: String,
    pub segment: String,
    #[serde(rename = "type")]
    pub type_id: String,
    pub outcome: String,
    /// `1`: only the people of my segment.
    pub team: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedPage {
    pub items: Vec<FeedItem>,
    /// The cursor of the next older page, when there is one.
    pub next: Option<String>,
    /// The viewer's segment (for "only my team's").
    pub my_segment: Option<i32>,
    /// The last event committed before the page was read: live updates start after it.
    pub last_event: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityPage {
    pub items: Vec<ActivityView>,
    pub next: Option<String>,
}

/// Items per feed or list page.
pub const PAGE: u64 = 50;

#[server(endpoint = "list_activity_types")]
pub async fn list_activity_types() -> Result<Vec<ActivityTypeView>, AppError> {
    use crate::domain::Action;
    use crate::server::{activities, authorize, respond, state};
    respond(
        async {
            authorize(Action::LogActivities).await?;
            activities::types(&state()?.db).await
        }
        .await,
    )
}

/// Creates (id empty) or changes an activity type.
#[server(endpoint = "save_activity_type")]
pub async fn save_activity_type(
    id: String,
    name: String,
    colour: String,
    icon: String,
) -> Result<ActivityTypeView, AppError> {
    use crate::domain::Action;
    use crate::server::activities::{self, TypePatch};
    use crate::server::{authorize, respond, state};
    respond(
        async {
            authorize(Action::ManageActivityTypes).await?;
            let state = state()?;
            let patch = TypePatch {
                name: Some(name),
                colour: Some(colour),
                icon: Some(icon),
                ..Default::default()
            };
            match crate::pipelines::api::parse_optional_id(&id, "id")? {
                None => activities::create_type(&state.db, &state.bus, patch).await,
                Some(id) => activities::update_type(&state.db, &state.bus, id, patch).await,
            }
        }
        .await,
    )
}

/// Activates or deactivates a type, or moves it to `position` (`-1`: leave it).
#[server(endpoint = "arrange_activity_type")]
pub async fn arrange_activity_type(
    id: i32,
    active: Option<bool>,
    position: Option<i32>,
) -> Result<ActivityTypeView, AppError> {
    use crate::domain::Action;
    use crate::server::activities::{self, TypePatch};
    use crate::server::{authorize, respond, state};
    respond(
        async {
            authorize(Action::ManageActivityTypes).await?;
            let state = state()?;
            let patch = TypePatch {
                active,
                position,
                ..Default::default()
            };
            activities::update_type(&state.db, &state.bus, id, patch).await
        }
        .await,
    )
}

#[server(endpoint = "delete_activity_type")]
pub async fn delete_activity_type(id: i32) -> Result<(), AppError> {
    use crate::domain::Action;
    use crate::server::{activities, authorize, respond, state};
    respond(
        async {
            authorize(Action::ManageActivityTypes).await?;
            let state = state()?;
            activities::delete_type(&state.db, &state.bus, id).await
        }
        .await,
    )
}

/// Creates (id empty, under `type_id`) or changes an outcome.
#[server(endpoint = "save_outcome")]
pub async fn save_outcome(
    id: String,
    type_id: i32,
    name: String,
    colour: String,
) -> Result<OutcomeView, AppError> {
    use crate::domain::Action;
    use crate::server::activities::{self, OutcomePatch};
    use crate::server::{authorize, respond, state};
    respond(
        async {
            authorize(Action::ManageActivityTypes).await?;
            let state = state()?;
            let patch = OutcomePatch {
                name: Some(name),
                colour: Some(colour),
                ..Default::default()
            };
            match crate::pipelines::api::parse_optional_id(&id, "id")? {
                None => activities::create_outcome(&state.db, &state.bus, type_id, patch).await,
                Some(id) => activities::update_outcome(&state.db, &state.bus, id, patch).await,
            }
        }
        .await,
    )
}

#[server(endpoint = "arrange_outcome")]
pub async fn arrange_outcome(
    id: i32,
    active: Option<bool>,
    position: Option<i32>,
) -> Result<OutcomeView, AppError> {
    use crate::domain::Action;
    use crate::server::activities::{self, OutcomePatch};
    use crate::server::{authorize, respond, state};
    respond(
        async {
            authorize(Action::ManageActivityTypes).await?;
            let state = state()?;
            let patch = OutcomePatch {
                active,
                position,
                ..Default::default()
            };
            activities::update_outcome(&state.db, &state.bus, id, patch).await
        }
        .await,
    )
}

#[server(endpoint = "delete_outcome")]
pub async fn delete_outcome(id: i32) -> Result<(), AppError> {
    use crate::domain::Action;
    use crate::server::{activities, authorize, respond, state};
    respond(
        async {
            authorize(Action::ManageActivityTypes).await?;
            let state = state()?;
            activities::delete_outcome(&state.db, &state.bus, id).await
        }
        .await,
    )
}

#[server(endpoint = "log_activity")]
pub async fn log_activity(activity: ActivityForm) -> Result<ActivityView, AppError> {
    use crate::domain::Action;
    use crate::server::{activities, authorize, respond, state};
    respond(
        async {
            let actor = authorize(Action::LogActivities).await?;
            let state = state()?;
            let new = activities::form_to_new(&actor, activity)?;
            activities::log(&state.db, &state.bus, &actor, new).await
        }
        .await,
    )
}

#[server(endpoint = "update_activity")]
pub async fn update_activity(id: i32, activity: ActivityForm) -> Result<ActivityView, AppError> {
    use crate::domain::Action;
    use crate::server::{activities, authorize, respond, state};
    respond(
        async {
            let actor = authorize(Action::LogActivities).await?;
            let state = state()?;
            let patch = activities::form_to_patch(&actor, activity)?;
            activities::update(&state.db, &state.bus, &actor, id, patch).await
        }
        .await,
    )
}

#[server(endpoint = "delete_activity")]
pub async fn delete_activity(id: i32) -> Result<(), AppError> {
    use crate::domain::Action;
    use crate::server::{activities, authorize, respond, state};
    respond(
        async {
            let actor = authorize(Action::LogActivities).await?;
            let state = state()?;
            activities::delete(&state.db, &state.bus, &actor, id).await
        }
        .await,
    )
}

/// A lead's activities, newest first.
#[server(endpoint = "lead_activities")]
pub async fn lead_activities(lead_id: i32) -> Result<Vec<ActivityView>, AppError> {
    use crate::domain::Action;
    use crate::server::activities::{self, ActivityFilter};
    use crate::server::{authorize, respond, state};
    respond(
        async {
            let actor = authorize(Action::LogActivities).await?;
            let filter = ActivityFilter {
                lead_id: Some(lead_id),
                ..Default::default()
            };
            activities::list(&state()?.db, &actor, &filter, 500, 0)
                .await
                .map(|(items, _)| items)
        }
        .await,
    )
}

/// The viewer's own activities, newest first, a page after `before` (empty: the newest).
#[server(endpoint = "my_activities")]
pub async fn my_activities(
    type_id: String,
    outcome_id: String,
    before: String,
) -> Result<ActivityPage, AppError> {
    use crate::domain::Action;
    use crate::server::{activities, authorize, respond, state};
    respond(
        async {
            let actor = authorize(Action::LogActivities).await?;
            activities::mine(&state()?.db, &actor, &type_id, &outcome_id, &before).await
        }
        .await,
    )
}

/// A page of the team feed, newest first, after `before` (empty: the newest).
#[server(endpoint = "get_feed")]
pub async fn get_feed(filter: FeedFilter, before: String) -> Result<FeedPage, AppError> {
    use crate::domain::Action;
    use crate::server::{activities, authorize, respond, state};
    respond(
        async {
            let actor = authorize(Action::LogActivities).await?;
            activities::feed(&state()?.db, &actor, &filter, &before).await
        }
        .await,
    )
}
