//! On the lead page: the form that logs an activity (one click per type, keys 1–9), and the
//! timeline of activities and step/status changes.

use std::sync::Arc;

use leptos::ev;
use leptos::html;
use leptos::prelude::*;

use super::api::{ActivityTypeView, ActivityView, DeleteActivity, LogActivity, UpdateActivity};
use super::view::{ActivityIcon, ActivityLine};
use crate::components::form::{field_error, form_error, FormMessage};
use crate::domain::text::html_escaped;
use crate::leads::api::HistoryView;

/// The form that logs an activity on a lead or a prospect; `preselect` picks a type at first
/// (e.g. a qualifying call at the end of a scripted call).
#[component]
pub fn LogActivityForm(
    lead_id: Option<i32>,
    prospect_id: Option<i32>,
    types: Vec<ActivityTypeView>,
    refresh: RwSignal<u32>,
    #[prop(default = None)] preselect: Option<i32>,
    #[prop(default = "Log an activity")] title: &'static str,
) -> impl IntoView {
    let log = ServerAction::<LogActivity>::new();
    let chosen = RwSignal::new(preselect);
    let outcome = RwSignal::new(None::<i32>);
    let form = NodeRef::<html::Form>::new();
    // Only active types are offered; the page read them with the lead (no resource of its
    // own, so that the server and the browser render the same buttons).
    let active: Arc<Vec<ActivityTypeView>> =
        Arc::new(types.into_iter().filter(|t| t.active).collect());
    let for_keys = active.clone();
    let for_outcomes = active.clone();
    Effect::new(move || {
        if let Some(Ok(_)) = log.value().get() {
            if let Some(form) = form.get_untracked() {
                form.reset();
            }
            chosen.set(preselect);
            outcome.set(None);
            refresh.update(|n| *n += 1);
        }
    });
    // Keys 1–9 pick a type, unless the user is typing somewhere.
    let handle = window_event_listener(ev::keydown, move |event| {
        if event.ctrl_key() || event.meta_key() || event.alt_key() {
            return;
        }
        let typing = event
            .target()
            .and_then(|t| {
                use web_sys::wasm_bindgen::JsCast;
                t.dyn_into::<web_sys::Element>().ok()
            })
            .map(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"))
            .unwrap_or(false);
        if typing {
            return;
        }
        if let Some(digit) = event.key().chars().next().and_then(|c| c.to_digit(10)) {
            if (1..=9).contains(&digit) {
                if let Some(t) = for_keys.get(digit as usize - 1) {
                    chosen.set(Some(t.id));
                    outcome.set(None);
                }
            }
        }
    });
    on_cleanup(move || handle.remove());
    let outcomes = move || {
        let id = chosen.get()?;
        for_outcomes.iter().find(|t| t.id == id).cloned().map(|t| {
            t.outcomes
                .into_iter()
                .filter(|o| o.active)
                .collect::<Vec<_>>()
        })
    };
    view! {
        <section class="card log-activity">
            <h2>{title}</h2>
            <ActionForm action=log node_ref=form attr:class="grid-form">
                <FormMessage error=form_error(log) />
                <input type="hidden" name="activity[lead_id]" value=lead_id.map(|i| i.to_string()).unwrap_or_default() />
                <input type="hidden" name="activity[prospect_id]" value=prospect_id.map(|i| i.to_string()).unwrap_or_default() />
                <input type="hidden" name="activity[type_id]" prop:value=move || chosen.get().map(|i| i.to_string()).unwrap_or_default() />
                <input type="hidden" name="activity[outcome_id]" prop:value=move || outcome.get().map(|i| i.to_string()).unwrap_or_default() />
                <div class="field wide-field" class:invalid=move || field_error(log, "type_id").get().is_some()>
                    <span class="label">"Type (keys 1–9)"</span>
                <div class="quick-types" role="group" aria-label="Activity type">
                    {active
                        .iter()
                        .cloned()
                        .enumerate()
                        .map(|(i, t)| {
                            let id = t.id;
                            let label = format!("{} ({})", t.name, i + 1);
                            view! {
                                <button
                                    type="button"
                                    class="quick-type"
                                    style=format!("--type-colour:{}", t.colour)
                                    aria-pressed=move || (chosen.get() == Some(id)).to_string()
                                    title=label
                                    on:click=move |_| {
                                        chosen.set(Some(id));
                                        outcome.set(None);
                                    }
                                >
                                    <ActivityIcon icon=t.icon.clone() colour=t.colour.clone() />
                                    {t.name.clone()}
                                </button>
                            }
                        })
                        .collect_view()}
                </div>
                    {move || field_error(log, "type_id").get().map(|m| view! { <p class="field-error">{m}</p> })}
                </div>
                {move || {
                    outcomes()
                        .filter(|list| !list.is_empty())
                        .map(|list| {
                            view! {
                                <div class="field wide-field" class:invalid=move || field_error(log, "outcome_id").get().is_some()>
                                    <span class="label">"Outcome"</span>
                                    <div class="quick-types" role="group" aria-label="Outcome">
                                        {list
                                            .into_iter()
                                            .map(|o| {
                                                let id = o.id;
                                                view! {
                                                    <button
                                                        type="button"
                                                        class="quick-outcome"
                                                        style=format!("--type-colour:{}", o.colour)
                                                        aria-pressed=move || (outcome.get() == Some(id)).to_string()
                                                        on:click=move |_| outcome.set(Some(id))
                                                    >
                                                        {o.name.clone()}
                                                    </button>
                                                }
                                            })
                                            .collect_view()}
                                    </div>
                                    {move || field_error(log, "outcome_id").get().map(|m| view! { <p class="field-error">{m}</p> })}
                                </div>
                            }
                        })
                }}
                <div class="field wide-field" class:invalid=move || field_error(log, "note").get().is_some()>
                    <label for="activity-note">"Note"</label>
                    <textarea id="activity-note" name="activity[note]" rows="2" maxlength="10000"></textarea>
                    {move || field_error(log, "note").get().map(|m| view! { <p class="field-error">{m}</p> })}
                </div>
                <div class="field" class:invalid=move || field_error(log, "occurred_at").get().is_some()>
                    <label for="activity-when">"When (empty: now)"</label>
                    <input id="activity-when" type="datetime-local" name="activity[occurred]" />
                    {move || field_error(log, "occurred_at").get().map(|m| view! { <p class="field-error">{m}</p> })}
                </div>
                {lead_id.is_some().then(|| view! {
                    <div class="field" class:invalid=move || field_error(log, "next_action").get().is_some()>
                        <label for="activity-next">"Next action (optional)"</label>
                        <input id="activity-next" type="datetime-local" name="activity[next_action]" />
                        {move || field_error(log, "next_action").get().map(|m| view! { <p class="field-error">{m}</p> })}
                    </div>
                })}
                {move || field_error(log, "lead_id").get().or_else(|| field_error(log, "prospect_id").get()).map(|m| view! { <p class="form-error">{m}</p> })}
                <div class="form-actions">
                    <button type="submit" class="button primary" disabled=move || log.pending().get()>{if preselect.is_some() { "Finish the call" } else { "Log activity" }}</button>
                    <Show when=move || matches!(log.value().get(), Some(Ok(_)))>
                        <span class="ok" role="status">"Logged."</span>
                    </Show>
                </div>
            </ActionForm>
        </section>
    }
}

enum Entry {
    Activity(Box<ActivityView>),
    Change(HistoryView),
}

impl Entry {
    fn at(&self) -> chrono::DateTime<chrono::Utc> {
        match self {
            Entry::Activity(a) => a.occurred_at,
            Entry::Change(h) => h.at,
        }
    }
}

fn change_text(h: &HistoryView) -> String {
    match (&h.from_step, h.from_status) {
        (None, _) => format!("Created in {} as {}", h.to_step, h.to_status.label()),
        (Some(from), Some(from_status)) if from_status != h.to_status => {
            if *from == h.to_step {
                format!("{} → {}", from_status.label(), h.to_status.label())
            } else {
                format!(
                    "{from} → {}, {} → {}",
                    h.to_step,
                    from_status.label(),
                    h.to_status.label()
                )
            }
        }
        (Some(from), _) => format!("{from} → {}", h.to_step),
    }
}

/// Activities and step/status changes of a lead, newest first.
#[component]
pub fn Timeline(
    activities: Vec<ActivityView>,
    history: Vec<HistoryView>,
    types: Vec<ActivityTypeView>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let mut entries: Vec<Entry> = activities
        .into_iter()
        .map(|a| Entry::Activity(Box::new(a)))
        .chain(history.into_iter().map(Entry::Change))
        .collect();
    entries.sort_by_key(|e| std::cmp::Reverse(e.at()));
    view! {
        <section class="card">
            <h2>"Timeline"</h2>
            <ol class="timeline activity-timeline">
                {entries
                    .into_iter()
                    .map(|entry| match entry {
                        Entry::Activity(a) => view! { <TimelineActivity activity=*a types=types.clone() refresh /> }.into_any(),
                        Entry::Change(h) => {
                            view! {
                                <li class="timeline-change">
                                    <span class="activity-icon change" aria-hidden="true">"›"</span>
                                    <div class="activity-body">
                                        <span>{change_text(&h)}</span>" "
                                        <span class="muted">{format!("by {}", h.user_name)}</span>
                                    </div>
                                    <time class="when" datetime=h.at.to_rfc3339()>{h.at_local.clone()}</time>
                                </li>
                            }
                                .into_any()
                        }
                    })
                    .collect_view()}
            </ol>
        </section>
    }
}

#[component]
fn TimelineActivity(
    activity: ActivityView,
    types: Vec<ActivityTypeView>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let update = ServerAction::<UpdateActivity>::new();
    let delete = ServerAction::<DeleteActivity>::new();
    Effect::new(move || {
        if matches!(update.value().get(), Some(Ok(_)))
            || matches!(delete.value().get(), Some(Ok(_)))
        {
            refresh.update(|n| *n += 1);
        }
    });
    let id = activity.id;
    let can_edit = activity.can_edit;
    let type_id = activity.type_id;
    let outcome_id = activity.outcome_id;
    let note = activity.note.clone();
    let when = activity.occurred_input.clone();
    let note_id = format!("activity-{id}-note");
    let when_id = format!("activity-{id}-when");
    let type_label = format!("Type of activity {id}");
    let outcome_label = format!("Outcome of activity {id}");
    let outcomes: Vec<(i32, String)> = types
        .iter()
        .flat_map(|t| {
            t.outcomes
                .iter()
                .filter(|o| o.active || Some(o.id) == outcome_id)
                .map(|o| (o.id, format!("{} · {}", t.name, o.name)))
        })
        .collect();
    view! {
        <li class="timeline-activity">
            <ActivityLine activity=activity show_user=true />
            {can_edit.then(|| view! {
                <details class="activity-edit">
                    <summary>"Edit"</summary>
                    <ActionForm action=update attr:class="grid-form">
                        <input type="hidden" name="id" value=id />
                        <label>
                            "Type "
                            <select name="activity[type_id]" aria-label=type_label>
                                {types
                                    .iter()
                                    .filter(|t| t.active || t.id == type_id)
                                    .map(|t| view! { <option value=t.id selected=t.id == type_id>{t.name.clone()}</option> })
                                    .collect_view()}
                            </select>
                        </label>
                        <label>
                            "Outcome "
                            <select name="activity[outcome_id]" aria-label=outcome_label>
                                <option value="">"(none)"</option>
                                {outcomes
                                    .into_iter()
                                    .map(|(oid, label)| view! { <option value=oid selected=Some(oid) == outcome_id>{label}</option> })
                                    .collect_view()}
                            </select>
                        </label>
                        <label for=when_id.clone()>"When"</label>
                        <input id=when_id type="datetime-local" name="activity[occurred]" value=when />
                        <label for=note_id.clone()>"Note"</label>
                        <textarea id=note_id name="activity[note]" rows="2" inner_html=html_escaped(&note)></textarea>
                        <div class="form-actions">
                            <button type="submit" class="button secondary small">"Save"</button>
                        </div>
                        {move || update.value().get().and_then(Result::err).map(|e| view! { <p class="form-error">{e.summary()}</p> })}
                    </ActionForm>
                    <ActionForm action=delete attr:class="inline">
                        <input type="hidden" name="id" value=id />
                        <button type="submit" class="button danger small">"Delete activity"</button>
                    </ActionForm>
                    {move || delete.value().get().and_then(Result::err).map(|e| view! { <p class="form-error">{e.summary()}</p> })}
                </details>
            })}
        </li>
    }
}
