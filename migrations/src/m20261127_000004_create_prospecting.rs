//! Prospecting lists (free columns, rows assigned to reps), CSV imports with their rejected
//! lines, sales scripts with versioned questions, and the answers given during calls.

use sea_orm_migration::prelude::*;

use crate::columns::{at, big, fk, flag, id, index, int, int_null, long, text};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Scripts {
    Table,
    Id,
    Name,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ScriptQuestions {
    Table,
    Id,
    ScriptId,
    Position,
    Kind,
    Prompt,
    Options,
    Required,
    Retired,
}

#[derive(DeriveIden)]
enum ProspectingLists {
    Table,
    Id,
    Name,
    OwnerId,
    PipelineId,
    StepId,
    ScriptId,
    ShowUnassigned,
    Archived,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ListColumns {
    Table,
    Id,
    ListId,
    Name,
    Kind,
    Position,
}

#[derive(DeriveIden)]
enum Prospects {
    Table,
    Id,
    ListId,
    Cells,
    AssignedTo,
    Status,
    DisqualifyReason,
    LeadId,
    ActivityCount,
    LastActivityAt,
    LastActivityTypeId,
    ImportId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Imports {
    Table,
    Id,
    ListId,
    UserId,
    Status,
    GoodRowsOnly,
    Delimiter,
    Mapping,
    TotalBytes,
    ReadBytes,
    RowsOk,
    RowsBad,
    Message,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ImportErrors {
    Table,
    Id,
    ImportId,
    Line,
    Reason,
    Raw,
}

#[derive(DeriveIden)]
enum ScriptAnswers {
    Table,
    Id,
    QuestionId,
    ProspectId,
    LeadId,
    Value,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Pipelines {
    Table,
    ScriptId,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Leads {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Scripts::Table)
                    .col(id(Scripts::Id))
                    .col(text(Scripts::Name).unique_key())
                    .col(at(Scripts::CreatedAt))
                    .col(at(Scripts::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // A question with answers is never changed in place: an edit retires it and adds its
        // new version, so answers keep the question they answered.
        manager
            .create_table(
                Table::create()
                    .table(ScriptQuestions::Table)
                    .col(id(ScriptQuestions::Id))
                    .col(int(ScriptQuestions::ScriptId))
                    .col(int(ScriptQuestions::Position))
                    .col(text(ScriptQuestions::Kind))
                    .col(long(ScriptQuestions::Prompt))
                    .col(long(ScriptQuestions::Options))
                    .col(flag(ScriptQuestions::Required, false))
                    .col(flag(ScriptQuestions::Retired, false))
                    .foreign_key(&mut fk(
                        (ScriptQuestions::Table, ScriptQuestions::ScriptId),
                        (Scripts::Table, Scripts::Id),
                        true,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProspectingLists::Table)
                    .col(id(ProspectingLists::Id))
                    .col(text(ProspectingLists::Name))
                    .col(int(ProspectingLists::OwnerId))
                    .col(int_null(ProspectingLists::PipelineId))
                    .col(int_null(ProspectingLists::StepId))
                    .col(int_null(ProspectingLists::ScriptId))
                    .col(flag(ProspectingLists::ShowUnassigned, true))
                    .col(flag(ProspectingLists::Archived, false))
                    .col(at(ProspectingLists::CreatedAt))
                    .col(at(ProspectingLists::UpdatedAt))
                    .foreign_key(&mut fk(
                        (ProspectingLists::Table, ProspectingLists::OwnerId),
                        (Users::Table, Users::Id),
                        false,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ListColumns::Table)
                    .col(id(ListColumns::Id))
                    .col(int(ListColumns::ListId))
                    .col(text(ListColumns::Name))
                    .col(text(ListColumns::Kind))
                    .col(int(ListColumns::Position))
                    .foreign_key(&mut fk(
                        (ListColumns::Table, ListColumns::ListId),
                        (ProspectingLists::Table, ProspectingLists::Id),
                        true,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Imports::Table)
                    .col(id(Imports::Id))
                    .col(int(Imports::ListId))
                    .col(int(Imports::UserId))
                    .col(text(Imports::Status))
                    .col(flag(Imports::GoodRowsOnly, false))
                    .col(text(Imports::Delimiter))
                    .col(long(Imports::Mapping))
                    .col(big(Imports::TotalBytes))
                    .col(big(Imports::ReadBytes))
                    .col(big(Imports::RowsOk))
                    .col(big(Imports::RowsBad))
                    .col(long(Imports::Message))
                    .col(at(Imports::CreatedAt))
                    .col(at(Imports::UpdatedAt))
                    .foreign_key(&mut fk(
                        (Imports::Table, Imports::ListId),
                        (ProspectingLists::Table, ProspectingLists::Id),
                        true,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ImportErrors::Table)
                    .col(id(ImportErrors::Id))
                    .col(int(ImportErrors::ImportId))
                    .col(big(ImportErrors::Line))
                    .col(long(ImportErrors::Reason))
                    .col(long(ImportErrors::Raw))
                    .foreign_key(&mut fk(
                        (ImportErrors::Table, ImportErrors::ImportId),
                        (Imports::Table, Imports::Id),
                        true,
                    ))
                    .to_owned(),
            )
            .await?;
        // A prospect staged by a running import has its `import_id` set and is seen by no one
        // until the import ends well.
        manager
            .create_table(
                Table::create()
                    .table(Prospects::Table)
                    .col(id(Prospects::Id))
                    .col(int(Prospects::ListId))
                    .col(long(Prospects::Cells))
                    .col(int_null(Prospects::AssignedTo))
                    .col(
                        ColumnDef::new(Prospects::Status)
                            .string()
                            .not_null()
                            .default("new"),
                    )
                    .col(ColumnDef::new(Prospects::DisqualifyReason).text().null())
                    .col(int_null(Prospects::LeadId))
                    .col(
                        ColumnDef::new(Prospects::ActivityCount)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(Prospects::LastActivityAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(int_null(Prospects::LastActivityTypeId))
                    .col(int_null(Prospects::ImportId))
                    .col(at(Prospects::CreatedAt))
                    .col(at(Prospects::UpdatedAt))
                    .foreign_key(&mut fk(
                        (Prospects::Table, Prospects::ListId),
                        (ProspectingLists::Table, ProspectingLists::Id),
                        true,
                    ))
                    .foreign_key(&mut fk(
                        (Prospects::Table, Prospects::AssignedTo),
                        (Users::Table, Users::Id),
                        false,
                    ))
                    .foreign_key(&mut fk(
                        (Prospects::Table, Prospects::LeadId),
                        (Leads::Table, Leads::Id),
                        false,
                    ))
                    .to_owned(),
            )
            .await?;
        // The list page reads a list's visible rows in id order and counts them (members:
        // theirs and the unassigned ones) from this one index, without touching the rows.
        for (name, cols) in [
            (
                "idx_prospects_visible",
                vec![
                    Prospects::ListId.into_iden(),
                    Prospects::ImportId.into_iden(),
                    Prospects::Id.into_iden(),
                    Prospects::AssignedTo.into_iden(),
                ],
            ),
            (
                "idx_prospects_import",
                vec![Prospects::ImportId.into_iden()],
            ),
            ("idx_prospects_lead", vec![Prospects::LeadId.into_iden()]),
        ] {
            manager
                .create_index(index(name, Prospects::Table, cols))
                .await?;
        }
        manager
            .create_index(index(
                "idx_import_errors_import",
                ImportErrors::Table,
                vec![
                    ImportErrors::ImportId.into_iden(),
                    ImportErrors::Line.into_iden(),
                ],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ScriptAnswers::Table)
                    .col(id(ScriptAnswers::Id))
                    .col(int(ScriptAnswers::QuestionId))
                    .col(int_null(ScriptAnswers::ProspectId))
                    .col(int_null(ScriptAnswers::LeadId))
                    .col(long(ScriptAnswers::Value))
                    .col(int(ScriptAnswers::UpdatedBy))
                    .col(at(ScriptAnswers::UpdatedAt))
                    .foreign_key(&mut fk(
                        (ScriptAnswers::Table, ScriptAnswers::QuestionId),
                        (ScriptQuestions::Table, ScriptQuestions::Id),
                        false,
                    ))
                    .foreign_key(&mut fk(
                        (ScriptAnswers::Table, ScriptAnswers::ProspectId),
                        (Prospects::Table, Prospects::Id),
                        true,
                    ))
                    .foreign_key(&mut fk(
                        (ScriptAnswers::Table, ScriptAnswers::LeadId),
                        (Leads::Table, Leads::Id),
                        true,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_answers_prospect", ScriptAnswers::ProspectId),
            ("idx_answers_lead", ScriptAnswers::LeadId),
        ] {
            manager
                .create_index(
                    index(
                        name,
                        ScriptAnswers::Table,
                        vec![col.into_iden(), ScriptAnswers::QuestionId.into_iden()],
                    )
                    .unique()
                    .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Pipelines::Table)
                    .add_column(int_null(Pipelines::ScriptId))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Pipelines::Table)
                    .drop_column(Pipelines::ScriptId)
                    .to_owned(),
            )
            .await?;
        for table in [
            ScriptAnswers::Table.into_iden(),
            Prospects::Table.into_iden(),
            ImportErrors::Table.into_iden(),
            Imports::Table.into_iden(),
            ListColumns::Table.into_iden(),
            ProspectingLists::Table.into_iden(),
            ScriptQuestions::Table.into_iden(),
            Scripts::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
