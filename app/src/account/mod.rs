//! A user's own account: password, profile and API tokens.

pub mod api;
mod page;

pub use page::AccountPage;
