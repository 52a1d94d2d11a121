//! A goal's progress bar: value against target, the mark of what is expected by now, and the
//! projection at the current pace.

use leptos::prelude::*;

use crate::domain::goal::{GoalKind, PaceStatus};
use crate::goals::api::ProgressRow;

#[component]
pub fn GoalBar(
    /// "Call", "Revenue won · Acquisition".
    title: String,
    kind: GoalKind,
    row: ProgressRow,
    /// "today", "this week", "24 Nov – 30 Nov 2026".
    #[prop(optional, into)]
    caption: String,
) -> impl IntoView {
    let pace = row.pace;
    let width = pace.percent().clamp(0, 100);
    let expected = if pace.target > 0 {
        (i128::from(pace.expected) * 100 / i128::from(pace.target)).clamp(0, 100) as i64
    } else {
        0
    };
    let status = pace.status;
    let numbers = format!(
        "{} / {}",
        kind.format(pace.current),
        kind.format(pace.target)
    );
    let detail = match status {
        PaceStatus::Met => "Target reached".to_string(),
        PaceStatus::Missed => format!("Missed: {} % of target", pace.percent()),
        PaceStatus::Upcoming => "Not started yet".to_string(),
        _ => format!(
            "{} · {} expected by now · at this pace: {} % of target",
            status.label(),
            kind.format(pace.expected),
            pace.projected_percent()
        ),
    };
    let label = format!("{title}: {numbers}");
    view! {
        <div class=format!("goal-bar {}", status.css()) data-status=status.css()>
            <div class="goal-bar-head">
                <span class="goal-title">{title}</span>
                <span class="muted">{caption}</span>
                <strong class="goal-numbers">{numbers}</strong>
            </div>
            <div
                class="bar"
                role="progressbar"
                aria-label=label
                aria-valuemin="0"
                aria-valuemax=pace.target
                aria-valuenow=pace.current
            >
                <span class="fill" style=format!("width: {width}%")></span>
                <span class="expected" style=format!("left: {expected}%") title="Expected by now"></span>
            </div>
            <p class="goal-bar-foot">{detail}</p>
        </div>
    }
}
