//! Webhooks: the admin page that registers them and shows their deliveries.

pub mod api;
mod page;

pub use page::WebhooksPage;
