//! Administration: users, segments and workspace settings.

pub mod api;
mod segments_page;
mod settings_page;
mod users_page;

pub use segments_page::SegmentsPage;
pub use settings_page::SettingsPage;
pub use users_page::UsersPage;
