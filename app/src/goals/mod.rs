//! Goals, progress and the forecast planner: the pages and their API.

pub mod api;
mod goal_form;
mod planner_page;
mod team_page;

pub use planner_page::PlannerPage;
pub use team_page::TeamGoalsPage;
