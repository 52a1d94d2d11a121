//! Logging in and out, first-run setup, and the current user.

pub mod api;
mod login_page;

pub use login_page::LoginPage;
