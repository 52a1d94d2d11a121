//! Goals met: one row the first time a goal reaches its target in a period, so that the
//! `goal.met` event is recorded once, whichever process or node notices it first.

use sea_orm_migration::prelude::*;

use crate::columns::{at, big, fk, id, int};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum GoalAttainments {
    Table,
    Id,
    GoalId,
    /// The first day of the period the goal was met in.
    PeriodStart,
    Value,
    Target,
    MetAt,
}

#[derive(DeriveIden)]
enum Goals {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(GoalAttainments::Table)
                    .col(id(GoalAttainments::Id))
                    .col(int(GoalAttainments::GoalId))
                    .col(
                        ColumnDef::new(GoalAttainments::PeriodStart)
                            .date()
                            .not_null(),
                    )
                    .col(big(GoalAttainments::Value))
                    .col(big(GoalAttainments::Target))
                    .col(at(GoalAttainments::MetAt))
                    .foreign_key(&mut fk(
                        (GoalAttainments::Table, GoalAttainments::GoalId),
                        (Goals::Table, Goals::Id),
                        true,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_goal_attainments_once")
                    .table(GoalAttainments::Table)
                    .col(GoalAttainments::GoalId)
                    .col(GoalAttainments::PeriodStart)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(GoalAttainments::Table).to_owned())
            .await
    }
}
