//! Activity types, their outcomes (with the defaults a new workspace starts with), and the
//! activities logged on leads (and, later, prospects).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ActivityTypes {
    Table,
    Id,
    Name,
    Colour,
    Icon,
    Position,
    Active,
}

#[derive(DeriveIden)]
enum Outcomes {
    Table,
    Id,
    TypeId,
    Name,
    Colour,
    Position,
    Active,
}

#[derive(DeriveIden)]
enum Activities {
    Table,
    Id,
    TypeId,
    OutcomeId,
    UserId,
    LeadId,
    ProspectId,
    Note,
    OccurredAt,
    CreatedAt,
    UpdatedAt,
    UpdatedBy,
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

/// (name, colour, icon, outcomes as (name, colour))
type Default = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const DEFAULTS: [Default; 6] = [
    (
        "Call",
        "#2563eb",
        "phone",
        &[("Answered", "#16a34a"), ("Unanswered", "#9ca3af")],
    ),
    ("Email", "#7c3aed", "mail", &[]),
    ("Email received", "#0891b2", "inbox", &[]),
    (
        "Meeting",
        "#16a34a",
        "meeting",
        &[("Held", "#16a34a"), ("No-show", "#dc2626")],
    ),
    (
        "Qualifying call",
        "#ea580c",
        "target",
        &[
            ("Top fit", "#16a34a"),
            ("Good fit", "#65a30d"),
            ("Bad fit", "#dc2626"),
        ],
    ),
    (
        "Proposal",
        "#db2777",
        "proposal",
        &[
            ("Sent", "#2563eb"),
            ("Accepted", "#16a34a"),
            ("Declined", "#dc2626"),
        ],
    ),
];

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

fn active<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .boolean()
        .not_null()
        .default(true)
        .to_owned()
}

fn at<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
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
                    .table(ActivityTypes::Table)
                    .col(id(ActivityTypes::Id))
                    .col(text(ActivityTypes::Name).unique_key())
                    .col(text(ActivityTypes::Colour))
                    .col(text(ActivityTypes::Icon))
                    .col(int(ActivityTypes::Position))
                    .col(active(ActivityTypes::Active))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Outcomes::Table)
                    .col(id(Outcomes::Id))
                    .col(int(Outcomes::TypeId))
                    .col(text(Outcomes::Name))
                    .col(text(Outcomes::Colour))
                    .col(int(Outcomes::Position))
                    .col(active(Outcomes::Active))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Outcomes::Table, Outcomes::TypeId)
                            .to(ActivityTypes::Table, ActivityTypes::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "idx_outcomes_type_name",
                    Outcomes::Table,
                    vec![Outcomes::TypeId.into_iden(), Outcomes::Name.into_iden()],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Activities::Table)
                    .col(id(Activities::Id))
                    .col(int(Activities::TypeId))
                    .col(int_null(Activities::OutcomeId))
                    .col(int(Activities::UserId))
                    .col(int_null(Activities::LeadId))
                    // The prospecting issue adds prospects; the column is there from the start.
                    .col(int_null(Activities::ProspectId))
                    .col(
                        ColumnDef::new(Activities::Note)
                            .text()
                            .not_null()
                            .default(""),
                    )
                    .col(at(Activities::OccurredAt))
                    .col(at(Activities::CreatedAt))
                    .col(at(Activities::UpdatedAt))
                    .col(int(Activities::UpdatedBy))
                    // A used type or outcome is deactivated, never deleted (restrict).
                    .foreign_key(
                        ForeignKey::create()
                            .from(Activities::Table, Activities::TypeId)
                            .to(ActivityTypes::Table, ActivityTypes::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Activities::Table, Activities::OutcomeId)
                            .to(Outcomes::Table, Outcomes::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Activities::Table, Activities::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Activities::Table, Activities::LeadId)
                            .to(Leads::Table, Leads::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Reports and goals count by time, per user and per type; timelines read per lead;
        // the feed reads by recording time.
        for (name, cols) in [
            (
                "idx_activities_occurred",
                vec![Activities::OccurredAt.into_iden()],
            ),
            (
                "idx_activities_user",
                vec![
                    Activities::UserId.into_iden(),
                    Activities::OccurredAt.into_iden(),
                ],
            ),
            (
                "idx_activities_type",
                vec![
                    Activities::TypeId.into_iden(),
                    Activities::OccurredAt.into_iden(),
                ],
            ),
            (
                "idx_activities_outcome",
                vec![Activities::OutcomeId.into_iden()],
            ),
            (
                "idx_activities_lead",
                vec![
                    Activities::LeadId.into_iden(),
                    Activities::OccurredAt.into_iden(),
                ],
            ),
            (
                "idx_activities_prospect",
                vec![Activities::ProspectId.into_iden()],
            ),
            (
                "idx_activities_created",
                vec![Activities::CreatedAt.into_iden()],
            ),
        ] {
            manager
                .create_index(index(name, Activities::Table, cols))
                .await?;
        }

        for (position, (name, colour, icon, outcomes)) in DEFAULTS.iter().enumerate() {
            manager
                .exec_stmt(
                    Query::insert()
                        .into_table(ActivityTypes::Table)
                        .columns([
                            ActivityTypes::Name,
                            ActivityTypes::Colour,
                            ActivityTypes::Icon,
                            ActivityTypes::Position,
                        ])
                        .values_panic([
                            (*name).into(),
                            (*colour).into(),
                            (*icon).into(),
                            (position as i32).into(),
                        ])
                        .to_owned(),
                )
                .await?;
            for (position, (outcome, colour)) in outcomes.iter().enumerate() {
                let type_id = Query::select()
                    .column(ActivityTypes::Id)
                    .from(ActivityTypes::Table)
                    .and_where(Expr::col(ActivityTypes::Name).eq(*name))
                    .to_owned();
                manager
                    .exec_stmt(
                        Query::insert()
                            .into_table(Outcomes::Table)
                            .columns([
                                Outcomes::TypeId,
                                Outcomes::Name,
                                Outcomes::Colour,
                                Outcomes::Position,
                            ])
                            .values_panic([
                                SimpleExpr::SubQuery(
                                    None,
                                    Box::new(type_id.into_sub_query_statement()),
                                ),
                                (*outcome).into(),
                                (*colour).into(),
                                (position as i32).into(),
                            ])
                            .to_owned(),
                    )
                    .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Activities::Table.into_iden(),
            Outcomes::Table.into_iden(),
            ActivityTypes::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
