//! Webhooks: where to POST which events, with a secret to sign them; and the outbox of
//! deliveries, queued from the events table after the change committed, kept for 30 days.

use sea_orm_migration::prelude::*;

use crate::columns::{at, big, fk, flag, id, int, long, optional_at, text};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Webhooks {
    Table,
    Id,
    Url,
    Events,
    Active,
    Secret,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    /// The last event of the events table already turned into deliveries.
    Cursor,
    /// One sender at a time (across processes and nodes) sends this webhook's queue.
    LeaseUntil,
    /// Since when its deliveries fail without a success in between.
    FailingSince,
    DisabledAt,
    DisabledReason,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    WebhookId,
    EventId,
    EventType,
    Body,
    Status,
    Attempts,
    NextAttemptAt,
    LastCode,
    LastError,
    LastDurationMs,
    CreatedAt,
    DeliveredAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Webhooks::Table)
                    .col(id(Webhooks::Id))
                    .col(long(Webhooks::Url))
                    .col(long(Webhooks::Events))
                    .col(flag(Webhooks::Active, true))
                    .col(text(Webhooks::Secret))
                    .col(ColumnDef::new(Webhooks::CreatedBy).integer().null())
                    .col(at(Webhooks::CreatedAt))
                    .col(at(Webhooks::UpdatedAt))
                    .col(big(Webhooks::Cursor))
                    .col(optional_at(Webhooks::LeaseUntil))
                    .col(optional_at(Webhooks::FailingSince))
                    .col(optional_at(Webhooks::DisabledAt))
                    .col(long(Webhooks::DisabledReason))
                    .foreign_key(
                        &mut ForeignKey::create()
                            .from(Webhooks::Table, Webhooks::CreatedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull)
                            .to_owned(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .col(id(WebhookDeliveries::Id))
                    .col(int(WebhookDeliveries::WebhookId))
                    .col(int(WebhookDeliveries::EventId))
                    .col(text(WebhookDeliveries::EventType))
                    .col(long(WebhookDeliveries::Body))
                    .col(text(WebhookDeliveries::Status))
                    .col(int(WebhookDeliveries::Attempts).default(0))
                    .col(at(WebhookDeliveries::NextAttemptAt))
                    .col(ColumnDef::new(WebhookDeliveries::LastCode).integer().null())
                    .col(long(WebhookDeliveries::LastError))
                    .col(
                        ColumnDef::new(WebhookDeliveries::LastDurationMs)
                            .integer()
                            .null(),
                    )
                    .col(at(WebhookDeliveries::CreatedAt))
                    .col(optional_at(WebhookDeliveries::DeliveredAt))
                    .col(at(WebhookDeliveries::UpdatedAt))
                    .foreign_key(&mut fk(
                        (WebhookDeliveries::Table, WebhookDeliveries::WebhookId),
                        (Webhooks::Table, Webhooks::Id),
                        true,
                    ))
                    .to_owned(),
            )
            .await?;
        // One delivery per webhook, event and type, however often the queue is filled.
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_deliveries_once")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::WebhookId)
                    .col(WebhookDeliveries::EventId)
                    .col(WebhookDeliveries::EventType)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // The sender's scan: a webhook's waiting deliveries in order.
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_deliveries_queue")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::WebhookId)
                    .col(WebhookDeliveries::Status)
                    .col(WebhookDeliveries::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_deliveries_created")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(WebhookDeliveries::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Webhooks::Table).to_owned())
            .await
    }
}
