//! Activities: types and outcomes (admin), logging on leads, timelines, my activities, and the
//! live team feed.

mod admin_page;
pub mod api;
mod feed_page;
pub mod lead_section;
mod mine_page;
pub mod view;

pub use admin_page::ActivityTypesPage;
pub use feed_page::FeedPage;
pub use mine_page::MyActivitiesPage;
