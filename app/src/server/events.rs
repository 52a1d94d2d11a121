//! The event bus: a change is committed together with its row in `events` (so that nothing is
//! lost and clients can catch up by id), then sent to the subscribers of this process.
//!
//! On SQLite (one process) the writer publishes its events itself once committed. On
//! PostgreSQL (any number of nodes) each event's transaction notifies the channel
//! [`CHANNEL`] with the event's id; every node, the writer's included, listens and relays the
//! events it is told of (`relay`), so that all nodes send every event once and in the same
//! order. Ids are given in commit order there: the insert of an event takes a transaction lock
//! held until the commit.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, Statement,
};
use tokio::sync::{broadcast, watch};

use super::entity::event;
use crate::error::AppError;
use crate::live::LiveEvent;

/// A committed event as it goes out to clients: its id and its JSON, serialized once for all
/// of them (a feed with hundreds of listeners must not serialize each event hundreds of times).
#[derive(Clone, Debug)]
pub struct Frame {
    pub id: i64,
    pub json: std::sync::Arc<str>,
}

impl From<&LiveEvent> for Frame {
    fn from(event: &LiveEvent) -> Self {
        Frame {
            id: event.id,
            json: serde_json::to_string(event).unwrap_or_default().into(),
        }
    }
}

/// The PostgreSQL notification channel of committed events (the payload is the event's id).
pub const CHANNEL: &str = "cadence_events";

/// The transaction lock that gives events their ids in commit order on PostgreSQL.
const ORDER_LOCK: i64 = 0x0063_6164_656e_6365;

#[derive(Clone, Debug)]
pub struct EventBus {
    sender: broadcast::Sender<Frame>,
    /// The events reach this process through the database's notifications (PostgreSQL),
    /// not from the writer.
    through_database: bool,
    closing: watch::Sender<bool>,
    /// Present when writers must take turns (SQLite has one writer at a time).
    turns: Option<std::sync::Arc<tokio::sync::Mutex<()>>>,
    /// Activities waiting for a write turn (they are written in batches).
    pub(crate) activities: std::sync::Arc<super::activities::ActivityQueue>,
    /// Activity types and outcomes, kept between their changes.
    pub(crate) catalog: std::sync::Arc<super::activities::CatalogCache>,
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new()
    }
}

impl EventBus {
    pub fn new() -> Self {
        let (sender, _) = broadcast::channel(4096);
        let (closing, _) = watch::channel(false);
        Self {
            sender,
            closing,
            through_database: false,
            turns: None,
            activities: Default::default(),
            catalog: Default::default(),
        }
    }

    /// A bus whose writers take turns in this process: on SQLite, concurrent write
    /// transactions then queue here in order instead of sleeping in SQLite's busy handler
    /// (whose growing sleeps made the slowest moves 125 ms under 20 concurrent writers).
    pub fn with_writer_turns() -> Self {
        Self {
            turns: Some(Default::default()),
            ..Self::new()
        }
    }

    /// A bus fed by the database's notifications (PostgreSQL, one node of many): the writers'
    /// `publish` sends nothing; `relay` does, on every node.
    pub fn through_database() -> Self {
        Self {
            through_database: true,
            ..Self::new()
        }
    }

    pub fn is_through_database(&self) -> bool {
        self.through_database
    }

    /// Waits for this writer's turn (at once when writers need not take turns); hold the
    /// guard until the transaction has committed.
    pub async fn writer_turn(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match &self.turns {
            Some(turns) => Some(turns.clone().lock_owned().await),
            None => None,
        }
    }

    /// Ends every live stream (the server is shutting down).
    pub fn shut_down(&self) {
        self.closing.send_replace(true);
    }

    /// Becomes `true` when the server shuts down.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Frame> {
        self.sender.subscribe()
    }

    /// Sends committed events to every subscriber (nobody listening is fine); through the
    /// database, the notifications do it instead.
    pub fn publish(&self, events: impl IntoIterator<Item = LiveEvent>) {
        if self.through_database {
            // The writer's own cache is stale at once, not when the notification comes back.
            for event in events {
                if event.kind == "activity_types.changed" {
                    self.catalog.invalidate();
                }
            }
        } else {
            self.relay(events);
        }
    }

    /// Sends events to this process's subscribers.
    pub fn relay(&self, events: impl IntoIterator<Item = LiveEvent>) {
        for event in events {
            if event.kind == "activity_types.changed" {
                self.catalog.invalidate();
            }
            let _ = self.sender.send(Frame::from(&event));
        }
    }
}

/// Writes an event in the same transaction as the change it describes, as the transaction's
/// last write: on PostgreSQL it takes a lock held until the commit (so that ids follow commit
/// order), and a transaction that wrote rows after it could deadlock with one that wrote those
/// rows first and waits for the lock.
pub async fn record(
    db: &impl ConnectionTrait,
    kind: &str,
    data: serde_json::Value,
) -> Result<LiveEvent, AppError> {
    let postgres = db.get_database_backend() == DbBackend::Postgres;
    if postgres {
        db.execute_raw(Statement::from_string(
            DbBackend::Postgres,
            format!("SELECT pg_advisory_xact_lock({ORDER_LOCK})"),
        ))
        .await?;
    }
    let at = Utc::now();
    let model = event::ActiveModel {
        kind: Set(kind.to_string()),
        payload: Set(data.to_string()),
        at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    if postgres {
        // Delivered to the listeners when the transaction commits (not at all if it does not).
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [CHANNEL.into(), model.id.to_string().into()],
        ))
        .await?;
    }
    Ok(LiveEvent {
        id: model.id as i64,
        kind: model.kind,
        at,
        data,
    })
}

/// Records that the database was just replaced by a backup, under an id above `seen_up_to`
/// (the newest id of the database it replaced) and every restored one: clients that followed
/// the replaced database get it next (and reload), and every later event comes after it.
pub async fn record_restore(
    db: &impl ConnectionTrait,
    seen_up_to: i64,
    data: serde_json::Value,
) -> Result<LiveEvent, AppError> {
    let id = seen_up_to.max(last_id(db).await?) + 1;
    let id = i32::try_from(id).map_err(super::internal)?;
    let at = Utc::now();
    let model = event::ActiveModel {
        id: Set(id),
        kind: Set(crate::live::WORKSPACE_RESTORED.to_string()),
        payload: Set(data.to_string()),
        at: Set(at),
    }
    .insert(db)
    .await?;
    Ok(live_event(model))
}

/// Events after `after_id`, oldest first, for a client catching up.
pub async fn since(
    db: &impl ConnectionTrait,
    after_id: i64,
    limit: u64,
) -> Result<Vec<LiveEvent>, AppError> {
    Ok(event::Entity::find()
        .filter(event::Column::Id.gt(after_id as i32))
        .order_by_asc(event::Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(live_event)
        .collect())
}

/// The kinds of the events after `after_id` ("lead.created", "activity.updated"…), each once,
/// with the time of its first event.
pub async fn kinds_since(
    db: &impl ConnectionTrait,
    after_id: i64,
) -> Result<Vec<(String, DateTime<Utc>)>, AppError> {
    Ok(event::Entity::find()
        .select_only()
        .column(event::Column::Kind)
        .column_as(event::Column::At.min(), "first_at")
        .filter(event::Column::Id.gt(after_id as i32))
        .group_by(event::Column::Kind)
        .into_tuple::<(String, DateTime<Utc>)>()
        .all(db)
        .await?)
}

fn live_event(m: event::Model) -> LiveEvent {
    LiveEvent {
        id: m.id as i64,
        kind: m.kind,
        at: m.at,
        data: serde_json::from_str(&m.payload).unwrap_or(serde_json::Value::Null),
    }
}

/// The id of the newest event (0 when there is none).
pub async fn last_id(db: &impl ConnectionTrait) -> Result<i64, AppError> {
    Ok(event::Entity::find()
        .select_only()
        .column(event::Column::Id)
        .order_by_desc(event::Column::Id)
        .limit(1)
        .into_tuple::<i32>()
        .one(db)
        .await?
        .unwrap_or(0) as i64)
}
