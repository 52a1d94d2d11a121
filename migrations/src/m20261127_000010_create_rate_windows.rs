//! API rate windows kept in the database, so that several nodes count a token's requests
//! together (PostgreSQL; one SQLite process counts in memory).

use sea_orm_migration::prelude::*;

use crate::columns::{at, int, text};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiRateWindows {
    Table,
    /// SHA-256 of the token, in hexadecimal (the token itself is not kept).
    TokenKey,
    OpenedAt,
    /// Requests in the window, refused ones included.
    Hits,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ApiRateWindows::Table)
                    .col(text(ApiRateWindows::TokenKey).primary_key())
                    .col(at(ApiRateWindows::OpenedAt))
                    .col(int(ApiRateWindows::Hits))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ApiRateWindows::Table).to_owned())
            .await
    }
}
