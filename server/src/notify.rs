//! PostgreSQL: the committed events of every node reach this node's live clients. Each event's
//! transaction notifies `events::CHANNEL` with its id when it commits; this node listens on one
//! connection and, told of new events, reads every event after the last one it relayed from the
//! table and relays them in id order. Ids are given in commit order there, so that read misses
//! nothing, even events whose notification was lost while the connection was down.

use app::error::AppError;
use app::server::events::{self, EventBus, CHANNEL};
use sea_orm::sqlx::postgres::PgListener;
use sea_orm::DatabaseConnection;
use std::time::Duration;

use crate::BoxError;

/// Events read from the table per catch-up step.
const CATCH_UP: u64 = 1000;

/// Listens (before returning, so nothing committed from now on is missed) and relays in the
/// background until the bus closes.
pub async fn start(db: &DatabaseConnection, bus: &EventBus) -> Result<(), BoxError> {
    let mut listener = PgListener::connect_with(db.get_postgres_connection_pool()).await?;
    listener.listen(CHANNEL).await?;
    let last = events::last_id(db).await?;
    tokio::spawn(relay(db.clone(), bus.clone(), listener, last));
    Ok(())
}

async fn relay(db: DatabaseConnection, bus: EventBus, mut listener: PgListener, mut last: i64) {
    let mut closing = bus.closing();
    let mut behind = false;
    loop {
        if *closing.borrow() {
            return;
        }
        if behind {
            match catch_up(&db, &bus, &mut last).await {
                Ok(()) => behind = false,
                Err(error) => {
                    tracing::warn!(?error, "live events: could not read the missed events");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            }
        }
        let received = tokio::select! {
            received = listener.try_recv() => received,
            _ = closing.changed() => return,
        };
        match received {
            Ok(Some(first)) => {
                let newest = std::iter::once(first)
                    .chain(std::iter::from_fn(|| listener.next_buffered()))
                    .filter_map(|n| n.payload().parse::<i64>().ok())
                    .max()
                    .unwrap_or(0);
                if newest > last {
                    behind = true;
                }
            }
            // The connection dropped; the next `try_recv` connects again.
            Ok(None) => behind = true,
            Err(error) => {
                tracing::warn!(%error, "live events: the notification connection failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
                behind = true;
            }
        }
    }
}

/// Relays the events after `last` from the table.
async fn catch_up(db: &DatabaseConnection, bus: &EventBus, last: &mut i64) -> Result<(), AppError> {
    loop {
        let missed = events::since(db, *last, CATCH_UP).await?;
        let complete = (missed.len() as u64) < CATCH_UP;
        if let Some(newest) = missed.last() {
            *last = newest.id;
        }
        bus.relay(missed);
        if complete {
            return Ok(());
        }
    }
}
