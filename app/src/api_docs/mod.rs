//! The API reference page: how to get a token and call the API, and every operation of the
//! OpenAPI document, for reading.

pub mod api;
mod page;

pub use page::ApiReferencePage;
