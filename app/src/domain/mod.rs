//! Pure rules, no IO: compiled for the browser and the server alike.

pub mod access;
pub mod activity;
pub mod lead;
pub mod money;
pub mod prospecting;
pub mod text;
pub mod throttle;
pub mod validate;

pub use access::{Action, Role};
