//! Leads: the board, the lead page, and their server functions.

pub mod api;
mod board;
mod lead_page;

pub use board::BoardPage;
pub use lead_page::LeadPage;
