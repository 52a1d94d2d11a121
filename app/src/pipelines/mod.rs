//! Pipelines and their steps (admin).

mod admin_page;
pub mod api;

pub use admin_page::PipelinesPage;
