//! Database models. They never leave the server: api.rs files declare what goes to clients.

pub mod workspace {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "workspaces")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i32,
        pub name: String,
        pub time_zone: String,
        pub currency: String,
        pub week_start: String,
        pub setup_done: bool,
        /// Bit 0 is Monday.
        pub working_days: i32,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod segment {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "segments")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub name: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod user {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub email: String,
        pub name: String,
        pub password_hash: String,
        pub role: String,
        pub segment_id: Option<i32>,
        pub active: bool,
        pub time_zone: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        /// The morning digest: `None` is the role's default (on for managers and admins).
        pub digest_opt_in: Option<bool>,
        /// Also send the digest about a non-working day without activity.
        pub digest_quiet_days: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod session {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sessions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub user_id: Option<i32>,
        pub data: String,
        pub expires_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod login_failure {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "login_failures")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub email: String,
        pub at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod api_token {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "api_tokens")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub user_id: i32,
        pub name: String,
        pub token_hash: String,
        pub prefix: String,
        pub created_at: DateTimeUtc,
        pub last_used_at: Option<DateTimeUtc>,
        pub revoked_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod pipeline {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "pipelines")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub name: String,
        pub position: i32,
        pub is_default: bool,
        pub created_at: DateTimeUtc,
        /// The sales script offered on its leads' calls.
        pub script_id: Option<i32>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod step {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "steps")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub pipeline_id: i32,
        pub name: String,
        pub position: i32,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod lead {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "leads")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub title: String,
        pub amount_cents: i64,
        pub currency: String,
        pub probability: i32,
        pub owner_id: i32,
        pub pipeline_id: i32,
        pub step_id: i32,
        pub status: String,
        pub next_action_at: Option<DateTimeUtc>,
        pub company: String,
        pub person: String,
        pub email: String,
        pub phone: String,
        pub notes: String,
        pub tags: String,
        pub origin_list_id: Option<i32>,
        pub origin_prospect_id: Option<i32>,
        pub close_reason: Option<String>,
        pub created_by: i32,
        pub updated_by: i32,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub closed_at: Option<DateTimeUtc>,
        pub version: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod lead_history {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "lead_history")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub lead_id: i32,
        pub user_id: i32,
        pub owner_id: i32,
        pub from_pipeline_id: Option<i32>,
        pub to_pipeline_id: i32,
        pub from_step_id: Option<i32>,
        pub to_step_id: i32,
        pub from_status: Option<String>,
        pub to_status: String,
        pub at: DateTimeUtc,
        /// The lead's amount when this entry was written.
        pub amount_cents: i64,
        /// This entry is the closing that counts: the lead's last status change, into the
        /// won, lost or cancelled status it still has.
        pub last_close: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod event {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "events")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub kind: String,
        pub payload: String,
        pub at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod activity_type {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "activity_types")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub name: String,
        pub colour: String,
        pub icon: String,
        pub position: i32,
        pub active: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod outcome {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "outcomes")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub type_id: i32,
        pub name: String,
        pub colour: String,
        pub position: i32,
        pub active: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod activity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "activities")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub type_id: i32,
        pub outcome_id: Option<i32>,
        pub user_id: i32,
        pub lead_id: Option<i32>,
        pub prospect_id: Option<i32>,
        pub note: String,
        pub occurred_at: DateTimeUtc,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub updated_by: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod prospecting_list {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "prospecting_lists")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub name: String,
        pub owner_id: i32,
        pub pipeline_id: Option<i32>,
        pub step_id: Option<i32>,
        pub script_id: Option<i32>,
        pub show_unassigned: bool,
        pub archived: bool,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod list_column {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "list_columns")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub list_id: i32,
        pub name: String,
        pub kind: String,
        pub position: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod prospect {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "prospects")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub list_id: i32,
        /// JSON object: column id → text.
        pub cells: String,
        pub assigned_to: Option<i32>,
        pub status: String,
        pub disqualify_reason: Option<String>,
        pub lead_id: Option<i32>,
        pub activity_count: i32,
        pub last_activity_at: Option<DateTimeUtc>,
        pub last_activity_type_id: Option<i32>,
        pub import_id: Option<i32>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod import {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "imports")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub list_id: i32,
        pub user_id: i32,
        pub status: String,
        pub good_rows_only: bool,
        pub delimiter: String,
        /// JSON: the mapping as sent.
        pub mapping: String,
        pub total_bytes: i64,
        pub read_bytes: i64,
        pub rows_ok: i64,
        pub rows_bad: i64,
        pub message: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod import_error {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "import_errors")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub import_id: i32,
        pub line: i64,
        pub reason: String,
        pub raw: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod script {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "scripts")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub name: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod script_question {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "script_questions")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub script_id: i32,
        pub position: i32,
        pub kind: String,
        pub prompt: String,
        /// JSON array of the choices.
        pub options: String,
        pub required: bool,
        pub retired: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod script_answer {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "script_answers")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub question_id: i32,
        pub prospect_id: Option<i32>,
        pub lead_id: Option<i32>,
        /// JSON: a string, or an array of strings for multiple choice.
        pub value: String,
        pub updated_by: i32,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod goal {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "goals")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub kind: String,
        pub activity_type_id: Option<i32>,
        pub outcome_id: Option<i32>,
        pub pipeline_id: Option<i32>,
        pub assignee: String,
        pub user_id: Option<i32>,
        pub segment_id: Option<i32>,
        /// `None`: one fixed range.
        pub period: Option<String>,
        pub starts_on: Date,
        pub ends_on: Option<Date>,
        pub target: i64,
        pub plan_id: Option<i32>,
        pub created_by: i32,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod goal_attainment {
    use sea_orm::entity::prelude::*;

    /// The first time a goal reached its target in a period (at most one per goal and period).
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "goal_attainments")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub goal_id: i32,
        pub period_start: Date,
        pub value: i64,
        pub target: i64,
        pub met_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod plan {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "plans")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub name: String,
        /// `domain::forecast::PlanInputs` as JSON.
        pub inputs: String,
        pub created_by: i32,
        pub applied_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod mail_settings {
    use sea_orm::entity::prelude::*;

    /// One row: when the digest goes out, the app's public address, and the SMTP relay. Its
    /// `Debug` leaves the password out.
    #[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "mail_settings")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i32,
        /// "HH:MM" in the workspace time zone.
        pub digest_time: String,
        pub public_url: String,
        pub smtp_host: String,
        pub smtp_port: i32,
        /// starttls, tls or none.
        pub smtp_security: String,
        pub smtp_user: String,
        pub smtp_password: String,
        pub smtp_from: String,
        pub updated_at: DateTimeUtc,
    }

    impl std::fmt::Debug for Model {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("mail_settings::Model")
                .field("digest_time", &self.digest_time)
                .field("public_url", &self.public_url)
                .field("smtp_host", &self.smtp_host)
                .field("smtp_port", &self.smtp_port)
                .field("smtp_security", &self.smtp_security)
                .field("smtp_user", &self.smtp_user)
                .field("smtp_password_set", &!self.smtp_password.is_empty())
                .field("smtp_from", &self.smtp_from)
                .finish()
        }
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod digest_delivery {
    use sea_orm::entity::prelude::*;

    /// The claim of one recipient's digest about one day, and what became of it.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "digest_deliveries")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub user_id: i32,
        pub day: Date,
        pub status: String,
        pub attempts: i32,
        pub next_attempt_at: Option<DateTimeUtc>,
        pub lease_until: Option<DateTimeUtc>,
        pub last_error: String,
        pub subject: String,
        pub text_body: String,
        pub html_body: String,
        pub created_at: DateTimeUtc,
        pub sent_at: Option<DateTimeUtc>,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod webhook {
    use sea_orm::entity::prelude::*;

    /// Where to POST which events; the secret signs them.
    #[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "webhooks")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub url: String,
        /// Event types, separated by spaces.
        pub events: String,
        pub active: bool,
        pub secret: String,
        pub created_by: Option<i32>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        /// The last event of the events table already turned into deliveries.
        pub cursor: i64,
        pub lease_until: Option<DateTimeUtc>,
        pub failing_since: Option<DateTimeUtc>,
        pub disabled_at: Option<DateTimeUtc>,
        pub disabled_reason: String,
    }

    /// The secret stays out of logs and debug output.
    impl std::fmt::Debug for Model {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("webhook::Model")
                .field("id", &self.id)
                .field("url", &self.url)
                .field("events", &self.events)
                .field("active", &self.active)
                .field("cursor", &self.cursor)
                .finish_non_exhaustive()
        }
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod webhook_delivery {
    use sea_orm::entity::prelude::*;

    /// One event for one webhook, with its frozen body and how its last try went.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "webhook_deliveries")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub webhook_id: i32,
        pub event_id: i32,
        pub event_type: String,
        pub body: String,
        pub status: String,
        pub attempts: i32,
        pub next_attempt_at: DateTimeUtc,
        pub last_code: Option<i32>,
        pub last_error: String,
        pub last_duration_ms: Option<i32>,
        pub created_at: DateTimeUtc,
        pub delivered_at: Option<DateTimeUtc>,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
