//! Pure rules, no IO: compiled for the browser and the server alike.

pub mod access;
pub mod activity;
pub mod digest;
pub mod forecast;
pub mod goal;
pub mod lead;
pub mod money;
pub mod period;
pub mod prospecting;
pub mod report;
pub mod text;
pub mod throttle;
pub mod validate;
pub mod webhook;

pub use access::{Action, Role};
