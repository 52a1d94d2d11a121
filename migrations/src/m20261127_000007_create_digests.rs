//! The morning digest: its settings (send time, public address, SMTP), each user's choice, and
//! one delivery record per recipient and day, claimed before anything is sent.

use sea_orm_migration::prelude::*;

use crate::columns::{at, fk, flag, id, int, long, optional_at, text};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MailSettings {
    Table,
    Id,
    DigestTime,
    PublicUrl,
    SmtpHost,
    SmtpPort,
    SmtpSecurity,
    SmtpUser,
    SmtpPassword,
    SmtpFrom,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    DigestOptIn,
    DigestQuietDays,
}

#[derive(DeriveIden)]
enum DigestDeliveries {
    Table,
    Id,
    UserId,
    Day,
    Status,
    Attempts,
    NextAttemptAt,
    LeaseUntil,
    LastError,
    Subject,
    TextBody,
    HtmlBody,
    CreatedAt,
    SentAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MailSettings::Table)
                    .col(
                        ColumnDef::new(MailSettings::Id)
                            .integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(text(MailSettings::DigestTime).default("07:30"))
                    .col(long(MailSettings::PublicUrl))
                    .col(long(MailSettings::SmtpHost))
                    .col(int(MailSettings::SmtpPort).default(587))
                    .col(text(MailSettings::SmtpSecurity).default("starttls"))
                    .col(long(MailSettings::SmtpUser))
                    .col(long(MailSettings::SmtpPassword))
                    .col(long(MailSettings::SmtpFrom))
                    .col(at(MailSettings::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(MailSettings::Table)
                    .columns([MailSettings::Id, MailSettings::UpdatedAt])
                    .values_panic([1.into(), Expr::current_timestamp()])
                    .to_owned(),
            )
            .await?;
        // NULL: the default for the role (on for managers and admins, off for members).
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(ColumnDef::new(Users::DigestOptIn).boolean().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(flag(Users::DigestQuietDays, false))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(DigestDeliveries::Table)
                    .col(id(DigestDeliveries::Id))
                    .col(int(DigestDeliveries::UserId))
                    .col(ColumnDef::new(DigestDeliveries::Day).date().not_null())
                    .col(text(DigestDeliveries::Status))
                    .col(int(DigestDeliveries::Attempts).default(0))
                    .col(optional_at(DigestDeliveries::NextAttemptAt))
                    .col(optional_at(DigestDeliveries::LeaseUntil))
                    .col(long(DigestDeliveries::LastError))
                    .col(long(DigestDeliveries::Subject))
                    .col(long(DigestDeliveries::TextBody))
                    .col(long(DigestDeliveries::HtmlBody))
                    .col(at(DigestDeliveries::CreatedAt))
                    .col(optional_at(DigestDeliveries::SentAt))
                    .col(at(DigestDeliveries::UpdatedAt))
                    .foreign_key(&mut fk(
                        (DigestDeliveries::Table, DigestDeliveries::UserId),
                        (Users::Table, Users::Id),
                        true,
                    ))
                    .to_owned(),
            )
            .await?;
        // The claim: one record per recipient and day, whoever gets there first.
        manager
            .create_index(
                Index::create()
                    .name("idx_digest_deliveries_claim")
                    .table(DigestDeliveries::Table)
                    .col(DigestDeliveries::UserId)
                    .col(DigestDeliveries::Day)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_digest_deliveries_day")
                    .table(DigestDeliveries::Table)
                    .col(DigestDeliveries::Day)
                    .col(DigestDeliveries::Status)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DigestDeliveries::Table).to_owned())
            .await?;
        for col in [Users::DigestOptIn, Users::DigestQuietDays] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(MailSettings::Table).to_owned())
            .await
    }
}
