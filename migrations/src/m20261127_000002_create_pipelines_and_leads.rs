//! Pipelines, their steps, leads, the history of every move and status change, and the event
//! log that live updates are read from.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Pipelines {
    Table,
    Id,
    Name,
    Position,
    IsDefault,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Steps {
    Table,
    Id,
    PipelineId,
    Name,
    Position,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Leads {
    Table,
    Id,
    Title,
    AmountCents,
    Currency,
    Probability,
    OwnerId,
    PipelineId,
    StepId,
    Status,
    NextActionAt,
    Company,
    Person,
    Email,
    Phone,
    Notes,
    Tags,
    OriginListId,
    OriginProspectId,
    CloseReason,
    CreatedBy,
    UpdatedBy,
    CreatedAt,
    UpdatedAt,
    ClosedAt,
    Version,
}

#[derive(DeriveIden)]
enum LeadHistory {
    Table,
    Id,
    LeadId,
    UserId,
    OwnerId,
    FromPipelineId,
    ToPipelineId,
    FromStepId,
    ToStepId,
    FromStatus,
    ToStatus,
    At,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    Kind,
    Payload,
    At,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

fn id<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

fn int<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).integer().not_null().to_owned()
}

fn int_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).integer().null().to_owned()
}

fn text<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).string().not_null().to_owned()
}

fn text_default<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .string()
        .not_null()
        .default("")
        .to_owned()
}

fn at<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn at_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

fn index(name: &str, table: impl IntoIden, cols: Vec<DynIden>) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for col in cols {
        index.col(col);
    }
    index.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Pipelines::Table)
                    .col(id(Pipelines::Id))
                    .col(text(Pipelines::Name).unique_key())
                    .col(int(Pipelines::Position))
                    .col(
                        ColumnDef::new(Pipelines::IsDefault)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(at(Pipelines::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Steps::Table)
                    .col(id(Steps::Id))
                    .col(int(Steps::PipelineId))
                    .col(text(Steps::Name))
                    .col(int(Steps::Position))
                    .col(at(Steps::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Steps::Table, Steps::PipelineId)
                            .to(Pipelines::Table, Pipelines::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_steps_pipeline_position",
                Steps::Table,
                vec![Steps::PipelineId.into_iden(), Steps::Position.into_iden()],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Leads::Table)
                    .col(id(Leads::Id))
                    .col(text(Leads::Title))
                    .col(
                        ColumnDef::new(Leads::AmountCents)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(text(Leads::Currency))
                    .col(int(Leads::Probability))
                    .col(int(Leads::OwnerId))
                    .col(int(Leads::PipelineId))
                    .col(int(Leads::StepId))
                    .col(text(Leads::Status))
                    .col(at_null(Leads::NextActionAt))
                    .col(text_default(Leads::Company))
                    .col(text_default(Leads::Person))
                    .col(text_default(Leads::Email))
                    .col(text_default(Leads::Phone))
                    .col(ColumnDef::new(Leads::Notes).text().not_null().default(""))
                    .col(text_default(Leads::Tags))
                    .col(int_null(Leads::OriginListId))
                    .col(int_null(Leads::OriginProspectId))
                    .col(ColumnDef::new(Leads::CloseReason).string().null())
                    .col(int(Leads::CreatedBy))
                    .col(int(Leads::UpdatedBy))
                    .col(at(Leads::CreatedAt))
                    .col(at(Leads::UpdatedAt))
                    .col(at_null(Leads::ClosedAt))
                    .col(
                        ColumnDef::new(Leads::Version)
                            .integer()
                            .not_null()
                            .default(1),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Leads::Table, Leads::OwnerId)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Leads::Table, Leads::PipelineId)
                            .to(Pipelines::Table, Pipelines::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Leads::Table, Leads::StepId)
                            .to(Steps::Table, Steps::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // A board column: the leads of one step in next-action order, read in index order
        // (the status filter is checked while walking it).
        manager
            .create_index(index(
                "idx_leads_board",
                Leads::Table,
                vec![
                    Leads::StepId.into_iden(),
                    Leads::NextActionAt.into_iden(),
                    Leads::Id.into_iden(),
                ],
            ))
            .await?;
        // Column counts and sums of a pipeline, from the index alone.
        manager
            .create_index(index(
                "idx_leads_pipeline_totals",
                Leads::Table,
                vec![
                    Leads::PipelineId.into_iden(),
                    Leads::Status.into_iden(),
                    Leads::StepId.into_iden(),
                    Leads::AmountCents.into_iden(),
                ],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_leads_owner",
                Leads::Table,
                vec![Leads::OwnerId.into_iden(), Leads::Status.into_iden()],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_leads_created",
                Leads::Table,
                vec![Leads::CreatedAt.into_iden()],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LeadHistory::Table)
                    .col(id(LeadHistory::Id))
                    .col(int(LeadHistory::LeadId))
                    .col(int(LeadHistory::UserId))
                    .col(int(LeadHistory::OwnerId))
                    .col(int_null(LeadHistory::FromPipelineId))
                    .col(int(LeadHistory::ToPipelineId))
                    .col(int_null(LeadHistory::FromStepId))
                    .col(int(LeadHistory::ToStepId))
                    .col(ColumnDef::new(LeadHistory::FromStatus).string().null())
                    .col(text(LeadHistory::ToStatus))
                    .col(at(LeadHistory::At))
                    .foreign_key(
                        ForeignKey::create()
                            .from(LeadHistory::Table, LeadHistory::LeadId)
                            .to(Leads::Table, Leads::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_lead_history_lead",
                LeadHistory::Table,
                vec![LeadHistory::LeadId.into_iden(), LeadHistory::At.into_iden()],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_lead_history_step_at",
                LeadHistory::Table,
                vec![
                    LeadHistory::ToStepId.into_iden(),
                    LeadHistory::At.into_iden(),
                ],
            ))
            .await?;
        manager
            .create_index(index(
                "idx_lead_history_at",
                LeadHistory::Table,
                vec![LeadHistory::At.into_iden()],
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(id(Events::Id))
                    .col(text(Events::Kind))
                    .col(ColumnDef::new(Events::Payload).text().not_null())
                    .col(at(Events::At))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Events::Table.into_iden(),
            LeadHistory::Table.into_iden(),
            Leads::Table.into_iden(),
            Steps::Table.into_iden(),
            Pipelines::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
