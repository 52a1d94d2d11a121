//! Prospecting lists, CSV imports, prospects and sales scripts: the pages and their API.

pub mod api;
mod import_panel;
mod list_page;
mod lists_page;
mod prospect_page;
mod scripts_page;

pub use list_page::ListPage;
pub use lists_page::ListsPage;
pub use prospect_page::{AnswerList, CallScript, ProspectPage};
pub use scripts_page::ScriptsPage;
