//! The five reports: their pages, charts and API.

pub mod api;
#[cfg(feature = "hydrate")]
mod chart;
mod page;

pub use page::{ReportPage, ReportsIndex};
