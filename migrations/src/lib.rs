//! Database migrations, one file per change; a landed migration is never edited.

pub use sea_orm_migration::prelude::*;

mod columns;
mod m20261127_000001_create_foundation;
mod m20261127_000002_create_pipelines_and_leads;
mod m20261127_000003_create_activities;
mod m20261127_000004_create_prospecting;
mod m20261127_000005_create_goals;
mod m20261127_000006_report_columns;
mod m20261127_000007_create_digests;
mod m20261127_000008_create_webhooks;
mod m20261127_000009_create_goal_attainments;
mod m20261127_000010_create_rate_windows;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_create_foundation::Migration),
            Box::new(m20261127_000002_create_pipelines_and_leads::Migration),
            Box::new(m20261127_000003_create_activities::Migration),
            Box::new(m20261127_000004_create_prospecting::Migration),
            Box::new(m20261127_000005_create_goals::Migration),
            Box::new(m20261127_000006_report_columns::Migration),
            Box::new(m20261127_000007_create_digests::Migration),
            Box::new(m20261127_000008_create_webhooks::Migration),
            Box::new(m20261127_000009_create_goal_attainments::Migration),
            Box::new(m20261127_000010_create_rate_windows::Migration),
        ]
    }
}
