//! Pieces every activity page shows: the type icon, the outcome badge, one activity.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use super::api::ActivityView;
use crate::domain::activity::icon_path;

/// The type's icon on its colour.
#[component]
pub fn ActivityIcon(#[prop(into)] icon: String, #[prop(into)] colour: String) -> impl IntoView {
    let path = icon_path(&icon);
    view! {
        <span class="activity-icon" style=format!("background:{colour}") aria-hidden="true">
            <svg viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor"
                stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
                <path d=path />
            </svg>
        </span>
    }
}

#[component]
pub fn OutcomeBadge(name: Option<String>, colour: Option<String>) -> impl IntoView {
    name.map(|name| {
        let colour = colour.unwrap_or_else(|| "#6b7280".into());
        view! { <span class="badge" style=format!("background:{colour}")>{name}</span> }
    })
}

/// Where what an activity was about lives: its lead, else its prospect.
pub fn subject_href(lead_id: Option<i32>, prospect_id: Option<i32>) -> Option<String> {
    match (lead_id, prospect_id) {
        (Some(lead), _) => Some(format!("/leads/{lead}")),
        (None, Some(prospect)) => Some(format!("/prospects/{prospect}")),
        _ => None,
    }
}

/// One activity: icon, type, outcome, lead, note, who and when.
#[component]
pub fn ActivityLine(
    activity: ActivityView,
    #[prop(optional)] show_lead: bool,
    #[prop(optional)] show_user: bool,
) -> impl IntoView {
    let a = activity;
    let lead = show_lead
        .then(|| subject_href(a.lead_id, a.prospect_id))
        .flatten()
        .map(|href| {
            view! { <span class="muted">" on "</span><a href=href>{a.lead_title.clone()}</a> }
        });
    let user = show_user.then(|| view! { <strong>{a.user_name.clone()}</strong>" " });
    let note = (!a.note.is_empty()).then(|| {
        let text: String = a.note.chars().take(280).collect();
        let cut = a.note.chars().count() > 280;
        view! { <p class="note">{text}{cut.then_some("…")}</p> }
    });
    view! {
        <ActivityIcon icon=a.icon.clone() colour=a.colour.clone() />
        <div class="activity-body">
            <div>
                {user}
                <span class="activity-type">{a.type_name.clone()}</span>" "
                <OutcomeBadge name=a.outcome_name.clone() colour=a.outcome_colour.clone() />
                {lead}
            </div>
            {note}
        </div>
        <time class="when" datetime=a.occurred_at.to_rfc3339()>{a.occurred_local.clone()}</time>
    }
}

/// `at` as `Nov 27, 14:05` in the browser's time zone (live items, which the server sends to
/// everyone, are dated by the browser that shows them).
pub fn browser_local(at: DateTime<Utc>) -> String {
    #[cfg(feature = "hydrate")]
    {
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let date = web_sys::js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
            at.timestamp_millis() as f64,
        ));
        format!(
            "{} {}, {:02}:{:02}",
            MONTHS[(date.get_month() as usize).min(11)],
            date.get_date(),
            date.get_hours(),
            date.get_minutes()
        )
    }
    #[cfg(not(feature = "hydrate"))]
    {
        at.format("%b %-d, %H:%M").to_string()
    }
}
