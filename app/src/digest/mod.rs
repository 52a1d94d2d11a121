//! The morning digest: its admin page (settings, preview, deliveries and outbox) and one's own
//! choice on the account page.

pub mod api;
mod choice;
mod page;

pub use choice::DigestChoiceForm;
pub use page::DigestPage;
