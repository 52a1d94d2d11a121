//! What the reports read: each history entry keeps the lead's amount at that moment and marks
//! the closing that counts (a lead's last change into won, lost or cancelled while it is still
//! closed that way), and covering indexes let the database answer every report from an index
//! range.

use sea_orm_migration::prelude::*;

use crate::columns::{big, flag};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LeadHistory {
    Table,
    AmountCents,
    LastClose,
}

/// Indexes as plain SQL: the same text on SQLite and PostgreSQL, partial ones included.
const INDEXES: [(&str, &str); 5] = [
    (
        "idx_activities_report",
        "activities (occurred_at, user_id, type_id, outcome_id, lead_id)",
    ),
    (
        "idx_leads_report",
        "leads (created_at, created_by, pipeline_id)",
    ),
    ("idx_leads_origin_list", "leads (origin_list_id)"),
    (
        "idx_lead_history_closes",
        "lead_history (at, owner_id, to_status, amount_cents) WHERE last_close",
    ),
    (
        "idx_lead_history_pipeline",
        "lead_history (to_pipeline_id, at, to_step_id, from_step_id, lead_id)",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(LeadHistory::Table)
                    .add_column(big(LeadHistory::AmountCents))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(LeadHistory::Table)
                    .add_column(flag(LeadHistory::LastClose, false))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        // Entries written before this change: the lead's present amount is the best known.
        db.execute_unprepared(
            "UPDATE lead_history SET amount_cents = \
             (SELECT l.amount_cents FROM leads l WHERE l.id = lead_history.lead_id)",
        )
        .await?;
        // The closing that counts: the lead's last status change, into the status it has now.
        db.execute_unprepared(
            "UPDATE lead_history SET last_close = TRUE \
             WHERE to_status IN ('won', 'lost', 'cancelled') \
             AND (from_status IS NULL OR from_status <> to_status) \
             AND to_status = (SELECT l.status FROM leads l WHERE l.id = lead_history.lead_id) \
             AND NOT EXISTS (SELECT 1 FROM lead_history x WHERE x.lead_id = lead_history.lead_id \
             AND x.id > lead_history.id \
             AND (x.from_status IS NULL OR x.from_status <> x.to_status))",
        )
        .await?;
        for (name, on) in INDEXES {
            db.execute_unprepared(&format!("CREATE INDEX {name} ON {on}"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, _) in INDEXES {
            db.execute_unprepared(&format!("DROP INDEX {name}")).await?;
        }
        for column in [LeadHistory::LastClose, LeadHistory::AmountCents] {
            manager
                .alter_table(
                    Table::alter()
                        .table(LeadHistory::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
