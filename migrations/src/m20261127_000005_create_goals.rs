//! Goals (what is counted, for whom, over which periods, against which target), the saved
//! forecast plans that create them, and the workspace's working days.

use sea_orm_migration::prelude::*;

use crate::columns::{at, big, fk, id, index, int, int_null, long, text};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Plans {
    Table,
    Id,
    Name,
    Inputs,
    CreatedBy,
    AppliedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Goals {
    Table,
    Id,
    Kind,
    ActivityTypeId,
    OutcomeId,
    PipelineId,
    Assignee,
    UserId,
    SegmentId,
    Period,
    StartsOn,
    EndsOn,
    Target,
    PlanId,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Workspaces {
    Table,
    WorkingDays,
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
                    .table(Plans::Table)
                    .col(id(Plans::Id))
                    .col(text(Plans::Name))
                    .col(long(Plans::Inputs))
                    .col(int(Plans::CreatedBy))
                    .col(
                        ColumnDef::new(Plans::AppliedAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(at(Plans::CreatedAt))
                    .col(at(Plans::UpdatedAt))
                    .foreign_key(&mut fk(
                        (Plans::Table, Plans::CreatedBy),
                        (Users::Table, Users::Id),
                        false,
                    ))
                    .to_owned(),
            )
            .await?;
        // The activity type, outcome, pipeline, user and segment a goal names are checked when
        // it is written (no keys: a goal outlives a renamed or deleted pipeline, and then
        // counts nothing).
        manager
            .create_table(
                Table::create()
                    .table(Goals::Table)
                    .col(id(Goals::Id))
                    .col(text(Goals::Kind))
                    .col(int_null(Goals::ActivityTypeId))
                    .col(int_null(Goals::OutcomeId))
                    .col(int_null(Goals::PipelineId))
                    .col(text(Goals::Assignee))
                    .col(int_null(Goals::UserId))
                    .col(int_null(Goals::SegmentId))
                    .col(ColumnDef::new(Goals::Period).string().null())
                    .col(ColumnDef::new(Goals::StartsOn).date().not_null())
                    .col(ColumnDef::new(Goals::EndsOn).date().null())
                    .col(big(Goals::Target))
                    .col(int_null(Goals::PlanId))
                    .col(int(Goals::CreatedBy))
                    .col(at(Goals::CreatedAt))
                    .col(at(Goals::UpdatedAt))
                    .foreign_key(&mut fk(
                        (Goals::Table, Goals::PlanId),
                        (Plans::Table, Plans::Id),
                        false,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_goals_user", Goals::UserId),
            ("idx_goals_segment", Goals::SegmentId),
            ("idx_goals_plan", Goals::PlanId),
        ] {
            manager
                .create_index(index(name, Goals::Table, vec![col.into_iden()]))
                .await?;
        }
        // Bit 0 is Monday: 31 is Monday to Friday.
        manager
            .alter_table(
                Table::alter()
                    .table(Workspaces::Table)
                    .add_column(
                        ColumnDef::new(Workspaces::WorkingDays)
                            .integer()
                            .not_null()
                            .default(31),
                    )
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Workspaces::Table)
                    .drop_column(Workspaces::WorkingDays)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Goals::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Plans::Table).to_owned())
            .await?;
        Ok(())
    }
}
